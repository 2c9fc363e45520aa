import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { judgeReceivedMessage } from '../../../src/kith/judge.js';
import { loadSchemaSet, type SchemaSet } from '../../../src/kith/schema-set.js';
import { useShared, XSD_DIR } from '../../helpers/shared.js';
import { fixtureFiles, type Expected } from '../../helpers/fixture-cases.js';
import { PEOPLE } from '../../helpers/representation-cases.js';
import { PATIENTS } from '../../helpers/sample-messages.js';

const PATIENT_DATA = [...Object.values(PATIENTS), ...Object.values(PEOPLE)].flatMap((p) => [p.familyName, p.givenName, ...p.ids.map((i) => i.id)]);

const FIXTURES = fileURLToPath(new URL('../../../fixtures', import.meta.url));

function onDisk(): { file: string; expected: Expected }[] {
  const out: { file: string; expected: Expected }[] = [];
  for (const service of readdirSync(FIXTURES, { withFileTypes: true }).filter((d) => d.isDirectory())) {
    for (const name of readdirSync(path.join(FIXTURES, service.name)).filter((n) => n.endsWith('.xml'))) {
      const file = path.join(FIXTURES, service.name, name);
      out.push({ file, expected: JSON.parse(readFileSync(file.replace(/\.xml$/, '.expected.json'), 'utf8')) as Expected });
    }
  }
  return out;
}

describe('fixtures: every service, every failure case, both layers', () => {
  const fixtures = onDisk();
  const layers: [string, () => SchemaSet | undefined][] = [['own rules', () => undefined]];
  if (useShared('the official-schema layer')) layers.push(['official schemas', () => loadSchemaSet(XSD_DIR)]);

  it('the fixtures on disk are the ones fixtures/make-fixtures.ts writes', () => {
    const generated = fixtureFiles();
    assert.equal(fixtures.length, generated.length);
    for (const g of generated) {
      const file = path.join(FIXTURES, g.path);
      assert.ok(readFileSync(file).equals(g.bytes), `${g.path} differs; run npx tsx fixtures/make-fixtures.ts`);
    }
  });

  it('every service has a request, an answer and every failure code', () => {
    const codes = new Set(fixtures.flatMap((f) => f.expected.errors));
    for (const c of ['T01', 'T02', 'T10', 'T99', 'E10', 'E21', 'E30', 'E31', 'E32', 'E36', 'X99']) assert.ok(codes.has(c), c);
    for (const service of ['appointment', 'prescription-renewal', 'e-consultation', 'office-contact']) {
      const own = fixtures.filter((f) => f.file.includes(`${path.sep}${service}${path.sep}`));
      assert.ok(
        own.some((f) => f.expected.ok && f.expected.asReceiver === '8142987'),
        `${service} request`,
      );
      assert.ok(
        own.some((f) => f.expected.ok && f.expected.asReceiver === '8093244'),
        `${service} answer`,
      );
    }
  });

  for (const [layer, schemas] of layers) {
    it(`each fixture gets its expected outcome (${layer})`, () => {
      const set = schemas();
      for (const { file, expected } of fixtures) {
        const j = judgeReceivedMessage(readFileSync(file), {
          allowSyntheticIds: !expected.production,
          ownHerIds: [expected.asReceiver],
          ...(expected.maxBytes ? { maxBytes: expected.maxBytes } : {}),
          ...(set ? { schemas: set } : {}),
        });
        const name = path.relative(FIXTURES, file);
        assert.deepEqual(
          { ok: j.report.ok, appRec: j.appRec, status: j.status, errors: j.errors.map((e) => e.code) },
          { ok: expected.ok, appRec: expected.appRec, status: expected.status, errors: expected.errors },
          `${name}: ${JSON.stringify(j.report.errors)}`,
        );
        if (expected.action) assert.equal(j.report.action, expected.action, name);
        const said = JSON.stringify([j.report, j.errors]);
        for (const secret of PATIENT_DATA) assert.ok(!said.includes(secret), `${name} reveals patient data`);
        assert.equal(j.report.schemaValidation, set ? 'official' : 'own-rules');
      }
    });
  }
});
