import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Redis } from 'ioredis';
import request from 'supertest';
import { FolderInbox } from '../../../adapters/epj/folder-inbox.js';
import { PullInbox } from '../../../adapters/epj/pull-inbox.js';
import { WebhookDelivery } from '../../../adapters/epj/webhook.js';
import type { MsgHeadMessage } from '../../../src/kith/model.js';
import { parseMessage } from '../../../src/kith/parse.js';
import { buildClinicAnswer } from '../../../src/kith/clinic-answer.js';
import { toClinicAnswerInput } from '../../../src/pipeline/clinic-answer-json.js';
import type { SealedOutbound } from '../../../src/pipeline/outbound.js';
import { JobCrypto } from '../../../src/pipeline/job-crypto.js';
import { inboundJudge } from '../../../src/pipeline/inbound-judge.js';
import { connectRedis, workerConnectionOptions } from '../../../src/infra/redis.js';
import type { EpjDelivery } from '../../../src/ports/epj-delivery.js';
import type { AppRecToSend, MessageTransport } from '../../../src/ports/transport.js';
import { startPipeline, type RunningPipeline } from '../../../src/pipeline/start.js';
import { noProtection } from '../../../src/trust/no-protection.js';
import { eventually } from '../../helpers/eventually.js';
import { startTestGateway, type TestGateway as Gateway } from '../../helpers/gateway.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';
import { tempDir } from '../../helpers/tmp.js';
import { startWebhookReceiver } from '../../helpers/webhook.js';
import { PEOPLE } from '../../helpers/representation-cases.js';

const CLINIC_HER = 8142987;
const EPJ = { Authorization: 'Bearer demo-token' };
const fixture = (p: string) => readFileSync(new URL(`../../../fixtures/${p}`, import.meta.url), 'utf8');
const msgIdOf = (xml: string) => /<MsgId>([^<]+)<\/MsgId>/.exec(xml)![1]!;
const SECRETS = Object.values(PEOPLE).flatMap((p) => [p.familyName, p.givenName, ...p.ids.map((i) => i.id)]);

/** NHN's side of the network: messages waiting for the clinic, and the AppRecs it is sent. */
class NhnStandIn implements MessageTransport {
  readonly waiting = new Map<string, Buffer>();
  readonly appRecs = new Map<string, AppRecToSend>();
  async listUnread() {
    return [...this.waiting.keys()].map((id) => ({ id, receiverHerId: CLINIC_HER }));
  }
  async getMessage() {
    return { isAppRec: false, senderHerId: 8093244 };
  }
  async getBusinessDocument(id: string) {
    return this.waiting.get(id)!;
  }
  async markRead(id: string) {
    this.waiting.delete(id);
  }
  async sendAppRec(id: string, _sender: number, appRec: AppRecToSend) {
    this.appRecs.set(id, appRec);
  }
  async send(): Promise<{ nhnMessageId: string }> {
    throw new Error('not sent in this test');
  }
  async getStatus() {
    return [];
  }
  async getAppRecInfo() {
    return [];
  }
}

/** Every value in Redis, whatever its type, as one text. */
async function everythingIn(redis: Redis): Promise<string> {
  const out: string[] = [];
  for (const key of await redis.keys('*')) {
    const type = await redis.type(key);
    if (type === 'string') out.push((await redis.get(key)) ?? '');
    else if (type === 'hash') out.push(JSON.stringify(await redis.hgetall(key)));
    else if (type === 'list') out.push(...(await redis.lrange(key, 0, -1)));
    else if (type === 'set') out.push(...(await redis.smembers(key)));
    else if (type === 'zset') out.push(...(await redis.zrange(key, 0, -1)));
    else if (type === 'stream') out.push(JSON.stringify(await redis.xrange(key, '-', '+')));
  }
  return out.join('\n');
}

function assertNoneOf(text: string, where: string): void {
  for (const s of SECRETS) assert.ok(!text.includes(s), `${where} holds ${s.length === 11 ? 'a national id' : 'a name'} in clear`);
}

