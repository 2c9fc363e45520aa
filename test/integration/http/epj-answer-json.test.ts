import { randomUUID } from 'node:crypto';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import request from 'supertest';
import { loadSchemaSet } from '../../../src/kith/schema-set.js';
import { validateDocument } from '../../../src/kith/validate.js';
import type { SealedOutbound } from '../../../src/pipeline/outbound.js';
import { startTestGateway, type TestGateway as Gateway } from '../../helpers/gateway.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';
import { XSD_DIR, hasShared } from '../../helpers/shared.js';

const fixture = (p: string) => readFileSync(new URL(`../../../fixtures/${p}`, import.meta.url), 'utf8');
const msgIdOf = (xml: string) => /<MsgId>([^<]+)<\/MsgId>/.exec(xml)![1]!;
const EPJ = { Authorization: 'Bearer demo-token' };

describe('the clinic answers in JSON: POST /v1/messages builds the KITH message', () => {
  let server: TestRedis;
  let gateway: Gateway;
  let url: string;
  before(async () => {
    server = await startTestRedis();
    ({ gateway, url } = await startTestGateway(server.url, hasShared ? { KITH_SCHEMA_DIR: XSD_DIR } : {}));
  });
  after(async () => {
    await gateway.shutdown('test over');
    await server.stop();
  });

  /** As the inbound worker leaves a received request: recorded, its document sealed. */
  async function received(path: string, options: { fresh?: boolean } = {}): Promise<string> {
    const original = fixture(path);
    const xml = options.fresh ? original.replaceAll(msgIdOf(original), randomUUID()) : original;
    const msgId = msgIdOf(xml);
    await gateway.store.create({ msgId, direction: 'inbound', service: 'unknown', state: 'delivered' });
    await gateway.store.putDocument(msgId, gateway.crypto.seal({ xml, receiverHerId: 8142987, receivedAt: new Date().toISOString() }, msgId));
    return msgId;
  }

  async function answer(body: Record<string, unknown>): Promise<{ msgId: string; xml: string }> {
    const res = await request(url).post('/v1/messages').set(EPJ).send(body);
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const job = await gateway.queues[`outbound-${res.body.service as 'office-contact'}`].getJob(res.body.msgId);
    const { xml } = gateway.crypto.open<SealedOutbound>(job!.data.sealed, res.body.msgId);
    // What leaves the gateway is valid in both layers (the official schemas when ../shared is here).
    const schemas = hasShared ? loadSchemaSet(XSD_DIR) : undefined;
    const { report } = validateDocument(xml, { allowSyntheticIds: true, ownHerIds: ['8093244'], ...(schemas ? { schemas } : {}) });
    assert.deepEqual(report.errors, []);
    return { msgId: res.body.msgId, xml };
  }

  it('office-contact: a reply with an attachment', async () => {
    const inReplyTo = await received('office-contact/request.xml');
    const { xml } = await answer({
      service: 'office-contact',
      inReplyTo,
      text: 'Attesten er klar.',
      attachments: [{ fileName: 'attest.pdf', mimeType: 'application/pdf', base64: Buffer.from('%PDF-1.4 test').toString('base64') }],
    });
    assert.match(xml, /<RefToParent>/);
    assert.match(xml, new RegExp(inReplyTo));
    assert.match(xml, /application\/pdf/);
  });

  it('prescription-renewal: two prescriptions answered differently', async () => {
    const inReplyTo = await received('prescription-renewal/request.xml');
    const { xml } = await answer({
      service: 'prescription-renewal',
      inReplyTo,
      prescriptions: [
        { name: 'Paracetamol 500 mg', outcome: 'renewed' },
        { name: 'Diazepam 5 mg', outcome: 'needs-consultation', reason: 'må vurderes ved time' },
      ],
    });
    assert.match(xml, /Paracetamol 500 mg: fornyet\./);
    assert.match(xml, /Diazepam 5 mg: krever konsultasjon \(må vurderes ved time\)\./);
  });

  it('e-consultation: a reply with a video link', async () => {
    const inReplyTo = await received('e-consultation/request.xml');
    const { xml } = await answer({ service: 'e-consultation', inReplyTo, text: 'Vi tar en videokonsultasjon.', videoLink: 'https://video.example.no/rom/123' });
    assert.match(xml, /video\.example\.no/);
  });

  it('appointment: offered, changed and cancelled, with the calendar part', async () => {
    const slot = { start: '2026-12-01T09:00:00', end: '2026-12-01T09:20:00', location: 'Fjordvik legekontor, rom 2', practitioner: 'Kari Lege' };
    for (const kind of ['offer', 'change', 'cancel'] as const) {
      // each answers a request of its own: a request is answered once
      const inReplyTo = await received('appointment/timeonske-request.xml', { fresh: true });
      const { xml } = await answer({ service: 'appointment', inReplyTo, kind, slots: [slot], text: `Time: ${kind}` });
      assert.match(xml, /urn:ietf:params:xml:ns:icalendar-2.0/);
    }
  });

  it('field errors name the field; an unknown request is 404; the wrong service is refused', async () => {
    const bad = await request(url).post('/v1/messages').set(EPJ).send({ service: 'office-contact', inReplyTo: 'x' }).expect(400);
    assert.deepEqual(
      bad.body.error.details.errors.map((e: { field: string }) => e.field),
      ['text'],
    );
    const unknown = await request(url).post('/v1/messages').set(EPJ).send({ service: 'office-contact', inReplyTo: 'no-such', text: 'hei' }).expect(404);
    assert.equal(unknown.body.error.code, 'EPJ_REQUEST_UNKNOWN');
    const inReplyTo = await received('e-consultation/request.xml');
    const wrong = await request(url).post('/v1/messages').set(EPJ).send({ service: 'office-contact', inReplyTo, text: 'hei' }).expect(400);
    assert.equal(wrong.body.error.details.errors[0].field, 'service');
  });

  it('a character XML 1.0 cannot carry is a field error naming every field that holds one', async () => {
    const fieldsOf = (res: request.Response) => res.body.error.details.errors.map((e: { field: string }) => e.field).sort();
    const appointment = await received('appointment/timeonske-request.xml');
    const slot = { start: '2026-12-01T09:00:00', end: '2026-12-01T09:20:00', location: 'Rom\u00072', practitioner: 'Kari\uffffLege' };
    const bad = await request(url)
      .post('/v1/messages')
      .set(EPJ)
      .send({
        service: 'appointment',
        inReplyTo: appointment,
        kind: 'offer',
        slots: [slot],
        text: 'Time\u0001',
        practitioner: { name: 'Kari \ud800Lege' },
        attachments: [{ fileName: 'attest\u0000.pdf', mimeType: 'application/pdf', base64: 'JVBERi0=' }],
      })
      .expect(400);
    assert.equal(bad.body.error.code, 'EPJ_MESSAGE_INVALID');
    assert.deepEqual(fieldsOf(bad), ['attachments.0.fileName', 'practitioner.name', 'slots.0.location', 'slots.0.practitioner', 'text']);
    assert.match(bad.body.error.details.errors.find((e: { field: string }) => e.field === 'text').message, /U\+0001/);

    const renewal = await received('prescription-renewal/request.xml');
    const prescriptions = [{ name: 'Paracetamol\u001b 500 mg', outcome: 'not-renewed', reason: 'se\ufffe notat' }];
    const badRenewal = await request(url)
      .post('/v1/messages')
      .set(EPJ)
      .send({ service: 'prescription-renewal', inReplyTo: renewal, prescriptions, text: '\u0001' })
      .expect(400);
    assert.deepEqual(fieldsOf(badRenewal), ['prescriptions.0.name', 'prescriptions.0.reason', 'text']);

    const consultation = await received('e-consultation/request.xml');
    const badLink = await request(url)
      .post('/v1/messages')
      .set(EPJ)
      .send({ service: 'e-consultation', inReplyTo: consultation, text: 'Video:', videoLink: 'https://video.example.no/rom/\u0001' })
      .expect(400);
    assert.deepEqual(fieldsOf(badLink), ['videoLink']);
  });

  // found by `npm run chaos`: the EPJ sent its answer again with its own MsgId after the answer to the
  // first POST was lost (a replica killed), and got 409 MSGID_CONFLICT: the XML built has a new GenDate
  it('the same JSON with the same msgId again, a second later, is the same message (created: false); other text is 409', async () => {
    const inReplyTo = await received('office-contact/request.xml', { fresh: true });
    const msgId = randomUUID();
    const body = { service: 'office-contact', inReplyTo, msgId, text: 'Vi ringer deg i morgen.' };
    const first = await request(url).post('/v1/messages').set(EPJ).send(body).expect(202);
    assert.equal(first.body.created, true);
    await new Promise((r) => setTimeout(r, 1_100));
    const again = await request(url).post('/v1/messages').set(EPJ).send(body);
    assert.equal(again.status, 202, JSON.stringify(again.body));
    assert.equal(again.body.msgId, msgId);
    assert.equal(again.body.created, false);
    const other = await request(url)
      .post('/v1/messages')
      .set(EPJ)
      .send({ ...body, text: 'Noe annet.' })
      .expect(409);
    assert.equal(other.body.error.code, 'MSGID_CONFLICT');
  });
});
