import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { AmqpBus } from '../../../adapters/transport/amqp/bus.js';
import { CMS_CONTENT_TYPE, queueName, toWire, type WireMessage } from '../../../adapters/transport/amqp/wire.js';
import { agreementId } from '../../../demo/ar-stand-in/cppa-answers.js';
import { DEMO_HELSENORGE_HER_ID } from '../../../demo/demo-bus.js';
import { FIXTURES_DIR } from '../../../demo/simulator/citizen.js';
import { readCertificate, readPrivateKey } from '../../../src/trust/clinic-keys.js';
import { encryptContent } from '../../../src/trust/cms-enveloped-data.js';
import { signContent } from '../../../src/trust/cms-signed-data.js';
import { buildCitizenRequest } from '../../../src/kith/citizen-request.js';
import { COMMUNICATION_TEST_TYPE } from '../../../src/kith/communication-test.js';
import { runCli } from '../../helpers/cli.js';
import { eventually } from '../../helpers/eventually.js';
import { startTestBroker, type TestBroker } from '../../helpers/rabbitmq.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';
import { CLINIC as SAMPLE_CLINIC, HELSENORGE as SAMPLE_HELSENORGE, PATIENTS } from '../../helpers/sample-messages.js';
import { startStack, type TestStack } from '../../helpers/stack.js';

/**
 * The service bus end to end (TRANSPORT=amqp): the whole gateway as the demo composes it, CMS on, a
 * real RabbitMQ with the AMQP 1.0 plugin, the simulator as Helsenorge on the bus, a real Redis.
 */

const CLINIC = 8142987;
const HELSENORGE = DEMO_HELSENORGE_HER_ID;
const sample = (name: string) => path.join(FIXTURES_DIR, '..', 'certs-sample', name);
const msgIdOf = (fixture: string) => /<MsgId>([^<]+)<\/MsgId>/.exec(readFileSync(path.join(FIXTURES_DIR, fixture), 'utf8'))![1]!;