describe('representation through the pipeline', () => {
  let server: TestRedis;
  let gateway: Gateway;
  let url: string;
  let logs: () => string;
  let pipeline: RunningPipeline;
  const inboxDir = tempDir('rep-inbox');
  const nhn = new NhnStandIn();

  before(async () => {
    server = await startTestRedis();
    ({ gateway, url, logs } = await startTestGateway(server.url, { POLL_INTERVAL_MS: '100' }));
    pipeline = await startPipeline(gateway, {
      transport: nhn,
      judge: inboundJudge({ allowSyntheticIds: true, ownHerIds: [String(CLINIC_HER)] }),
      epj: new FolderInbox(inboxDir),
      protection: noProtection,
    });
  });
  after(async () => {
    await pipeline.poller.pause();
    await gateway.shutdown('test over');
    await server.stop();
  });

  /** A citizen request arrives at NHN; waits until the EPJ has it in the inbox folder. */
  async function arrives(fixturePath: string): Promise<{ msgId: string; sidecar: Record<string, unknown> }> {
    const xml = fixture(fixturePath);
    const msgId = msgIdOf(xml);
    nhn.waiting.set(randomUUID(), Buffer.from(xml));
    const file = path.join(inboxDir, `${msgId}.json`);
    await eventually(() => existsSync(file), 10_000, `${fixturePath} to reach the inbox folder`);
    return { msgId, sidecar: JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown> };
  }

  it("the folder sidecar shows who acts for whom, in what capacity, and the patient's age", async () => {
    const { sidecar } = await arrives('e-consultation/parent-for-child-14.xml');
    assert.deepEqual(sidecar.representation, {
      capacity: 'parent',
      relation: { code: 'FO', name: 'Foreldreansvar' },
      actor: { nationalId: PEOPLE.parent.ids[0]!.id, idType: 'FNR', familyName: 'Småbakk', givenName: 'Hanne' },
      actingFor: { nationalId: PEOPLE.child14.ids[0]!.id, idType: 'FNR', ageAtRequest: 14 },
      summary: 'A parent with parental responsibility (foreldreansvar) acts for the patient (the patient was 14 when the request was sent).',
    });
    const { sidecar: own } = await arrives('office-contact/request.xml');
    assert.equal(own.representation, undefined, 'a request the patient sent has no representation');
  });

  it('a request about a child under 16 with no relation part reaches the EPJ flagged, and is counted', async () => {
    // the request of the parent of a 14-year-old without its patient-relation part: as if the child wrote
    const msgId = randomUUID();
    const xml = fixture('e-consultation/parent-for-child-14.xml')
      .replace(/<Document>(?:(?!<Document>)[\s\S])*?<ContentDescription>Pasientrelasjon<\/ContentDescription>[\s\S]*?<\/Document>\s*/, '')
      .replace(/<MsgId>[^<]+<\/MsgId>/, `<MsgId>${msgId}</MsgId>`);
    assert.ok(!xml.includes('Pasientrelasjon'));
    nhn.waiting.set(randomUUID(), Buffer.from(xml));
    const file = path.join(inboxDir, `${msgId}.json`);
    await eventually(() => existsSync(file), 10_000, 'the request to reach the inbox folder');
    const sidecar = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    assert.equal(sidecar.representation, undefined);
    assert.deepEqual(sidecar.flags, [
      {
        code: 'minor-without-relation',
        ageAtRequest: 14,
        summary:
          'The patient was 14 when the request was sent and no patient-relation part names a parent: only parents act for children under 16. Check who wrote before answering.',
      },
    ]);
    const metrics = await request(url).get('/metrics');
    assert.match(metrics.text, /epj_gateway_messages_total\{[^}]*outcome="flagged-minor-without-relation"[^}]*\} 1/);
    // an adult who wrote themselves is not flagged
    const { sidecar: adult } = await arrives('prescription-renewal/request.xml');
    assert.equal(adult.flags, undefined);
  });

  it('keeps names and national ids out of Redis in clear and out of the log', async () => {
    await arrives('prescription-renewal/proxy-for-adult.xml');
    assertNoneOf(await everythingIn(gateway.redis), 'Redis');
    assertNoneOf(logs(), 'the log');
  });

  it('a parent acting for a 17-year-old gets AppRec Avvist E36 and never reaches the EPJ', async () => {
    const xml = fixture('e-consultation/e36-parent-for-17-year-old.xml');
    const nhnId = randomUUID();
    nhn.waiting.set(nhnId, Buffer.from(xml));
    await eventually(() => nhn.appRecs.has(nhnId), 10_000, 'the AppRec');
    assert.deepEqual({ ...nhn.appRecs.get(nhnId), errors: nhn.appRecs.get(nhnId)?.errors.map((e) => e.errorCode) }, { status: 'Avvist', errors: ['E36'] });
    assert.ok(!existsSync(path.join(inboxDir, `${msgIdOf(xml)}.json`)));
  });

  describe("the clinic's answer marked confidential to the child (POST /v1/messages)", () => {
    const answer = (inReplyTo: string, extra: Record<string, unknown> = {}) =>
      request(url)
        .post('/v1/messages')
        .set(EPJ)
        .send({ service: 'e-consultation', inReplyTo, msgId: randomUUID(), text: 'Svar fra legen.', ...extra });

    it('is refused with 400 when the request came from a parent of a child of 12 to 16, and nothing is queued', async () => {
      const inReplyTo = msgIdOf(fixture('e-consultation/parent-for-child-14.xml'));
      const msgId = randomUUID();
      const res = await answer(inReplyTo, { msgId, confidentialToChild: true });
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.equal(res.body.error.code, 'REPRESENTATION_CONFIDENTIAL_TO_CHILD');
      assert.equal(res.body.error.details.errors[0].field, 'confidentialToChild');
      assert.match(res.body.error.details.errors[0].message, /a parent or guardian/);
      assertNoneOf(JSON.stringify(res.body), 'the refusal');
      assert.equal(await gateway.queues['outbound-e-consultation'].getJob(msgId), undefined);
      assert.equal(await gateway.store.get(msgId), undefined);
    });

    it('goes out (202) to the parent when not so marked, and to a patient who wrote themselves even when marked', async () => {
      const toParent = await answer(msgIdOf(fixture('e-consultation/parent-for-child-14.xml')), { confidentialToChild: false });
      assert.equal(toParent.status, 202, JSON.stringify(toParent.body));
      // The answer goes back to the parent: its package carries the relation (e-consultation Svar is `_pas`).
      const job = await gateway.queues['outbound-e-consultation'].getJob(toParent.body.msgId);
      const { xml } = gateway.crypto.open<SealedOutbound>(job!.data.sealed, toParent.body.msgId);
      assert.deepEqual((parseMessage(xml) as MsgHeadMessage).patientRelation?.actor, PEOPLE.parent);
      const { msgId: own } = await arrives('e-consultation/request.xml');
      const toPatient = await answer(own, { confidentialToChild: true });
      assert.equal(toPatient.status, 202, JSON.stringify(toPatient.body));
    });

    it('holds for KITH XML too: the Confidential-To-Child header refuses an XML answer to a parent, without it it goes', async () => {
      // a request of its own (each request is answered once)
      const requestId = randomUUID();
      const requestXml = fixture('e-consultation/parent-for-child-14.xml').replace(/<MsgId>[^<]+<\/MsgId>/, `<MsgId>${requestId}</MsgId>`);
      nhn.waiting.set(randomUUID(), Buffer.from(requestXml));
      await eventually(() => existsSync(path.join(inboxDir, `${requestId}.json`)), 10_000, 'the request in the inbox folder');
      const xml = buildClinicAnswer(
        parseMessage(requestXml) as MsgHeadMessage,
        toClinicAnswerInput({ service: 'e-consultation', inReplyTo: requestId, text: 'Svar fra legen.' }),
      );
      const post = (headers: Record<string, string>) =>
        request(url)
          .post('/v1/messages')
          .set({ ...EPJ, 'Content-Type': 'application/xml', ...headers })
          .send(xml);
      const refused = await post({ 'Confidential-To-Child': 'true' });
      assert.equal(refused.status, 400, JSON.stringify(refused.body));
      assert.equal(refused.body.error.code, 'REPRESENTATION_CONFIDENTIAL_TO_CHILD');
      assert.equal(await gateway.store.get(msgIdOf(xml)), undefined, 'nothing queued');
      assert.equal((await post({ 'Confidential-To-Child': 'maybe' })).body.error.code, 'EPJ_MESSAGE_INVALID');
      const sent = await post({});
      assert.equal(sent.status, 202, JSON.stringify(sent.body));
    });
  });
});

