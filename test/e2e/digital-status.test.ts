import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { eventually } from '../helpers/eventually.js';
import type { TestStack } from '../helpers/stack.js';
import { startOfficeStack } from '../helpers/office-stack.js';

/**
 * Dialog_Innbygger_Digitalbruker through the simulator: POST /v1/digital-status sends SjekkStatus,
 * the simulator answers StatusSvar (yes, or no for a national id set so), GET /v1/digital-status/{id}
 * gives the answer, the StatusSvar reaches the EPJ inbox like any message, and an office-started
 * message sent with onlyIfDigitalUser goes only to a digital user.
 */

const digital = { id: '15838510075', idType: 'FNR', givenName: 'Ola', familyName: 'Testesen' };
const notDigital = { id: '02919010099', idType: 'FNR', givenName: 'Sigrid', familyName: 'Fjelltopp' };
const appointment = { start: '2027-01-11T09:00:00+01:00', end: '2027-01-11T09:20:00+01:00', location: 'Fjordvik legekontor, rom 2' };

describe('e2e: the digital-status check (SjekkStatus -> StatusSvar) and onlyIfDigitalUser', function () {
  this.timeout(120_000);
  let stack: TestStack;
  let stop: (() => Promise<void>) | undefined;

  before(async () => {
    ({ stack, stop } = await startOfficeStack({ DIGITAL_STATUS_TIMEOUT_MS: '20000' }));
    await request(stack.simulator.url).put(`/citizen/digital-users/${notDigital.id}`).send({ digital: false }).expect(200);
  });
  after(async () => {
    await stop?.();
  });

  const answerOf = (checkId: string) =>
    eventually(
      async () => {
        const res = await request(stack.url).get(`/v1/digital-status/${checkId}`).set(stack.epjAuth).expect(200);
        return res.body.state === 'answered' ? (res.body as { digitalUser: boolean; answerMsgId: string }) : undefined;
      },
      30_000,
      `the answer to check ${checkId}`,
    );

  for (const [who, patient, expected] of [
    ['a digital user', digital, true],
    ['a citizen set not to be one', notDigital, false],
  ] as const) {
    it(`${who}: 202 with a check id, SjekkStatus valid at Helsenorge, the answer ${String(expected)} at GET and in the EPJ inbox`, async () => {
      const res = await request(stack.url).post('/v1/digital-status').set(stack.epjAuth).send({ patient });
      assert.equal(res.status, 202, JSON.stringify(res.body));
      assert.equal(res.body.state, 'pending');
      const checkId: string = res.body.checkId;
      const sent = await eventually(() => stack.simulator.citizen.answers().find((a) => a.msgId === checkId), 20_000, 'SjekkStatus at Helsenorge');
      assert.ok(sent.valid, JSON.stringify(sent.errors));
      assert.equal(sent.action, 'SjekkStatus');
      const answer = await answerOf(checkId);
      assert.equal(answer.digitalUser, expected);
      // delivered to the EPJ like any message
      const sidecar = path.join(stack.inboxDir!, `${answer.answerMsgId}.json`);
      await eventually(() => existsSync(sidecar), 20_000, 'the StatusSvar in the EPJ inbox');
      assert.equal(JSON.parse(readFileSync(sidecar, 'utf8')).action, 'StatusSvar');
    });
  }

  it('an unknown check id is 404 DIGITAL_STATUS_UNKNOWN; a check without a patient is 400', async () => {
    const res = await request(stack.url).get('/v1/digital-status/no-such-check').set(stack.epjAuth).expect(404);
    assert.equal(res.body.error.code, 'DIGITAL_STATUS_UNKNOWN');
    const bad = await request(stack.url).post('/v1/digital-status').set(stack.epjAuth).send({}).expect(400);
    assert.equal(bad.body.error.code, 'EPJ_MESSAGE_INVALID');
  });

  it('onlyIfDigitalUser: sent to a digital user; refused with 409 CITIZEN_NOT_DIGITAL_USER otherwise, nothing sent', async () => {
    const body = { service: 'appointment', action: 'AvslutteTime', appointment, text: 'Legen er syk, timen er avlyst.', onlyIfDigitalUser: true };
    const ok = await request(stack.url)
      .post('/v1/messages')
      .set(stack.epjAuth)
      .send({ ...body, patient: digital });
    assert.equal(ok.status, 202, JSON.stringify(ok.body));
    const got = await eventually(() => stack.simulator.citizen.answers().find((a) => a.msgId === ok.body.msgId), 20_000, 'the cancellation at the citizen');
    assert.equal(got.action, 'AvslutteTime');

    const sentBefore = stack.simulator.citizen.answers('AvslutteTime').length;
    const refused = await request(stack.url)
      .post('/v1/messages')
      .set(stack.epjAuth)
      .send({ ...body, patient: notDigital });
    assert.equal(refused.status, 409, JSON.stringify(refused.body));
    assert.equal(refused.body.error.code, 'CITIZEN_NOT_DIGITAL_USER');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(stack.simulator.citizen.answers('AvslutteTime').length, sentBefore);
  });

  it('a change of status is told unasked (StatusEndring) to the clinic that asked, and reaches its EPJ', async () => {
    const res = await request(stack.simulator.url).put(`/citizen/digital-users/${digital.id}`).send({ digital: false }).expect(200);
    assert.deepEqual(res.body.statusEndringTo, [Number(stack.composed.clinics[0]!.settings.CLINIC_HER_ID)]);
    await eventually(() => sidecars(stack.inboxDir!).some((s) => s.action === 'StatusEndring'), 20_000, 'the StatusEndring in the EPJ inbox');
  });
});

/** The sidecars in the EPJ inbox folder. */
function sidecars(dir: string): { action?: string }[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as { action?: string });
}
