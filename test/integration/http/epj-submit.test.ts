import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { FolderOutbox } from '../../../adapters/epj/folder-outbox.js';
import { submitClinicXml } from '../../../src/pipeline/clinic-submission.js';
import { startTestGateway, type TestGateway as Gateway } from '../../helpers/gateway.js';
import { captureLogger } from '../../helpers/logger.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';
import { tempDir } from '../../helpers/tmp.js';

const fixture = (p: string) => readFileSync(new URL(`../../../fixtures/${p}`, import.meta.url), 'utf8');
const EPJ = { Authorization: 'Bearer demo-token' };
const OPS = { Authorization: 'Bearer demo-ops-token' };

describe('the clinic sends: POST /v1/messages with KITH XML, and the outbox folder', () => {
  let server: TestRedis;
  let gateway: Gateway;
  let url: string;
  before(async () => {
    server = await startTestRedis();
    ({ gateway, url } = await startTestGateway(server.url));
  });
  after(async () => {
    await gateway.shutdown('test over');
    await server.stop();
  });

  const answer = fixture('office-contact/answer.xml');
  const msgId = /<MsgId>([^<]+)<\/MsgId>/.exec(answer)![1]!;

  it('queues a valid answer: 202 with the MsgId, and the same again is the same result', async () => {
    const res = await request(url).post('/v1/messages').set(EPJ).set('Content-Type', 'application/xml').send(answer).expect(202);
    assert.equal(res.body.msgId, msgId);
    assert.equal(res.body.service, 'office-contact');
    assert.equal(res.body.created, true);
    assert.equal(await gateway.queues['outbound-office-contact'].getJobState(msgId), 'waiting');
    const again = await request(url).post('/v1/messages').set(EPJ).set('Content-Type', 'application/xml').send(answer).expect(202);
    assert.equal(again.body.created, false);
    const status = await request(url).get(`/v1/messages/${msgId}`).set(EPJ).expect(200);
    assert.equal(status.body.state, 'queued');
    assert.equal(status.body.history[0].event, 'accepted');
  });

  it('the same MsgId with other content is 409', async () => {
    const changed = answer.replace('</MsgHead>', '<!-- changed --></MsgHead>');
    const res = await request(url).post('/v1/messages').set(EPJ).set('Content-Type', 'application/xml').send(changed).expect(409);
    assert.equal(res.body.error.code, 'MSGID_CONFLICT');
  });

  it('refuses a citizen request (not a clinic action) and a broken document with field-level errors', async () => {
    const citizen = await request(url)
      .post('/v1/messages')
      .set(EPJ)
      .set('Content-Type', 'application/xml')
      .send(fixture('office-contact/request.xml'))
      .expect(400);
    assert.equal(citizen.body.error.code, 'EPJ_MESSAGE_INVALID');
    const broken = await request(url)
      .post('/v1/messages')
      .set(EPJ)
      .set('Content-Type', 'application/xml')
      .send(fixture('office-contact/e30-patient-id-missing.xml'))
      .expect(400);
    assert.ok(broken.body.error.details.errors.length > 0);
  });

  it('answers 503 with Retry-After and the reasons while the service is closed', async () => {
    await request(url).post('/ops/gate/office-contact/close').set(OPS).send({ reason: 'Office closed for the holidays' }).expect(200);
    const fresh = answer.replace(msgId, '11111111-2222-4333-8444-555555555555');
    const res = await request(url).post('/v1/messages').set(EPJ).set('Content-Type', 'application/xml').send(fresh).expect(503);
    assert.equal(res.body.error.code, 'GATE_CLOSED');
    assert.equal(res.headers['retry-after'], '300');
    assert.equal(res.body.error.details.reasons[0].message, 'Office closed for the holidays');
    await request(url).post('/ops/gate/office-contact/open').set(OPS).expect(200);
  });

  it('the outbox folder: accepted to done/, refused to error/ with the reason, closed service waits', async () => {
    const dir = tempDir('outbox');
    const outbox = new FolderOutbox(
      dir,
      (xml, origin) => submitClinicXml({ config: gateway.config, gate: gateway.gate, outbound: gateway.outbound, schemas: () => gateway.schemas }, xml, origin),
      captureLogger().logger,
    );
    writeFileSync(path.join(dir, 'a-answer.xml'), answer.replace(msgId, '22222222-2222-4333-8444-555555555555'));
    writeFileSync(path.join(dir, 'b-broken.xml'), '<MsgHead>');
    writeFileSync(path.join(dir, '.c-half-written.xml'), '<Msg');
    assert.deepEqual(await outbox.scanOnce(), { 'a-answer.xml': 'done', 'b-broken.xml': 'error' });
    assert.deepEqual(readdirSync(path.join(dir, 'done')), ['a-answer.xml']);
    const reason = JSON.parse(readFileSync(path.join(dir, 'error', 'b-broken.xml.reason.json'), 'utf8'));
    assert.equal(reason.code, 'EPJ_MESSAGE_INVALID');

    await request(url).post('/ops/gate/office-contact/close').set(OPS).send({ reason: 'Closed for a test' }).expect(200);
    writeFileSync(path.join(dir, 'd-later.xml'), answer.replace(msgId, '33333333-2222-4333-8444-555555555555'));
    assert.deepEqual(await outbox.scanOnce(), { 'd-later.xml': 'waiting' });
    await request(url).post('/ops/gate/office-contact/open').set(OPS).expect(200);
    assert.deepEqual(await outbox.scanOnce(), { 'd-later.xml': 'done' });
  });

  it("the outbox folder hands a file's sidecar on and moves it with its file; a sidecar that is not the expected JSON refuses the file", async () => {
    const dir = tempDir('outbox-sidecar');
    const seen: Record<string, unknown> = {};
    const outbox = new FolderOutbox(
      dir,
      async (xml, _origin, sidecar) => {
        seen[/<MsgId>([^<]+)<\/MsgId>/.exec(xml)![1]!] = sidecar;
      },
      captureLogger().logger,
    );
    writeFileSync(path.join(dir, 'a.json'), '{"confidentialToChild": true}');
    writeFileSync(path.join(dir, 'a.xml'), answer.replace(msgId, 'a'));
    writeFileSync(path.join(dir, 'b.xml'), answer.replace(msgId, 'b'));
    writeFileSync(path.join(dir, 'c.json'), '{"confidentialToChild": "yes"}');
    writeFileSync(path.join(dir, 'c.xml'), answer.replace(msgId, 'c'));
    assert.deepEqual(await outbox.scanOnce(), { 'a.xml': 'done', 'b.xml': 'done', 'c.xml': 'error' });
    assert.deepEqual(seen, { a: { confidentialToChild: true }, b: undefined });
    assert.deepEqual(readdirSync(path.join(dir, 'done')).sort(), ['a.json', 'a.xml', 'b.xml']);
    assert.deepEqual(readdirSync(path.join(dir, 'error')).sort(), ['c.json', 'c.xml', 'c.xml.reason.json']);
    assert.equal(JSON.parse(readFileSync(path.join(dir, 'error', 'c.xml.reason.json'), 'utf8')).code, 'EPJ_MESSAGE_INVALID');
  });
});
