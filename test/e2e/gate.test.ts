import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { FIXTURES_DIR } from '../../demo/simulator/citizen.js';
import request from 'supertest';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';
import { eventually } from '../helpers/eventually.js';
import { startStack, type TestStack } from '../helpers/stack.js';

/**
 * The service gate end to end, on the whole gateway as the demo composes it: the clinic's
 * certificate expires while answers are queued, and its address-register entry goes wrong; the
 * gate closes with the reason, nothing queued is lost, failed or dead-lettered, new work gets 503,
 * NHN's messages stay unread there; the fix opens the gate and the waiting work flows, in order.
 */

const REQUEST_MSGID = '5b0f0d3e-1c2a-4b7e-9a51-0c8f1e2d3a02'; // fixtures/office-contact/request.xml
/** requests received before the scenarios, one per answer: a request is answered once */
const requestIds: string[] = [];

describe('e2e: the service gate closes cleanly and opens again after the fix', function () {
  this.timeout(120_000);
  let server: TestRedis;
  let stack: TestStack;

  before(async () => {
    server = await startTestRedis();
    // long retry delays: the queued answers sit between attempts when the certificate expires
    stack = await startStack(server.url, {
      AR_CACHE_TTL_S: '1',
      AR_STALE_LIMIT_S: '3',
      GATE_RETRY_INTERVAL_S: '2',
      OUTBOUND_ATTEMPTS: '20',
      RETRY_BASE_MS: '6000',
      RETRY_CAP_MS: '8000',
    });
    const xml = readFileSync(path.join(FIXTURES_DIR, 'office-contact/request.xml'), 'utf8');
    for (let i = 0; i < 8; i++) {
      const msgId = randomUUID();
      const sent = stack.simulator.citizen.send(xml.replaceAll(REQUEST_MSGID, msgId));
      assert.equal((await stack.simulator.citizen.waitForAppRec(sent.id, 15_000))?.status, 'OK');
      requestIds.push(msgId);
    }
  });
  after(async () => {
    await stack?.stop();
    await server?.stop();
  });

  const ops = (method: 'get' | 'post', path: string) => request(stack.url)[method](path).set(stack.opsAuth);
  // each scenario starts from a clinic in order, whatever the one before left behind
  afterEach(async () => {
    stack.standIn.setDown(false);
    stack.simulator.faults.clear();
    await ops('post', '/ops/demo/restore-certificate');
  });
  const answer = (text: string) =>
    request(stack.url).post('/v1/messages').set(stack.epjAuth).send({ service: 'office-contact', inReplyTo: requestIds.shift(), text });
  /** Rechecks until the gate reaches `state`: the register cache expires on the real clock (AR_CACHE_TTL_S, AR_STALE_LIMIT_S). */
  const recheckUntil = (state: string) =>
    eventually(
      async () => {
        const res = await ops('post', '/ops/gate/recheck').expect(200);
        return res.body.gateway.state === state && res;
      },
      10_000,
      `the gate to be ${state}`,
      100,
    );
  const jobCounts = () => stack.composed.queues['outbound-office-contact'].getJobCounts('waiting', 'active', 'delayed', 'paused', 'failed', 'completed');

  it('certificate expires with answers queued: closed with `expired`, nothing lost, 503 for new work, NHN messages left unread; restored: everything flows once', async () => {
    // Two answers wait for NHN (it answers 503), so they are queued when the certificate expires.
    stack.simulator.faults.add({ kind: 'error', status: 503, count: 10_000, path: '/Messages', method: 'POST' });
    const queued = [await answer('Første svar.'), await answer('Andre svar.')].map((r) => {
      assert.equal(r.status, 202, JSON.stringify(r.body));
      return r.body.msgId as string;
    });

    // (a send already in flight when the gate closes completes; these wait for their next attempt)
    await eventually(async () => (await jobCounts()).delayed === 2, 20_000, 'both answers waiting for a retry');
    const expired = await ops('post', '/ops/demo/expire-certificate').expect(200);
    assert.equal(expired.body.gateway.state, 'closed');
    const gate = await ops('get', '/ops/gate').expect(200);
    assert.ok(
      gate.body.gateway.reasons.some((r: { code: string }) => r.code === 'expired'),
      JSON.stringify(gate.body.gateway.reasons),
    );

    const refused = await answer('Tredje svar.');
    assert.equal(refused.status, 503);
    assert.ok(refused.headers['retry-after']);
    assert.match(JSON.stringify(refused.body), /expired/);

    // NHN works again, but the gate is closed: nothing is sent, nothing is taken from NHN.
    stack.simulator.faults.clear();
    // A round that began before the close may finish (it asked the gate while it was open); let it, then start afresh.
    const poller = stack.composed.pipeline.poller;
    await poller.pause();
    poller.resume();
    const waitingCitizen = stack.simulator.citizen.sendFixture('prescription-renewal/request.xml');
    // Rounds that demonstrably ran after the close, instead of a wait that also passes when no round has run yet.
    for (let round = 1; round <= 2; round++) assert.equal(await poller.pollOnce(), 0, `poll round ${round} after the close takes nothing`);
    assert.equal(stack.simulator.citizen.status(waitingCitizen.id)?.read, false, 'left unread at NHN while closed');
    assert.equal(stack.simulator.citizen.answers().filter((a) => queued.includes(a.msgId ?? '')).length, 0, 'nothing sent while closed');
    const counts = await jobCounts();
    assert.equal(counts.failed, 0);
    assert.equal((counts.waiting ?? 0) + (counts.delayed ?? 0) + (counts.paused ?? 0) + (counts.active ?? 0), 2, JSON.stringify(counts));
    const waiting = await ops('get', '/ops/waiting').expect(200);
    assert.match(JSON.stringify(waiting.body), /gate closed|expired/);
    const dead = await ops('get', '/ops/dead-letters').expect(200);
    assert.equal(dead.body.deadLetters.length, 0);

    const restored = await ops('post', '/ops/demo/restore-certificate').expect(200);
    assert.notEqual(restored.body.gateway.state, 'closed');
    await eventually(() => queued.every((id) => stack.simulator.citizen.answers().some((a) => a.msgId === id)), 60_000, 'the queued answers sent');
    await eventually(() => stack.simulator.citizen.status(waitingCitizen.id)?.read, 30_000, 'the waiting citizen message taken');
    assert.equal((await stack.simulator.citizen.waitForAppRec(waitingCitizen.id, 10_000))?.status, 'OK');
    for (const id of queued) assert.equal(stack.simulator.citizen.answers().filter((a) => a.msgId === id).length, 1);
    assert.equal((await answer('Nytt svar etter åpning.')).status, 202);
  });

  it('the register entry loses its contact person: a warning for its grace period, with that reason; restored: open', async () => {
    const entry = stack.standIn.entry('8142987')!;
    const people = entry.people;
    stack.standIn.update('8142987', { people: [] });
    const warned = await recheckUntil('warning'); // once the cached entry is past AR_CACHE_TTL_S
    const reason = (warned.body.gateway.reasons as { code: string; message: string }[]).find((r) => r.code === 'ar-contact-person-missing');
    assert.ok(reason, JSON.stringify(warned.body.gateway.reasons));
    assert.match(reason.message, /closes at .* \(a grace of 336 hours\)/);
    // messages still flow while the office puts it right
    assert.equal((await answer('Svar mens AR er feil.')).status, 202);

    stack.standIn.update('8142987', { people });
    await recheckUntil('open');
  });

  it('the register entry gets another organisation number: closed with that reason; fixed: open', async () => {
    stack.standIn.update('8142987', { organizationNumber: '974760673' });
    const closed = await recheckUntil('closed');
    assert.ok(
      closed.body.gateway.reasons.some((r: { code: string }) => r.code === 'ar-org-number-mismatch'),
      JSON.stringify(closed.body.gateway.reasons),
    );
    stack.standIn.update('8142987', { organizationNumber: '921543212' });
    await recheckUntil('open');
  });

  it('the register cannot be reached: warning from the cache, closed past the stale limit, open when it is back', async () => {
    await ops('post', '/ops/gate/recheck').expect(200); // a fresh entry in the cache
    stack.standIn.setDown(true);
    const stale = await recheckUntil('warning'); // past AR_CACHE_TTL_S: the cache is stale now
    assert.ok(stale.body.gateway.reasons.some((r: { code: string }) => r.code === 'ar-stale'));
    assert.equal((await answer('Svar mens AR er borte.')).status, 202, 'a warning still works');

    const closed = await recheckUntil('closed'); // past AR_STALE_LIMIT_S
    assert.ok(
      closed.body.gateway.reasons.some((r: { code: string }) => r.code === 'ar-unreachable'),
      JSON.stringify(closed.body.gateway.reasons),
    );

    stack.standIn.setDown(false);
    assert.equal((await ops('post', '/ops/gate/recheck').expect(200)).body.gateway.state, 'open');
  });

  it('the register back after an outage: the services open by themselves within GATE_RETRY_INTERVAL_S, with no recheck asked for', async () => {
    stack.standIn.setDown(true);
    await recheckUntil('closed'); // past AR_STALE_LIMIT_S: ar-unreachable
    stack.standIn.setDown(false);
    // GATE_CHECK_INTERVAL_S is 300 s here: only the outage's own retry can open it this soon
    await eventually(async () => (await ops('get', '/ops/gate').expect(200)).body.gateway.state === 'open', 15_000, 'the gate open again by itself');
    assert.equal((await answer('Svar etter at AR er tilbake.')).status, 202);
  });
});
