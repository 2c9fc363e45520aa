import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { buildClinicAnswer } from '../../src/kith/clinic-answer.js';
import type { MsgHeadMessage } from '../../src/kith/model.js';
import { parseMessage } from '../../src/kith/parse.js';
import { eventually } from '../helpers/eventually.js';
import type { TestStack } from '../helpers/stack.js';
import { startOfficeStack } from '../helpers/office-stack.js';
import { sampleCases } from '../helpers/sample-messages.js';

/**
 * Answers must fit their requests (the CPA's request → answer pairs): a ReserverAvtale is answered
 * with SvarAvtaleReservasjon, never SvarLedigeTimer, whether the EPJ names the action in JSON or the
 * KITH XML it sends says it (through the API or the outbox folder). A wrong pairing is a 400 with
 * EPJ_ANSWER_ACTION_MISMATCH naming the actions allowed; the right one goes through.
 */

const booking = sampleCases().appointment!.find((c) => c.action === 'ReserverAvtale')!;
const bookingMsg = parseMessage(booking.xml) as MsgHeadMessage;
const slot = { start: '2026-03-10T10:00:00', end: '2026-03-10T10:20:00', location: 'Fjordvik legekontor, rom 2' };

/** KITH XML answering the booking with a list of free slots (METHOD PUBLISH): read as SvarLedigeTimer. */
function freeSlotsAnswerXml(msgId: string): string {
  return buildClinicAnswer(bookingMsg, {
    theme: { v: '6', s: '2.16.578.1.12.4.1.1.7322', dn: 'Henvendelse om pasient' },
    text: 'Ledige timer.',
    msgId,
    calendar: { method: 'PUBLISH', events: [{ uid: `${msgId}-1`, dtstamp: '2026-03-01T08:00:00Z', start: slot.start, end: slot.end, status: 'TENTATIVE' }] },
  });
}

describe('e2e: answers must fit their requests (CPA request → answer pairs)', function () {
  this.timeout(120_000);
  let stack: TestStack;
  let stop: (() => Promise<void>) | undefined;

  before(async () => {
    ({ stack, stop } = await startOfficeStack());
    const sent = stack.simulator.citizen.send(booking.xml);
    const appRec = await stack.simulator.citizen.waitForAppRec(sent.id, 20_000);
    assert.equal(appRec?.status, 'OK', JSON.stringify(appRec?.errors));
    await eventually(() => existsSync(path.join(stack.inboxDir!, `${bookingMsg.msgId}.json`)), 20_000, 'the booking in the EPJ inbox');
  });
  after(async () => {
    await stop?.();
  });

  it('JSON naming SvarLedigeTimer for a ReserverAvtale: 400 EPJ_ANSWER_ACTION_MISMATCH, allowed SvarAvtaleReservasjon', async () => {
    const res = await request(stack.url)
      .post('/v1/messages')
      .set(stack.epjAuth)
      .send({ service: 'appointment', action: 'SvarLedigeTimer', inReplyTo: bookingMsg.msgId, kind: 'offer', text: 'Ledige timer.', slots: [slot] });
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(res.body.error.code, 'EPJ_ANSWER_ACTION_MISMATCH');
    assert.equal(res.body.error.details.requestAction, 'ReserverAvtale');
    assert.deepEqual(res.body.error.details.allowed, ['SvarAvtaleReservasjon']);
    assert.match(res.body.error.message, /allowed: SvarAvtaleReservasjon/);
  });

  it('an action of another process (SvarOnske) is refused the same way', async () => {
    const res = await request(stack.url)
      .post('/v1/messages')
      .set(stack.epjAuth)
      .send({ service: 'appointment', action: 'SvarOnske', inReplyTo: bookingMsg.msgId, kind: 'confirm', text: 'Timen er bekreftet.', slots: [slot] });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'EPJ_ANSWER_ACTION_MISMATCH');
    assert.deepEqual(res.body.error.details.allowed, ['SvarAvtaleReservasjon']);
  });

  it('KITH XML whose document says SvarLedigeTimer, posted to the API: refused, nothing queued', async () => {
    const msgId = '9d1e2a90-4d3b-4f6a-8e21-5a9b0c7d6e71';
    const res = await request(stack.url).post('/v1/messages').set(stack.epjAuth).set('content-type', 'application/xml').send(freeSlotsAnswerXml(msgId));
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(res.body.error.code, 'EPJ_ANSWER_ACTION_MISMATCH');
    assert.equal(res.body.error.details.answerAction, 'SvarLedigeTimer');
    await request(stack.url).get(`/v1/messages/${msgId}`).set(stack.epjAuth).expect(404);
  });

  it('the same XML in the outbox folder goes to error/ with the code and the allowed actions', async () => {
    const msgId = '9d1e2a90-4d3b-4f6a-8e21-5a9b0c7d6e72';
    writeFileSync(path.join(stack.outboxDir, `${msgId}.xml`), freeSlotsAnswerXml(msgId));
    const reasonFile = path.join(stack.outboxDir, 'error', `${msgId}.xml.reason.json`);
    await eventually(() => existsSync(reasonFile), 20_000, 'the refusal reason');
    const reason = JSON.parse(readFileSync(reasonFile, 'utf8'));
    assert.equal(reason.code, 'EPJ_ANSWER_ACTION_MISMATCH');
    assert.deepEqual(reason.details.allowed, ['SvarAvtaleReservasjon']);
  });

  it('the right pairing goes through: SvarAvtaleReservasjon, valid at the citizen with that action', async () => {
    const res = await request(stack.url)
      .post('/v1/messages')
      .set(stack.epjAuth)
      .send({
        service: 'appointment',
        action: 'SvarAvtaleReservasjon',
        inReplyTo: bookingMsg.msgId,
        kind: 'confirm',
        text: 'Timen er bekreftet.',
        slots: [slot],
      });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const got = await eventually(() => stack.simulator.citizen.answers().find((a) => a.msgId === res.body.msgId), 20_000, 'the answer at the citizen');
    assert.ok(got.valid, JSON.stringify(got.errors));
    assert.equal(got.action, 'SvarAvtaleReservasjon');
    assert.equal(got.refToParent, bookingMsg.msgId);
    const record = await request(stack.url).get(`/v1/messages/${res.body.msgId}`).set(stack.epjAuth).expect(200);
    assert.equal(record.body.action, 'SvarAvtaleReservasjon');
  });
});
