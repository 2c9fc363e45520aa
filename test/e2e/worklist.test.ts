import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { FIXTURES_DIR } from '../../demo/simulator/citizen.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';
import { startStack, type TestStack } from '../helpers/stack.js';

/**
 * The office's worklist end to end: citizen requests sent through the NHN simulator to two of the
 * demo's clinics fill each clinic's GET /v1/requests (oldest first, with the representation flag),
 * an answer takes its request off, and one clinic never sees the other's.
 */

const FIRST = '8142987';
const SECOND = '8143100';
const msgIdOf = (xml: string) => /<MsgId>([^<]+)<\/MsgId>/.exec(xml)![1]!;

describe("e2e: the office's worklist fills and empties", function () {
  this.timeout(120_000);
  let server: TestRedis;
  let stack: TestStack;
  const tokenOf = (herId: string) => {
    const clinic = stack.composed.clinics.find((c) => c.clinic.herId === herId)!;
    return { authorization: `Bearer ${clinic.settings.EPJ_TOKENS[0]!.token}` };
  };

  before(async () => {
    server = await startTestRedis();
    stack = await startStack(server.url, {}, { fleet: true });
  });
  after(async () => {
    await stack?.stop();
    await server?.stop();
  });

  /** The fixture as a new request (its own MsgId), received by the clinic with AppRec OK. */
  async function citizenSends(fixture: string, to = FIRST): Promise<string> {
    const original = readFileSync(path.join(FIXTURES_DIR, fixture), 'utf8');
    const msgId = randomUUID();
    const sent = stack.simulator.citizen.send(original.replaceAll(msgIdOf(original), msgId), { to: Number(to) });
    assert.equal((await stack.simulator.citizen.waitForAppRec(sent.id, 20_000))?.status, 'OK');
    return msgId;
  }
  const worklist = (query: string, herId = FIRST) => request(stack.url).get(`/v1/requests${query}`).set(tokenOf(herId));

  it('lists the unanswered requests oldest first with service, action, age and the representation flag; an answer takes one off', async () => {
    const contact = await citizenSends('office-contact/request.xml');
    const renewal = await citizenSends('prescription-renewal/request.xml');
    const forChild = await citizenSends('e-consultation/parent-for-child-14.xml');
    const wish = await citizenSends('appointment/timeonske-request.xml');

    const all = (await worklist('?state=open').expect(200)).body;
    assert.equal(all.state, 'open');
    assert.equal(all.count, 4);
    assert.deepEqual(
      all.requests.map((r: { msgId: string }) => r.msgId),
      [contact, renewal, forChild, wish],
    );
    const [first] = all.requests;
    assert.equal(first.service, 'office-contact');
    assert.equal(first.action, 'Foresporsel');
    assert.ok(Date.parse(first.receivedAt) <= Date.now());
    assert.ok(first.ageSeconds >= 0 && first.ageSeconds < 120);
    assert.equal(first.limitWorkingDays, 2);
    assert.equal(first.overLimit, false);
    assert.equal(first.representation, false);
    assert.equal(all.requests[2].representation, true, 'a parent writes for a child');
    assert.equal(all.requests[3].action, 'OnskeReserver');

    const renewals = (await worklist('?state=open&service=prescription-renewal').expect(200)).body;
    assert.equal(renewals.count, 1);
    assert.deepEqual(
      renewals.requests.map((r: { msgId: string }) => r.msgId),
      [renewal],
    );
    assert.equal((await worklist('?state=open&limit=2').expect(200)).body.requests.length, 2);

    await request(stack.url)
      .post('/v1/messages')
      .set(tokenOf(FIRST))
      .send({ service: 'office-contact', inReplyTo: contact, text: 'Svar fra kontoret.' })
      .expect(202);
    const after = (await worklist('?state=open').expect(200)).body;
    assert.equal(after.count, 3);
    assert.ok(!after.requests.some((r: { msgId: string }) => r.msgId === contact), 'answered: off the list');
    const again = await request(stack.url)
      .post('/v1/messages')
      .set(tokenOf(FIRST))
      .send({ service: 'office-contact', inReplyTo: contact, text: 'Et svar til.' });
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, 'EPJ_REQUEST_ANSWERED');
  });

  it('each clinic sees its own requests only', async () => {
    const theirs = await citizenSends('office-contact/request.xml', SECOND);
    const second = (await worklist('?state=open', SECOND).expect(200)).body;
    assert.deepEqual(
      second.requests.map((r: { msgId: string }) => r.msgId),
      [theirs],
    );
    const first = (await worklist('?state=open').expect(200)).body;
    assert.ok(!first.requests.some((r: { msgId: string }) => r.msgId === theirs));
  });

  it('a query it cannot answer is 400 EPJ_REQUESTS_QUERY_INVALID; no token is 401', async () => {
    for (const q of ['?state=closed', '?service=dentist', '?limit=0', '?limit=5000']) {
      const res = await worklist(q).expect(400);
      assert.equal(res.body.error.code, 'EPJ_REQUESTS_QUERY_INVALID', q);
    }
    await request(stack.url).get('/v1/requests').expect(401);
  });
});
