import assert from 'node:assert/strict';
import { isHerId, isOrganisationNumber, isValidMsgId, isUuid } from '../../../src/domain/identifiers.js';
import { checkNationalId } from '../../../src/domain/national-id.js';

describe('domain identifiers', () => {
  it('organisation numbers: mod 11 check digit, 9 digits starting 8 or 9', () => {
    assert.equal(isOrganisationNumber('921543212'), true);
    assert.equal(isOrganisationNumber('998877660'), true);
    assert.equal(isOrganisationNumber('921543213'), false);
    assert.equal(isOrganisationNumber('12345678'), false);
    assert.equal(isOrganisationNumber('121543212'), false);
  });

  it('HER-ids are positive integers', () => {
    assert.equal(isHerId('8142987'), true);
    assert.equal(isHerId('0814'), false);
    assert.equal(isHerId('81a'), false);
    assert.equal(isHerId(''), false);
  });

  it('MsgIds: short tokens, UUIDs in practice', () => {
    assert.equal(isValidMsgId('0d77d041-f010-4ec8-9105-f3dda92fc320'), true);
    assert.equal(isUuid('0d77d041-f010-4ec8-9105-f3dda92fc320'), true);
    assert.equal(isValidMsgId(''), false);
    assert.equal(isValidMsgId('has space'), false);
    assert.equal(isValidMsgId('x'.repeat(101)), false);
  });

  describe('national ids', () => {
    const synthetic = '15838510075'; // Skatteetaten synthetic: month + 80
    it('accepts a synthetic number only when allowed', () => {
      assert.deepEqual(checkNationalId(synthetic, { allowSynthetic: true }), { valid: true, kind: 'FNR', synthetic: true });
      assert.deepEqual(checkNationalId(synthetic, { allowSynthetic: false }), { valid: false, reason: 'synthetic-not-allowed' });
    });
    it('knows synthetic D-numbers and H-numbers', () => {
      assert.deepEqual(checkNationalId('55838510069', { allowSynthetic: true }), { valid: true, kind: 'DNR', synthetic: true });
      assert.deepEqual(checkNationalId('15438510092', { allowSynthetic: false }), { valid: true, kind: 'HNR', synthetic: false });
    });
    it('refuses wrong check digits, dates, formats and a declared type that does not match', () => {
      assert.deepEqual(checkNationalId('15838510076', { allowSynthetic: true }), { valid: false, reason: 'checksum' });
      assert.deepEqual(checkNationalId('1583851007', { allowSynthetic: true }), { valid: false, reason: 'format' });
      assert.equal(checkNationalId('55838510069', { allowSynthetic: true, declaredType: 'FNR' }).valid, false);
      assert.equal(checkNationalId('15720255178', { allowSynthetic: true }).valid, false);
    });
  });
});