describe('representation in the webhook body and the pull inbox item', () => {
  const judge = inboundJudge({ allowSyntheticIds: true, ownHerIds: [String(CLINIC_HER)] });

  async function delivery(fixturePath: string): Promise<EpjDelivery> {
    const xml = fixture(fixturePath);
    const verdict = await judge(Buffer.from(xml));
    assert.ok(verdict.representation);
    return {
      msgId: verdict.msgId!,
      service: verdict.service!,
      xml,
      receiverHerId: CLINIC_HER,
      receivedAt: new Date().toISOString(),
      representation: verdict.representation,
    };
  }

  it('the webhook JSON carries it beside the XML', async () => {
    const receiver = await startWebhookReceiver(204);
    try {
      const m = await delivery('office-contact/parent-for-child-10.xml');
      await new WebhookDelivery(receiver.url, 'a-secret-of-16-chars').deliver(m);
      const body = receiver.received[0] as Record<string, unknown>;
      assert.deepEqual(body.representation, m.representation);
      assert.equal((body.representation as { capacity: string }).capacity, 'parent');
    } finally {
      await receiver.close();
    }
  });

  it('the pull inbox item carries it, sealed while it waits in Redis', async () => {
    const server = await startTestRedis();
    const redis = await connectRedis(server.url, workerConnectionOptions());
    try {
      const inbox = new PullInbox(redis, 'rep', new JobCrypto([{ id: 'k', key: randomBytes(32) }]));
      const m = await delivery('prescription-renewal/proxy-for-adult.xml');
      await inbox.deliver(m);
      const { items } = await inbox.list(undefined, 10);
      assert.deepEqual(items[0]?.representation, m.representation);
      assertNoneOf(await everythingIn(redis), 'the pull inbox in Redis');
    } finally {
      redis.disconnect();
      await server.stop();
    }
  });
});
