import assert from 'node:assert/strict';
import request from 'supertest';
import { eventually } from '../../helpers/eventually.js';
import { startOfficeStack } from '../../helpers/office-stack.js';
import type { TestStack } from '../../helpers/stack.js';

/**
 * The office's own messages on the service bus (TRANSPORT=amqp): the CPA's actions of
 * Dialog_Innbygger_Timer and Dialog_Innbygger_Digitalbruker route like any other, so a cancellation
 * reaches Helsenorge valid and AppRec'd, and a digital-status check gets its StatusSvar.
 */
describe('e2e (service bus): messages the office starts and the digital-status check', function () {
  this.timeout(180_000);
  let stack: TestStack;
  let stop: (() => Promise<void>) | undefined;
  const patient = { id: '15838510075', idType: 'FNR', givenName: 'Ola', familyName: 'Testesen' };

  before(async () => {
    ({ stack, stop } = await startOfficeStack({}, { bus: true }));
  });
  after(async () => {
    await stop?.();
  });

  it('AvslutteTime: valid at the citizen as AvslutteTime, AppRec OK back to the EPJ', async () => {
    const res = await request(stack.url)
      .post('/v1/messages')
      .set(stack.epjAuth)
      .send({
        service: 'appointment',
        action: 'AvslutteTime',
        patient,
        appointment: { start: '2027-01-11T09:00:00+01:00', end: '2027-01-11T09:20:00+01:00' },
        text: 'Legen er syk, og timen din er avlyst.',
      });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const got = await eventually(() => stack.simulator.citizen.answers().find((a) => a.msgId === res.body.msgId), 30_000, 'the cancellation at the citizen');
    assert.ok(got.valid, JSON.stringify(got.errors));
    assert.equal(got.action, 'AvslutteTime');
    await eventually(
      async () => (await request(stack.url).get(`/v1/messages/${res.body.msgId}`).set(stack.epjAuth)).body.state === 'apprec-ok',
      30_000,
      'AppRec OK',
    );
  });

  it('SjekkStatus: answered with a StatusSvar', async () => {
    const res = await request(stack.url).post('/v1/digital-status').set(stack.epjAuth).send({ patient });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const answered = await eventually(
      async () => {
        const r = await request(stack.url).get(`/v1/digital-status/${res.body.checkId}`).set(stack.epjAuth).expect(200);
        return r.body.state === 'answered' ? r.body : undefined;
      },
      30_000,
      'the StatusSvar',
    );
    assert.equal(answered.digitalUser, true);
  });
});
