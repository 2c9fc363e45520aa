import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { eventually } from '../../helpers/eventually.js';
import { startTestGateway, type TestGateway as Gateway } from '../../helpers/gateway.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';
import { startWebhookReceiver } from '../../helpers/webhook.js';
import { tempDir } from '../../helpers/tmp.js';
import { tokenSha256 } from '../../../src/operators/operator-accounts.js';

const OPS = { Authorization: 'Bearer demo-ops-token' };
// a named operator account of the operators file: the audit log names it
const KARI_TOKEN = 'kari-drift-token-0123456789abcdef';
const KARI = { Authorization: `Bearer ${KARI_TOKEN}` };

describe('operations API: the service gate and the audit log', () => {
  let server: TestRedis;
  let gateway: Gateway;
  let url: string;
  let hook: Awaited<ReturnType<typeof startWebhookReceiver>>;
  before(async () => {
    server = await startTestRedis();
    hook = await startWebhookReceiver();
    const operatorsFile = path.join(tempDir('operators'), 'operators.yaml');
    writeFileSync(operatorsFile, `operators:\n  - { name: kari.drift, role: operator, tokenSha256: ${tokenSha256(KARI_TOKEN)} }\n`);
    ({ gateway, url } = await startTestGateway(server.url, { NOTIFY_WEBHOOKS: `it-provider=${hook.url}`, OPERATORS_FILE: operatorsFile }));
  });
  after(async () => {
    await gateway.shutdown('test over');
    await hook.close();
    await server.stop();
  });

  const kinds = () => hook.received.map((n) => (n as { kind: string }).kind);

  it('shows every service open at start', async () => {
    const res = await request(url).get('/ops/gate').set(OPS).expect(200);
    assert.equal(res.body.gateway.state, 'open');
    assert.deepEqual(
      Object.values(res.body.services).map((s) => (s as { state: string }).state),
      ['open', 'open', 'open', 'open'],
    );
    await request(url).get('/ops/gate').set('Authorization', 'Bearer demo-token').expect(401);
  });

  it('closes one service by hand with a reason, notifies, writes the notice for NHN and the audit entry', async () => {
    const bad = await request(url).post('/ops/gate/e-consultation/close').set(OPS).send({}).expect(400);
    assert.equal(bad.body.error.code, 'GATE_REASON_REQUIRED');
    const res = await request(url)
      .post('/ops/gate/e-consultation/close')
      .set(KARI)
      // a header naming someone else changes nothing: the token's account is who did it
      .set('X-Operator', 'ola.nordmann')
      .send({ reason: 'The GP is away this week' })
      .expect(200);
    assert.equal(res.body.services['e-consultation'].state, 'closed');
    assert.equal(res.body.services['e-consultation'].reasons[0].message, 'The GP is away this week');
    assert.ok(res.body.services['e-consultation'].since);
    assert.equal(res.body.gateway.state, 'warning');
    assert.equal((await request(url).get('/readyz')).body.checks.gate.services['e-consultation'], 'closed');

    await eventually(
      () => hook.received.length >= 2,
      5_000,
      () => `two webhooks; got ${kinds().join(', ')}`,
    );
    // the gateway's warning that follows from the closing is audited, not sent again
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(kinds().sort(), ['gate-closed', 'nhn-notice']);
    const notices = readdirSync(path.join(gateway.config.DATA_DIR, 'notices'));
    assert.equal(notices.length, 1);
    assert.match(readFileSync(path.join(gateway.config.DATA_DIR, 'notices', notices[0]!), 'utf8'), /Tjeneste stengt \/ Service closed: e-consultation/);

    const audit = await request(url).get('/ops/audit').set(OPS).expect(200);
    const entries = audit.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const close = entries.find((e) => e.action === 'gate.close');
    assert.match(close.actor, /^kari\.drift@/);
    assert.equal(close.service, 'e-consultation');
  });

  it('opens it again and says so once, with the notice for NHN of the office opening what it closed', async () => {
    hook.received.length = 0;
    const res = await request(url).post('/ops/gate/e-consultation/open').set(OPS).expect(200);
    assert.equal(res.body.services['e-consultation'].state, 'open');
    await eventually(
      () => hook.received.length >= 2,
      5_000,
      () => `a webhook; got ${kinds().join(', ')}`,
    );
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(kinds().sort(), ['gate-opened', 'nhn-notice']);
    const notice = hook.received.find((n) => (n as { kind: string }).kind === 'nhn-notice') as { details: { about: string; service: string } };
    assert.deepEqual([notice.details.about, notice.details.service], ['opened', 'e-consultation']);
    const metrics = await request(url).get('/metrics');
    assert.match(metrics.text, /epj_gateway_gate_state\{clinic="\d+",service="e-consultation"\} 0/);
  });

  it('refuses unknown services and actions', async () => {
    await request(url).post('/ops/gate/dentist/close').set(OPS).send({ reason: 'whatever' }).expect(404);
    await request(url).post('/ops/gate/appointment/explode').set(OPS).expect(404);
  });
});