describe('e2e: the service bus (AMQP 1.0 on RabbitMQ, as Helsenorge.Messaging speaks it)', function () {
  this.timeout(180_000);
  let redis: TestRedis;
  let broker: TestBroker;
  let stack: TestStack;
  /** a party of its own on the bus, for crafted messages */
  let raw: AmqpBus;

  before(async () => {
    redis = await startTestRedis();
    broker = await startTestBroker();
    await broker.provision({ exchange: 'DigitalDialog', parties: [HELSENORGE, CLINIC] });
    stack = await startStack(redis.url, { TRANSPORT: 'amqp', AMQP_URL: broker.url });
    raw = new AmqpBus({
      url: broker.url,
      addressing: { form: 'v1', exchange: 'DigitalDialog' },
      logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
    });
    await raw.start();
  });
  after(async () => {
    await raw?.close();
    await stack?.stop();
    await broker?.stop();
    await redis?.stop();
  });

  const stateOf = async (msgId: string) => (await request(stack.url).get(`/v1/messages/${msgId}`).set(stack.epjAuth)).body as { state?: string };
  /** A message to the clinic as Helsenorge would put it on the bus, before any field is taken away. */
  const crafted = (body: Buffer, overrides: Partial<WireMessage> = {}): WireMessage => ({
    ...toWire(
      {
        messageId: randomUUID(),
        subject: 'DIALOG_INNBYGGER_KONTAKT',
        fromHerId: HELSENORGE,
        toHerId: CLINIC,
        queue: queueName(CLINIC, 'async'),
        kind: 'async',
        body,
      },
      raw.addressing,
      (b) => raw.dataSection(b),
    ),
    ...overrides,
  });

  it("a citizen's request comes over the bus to the EPJ, and the clinic's AppRec OK goes back over it", async () => {
    const sent = stack.simulator.citizen.sendFixture('office-contact/request.xml');
    const appRec = await stack.simulator.citizen.waitForAppRec(sent.id, 20_000);
    assert.equal(appRec?.status, 'OK', JSON.stringify(appRec?.errors));
    const msgId = msgIdOf('office-contact/request.xml');
    await eventually(() => existsSync(path.join(stack.inboxDir!, `${msgId}.json`)), 15_000, 'the request in the EPJ inbox');
    assert.ok(stack.simulator.bus, 'the simulator is on the bus');
    assert.deepEqual(stack.simulator.bus.errors(), []);
  });

  it("the clinic's answer goes over the bus to the citizen, and the citizen's AppRec comes back to it", async () => {
    const before = stack.simulator.citizen.answers().length;
    const res = await request(stack.url)
      .post('/v1/messages')
      .set(stack.epjAuth)
      .send({ service: 'office-contact', inReplyTo: msgIdOf('office-contact/request.xml'), text: 'Attesten er klar.' })
      .expect(202);
    const got = await stack.simulator.citizen.waitForAnswers(before + 1, 20_000);
    const answer = got.find((a) => a.msgId === res.body.msgId);
    assert.ok(answer, 'the answer reached the citizen');
    assert.ok(answer.valid, JSON.stringify(answer.errors));
    await eventually(async () => (await stateOf(res.body.msgId)).state === 'apprec-ok', 30_000, 'AppRec OK tracked from the bus');
    // the answer and the clinic's AppRecs carry the agreement (CPA) the register stand-in serves
    const agreed = agreementId(String(CLINIC), String(HELSENORGE));
    const seen = stack.simulator.bus!.seenCpaIds().filter((c) => c.fromHerId === CLINIC);
    assert.ok(
      seen.some((c) => c.subject === 'DIALOG_INNBYGGER_EKONTAKT'),
      JSON.stringify(seen),
    );
    assert.ok(seen.length > 0 && seen.every((c) => c.cpaId === agreed), JSON.stringify(seen));
  });

  it('a message missing the fields every message carries is answered on the sender’s error queue and never reaches the EPJ', async () => {
    const message = crafted(Buffer.from('x'), { subject: undefined, application_properties: { fromHerId: String(HELSENORGE), toHerId: String(CLINIC) } });
    await raw.send(message);
    const error = await stack.simulator.bus!.waitForError(String(message.message_id), 15_000);
    assert.ok(error, 'an error message on Helsenorge’s error queue');
    assert.equal(error.errorCondition, 'transport:invalid-field-value');
    assert.match(error.errorConditionData ?? '', /subject;applicationTimeStamp;/);
    assert.equal(error.fromHerId, CLINIC);
    assert.equal(error.toHerId, HELSENORGE);
  });

  it('a message whose cpaId is not the agreement between the parties is refused on the error queue (the simulator’s messages, with the right one, are taken above)', async () => {
    const wrong = crafted(Buffer.from('x'));
    wrong.application_properties = { ...wrong.application_properties, cpaId: agreementId(String(HELSENORGE), '8143100') };
    await raw.send(wrong);
    const error = await stack.simulator.bus!.waitForError(String(wrong.message_id), 15_000);
    assert.ok(error, 'an error message on Helsenorge’s error queue');
    assert.equal(error.errorCondition, 'transport:invalid-field-value');
    assert.match(error.errorDescription ?? '', /is not the agreement between 8093244 and 8142987/);
    assert.match(error.errorConditionData ?? '', /^cpaId;?$/);
  });

  it('a message signed by another party than its sender is refused as spoofing on the error queue', async () => {
    const xml = readFileSync(path.join(FIXTURES_DIR, 'office-contact/request.xml'));
    // signed with a clinic's key instead of Helsenorge's, encrypted to the clinic as it should be
    const signed = signContent(xml, readCertificate(sample('clinic-signing.cert.pem')), readPrivateKey(sample('clinic-signing.key.pem')));
    const body = encryptContent(signed, readCertificate(sample('clinic-encryption.cert.pem')));
    const message = crafted(body);
    assert.equal(message.content_type, CMS_CONTENT_TYPE);
    await raw.send(message);
    const error = await stack.simulator.bus!.waitForError(String(message.message_id), 20_000);
    assert.ok(error, 'an error message on Helsenorge’s error queue');
    assert.equal(error.errorCondition, 'abuse:spoofing-attack');
  });

  it('each fault of the envelope is answered on the error queue with its condition and a description', async () => {
    const xml = readFileSync(path.join(FIXTURES_DIR, 'office-contact/request.xml'));
    const helsenorgeSigned = () =>
      signContent(xml, readCertificate(sample('helsenorge-signing.cert.pem')), readPrivateKey(sample('helsenorge-signing.key.pem')));
    const toClinic = (content: Buffer) => encryptContent(content, readCertificate(sample('clinic-encryption.cert.pem')));
    const tampered = () => {
      // the signed XML changed after signing: same length, so only the digest tells
      const signed = Buffer.from(helsenorgeSigned());
      const at = signed.indexOf('Foresporsel');
      assert.ok(at > 0);
      signed.write('Foresporsem', at, 'latin1');
      return signed;
    };
    const openssl = (args: string[], input: Buffer) => execFileSync('openssl', args, { input, stdio: ['pipe', 'pipe', 'pipe'] });
    const cases: [string, Buffer, string][] = [
      ['a plain document, neither signed nor encrypted', xml, 'transport:unverified-certificate'],
      ['a CMS envelope cut short', toClinic(helsenorgeSigned()).subarray(0, 200), 'transport:not-well-formed-xml'],
      [
        '3DES content encryption',
        openssl(
          ['cms', '-encrypt', '-binary', '-des3', '-inform', 'DER', '-outform', 'DER', sample('clinic-encryption.cert.pem')],
          Buffer.from(helsenorgeSigned()),
        ),
        'transport:unsupported-message',
      ],
      ['a signature that does not verify', toClinic(tampered()), 'transport:unverified-certificate'],
      [
        'encrypted to another clinic',
        encryptContent(helsenorgeSigned(), readCertificate(sample('clinic2-encryption.cert.pem'))),
        'transport:invalid-certificate',
      ],
    ];
    for (const [what, body, condition] of cases) {
      const message = crafted(body);
      await raw.send(message);
      const error = await stack.simulator.bus!.waitForError(String(message.message_id), 20_000);
      assert.ok(error, `${what}: an error message on Helsenorge’s error queue`);
      assert.equal(error.errorCondition, condition, `${what}: ${error.errorDescription ?? ''}`);
      assert.ok(error.errorDescription, `${what}: described`);
    }
  });

  describe('the synchronous process: HentLedigeTimer answered by the gateway from the published slots', () => {
    const metric = async (action: string, outcome: string) => {
      const text = (await request(stack.url).get('/metrics')).text;
      const line = text
        .split('\n')
        .find((l) => l.startsWith(`epj_gateway_sync_answer_seconds_count{clinic="${CLINIC}",action="${action}",outcome="${outcome}"}`));
      return line ? Number(line.split(' ').pop()) : 0;
    };

    it('with no slots published the citizen gets an error answer in Norwegian at once, not silence', async () => {
      const sent = stack.simulator.citizen.sendFixture('appointment/timereservasjon-request.xml');
      await eventually(() => stack.simulator.citizen.status(sent.id)?.answer !== undefined, 15_000, 'an answer on the syncreply queue');
      const answer = stack.simulator.citizen.status(sent.id)!.answer!;
      assert.equal(answer.action, 'APPREC');
      assert.equal(answer.appRec?.status, '2');
      assert.equal(answer.appRec?.errors[0]?.code, 'X99');
      assert.match(answer.appRec?.errors[0]?.details ?? '', /ikke lagt ut ledige timer.*ring legekontoret/);
      assert.ok(answer.ms >= 0 && answer.ms < 15_000, `${answer.ms} ms`);
      // timed once the broker took the answer, which the citizen may see a moment before
      await eventually(async () => (await metric('APPREC', 'refused')) === 1, 5_000, 'the APPREC answer timed');
    });

    it('the EPJ publishes its slots (JSON, then iCalendar, replace-all); each one is offered as SvarLedigeTimer well within 15 s', async () => {
      await request(stack.url)
        .put('/v1/free-slots')
        .set(stack.epjAuth)
        .send({
          slots: [
            { start: '2099-01-12T10:00:00+01:00', end: '2099-01-12T10:20:00+01:00' },
            { start: '2099-01-11T09:00:00+01:00', end: '2099-01-11T09:20:00+01:00', practitioner: 'Dr. Fjell', kind: 'Konsultasjon' },
            { start: '2001-01-11T09:00:00+01:00', end: '2001-01-11T09:20:00+01:00' },
          ],
        })
        .expect(200)
        .expect((res) => assert.equal(res.body.count, 3));
      const sent = stack.simulator.citizen.sendFixture('appointment/timereservasjon-request.xml');
      await eventually(() => stack.simulator.citizen.status(sent.id)?.answer !== undefined, 15_000, 'SvarLedigeTimer on the syncreply queue');
      const answer = stack.simulator.citizen.status(sent.id)!.answer!;
      assert.equal(answer.action, 'SvarLedigeTimer');
      // earliest first, the past slot left out
      assert.deepEqual(answer.slots, ['2099-01-11T08:00:00Z', '2099-01-12T09:00:00Z']);
      assert.ok(answer.ms < 15_000, `${answer.ms} ms`);
      // timed once the broker took the answer, which the citizen may see a moment before
      await eventually(async () => (await metric('SvarLedigeTimer', 'answered')) === 1, 5_000, 'the SvarLedigeTimer answer timed');
      // a synchronous answer gets no AppRec from Helsenorge, and the request never went to the EPJ's queue
      assert.equal(stack.simulator.citizen.status(sent.id)!.appRec, null);

      const ical = [
        'BEGIN:VCALENDAR',
        'BEGIN:VEVENT',
        'DTSTART:20990701T090000',
        'DTEND:20990701T091500',
        'SUMMARY:Video',
        'END:VEVENT',
        'END:VCALENDAR',
        '',
      ].join('\r\n');
      await request(stack.url).put('/v1/free-slots').set(stack.epjAuth).set('content-type', 'text/calendar').send(ical).expect(200);
      const again = stack.simulator.citizen.sendFixture('appointment/timereservasjon-request.xml');
      await eventually(() => stack.simulator.citizen.status(again.id)?.answer !== undefined, 15_000, 'the second answer');
      // summer time in Oslo: 09:00 local is 07:00 UTC; the JSON slots are gone (replace-all)
      assert.deepEqual(stack.simulator.citizen.status(again.id)!.answer!.slots, ['2099-07-01T07:00:00Z']);
    });

    it('slots that cannot be read are refused with a code naming the slot, and the published ones stay', async () => {
      const res = await request(stack.url)
        .put('/v1/free-slots')
        .set(stack.epjAuth)
        .send({ slots: [{ start: '2099-01-11T09:00:00+01:00', end: '2099-01-11T08:00:00+01:00' }] })
        .expect(400);
      assert.equal(res.body.error.code, 'FREE_SLOTS_INVALID');
      assert.match(res.body.error.message, /slots\.0\.end: start must be before end/);
      const now = await request(stack.url).get('/v1/free-slots').set(stack.epjAuth).expect(200);
      assert.equal(now.body.slots.length, 1);
    });

    it('the communication test (Dialog_Innbygger_Test) is answered by the gateway itself with its Svar, within the deadline', async () => {
      const test = buildCitizenRequest({
        msgType: 'DIALOG_INNBYGGER_TEST',
        msgId: randomUUID(),
        sender: SAMPLE_HELSENORGE,
        receiver: SAMPLE_CLINIC,
        patient: PATIENTS.ola,
        foresporsel: { type: COMMUNICATION_TEST_TYPE, subject: 'Kommunikasjonstest' },
      });
      const sent = stack.simulator.citizen.send(test);
      await eventually(() => stack.simulator.citizen.status(sent.id)?.answer !== undefined, 15_000, 'the Svar on the syncreply queue');
      const answer = stack.simulator.citizen.status(sent.id)!.answer!;
      assert.equal(answer.action, 'Svar');
      assert.ok(answer.ms >= 0 && answer.ms < 15_000, `${answer.ms} ms`);
      // timed once the broker took the answer, which the citizen may see a moment before
      await eventually(async () => (await metric('Svar', 'answered')) === 1, 5_000, 'the Svar answer timed');
      assert.equal(stack.simulator.citizen.status(sent.id)!.appRec, null, 'a synchronous answer gets no AppRec');
    });

    it('`epj-gateway send --as-citizen --json` prints the synchronous answer with its action', async () => {
      const r = await runCli([
        'send',
        'fixtures/appointment/timereservasjon-request.xml',
        '--as-citizen',
        '--simulator',
        stack.simulator.url,
        '--timeout',
        '20',
        '--json',
      ]);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { answer?: { action: string; slots: string[] } };
      assert.equal(out.answer?.action, 'SvarLedigeTimer');
      assert.deepEqual(out.answer?.slots, ['2099-07-01T07:00:00Z']);
    });

    it('`epj-gateway send --as-citizen` shows the error queue’s answer when the gateway refuses at the transport level', async () => {
      // the sample's expired signing certificate is no fixture; a document the clinic cannot open is: plain XML where CMS is required
      stack.simulator.bus!.breakNext('plain');
      const r = await runCli(['send', 'fixtures/office-contact/request.xml', '--as-citizen', '--simulator', stack.simulator.url, '--timeout', '20']);
      assert.equal(r.code, 1, r.stderr + r.stdout);
      assert.match(r.stdout, /refused on the service bus's error queue/);
      assert.match(r.stdout, /transport:(not-well-formed-xml|unsupported-message|unverified-certificate)/);
    });
  });
});
