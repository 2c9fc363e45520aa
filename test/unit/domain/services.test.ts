import assert from 'node:assert/strict';
import { APPREC_STATUS, appRecStatusFromCode, isAppRecErrorCode } from '../../../src/domain/codes.js';
import { PROCESSES, SERVICE_IDS, answersTo, appRecVersionFor, officeStartedActions, processForMsgType, processesOf } from '../../../src/domain/services.js';

describe('domain services and codes', () => {
  it('every service has a process, with citizen and clinic actions', () => {
    for (const id of SERVICE_IDS) {
      const processes = processesOf(id);
      assert.ok(processes.length > 0, id);
      for (const p of processes) {
        assert.ok(
          p.actions.some((a) => a.sender === 'citizen'),
          p.process,
        );
        assert.ok(
          p.actions.some((a) => a.sender === 'clinic'),
          p.process,
        );
      }
    }
  });

  it('appointments span three message types and the digital-status check; each action answers an action of the other side in its process', () => {
    assert.deepEqual(
      processesOf('appointment').map((p) => p.msgType),
      ['DIALOG_INNBYGGER_TIMEONSKE', 'DIALOG_INNBYGGER_TIMERESERVASJON', 'DIALOG_INNBYGGER_TIMER', 'DIALOG_INNBYGGER_DIGITALBRUKER'],
    );
    for (const p of PROCESSES) {
      for (const a of p.actions) {
        for (const answered of a.answers ?? []) assert.notEqual(p.actions.find((x) => x.name === answered)?.sender ?? a.sender, a.sender);
      }
    }
  });

  it('the office starts the appointment dialog (Dialog_Innbygger_Timer): four actions that answer nothing, each answered by the citizen but BekreftTime', () => {
    const timer = processForMsgType('DIALOG_INNBYGGER_TIMER')!;
    assert.equal(timer.appRecVersion, '1.0');
    assert.equal(timer.dialogmelding, '1.0');
    assert.deepEqual(
      officeStartedActions().map((x) => x.action.name),
      ['BekreftTime', 'EndreTime', 'AvslutteTime', 'Henvendelse', 'SjekkStatus'],
    );
    assert.deepEqual(answersTo(timer, 'AvslutteTime'), ['SvarAvslutte']);
    assert.deepEqual(answersTo(timer, 'BekreftTime'), []);
  });

  it('the v1.2 processes answer with AppRec 1.1; unknown types get 1.1 too', () => {
    assert.equal(processForMsgType('DIALOG_INNBYGGER_RESEPTFORNYELSE')?.service, 'prescription-renewal');
    assert.equal(appRecVersionFor('DIALOG_INNBYGGER_EKONTAKT'), '1.1');
    assert.equal(appRecVersionFor('SOMETHING_ELSE'), '1.1');
  });

  it('AppRec status and error codes come from 8258 and 8221', () => {
    assert.equal(APPREC_STATUS.Avvist.v, '2');
    assert.equal(appRecStatusFromCode('3'), 'OK, feil i delmelding');
    assert.equal(isAppRecErrorCode('E31'), true);
    assert.equal(isAppRecErrorCode('E99'), false);
  });
});
