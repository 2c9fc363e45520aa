import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Redis } from 'ioredis';
import request from 'supertest';
import { FIXTURES_DIR } from '../../demo/simulator/citizen.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';
import { findInRedis } from '../helpers/redis-dump.js';
import { eventually } from '../helpers/eventually.js';
import { startStack, type TestStack } from '../helpers/stack.js';

/**
 * The NHN side end to end: the whole gateway as the demo composes it (CMS on), the simulator over
 * HTTP with HelseID and DPoP, the AR stand-in, a real Redis. Citizen requests in, answers out,
 * faults at NHN, dead letters and their replay.
 */

const REQUESTS = {
  'office-contact': 'office-contact/request.xml',
  'prescription-renewal': 'prescription-renewal/request.xml',
  'e-consultation': 'e-consultation/request.xml',
  appointment: 'appointment/timeonske-request.xml',
} as const;

const msgIdOf = (fixture: string) => /<MsgId>([^<]+)<\/MsgId>/.exec(readFileSync(path.join(FIXTURES_DIR, fixture), 'utf8'))![1]!;

describe('e2e: the NHN side through the simulator (CMS, HelseID, DPoP, real Redis)', function () {
  this.timeout(120_000);
  let server: TestRedis;
  let stack: TestStack;

  before(async () => {
    server = await startTestRedis();
    stack = await startStack(server.url, { OUTBOUND_ATTEMPTS: '3' });
  });
  after(async () => {
    await stack?.stop();
    await server?.stop();
  });

  const answer = (body: Record<string, unknown>) => request(stack.url).post('/v1/messages').set(stack.epjAuth).send(body);
  const stateOf = async (msgId: string) =>
    (await request(stack.url).get(`/v1/messages/${msgId}`).set(stack.epjAuth)).body as { state?: string; history?: unknown[] };
  /** No job of these queues is waiting, delayed or running: whatever they would still do has been done. */
  const idle = async (...queues: (keyof TestStack['composed']['queues'])[]) => {
    for (const name of queues) {
      const counts = await stack.composed.queues[name].getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'paused');
      if (Object.values(counts).some((n) => n > 0)) return false;
    }
    return true;
  };

  /** A request of its own, received and AppRec'd (a request is answered once): the fixture with a new MsgId. */
  const freshRequest = async (service: keyof typeof REQUESTS): Promise<string> => {
    const msgId = randomUUID();
    const xml = readFileSync(path.join(FIXTURES_DIR, REQUESTS[service]), 'utf8').replaceAll(msgIdOf(REQUESTS[service]), msgId);
    const appRec = await stack.simulator.citizen.waitForAppRec(stack.simulator.citizen.send(xml).id, 15_000);
    assert.equal(appRec?.status, 'OK');
    return msgId;
  };

  for (const [service, fixture] of Object.entries(REQUESTS)) {
    it(`${service}: the citizen's request reaches the EPJ inbox and the citizen gets AppRec OK`, async () => {
      const sent = stack.simulator.citizen.sendFixture(fixture);
      const appRec = await stack.simulator.citizen.waitForAppRec(sent.id, 15_000);
      assert.equal(appRec?.status, 'OK', JSON.stringify(appRec?.errors));
      const msgId = msgIdOf(fixture);
      const sidecarFile = path.join(stack.inboxDir!, `${msgId}.json`);
      await eventually(() => existsSync(sidecarFile), 15_000, 'the request in the EPJ inbox');
      const sidecar = JSON.parse(readFileSync(sidecarFile, 'utf8'));
      assert.equal(sidecar.service, service);
      assert.equal(stack.simulator.citizen.status(sent.id)?.read, true, 'marked read at NHN after the AppRec');
    });
  }

  for (const [fixture, code] of [
    ['office-contact/t01-not-well-formed.xml', 'T01'],
    ['office-contact/t02-unknown-element.xml', 'T02'],
    ['prescription-renewal/e21-wrong-receiver.xml', 'E21'],
  ] as const) {
    it(`a faulty request (${path.basename(fixture)}) gets AppRec Avvist with ${code} and never reaches the EPJ`, async () => {
      const inboxBefore = readdirSync(stack.inboxDir!).length;
      const sent = stack.simulator.citizen.sendFixture(fixture);
      const appRec = await stack.simulator.citizen.waitForAppRec(sent.id, 15_000);
      assert.equal(appRec?.status, 'Avvist');
      assert.ok(
        appRec.errors.some((e) => e.code === code),
        JSON.stringify(appRec.errors),
      );
      // Once the message is read at NHN and nothing waits for EPJ delivery, no file can still appear.
      await eventually(async () => stack.simulator.citizen.status(sent.id)?.read && (await idle('epj-delivery')), 15_000, 'the request done with');
      assert.equal(readdirSync(stack.inboxDir!).length, inboxBefore);
    });
  }

  it('plain XML where CMS is required is answered S01', async () => {
    const plain = stack.simulator.mailbox.add({
      senderHerId: 8093244,
      receiverHerIds: [8142987],
      document: readFileSync(path.join(FIXTURES_DIR, 'office-contact/request.xml')),
      businessDocumentId: null,
    });
    await eventually(() => plain.receivers.get(8142987)?.appRec, 15_000, 'the AppRec to plain XML');
    const appRec = plain.receivers.get(8142987)!.appRec!;
    assert.equal(appRec.status, 'Rejected');
    assert.equal(appRec.errors[0]?.errorCode, 'S01');
  });

  it('answers of every service reach the citizen valid, and their AppRec OK comes back to the EPJ', async () => {
    const answers = [
      { service: 'office-contact', inReplyTo: msgIdOf(REQUESTS['office-contact']), text: 'Attesten er klar.' },
      {
        service: 'prescription-renewal',
        inReplyTo: msgIdOf(REQUESTS['prescription-renewal']),
        prescriptions: [
          { name: 'Paracetamol 500 mg', outcome: 'renewed' },
          { name: 'Diazepam 5 mg', outcome: 'not-renewed', reason: 'må vurderes ved time' },
        ],
      },
      { service: 'e-consultation', inReplyTo: msgIdOf(REQUESTS['e-consultation']), text: 'Vi tar en videokonsultasjon.' },
      {
        service: 'appointment',
        inReplyTo: msgIdOf(REQUESTS.appointment),
        kind: 'offer',
        text: 'Vi kan tilby denne timen.',
        slots: [{ start: '2026-12-01T09:00:00', end: '2026-12-01T09:20:00', location: 'Fjordvik legekontor, rom 2', practitioner: 'Kari Lege' }],
      },
    ];
    const before = stack.simulator.citizen.answers().length;
    const ids: string[] = [];
    for (const body of answers) {
      const res = await answer(body);
      assert.equal(res.status, 202, JSON.stringify(res.body));
      ids.push(res.body.msgId);
    }
    const got = await stack.simulator.citizen.waitForAnswers(before + answers.length, 20_000);
    for (const id of ids) {
      const a = got.find((x) => x.msgId === id);
      assert.ok(a, `answer ${id} reached the citizen`);
      assert.ok(a.valid, JSON.stringify(a.errors));
    }
    for (const id of ids) await eventually(async () => (await stateOf(id)).state === 'apprec-ok', 30_000, `AppRec OK for ${id}`);
  });

  it('NHN answers 500 three times, then 200: the answer is delivered once', async () => {
    const inReplyTo = await freshRequest('office-contact');
    stack.simulator.faults.add({ kind: 'error', status: 500, count: 3, path: '/Messages', method: 'POST' });
    const before = stack.simulator.citizen.answers().length;
    const res = await answer({ service: 'office-contact', inReplyTo, text: 'Svar etter feil hos NHN.' });
    assert.equal(res.status, 202);
    await eventually(async () => ['sent', 'apprec-ok'].includes((await stateOf(res.body.msgId)).state ?? ''), 30_000, 'the answer sent');
    // A second copy could only come from a job still queued.
    await eventually(() => idle('outbound-office-contact'), 15_000, 'the outbound queue to drain');
    const delivered = stack.simulator.citizen
      .answers()
      .slice(before)
      .filter((a) => a.msgId === res.body.msgId);
    assert.equal(delivered.length, 1);
  });

  it('NHN down past every attempt: dead letter with the reason; replayed after NHN is back: delivered once, same MsgId', async () => {
    const inReplyTo = await freshRequest('e-consultation');
    stack.simulator.faults.add({ kind: 'error', status: 503, count: 1_000, path: '/Messages', method: 'POST' });
    const res = await answer({ service: 'e-consultation', inReplyTo, text: 'Svar som må vente.' });
    const msgId = res.body.msgId as string;
    await eventually(async () => (await stateOf(msgId)).state === 'dead-lettered', 60_000, 'the dead letter');
    const listed = await request(stack.url).get('/ops/dead-letters').set(stack.opsAuth).expect(200);
    const dead = listed.body.deadLetters.find((d: { msgId: string }) => d.msgId === msgId);
    assert.match(dead.reason, /503/);

    stack.simulator.faults.clear();
    const before = stack.simulator.citizen.answers().length;
    await request(stack.url).post(`/ops/dead-letters/${msgId}/replay`).set(stack.opsAuth).expect(200);
    await eventually(
      () =>
        stack.simulator.citizen
          .answers()
          .slice(before)
          .some((a) => a.msgId === msgId),
      30_000,
      'the replayed answer',
    );
    await eventually(() => idle('outbound-e-consultation'), 15_000, 'the outbound queue to drain');
    assert.equal(stack.simulator.citizen.answers().filter((a) => a.msgId === msgId).length, 1);
    const metrics = await request(stack.url).get('/metrics').expect(200);
    assert.match(metrics.text, /epj_gateway_dead_letter_replays_total\{clinic="\d+",service="e-consultation"\} 1/);
  });

  it('Redis holds no national id, name or message text in clear', async () => {
    const redis = new Redis(server.url);
    try {
      const needles = ['02919010099', 'Fjelltopp', 'legeattest', 'Attesten er klar', 'Paracetamol'];
      const found = await findInRedis(redis, needles);
      assert.deepEqual(found, []);
    } finally {
      redis.disconnect();
    }
  });
});
