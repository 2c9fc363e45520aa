import assert from 'node:assert/strict';
import { buildStatusAnswer, buildStatusCheck, readDigitalStatus } from '../../../src/kith/digital-status.js';
import type { MsgHeadMessage } from '../../../src/kith/model.js';
import { loadSchemaSet } from '../../../src/kith/schema-set.js';
import { validateDocument } from '../../../src/kith/validate.js';
import { needsShared, XSD_DIR } from '../../helpers/shared.js';
import { CLINIC, HELSENORGE, PATIENTS } from '../../helpers/sample-messages.js';

/** Dialog_Innbygger_Digitalbruker: SjekkStatus, StatusSvar and StatusEndring, valid and read back. */
describe('kith: the digital-status check (Dialog_Innbygger_Digitalbruker)', () => {
  let schemas: ReturnType<typeof loadSchemaSet>;
  before(function () {
    needsShared(this);
    schemas = loadSchemaSet(XSD_DIR);
  });
  const genDate = new Date('2026-12-04T08:00:00Z');
  const judge = (xml: string) => validateDocument(xml, { schemas, allowSyntheticIds: true });

  it('SjekkStatus: valid by the official schemas, read back as SjekkStatus', () => {
    const { report } = judge(
      buildStatusCheck({ msgId: 'a7c0f7a5-0b1e-4d7e-9d3a-1f0c5e0a0e51', genDate, clinic: CLINIC, helsenorge: HELSENORGE, patient: PATIENTS.ola }),
    );
    assert.ok(report.ok, JSON.stringify(report.errors));
    assert.equal(report.schemaValidation, 'official');
    assert.equal(report.action, 'SjekkStatus');
  });

  for (const digitalUser of [true, false]) {
    it(`StatusSvar (${digitalUser ? 'a digital user' : 'not one'}) and StatusEndring: valid, with their actions and the status`, () => {
      const base = { genDate, digitalUser, helsenorge: HELSENORGE, clinic: CLINIC, patient: PATIENTS.ola };
      const answer = judge(buildStatusAnswer({ ...base, msgId: 'b7c0f7a5-0b1e-4d7e-9d3a-1f0c5e0a0e51', inReplyTo: 'a7c0f7a5-0b1e-4d7e-9d3a-1f0c5e0a0e51' }));
      assert.ok(answer.report.ok, JSON.stringify(answer.report.errors));
      assert.equal(answer.report.action, 'StatusSvar');
      assert.equal(readDigitalStatus(answer.message as MsgHeadMessage), digitalUser);
      const change = judge(buildStatusAnswer({ ...base, msgId: 'c7c0f7a5-0b1e-4d7e-9d3a-1f0c5e0a0e51' }));
      assert.ok(change.report.ok, JSON.stringify(change.report.errors));
      assert.equal(change.report.action, 'StatusEndring');
      assert.equal(readDigitalStatus(change.message as MsgHeadMessage), digitalUser);
    });
  }
});
