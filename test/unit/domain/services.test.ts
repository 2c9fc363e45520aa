import assert from 'node:assert/strict';
import { APPREC_STATUS, appRecStatusFromCode, isAppRecErrorCode } from '../../../src/domain/codes.js';
import { PROCESSES, SERVICE_IDS, appRecVersionFor, processForMsgType, processesOf } from '../../../src/domain/services.js';

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

  it('appointments span two message types; each clinic action answers a citizen action of its process', () => {
    assert.deepEqual(
      processesOf('appointment').map((p) => p.msgType),
      ['DIALOG_INNBYGGER_TIMEONSKE', 'DIALOG_INNBYGGER_TIMERESERVASJON'],
    );
    for (const p of PROCESSES) {
      for (const a of p.actions.filter((x) => x.sender === 'clinic')) {
        for (const answered of a.answers ?? []) assert.equal(p.actions.find((x) => x.name === answered)?.sender, 'citizen');
      }
    }
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
