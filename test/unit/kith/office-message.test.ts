import assert from 'node:assert/strict';
import { loadSchemaSet } from '../../../src/kith/schema-set.js';
import { buildOfficeMessage, OFFICE_ACTIONS, type OfficeAction } from '../../../src/kith/office-message.js';
import { validateDocument } from '../../../src/kith/validate.js';
import { needsShared, XSD_DIR } from '../../helpers/shared.js';
import { CLINIC, HELSENORGE, PATIENTS } from '../../helpers/sample-messages.js';

/**
 * The messages the office starts (Dialog_Innbygger_Timer): each is valid by the official schemas
 * (MsgHead 1.2, Dialogmelding 1.0; xCal has no schema and is listed as unvalidated) and the own
 * rules, and its action reads back from the document alone.
 */

const appointment = { uid: 'time-4711', start: '2027-01-11T09:00:00', end: '2027-01-11T09:20:00', location: 'Fjordvik legekontor, rom 2' };

function build(action: OfficeAction, withAppointment = true): string {
  return buildOfficeMessage({
    action,
    msgId: `0d77d041-f010-4ec8-9105-f3dda92fc3${OFFICE_ACTIONS.indexOf(action)}0`,
    genDate: new Date('2026-12-04T08:00:00Z'),
    clinic: CLINIC,
    helsenorge: HELSENORGE,
    patient: PATIENTS.ola,
    text: 'Legen er syk, timen din er avlyst. Ring oss for ny time.',
    ...(withAppointment ? { appointment } : {}),
  });
}

describe('kith: messages the office starts (Dialog_Innbygger_Timer)', () => {
  let schemas: ReturnType<typeof loadSchemaSet>;
  before(function () {
    needsShared(this);
    schemas = loadSchemaSet(XSD_DIR);
  });

  for (const action of OFFICE_ACTIONS) {
    it(`${action}: valid by the official schemas, read back as ${action}`, () => {
      const { report } = validateDocument(build(action), { schemas, allowSyntheticIds: true });
      assert.ok(report.ok, JSON.stringify(report.errors));
      assert.equal(report.schemaValidation, 'official');
      assert.equal(report.msgType, 'DIALOG_INNBYGGER_TIMER');
      assert.equal(report.service, 'appointment');
      assert.equal(report.action, action);
    });
  }

  it('a Henvendelse without an appointment is valid too; the appointment actions need one', () => {
    const { report } = validateDocument(build('Henvendelse', false), { schemas, allowSyntheticIds: true });
    assert.ok(report.ok, JSON.stringify(report.errors));
    assert.equal(report.action, 'Henvendelse');
    assert.throws(() => build('AvslutteTime', false), /needs the appointment/);
  });

  it('writes the calendar as RFC 5546 has it: CANCEL to cancel, a raised SEQUENCE to move', () => {
    assert.match(build('AvslutteTime'), /<method>\s*<text>CANCEL<\/text>/);
    assert.match(build('EndreTime'), /<sequence>\s*<integer>1<\/integer>/);
    assert.match(build('BekreftTime'), /<sequence>\s*<integer>0<\/integer>/);
  });
});
