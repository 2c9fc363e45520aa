import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { parseMessage } from '../../src/kith/parse.js';
import type { MsgHeadMessage } from '../../src/kith/model.js';
import { useShared, XSD_DIR } from '../helpers/shared.js';
import { DEMO_HELSENORGE_HER_ID } from '../../demo/demo-bus.js';
import { startTestBroker, type TestBroker } from '../helpers/rabbitmq.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';
import { eventually } from '../helpers/eventually.js';
import { startStack, type TestStack } from '../helpers/stack.js';
import { startWebhookReceiver } from '../helpers/webhook.js';
import { CLINIC_HER, sampleCases, type SampleCase } from '../helpers/sample-messages.js';

/**
 * The four services end to end through each EPJ adapter: every citizen action a GP office
 * receives (the process matrix, as the sample requests carry them) arrives in the EPJ inbox
 * (folder, webhook, pull); the EPJ answers through the outbox folder or the API; the citizen side
 * gets an answer that is valid (by the official schemas when ../shared is there), of the request's
 * type, answering it; and both AppRecs are recorded: the citizen's for the request, the clinic's
 * answer's back to the EPJ.
 */

const cases = sampleCases();
const requests: [string, SampleCase][] = Object.entries(cases).flatMap(([service, list]) =>
  list.filter((c) => c.asReceiver === CLINIC_HER).map((c) => [service, c] as [string, SampleCase]),
);
const answerFor = (service: string, req: SampleCase): SampleCase => {
  const list = cases[service]!;
  return list[list.indexOf(req) + 1]!;
};
const msgIdOf = (xml: string) => (parseMessage(xml) as MsgHeadMessage).msgId!;

/** A JSON answer per service, as an EPJ would send it through the API. */
function jsonAnswer(service: string, inReplyTo: string): Record<string, unknown> {
  if (service === 'prescription-renewal')
    return {
      service,
      inReplyTo,
      prescriptions: [
        { name: 'Ventoline 0,1 mg/dose', outcome: 'renewed' },
        { name: 'Diazepam 5 mg', outcome: 'needs-consultation', reason: 'må vurderes ved time' },
      ],
    };
  if (service === 'appointment')
    return {
      service,
      inReplyTo,
      kind: 'offer',
      text: 'Vi kan tilby denne timen.',
      slots: [{ start: '2026-12-01T09:00:00', end: '2026-12-01T09:20:00', location: 'Fjordvik legekontor, rom 2', practitioner: 'Kari Lege' }],
    };
  return {
    service,
    inReplyTo,
    text: 'Svar fra legekontoret.',
    attachments: [{ fileName: 'rad.pdf', mimeType: 'application/pdf', base64: Buffer.from('%PDF-1.4\n%EOF\n').toString('base64') }],
  };
}

const variants = [
  { adapter: 'folder', bus: false },
  { adapter: 'webhook', bus: false },
  { adapter: 'pull', bus: false },
  { adapter: 'folder', bus: true },
] as const;

