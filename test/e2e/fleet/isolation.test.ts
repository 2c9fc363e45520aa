import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import request from 'supertest';
import { eventually } from '../../helpers/eventually.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';
import { startStack, type TestStack } from '../../helpers/stack.js';

const FIRST = '8142987';
const SECOND = '8143100';
const THIRD = '8143200';

/**
 * The demo's three clinics in one gateway: each clinic's messages, tokens, gate, audit entries,
 * metrics and Redis keys are its own, and one clinic's trouble leaves the others flowing.
 */
describe('e2e: many clinics in one gateway, each isolated from the others', function () {
  this.timeout(120_000);
  let redis: TestRedis;
  let stack: TestStack;
  const tokenOf = (herId: string) => {
    const clinic = stack.composed.clinics.find((c) => c.clinic.herId === herId)!;
    return { authorization: `Bearer ${clinic.settings.EPJ_TOKENS[0]!.token}` };
  };
  const inboxOf = (herId: string) => stack.composed.clinics.find((c) => c.clinic.herId === herId)!.epj.inboxDir!;
  const filesIn = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.xml')) : []);

  before(async () => {
    redis = await startTestRedis();
    stack = await startStack(redis.url, {}, { fleet: true });
  });
  after(async () => {
    await stack?.stop();
    await redis?.stop();
  });

  it('serves the three demo clinics, each with its own EPJ folders and token', () => {
    assert.deepEqual(
      stack.composed.clinics.map((c) => c.clinic.herId),
      [FIRST, SECOND, THIRD],
    );
    assert.equal(new Set(stack.composed.clinics.map((c) => c.epj.outboxDir)).size, 3);
    assert.deepEqual(
      stack.composed.clinics.map((c) => c.settings.EPJ_TOKENS[0]!.token),
      ['demo-token', 'demo-token-2', 'demo-token-3'],
    );
  });

  it("a citizen's message to one clinic reaches that clinic's EPJ only; another clinic's token cannot answer it or see the answer (404, not 403)", async () => {
    const sent = stack.simulator.citizen.sendFixture('office-contact/request.xml', { to: Number(SECOND) });
    const appRec = await stack.simulator.citizen.waitForAppRec(sent.id, 20_000);
    assert.equal(appRec?.status, 'OK');
    await eventually(() => filesIn(inboxOf(SECOND)).length > 0, 15_000, "the request in the second clinic's inbox");
    assert.deepEqual(filesIn(inboxOf(FIRST)), []);
    assert.deepEqual(filesIn(inboxOf(THIRD)), []);
    const requestId = sent.businessDocumentId!;

    const answer = { service: 'office-contact', inReplyTo: requestId, text: 'Svar fra kontoret.' };
    const wrong = await request(stack.url).post('/v1/messages').set(tokenOf(FIRST)).send(answer);
    assert.notEqual(wrong.status, 202, 'the first clinic holds no such request');
    const right = await request(stack.url).post('/v1/messages').set(tokenOf(SECOND)).send(answer).expect(202);
    const msgId = right.body.msgId as string;
    await request(stack.url).get(`/v1/messages/${msgId}`).set(tokenOf(SECOND)).expect(200);
    const other = await request(stack.url).get(`/v1/messages/${msgId}`).set(tokenOf(FIRST));
    assert.equal(other.status, 404);
    await request(stack.url).get(`/v1/messages/${requestId}`).set(tokenOf(THIRD)).expect(404);
    await eventually(() => stack.simulator.citizen.answers().some((a) => a.msgId === msgId), 30_000, "the answer at the citizen's");
  });

  it("each clinic's queue board shows that clinic's queues; /ops/queues?clinic= opens it", async () => {
    const ops = stack.opsAuth;
    const opened = await request(stack.url).get(`/ops/queues?clinic=${SECOND}`).set(ops).expect(302);
    assert.equal(opened.headers.location, `/ops/queues/${SECOND}/`);
    assert.equal((await request(stack.url).get('/ops/queues/').set(ops).expect(302)).headers.location, `/ops/queues/${FIRST}/`, 'the first clinic by default');
    const delivered = async (herId: string) => {
      const res = await request(stack.url)
        .get(`/ops/queues/${herId}/api/queues`)
        .query({ activeQueue: 'epj-delivery', status: 'completed', page: 1 })
        .set(ops)
        .expect(200);
      const queue = (res.body as { queues: { name: string; counts: Record<string, number> }[] }).queues.find((q) => q.name === 'epj-delivery')!;
      return queue.counts.completed ?? 0;
    };
    // the EPJ has the request a moment before its delivery job is recorded completed
    await eventually(async () => (await delivered(SECOND)) >= 1, 10_000, "the second clinic's board to show its delivered request");
    assert.equal(await delivered(FIRST), 0, "the first clinic's board shows none of it");
    const unknown = await request(stack.url).get('/ops/queues/1234567/api/queues').set(ops);
    assert.equal(unknown.status, 404);
  });

  it("closing one clinic's service closes that clinic only; its audit entry is its own", async () => {
    const ops = stack.opsAuth;
    await request(stack.url).post(`/ops/gate/e-consultation/close?clinic=${SECOND}`).set(ops).send({ reason: 'Legen er syk' }).expect(200);
    const fleet = (await request(stack.url).get('/ops/clinics').set(ops).expect(200)).body as {
      herId: string;
      gate: { state: string; services: Record<string, { state: string }> };
    }[];
    const row = (herId: string) => fleet.find((r) => r.herId === herId)!;
    assert.equal(row(SECOND).gate.services['e-consultation']!.state, 'closed');
    assert.equal(row(FIRST).gate.services['e-consultation']!.state, 'open');
    assert.equal(row(THIRD).gate.services['e-consultation']!.state, 'warning', 'the third clinic only warns (its certificate expires soon)');
    assert.equal(fleet[0]!.herId, SECOND, 'worst first');

    const first = (await request(stack.url).get('/ops/gate').set(ops).expect(200)).body as { services: Record<string, { state: string }> };
    assert.equal(first.services['e-consultation']!.state, 'open', 'without clinic=: the first clinic');
    const auditOf = async (herId: string) => (await request(stack.url).get(`/ops/audit?clinic=${herId}`).set(ops).expect(200)).text;
    assert.match(await auditOf(SECOND), /gate/);
    assert.doesNotMatch(await auditOf(FIRST), /Legen er syk|e-consultation.*close/);

    await request(stack.url).post(`/ops/gate/e-consultation/open?clinic=${SECOND}`).set(ops).send({}).expect(200);
  });

  it('an unknown clinic is a 404 naming the code; /ops/clinics/{herId} shows one', async () => {
    const res = await request(stack.url).get('/ops/status?clinic=999999').set(stack.opsAuth);
    assert.equal(res.status, 404);
    assert.equal(res.body.error.code, 'CLINIC_UNKNOWN');
    const one = (await request(stack.url).get(`/ops/clinics/${THIRD}`).set(stack.opsAuth).expect(200)).body as { name: string; certificateExpiryDays: number };
    assert.equal(one.name, 'Bakkevik fastlegekontor AS');
    assert.ok(one.certificateExpiryDays <= 10);
  });

  it("every Redis key carries its clinic's HER-id, and the metrics a clinic label", async () => {
    const prefix = stack.composed.config.QUEUE_PREFIX;
    const keys = await stack.composed.redis.keys(`${prefix}:*`);
    assert.ok(keys.length > 0);
    const strays = keys.filter((k) => ![FIRST, SECOND, THIRD].includes(k.split(':')[1]!));
    assert.deepEqual(strays, []);
    for (const herId of [FIRST, SECOND, THIRD])
      assert.ok(
        keys.some((k) => k.startsWith(`${prefix}:${herId}:`)),
        herId,
      );

    const metrics = (await request(stack.url).get('/metrics').expect(200)).text;
    for (const herId of [FIRST, SECOND, THIRD]) assert.match(metrics, new RegExp(`clinic="${herId}"`));
    assert.match(metrics, new RegExp(`epj_gateway_messages_total\\{[^}]*clinic="${SECOND}"`));
  });
});
