import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import request from 'supertest';
import { redisKeys } from '../../../src/redis-keys.js';
import { startTestGateway, type TestGateway as Gateway } from '../../helpers/gateway.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';

const fixture = (p: string) => readFileSync(new URL(`../../../fixtures/${p}`, import.meta.url), 'utf8');
const msgIdOf = (xml: string) => /<MsgId>([^<]+)<\/MsgId>/.exec(xml)![1]!;
const EPJ = { Authorization: 'Bearer demo-token' };
const DAY = 24 * 3600;

describe('a citizen request stays answerable until it is answered, and is answered once', () => {
  let server: TestRedis;
  let gateway: Gateway;
  let url: string;
  before(async () => {
    server = await startTestRedis();
    ({ gateway, url } = await startTestGateway(server.url, { REQUEST_RETENTION_DAYS: '400' }));
  });
  after(async () => {
    await gateway.shutdown('test over');
    await server.stop();
  });

  /** As the inbound worker leaves a received request: recorded, its document sealed, on the worklist. */
  async function received(path = 'office-contact/request.xml'): Promise<{ msgId: string; xml: string }> {
    const original = fixture(path);
    const msgId = randomUUID();
    const xml = original.replaceAll(msgIdOf(original), msgId);
    const { record } = await gateway.store.create({ msgId, direction: 'inbound', service: 'office-contact', action: 'Foresporsel', state: 'delivered' });
    await gateway.store.putDocument(msgId, gateway.crypto.seal({ xml, receiverHerId: 8142987, receivedAt: record.createdAt }, msgId));
    await gateway.store.addHistory(msgId, { event: 'receive', outcome: 'ok' });
    await gateway.requests.opened({ msgId, service: 'office-contact', action: 'Foresporsel', receivedAt: record.createdAt, representation: false });
    return { msgId, xml };
  }
  const ttl = (key: string) => gateway.redis.ttl(key);
  const keys = () => redisKeys(gateway.config.QUEUE_PREFIX);
  const open = async () => (await gateway.requests.list({ limit: 100 })).requests.map((r) => r.msgId);

  it('is kept for REQUEST_RETENTION_DAYS while open, not the 90 days of other messages; once answered, 90 days', async () => {
    const { msgId } = await received();
    for (const key of [keys().message(msgId), keys().messageDocument(msgId), keys().messageHistory(msgId)]) {
      assert.ok((await ttl(key)) > 399 * DAY, `${key} is kept for the request retention`);
    }
    await request(url).post('/v1/messages').set(EPJ).send({ service: 'office-contact', inReplyTo: msgId, text: 'Svar.' }).expect(202);
    const after = await ttl(keys().message(msgId));
    assert.ok(after <= 90 * DAY && after > 89 * DAY, `answered: ${after}s`);
    assert.ok(!(await open()).includes(msgId));
  });

  it('a second answer is 409 EPJ_REQUEST_ANSWERED naming the first; the same answer again is its first result', async () => {
    const { msgId } = await received();
    const answerId = randomUUID();
    const first = await request(url)
      .post('/v1/messages')
      .set(EPJ)
      .send({ service: 'office-contact', inReplyTo: msgId, msgId: answerId, text: 'Svar.' })
      .expect(202);
    assert.equal(first.body.created, true);
    const again = await request(url)
      .post('/v1/messages')
      .set(EPJ)
      .send({ service: 'office-contact', inReplyTo: msgId, msgId: answerId, text: 'Svar.' })
      .expect(202);
    assert.equal(again.body.created, false);
    const second = await request(url).post('/v1/messages').set(EPJ).send({ service: 'office-contact', inReplyTo: msgId, text: 'Et svar til.' }).expect(409);
    assert.equal(second.body.error.code, 'EPJ_REQUEST_ANSWERED');
    assert.equal(second.body.error.details.answeredBy, answerId);
    assert.equal(second.body.error.details.inReplyTo, msgId);
    assert.match(second.body.error.details.answeredAt, /^\d{4}-\d\d-\d\dT/);
    const status = await request(url).get(`/v1/messages/${msgId}`).set(EPJ).expect(200);
    assert.equal(status.body.answeredBy, answerId);
  });

  it('an answer in KITH XML claims its request too: a second one is 409', async () => {
    const { msgId } = await received();
    const answerXml = (id: string) =>
      fixture('office-contact/answer.xml')
        .replaceAll('5b0f0d3e-1c2a-4b7e-9a51-0c8f1e2d3a02', msgId)
        .replaceAll(msgIdOf(fixture('office-contact/answer.xml')), id);
    await request(url).post('/v1/messages').set(EPJ).set('Content-Type', 'application/xml').send(answerXml(randomUUID())).expect(202);
    const second = await request(url).post('/v1/messages').set(EPJ).set('Content-Type', 'application/xml').send(answerXml(randomUUID())).expect(409);
    assert.equal(second.body.error.code, 'EPJ_REQUEST_ANSWERED');
  });

  it('an unknown request is 404 EPJ_REQUEST_UNKNOWN', async () => {
    const res = await request(url).post('/v1/messages').set(EPJ).send({ service: 'office-contact', inReplyTo: randomUUID(), text: 'hei' }).expect(404);
    assert.equal(res.body.error.code, 'EPJ_REQUEST_UNKNOWN');
    assert.match(res.body.error.message, /REQUEST_RETENTION_DAYS/);
  });

  it('an answer refused after its claim (its MsgId taken by other content) leaves the request open', async () => {
    const { msgId } = await received();
    const taken = randomUUID();
    const other = await received();
    await request(url).post('/v1/messages').set(EPJ).send({ service: 'office-contact', inReplyTo: other.msgId, msgId: taken, text: 'Svar.' }).expect(202);
    const res = await request(url).post('/v1/messages').set(EPJ).send({ service: 'office-contact', inReplyTo: msgId, msgId: taken, text: 'Svar.' }).expect(409);
    assert.equal(res.body.error.code, 'MSGID_CONFLICT');
    assert.ok((await open()).includes(msgId), 'still on the worklist');
    assert.equal((await gateway.store.get(msgId))?.answeredBy, undefined);
    await request(url).post('/v1/messages').set(EPJ).send({ service: 'office-contact', inReplyTo: msgId, text: 'Svar.' }).expect(202);
  });

  it('an answer Helsenorge rejects (AppRec Avvist) gives its request back for a corrected answer', async () => {
    const { msgId } = await received();
    const res = await request(url).post('/v1/messages').set(EPJ).send({ service: 'office-contact', inReplyTo: msgId, text: 'Svar.' }).expect(202);
    assert.ok(!(await open()).includes(msgId));
    assert.equal(await gateway.requests.answerRejected(res.body.msgId as string), msgId);
    assert.ok((await open()).includes(msgId), 'back on the worklist');
    await request(url).post('/v1/messages').set(EPJ).send({ service: 'office-contact', inReplyTo: msgId, text: 'Rettet svar.' }).expect(202);
    assert.equal(await gateway.requests.answerRejected(randomUUID()), undefined, 'an answer to no request changes nothing');
  });
});
