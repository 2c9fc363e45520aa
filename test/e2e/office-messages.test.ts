import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { buildCitizenRequest } from '../../src/kith/citizen-request.js';
import { buildOfficeMessage, OFFICE_ACTIONS } from '../../src/kith/office-message.js';
import { eventually } from '../helpers/eventually.js';
import { useShared } from '../helpers/shared.js';
import type { TestStack } from '../helpers/stack.js';
import { startOfficeStack } from '../helpers/office-stack.js';
import { CLINIC, HELSENORGE, PATIENTS } from '../helpers/sample-messages.js';

/**
 * The office writes first (Dialog_Innbygger_Timer): each action through POST /v1/messages in JSON
 * and as KITH XML in the outbox folder reaches the simulator's citizen side valid (official schemas),
 * with its action, is AppRec'd there, and the AppRec comes back to the EPJ as the message's state.
 */

const patient = { id: '15838510075', idType: 'FNR', givenName: 'Ola', familyName: 'Testesen' };
const appointment = { start: '2027-01-11T09:00:00+01:00', end: '2027-01-11T09:20:00+01:00', location: 'Fjordvik legekontor, rom 2' };

describe('e2e: messages the office starts (BekreftTime, EndreTime, AvslutteTime, Henvendelse)', function () {
  this.timeout(120_000);
  let stack: TestStack;
  let stop: (() => Promise<void>) | undefined;

  before(async () => {
    ({ stack, stop } = await startOfficeStack());
  });
  after(async () => {
    await stop?.();
  });

  const atCitizen = (msgId: string) => eventually(() => stack.simulator.citizen.answers().find((a) => a.msgId === msgId), 20_000, `${msgId} at the citizen`);
  const appRecOk = (msgId: string) =>
    eventually(
      async () => (await request(stack.url).get(`/v1/messages/${msgId}`).set(stack.epjAuth)).body.state === 'apprec-ok',
      30_000,
      `AppRec OK for ${msgId}`,
    );

  for (const action of OFFICE_ACTIONS) {
    it(`${action} in JSON: valid at the citizen with its action, AppRec OK back to the EPJ`, async () => {
      const res = await request(stack.url)
        .post('/v1/messages')
        .set(stack.epjAuth)
        .send({ service: 'appointment', action, patient, appointment, text: `Melding fra legekontoret (${action}).` });
      assert.equal(res.status, 202, JSON.stringify(res.body));
      assert.equal(res.body.service, 'appointment');
      const got = await atCitizen(res.body.msgId);
      assert.ok(got.valid, JSON.stringify(got.errors));
      assert.equal(got.action, action);
      assert.equal(got.msgType, 'DIALOG_INNBYGGER_TIMER');
      assert.match(got.xml, /urn:ietf:params:xml:ns:icalendar-2.0/);
      await appRecOk(res.body.msgId);
      const record = await request(stack.url).get(`/v1/messages/${res.body.msgId}`).set(stack.epjAuth).expect(200);
      assert.equal(record.body.action, action);
    });
  }

  it('the citizen side lists them at GET /citizen/answers with action, valid (by the official schemas) and startedByOffice', async () => {
    const res = await request(stack.simulator.url).get('/citizen/answers').expect(200);
    type Seen = { action: string; valid: boolean; startedByOffice: boolean; schemaValidation: string };
    const seen = (res.body as Seen[]).filter((a) => a.valid && a.startedByOffice);
    for (const action of OFFICE_ACTIONS)
      assert.ok(
        seen.some((a) => a.action === action),
        `${action} in ${JSON.stringify(seen)}`,
      );
    if (useShared('validating by the official schemas')) assert.ok(seen.every((a) => a.schemaValidation === 'official'));
    const cancelled = await request(stack.simulator.url).get('/citizen/answers?action=AvslutteTime').expect(200);
    assert.ok(cancelled.body.length >= 1);
    assert.ok((cancelled.body as Seen[]).every((a) => a.action === 'AvslutteTime'));
  });

  it('AvslutteTime as KITH XML in the outbox folder: taken, valid at the citizen as AvslutteTime', async () => {
    const msgId = '7c0f7a55-0b1e-4d7e-9d3a-1f0c5e0a0e51';
    const xml = buildOfficeMessage({
      action: 'AvslutteTime',
      msgId,
      genDate: new Date(),
      clinic: CLINIC,
      helsenorge: HELSENORGE,
      patient: PATIENTS.ola,
      text: 'Legen er syk. Timen din er avlyst; ring oss for en ny.',
      appointment: { uid: 'time-4711', start: '2027-01-11T09:00:00', end: '2027-01-11T09:20:00' },
    });
    writeFileSync(path.join(stack.outboxDir, `${msgId}.xml`), xml);
    await eventually(() => existsSync(path.join(stack.outboxDir, 'done', `${msgId}.xml`)), 20_000, 'taken from the outbox');
    const got = await atCitizen(msgId);
    assert.ok(got.valid, JSON.stringify(got.errors));
    assert.equal(got.action, 'AvslutteTime');
    await appRecOk(msgId);
  });

  it("the citizen's answer (SvarAvslutte) reaches the EPJ inbox with its action; it is not answered again", async () => {
    const res = await request(stack.url)
      .post('/v1/messages')
      .set(stack.epjAuth)
      .send({ service: 'appointment', action: 'AvslutteTime', patient, appointment, text: 'Timen er avlyst.' });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const cancellation: string = res.body.msgId;
    const reply = buildCitizenRequest({
      msgType: 'DIALOG_INNBYGGER_TIMER',
      msgId: '4e0f7a55-0b1e-4d7e-9d3a-1f0c5e0a0e52',
      genDate: new Date(),
      conversationRef: { refToParent: cancellation, refToConversation: cancellation },
      sender: HELSENORGE,
      receiver: CLINIC,
      patient: PATIENTS.ola,
      foresporsel: { type: { v: 'TO', dn: 'Timeønske' }, question: 'Takk for beskjed.' },
      calendar: {
        method: 'CANCEL',
        events: [{ uid: 'time-4711', dtstamp: '2026-12-04T08:00:00Z', start: '2027-01-11T09:00:00', end: '2027-01-11T09:20:00', status: 'CANCELLED' }],
      },
    });
    const sent = stack.simulator.citizen.send(reply);
    const appRec = await stack.simulator.citizen.waitForAppRec(sent.id, 20_000);
    assert.equal(appRec?.status, 'OK', JSON.stringify(appRec?.errors));
    const sidecar = path.join(stack.inboxDir!, '4e0f7a55-0b1e-4d7e-9d3a-1f0c5e0a0e52.json');
    await eventually(() => existsSync(sidecar), 20_000, 'the reply in the EPJ inbox');
    assert.equal(JSON.parse(readFileSync(sidecar, 'utf8')).action, 'SvarAvslutte');

    const again = await request(stack.url)
      .post('/v1/messages')
      .set(stack.epjAuth)
      .send({ service: 'appointment', inReplyTo: '4e0f7a55-0b1e-4d7e-9d3a-1f0c5e0a0e52', kind: 'confirm', text: 'Ok.', slots: [appointment] });
    assert.equal(again.status, 400, JSON.stringify(again.body));
    assert.equal(again.body.error.code, 'EPJ_ANSWER_ACTION_MISMATCH');
    assert.deepEqual(again.body.error.details.allowed, []);
  });

  it('refuses a cancellation without the appointment, naming the field; nothing is sent', async () => {
    const res = await request(stack.url)
      .post('/v1/messages')
      .set(stack.epjAuth)
      .send({ service: 'appointment', action: 'AvslutteTime', patient, text: 'Timen er avlyst.' });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'EPJ_MESSAGE_INVALID');
    assert.ok(
      res.body.error.details.errors.some((e: { field: string }) => e.field === 'appointment'),
      JSON.stringify(res.body),
    );
  });

  it('inReplyTo is not required, and when given must name a message the gateway knows', async () => {
    const res = await request(stack.url)
      .post('/v1/messages')
      .set(stack.epjAuth)
      .send({ service: 'appointment', action: 'Henvendelse', inReplyTo: 'f0f0f0f0-0000-4000-8000-000000000000', patient, text: 'Hei!' });
    assert.equal(res.status, 404);
    assert.equal(res.body.error.code, 'EPJ_REQUEST_UNKNOWN');
  });
});
