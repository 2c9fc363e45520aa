import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';

const DOC = readFileSync(new URL('../../docs/operations.md', import.meta.url), 'utf8');

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels: { severity: string };
  annotations: { summary: string; runbook: string };
}

/** The rule files among the YAML blocks (others are scrape configuration). */
const yamlBlocks = () => [...DOC.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((b) => /^groups:/m.test(b));
const rules = (): Rule[] => yamlBlocks().flatMap((b) => (yaml.load(b) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules));
/** GitHub's heading anchors: lower case, spaces to dashes, punctuation dropped. */
const anchors = () =>
  new Set(
    [...DOC.matchAll(/^#{2,4} (.+)$/gm)].map((m) =>
      m[1]!
        .toLowerCase()
        .replace(/[^\w\s-]/g, '')
        .trim()
        .replace(/\s+/g, '-'),
    ),
  );

describe('docs/operations.md: alert rules and their runbook', () => {
  it('its alert rules are YAML Prometheus can load: a group of rules, each with expr, severity and runbook', () => {
    assert.ok(yamlBlocks().length > 0);
    for (const rule of rules()) {
      assert.match(rule.alert, /^EpjGateway[A-Za-z]+$/);
      assert.equal(typeof rule.expr, 'string', rule.alert);
      assert.ok(['warning', 'critical'].includes(rule.labels.severity), rule.alert);
      if (rule.for) assert.match(rule.for, /^\d+[smh]$/, rule.alert);
      assert.ok(rule.annotations.summary, rule.alert);
    }
  });

  it('covers every situation an operator must hear of, each with its runbook entry', () => {
    const byAlert = new Map(rules().map((r) => [r.alert, r]));
    // Every alert about a clinic aggregates across replicas by clinic, so it fires once per clinic.
    const expected: Record<string, RegExp> = {
      EpjGatewayServiceClosed: /max by \(clinic, service\) \(epj_gateway_gate_state\) == 2/,
      EpjGatewayManyClinicsClosed: /count\(max by \(clinic\) \(epj_gateway_gate_state\{service="gateway"\}\) == 2\)/,
      EpjGatewayCertificateExpiresSoon: /min by \(clinic, role\) \(epj_gateway_certificate_expiry_days\) < 14/,
      EpjGatewayDeadLetters: /max by \(clinic\) .*queue="dead-letter"/,
      EpjGatewayNoPoll: /time\(\) - max by \(clinic\) \(epj_gateway_last_successful_poll_timestamp_seconds\) > 300/,
      EpjGatewayAppRecMissing: /sum by \(clinic\) \(increase\(epj_gateway_apprec_missing_total/,
      EpjGatewayRedisDown: /epj_gateway_redis_up == 0/,
      EpjGatewayBacklogGrowing: /max by \(clinic, queue\) .*delta\(epj_gateway_queue_jobs/,
    };
    for (const [alert, expr] of Object.entries(expected)) {
      assert.match(byAlert.get(alert)?.expr ?? '', expr, alert);
    }
    const headings = anchors();
    for (const rule of rules()) {
      const anchor = rule.annotations.runbook.split('#')[1]!;
      assert.ok(headings.has(anchor), `${rule.alert}: no runbook heading #${anchor}`);
      const entry = DOC.slice(DOC.search(new RegExp(`^### ${anchor.replace(/-/g, '[ -]')}`, 'im')));
      for (const part of ['**Means.**', '**Check.**', '**Do.**']) assert.ok(entry.split(/^### /m)[1]?.includes(part), `${anchor}: ${part}`);
    }
  });

  it('names the clinic in every alert about one clinic; the shared parts name the instance', () => {
    const shared = new Set(['EpjGatewayRedisDown', 'EpjGatewayDown', 'EpjGatewayManyClinicsClosed']);
    for (const rule of rules()) {
      if (shared.has(rule.alert)) assert.doesNotMatch(rule.annotations.summary, /\$labels\.clinic/, rule.alert);
      else assert.match(rule.annotations.summary, /\{\{ \$labels\.clinic \}\}/, rule.alert);
      // by clinic, so the label survives the aggregation the summary reads it from
      if (!shared.has(rule.alert)) assert.match(rule.expr, /by \(clinic/, rule.alert);
    }
  });
});