for (const { adapter, bus } of variants) {
  describe(`e2e: every service and citizen action through the ${adapter} adapter${bus ? ', on the service bus' : ''}`, function () {
    this.timeout(180_000);
    let server: TestRedis;
    let broker: TestBroker | undefined;
    let stack: TestStack;
    let hook: Awaited<ReturnType<typeof startWebhookReceiver>> | undefined;

    before(async () => {
      server = await startTestRedis();
      if (adapter === 'webhook') hook = await startWebhookReceiver();
      if (bus) {
        broker = await startTestBroker();
        await broker.provision({ exchange: 'DigitalDialog', parties: [DEMO_HELSENORGE_HER_ID, Number(CLINIC_HER)] });
      }
      stack = await startStack(server.url, {
        ...(broker ? { TRANSPORT: 'amqp', AMQP_URL: broker.url } : {}),
        EPJ_DELIVERY: adapter,
        ...(hook ? { EPJ_WEBHOOK_URL: hook.url, EPJ_WEBHOOK_SECRET: 'a-secret-of-sixteen-chars' } : {}),
        ...(useShared('validating by the official schemas') ? { KITH_SCHEMA_DIR: XSD_DIR } : {}),
      });
    });
    after(async () => {
      await stack?.stop();
      await hook?.close();
      await broker?.stop();
      await server?.stop();
    });

    const inEpj = async (msgId: string): Promise<boolean> => {
      if (adapter === 'folder') return existsSync(path.join(stack.inboxDir!, `${msgId}.xml`));
      if (adapter === 'webhook') return hook!.received.some((b) => (b as { msgId?: string }).msgId === msgId);
      const page = await request(stack.url).get('/v1/inbox').set(stack.epjAuth).expect(200);
      const found = JSON.stringify(page.body).includes(msgId);
      if (found) await request(stack.url).post(`/v1/inbox/${msgId}/ack`).set(stack.epjAuth).expect(200);
      return found;
    };

    // on the bus HentLedigeTimer is synchronous: the gateway answers it from the published slots (test/e2e/amqp)
    for (const [service, req] of requests.filter(([, c]) => !(bus && c.action === 'HentLedigeTimer'))) {
      const via = adapter === 'folder' ? 'the outbox folder' : 'the API';
      it(`${service} ${req.action}: in the EPJ inbox, answered through ${via}, the answer valid at the citizen, both AppRecs recorded`, async () => {
        const requestId = msgIdOf(req.xml);
        const sent = stack.simulator.citizen.send(req.xml);
        const appRec = await stack.simulator.citizen.waitForAppRec(sent.id, 20_000);
        assert.equal(appRec?.status, 'OK', JSON.stringify(appRec?.errors));
        await eventually(() => inEpj(requestId), 20_000, `${requestId} in the EPJ inbox`);

        let answerId: string;
        if (adapter === 'folder') {
          const answer = answerFor(service, req);
          answerId = msgIdOf(answer.xml);
          writeFileSync(path.join(stack.outboxDir, `${answerId}.xml`), answer.xml);
          await eventually(() => existsSync(path.join(stack.outboxDir, 'done', `${answerId}.xml`)), 20_000, 'the answer taken from the outbox');
        } else {
          const res = await request(stack.url).post('/v1/messages').set(stack.epjAuth).send(jsonAnswer(service, requestId));
          assert.equal(res.status, 202, JSON.stringify(res.body));
          answerId = res.body.msgId;
        }

        const got = await eventually(() => stack.simulator.citizen.answers().find((a) => a.msgId === answerId), 20_000, 'the answer at the citizen');
        assert.ok(got.valid, JSON.stringify(got.errors));
        assert.equal(got.msgType, (parseMessage(req.xml) as MsgHeadMessage).msgType);
        assert.equal(got.refToParent, requestId);
        if (adapter === 'folder') assert.equal(got.action, answerFor(service, req).action);
        await eventually(
          async () => (await request(stack.url).get(`/v1/messages/${answerId}`).set(stack.epjAuth)).body.state === 'apprec-ok',
          30_000,
          'AppRec OK for the answer',
        );
      });
    }

    if (adapter === 'webhook')
      it('an appointment offered, changed and cancelled through the API: three valid answers at the citizen', async () => {
        const wish = requests.find(([, c]) => c.action === 'OnskeReserver')![1];
        const slot = { start: '2026-12-01T09:00:00', end: '2026-12-01T09:20:00', location: 'Fjordvik legekontor, rom 2', practitioner: 'Kari Lege' };
        const ids: string[] = [];
        for (const kind of ['offer', 'change', 'cancel'] as const) {
          // a wish of its own for each: a request is answered once
          const inReplyTo = randomUUID();
          const sent = stack.simulator.citizen.send(wish.xml.replaceAll(msgIdOf(wish.xml), inReplyTo));
          assert.equal((await stack.simulator.citizen.waitForAppRec(sent.id, 20_000))?.status, 'OK');
          const res = await request(stack.url)
            .post('/v1/messages')
            .set(stack.epjAuth)
            .send({
              service: 'appointment',
              inReplyTo,
              kind,
              text: `Time: ${kind}`,
              slots: [kind === 'change' ? { ...slot, start: '2026-12-02T10:00:00', end: '2026-12-02T10:20:00' } : slot],
            });
          assert.equal(res.status, 202, JSON.stringify(res.body));
          ids.push(res.body.msgId);
        }
        for (const id of ids) {
          const got = await eventually(() => stack.simulator.citizen.answers().find((a) => a.msgId === id), 20_000, `answer ${id}`);
          assert.ok(got.valid, JSON.stringify(got.errors));
          assert.match(got.xml, /urn:ietf:params:xml:ns:icalendar-2.0/);
        }
      });
  });
}
