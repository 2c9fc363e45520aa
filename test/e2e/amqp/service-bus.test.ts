import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { AmqpBus } from '../../../adapters/transport/amqp/bus.js';
import { CMS_CONTENT_TYPE, queueName, toWire, type WireMessage } from '../../../adapters/transport/amqp/wire.js';
import { DEMO_HELSENORGE_HER_ID } from '../../../demo/demo-bus.js';
import { FIXTURES_DIR } from '../../../demo/simulator/citizen.js';
import { readCertificate, readPrivateKey } from '../../../src/trust/clinic-keys.js';
import { encryptContent } from '../../../src/trust/cms-enveloped-data.js';
import { signContent } from '../../../src/trust/cms-signed-data.js';
import { eventually } from '../../helpers/eventually.js';
import { startTestBroker, type TestBroker } from '../../helpers/rabbitmq.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';
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
});
