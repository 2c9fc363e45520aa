import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const read = (file: string) => readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');

interface Target {
  expr: string;
  refId: string;
  datasource: { type: string; uid: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource: { type: string; uid: string };
  targets: Target[];
}
interface Variable {
  name: string;
  type: string;
  query: string | { query: string };
  multi?: boolean;
  includeAll?: boolean;
}
interface Dashboard {
  schemaVersion: number;
  uid: string;
  templating: { list: Variable[] };
  panels: Panel[];
}

/** Every family the gateway registers: its own, the gate's (read by announce.ts) and the address register's. */
const FAMILIES = new Set(
  ['src/metrics.ts', 'src/gate/announce.ts', 'src/registry/register-status.ts'].flatMap((file) =>
    [...read(file).matchAll(/name: '(epj_gateway_[a-z_]+)'/g)].map((m) => m[1]!),
  ),
);
const metricsIn = (expr: string) => [...expr.matchAll(/epj_gateway_[a-z_]+/g)].map((m) => m[0].replace(/_(bucket|sum|count)$/, ''));

describe('docs/grafana/fleet.json: the fleet dashboard', () => {
  const dashboard = JSON.parse(read('docs/grafana/fleet.json')) as Dashboard;
  const variables = new Map(dashboard.templating.list.map((v) => [v.name, v]));
  const targets = dashboard.panels.flatMap((p) => p.targets.map((t) => ({ panel: p.title, ...t })));

  it('is a Grafana dashboard of schema 39 that asks for its Prometheus data source and the clinics', () => {
    assert.equal(dashboard.schemaVersion, 39);
    assert.ok(dashboard.uid);
    assert.deepEqual({ type: variables.get('datasource')?.type, query: variables.get('datasource')?.query }, { type: 'datasource', query: 'prometheus' });
    const clinic = variables.get('clinic')!;
    assert.equal(clinic.type, 'query');
    assert.ok(clinic.multi && clinic.includeAll, 'several clinics, or all');
    assert.match(typeof clinic.query === 'string' ? clinic.query : clinic.query.query, /^label_values\(epj_gateway_[a-z_]+, clinic\)$/);
  });

  it('queries only metrics the gateway exposes', () => {
    assert.ok(FAMILIES.size >= 15, `found ${FAMILIES.size} families`);
    const clinicQuery = variables.get('clinic')!.query;
    for (const expr of [...targets.map((t) => t.expr), typeof clinicQuery === 'string' ? clinicQuery : clinicQuery.query]) {
      assert.ok(metricsIn(expr).length > 0, `no gateway metric in ${expr}`);
      for (const name of metricsIn(expr)) assert.ok(FAMILIES.has(name), `${name} is not a metric of the gateway (${expr})`);
    }
  });

  it('every query reads the chosen data source and the chosen clinics', () => {
    for (const t of targets) {
      assert.equal(t.datasource.uid, '${datasource}', t.panel);
      assert.match(t.expr, /clinic=~"\$clinic"/, `${t.panel}: ${t.expr}`);
    }
  });

  it('has the panels a provider watches the fleet by, laid out on the grid without overlap', () => {
    const titles = dashboard.panels.map((p) => p.title);
    for (const title of [
      'Clinics by gate state',
      'Messages in and out per clinic',
      'Waiting jobs per clinic',
      'Dead letters per clinic',
      'Days to the nearest certificate expiry',
      'Last successful poll, age',
      'AppRecs missing in the time range',
      'Transport errors by kind',
    ])
      assert.ok(titles.includes(title), title);
    assert.equal(dashboard.panels.find((p) => p.title === 'Clinics by gate state')?.type, 'table');
    assert.equal(new Set(dashboard.panels.map((p) => p.id)).size, dashboard.panels.length, 'panel ids are unique');
    const cells = new Set<string>();
    for (const { title, gridPos: g } of dashboard.panels) {
      assert.ok(g.x >= 0 && g.w > 0 && g.x + g.w <= 24, `${title} fits the 24 columns`);
      for (let x = g.x; x < g.x + g.w; x++)
        for (let y = g.y; y < g.y + g.h; y++) {
          assert.ok(!cells.has(`${x},${y}`), `${title} overlaps another panel`);
          cells.add(`${x},${y}`);
        }
    }
  });
});
