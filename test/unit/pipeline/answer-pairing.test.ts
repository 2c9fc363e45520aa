import assert from 'node:assert/strict';
import { allowedAnswers, refuseMismatchedAnswer } from '../../../src/pipeline/answer-pairing.js';
import { actionOf, processForMsgType } from '../../../src/domain/services.js';
import { isGatewayError } from '../../../src/errors.js';
import type { MessageRecord } from '../../../src/pipeline/message-store.js';

/** The CPA's request → answer pairs, and the refusal that names what would fit. */
describe('pipeline: answers must fit their requests', () => {
  it('pairs each request action with the answers the CPA allows', () => {
    assert.deepEqual(allowedAnswers('appointment', 'ReserverAvtale'), ['SvarAvtaleReservasjon']);
    assert.deepEqual(allowedAnswers('appointment', 'AvbestillAvtale'), ['SvarAvtaleReservasjon']);
    assert.deepEqual(allowedAnswers('appointment', 'HentLedigeTimer'), ['SvarLedigeTimer']);
    assert.deepEqual(allowedAnswers('appointment', 'OnskeEndring'), ['SvarOnske']);
    assert.deepEqual(allowedAnswers('office-contact', 'Foresporsel'), ['Svar']);
    // the citizen's answer to a message the office started is not answered again; clinic actions are no requests
    assert.deepEqual(allowedAnswers('appointment', 'SvarAvslutte'), []);
    assert.deepEqual(allowedAnswers('appointment', 'AvslutteTime'), []);
    assert.deepEqual(allowedAnswers('unknown', 'Foresporsel'), []);
  });

  const store = (record?: Partial<MessageRecord>) => ({ get: async () => record as MessageRecord | undefined });
  const reservation = processForMsgType('DIALOG_INNBYGGER_TIMERESERVASJON')!;

  it('refuses an answer whose action does not answer the recorded request action, naming the allowed ones', async () => {
    const err = await refuseMismatchedAnswer(
      store({ msgId: 'r-1', direction: 'inbound', service: 'appointment', action: 'ReserverAvtale' }),
      actionOf(reservation, 'SvarLedigeTimer')!,
      'r-1',
    ).catch((e: unknown) => e);
    assert.ok(isGatewayError(err));
    assert.equal(err.code, 'EPJ_ANSWER_ACTION_MISMATCH');
    assert.equal(err.status, 400);
    assert.deepEqual(err.details?.allowed, ['SvarAvtaleReservasjon']);
  });

  it('lets the right pairing, an office-started action and an unrecorded request pass', async () => {
    const rec = store({ msgId: 'r-1', direction: 'inbound', service: 'appointment', action: 'ReserverAvtale' });
    await refuseMismatchedAnswer(rec, actionOf(reservation, 'SvarAvtaleReservasjon')!, 'r-1');
    await refuseMismatchedAnswer(rec, actionOf(processForMsgType('DIALOG_INNBYGGER_TIMER')!, 'AvslutteTime')!, 'r-1');
    await refuseMismatchedAnswer(store(undefined), actionOf(reservation, 'SvarLedigeTimer')!, 'r-2');
  });
});
