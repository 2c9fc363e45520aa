import assert from 'node:assert/strict';
import { ageOn, answerRefusalOf, birthDateOf, capacityOf, inconsistenciesOf, norwegianDate } from '../../../src/domain/representation.js';

/** Synthetic national ids (month + 80): born 2015-09-10, 2011-08-20, 2008-11-03, 1984-02-11, 1948-09-05. */
const CHILD_10 = '10891554015';
const CHILD_14 = '20881153077';
const TEEN_17 = '03910856005';
const PARENT = '11828442017';
const ELDER = '05894821002';
/** The day the sample requests were sent; every age below is judged on a fixed date. */
const SENT = '2026-03-02';

describe('representation policy (pure)', () => {
  describe('birth date and age from a national id', () => {
    it('reads synthetic numbers (month + 80) in both centuries', () => {
      assert.deepEqual(birthDateOf(CHILD_10), { year: 2015, month: 9, day: 10 });
      assert.deepEqual(birthDateOf(PARENT), { year: 1984, month: 2, day: 11 });
      assert.deepEqual(birthDateOf(ELDER), { year: 1948, month: 9, day: 5 });
    });

    it('reads a D-number (day + 40) and gives no date for an invalid id', () => {
      assert.deepEqual(birthDateOf('15838510075'), { year: 1985, month: 3, day: 15 });
      assert.deepEqual(birthDateOf('55838510069'), { year: 1985, month: 3, day: 15 });
      assert.equal(birthDateOf('15838510076'), undefined);
      assert.equal(birthDateOf('123'), undefined);
    });

    it('counts whole years, turning on the birthday itself', () => {
      assert.equal(ageOn(CHILD_10, SENT), 10);
      assert.equal(ageOn(CHILD_14, SENT), 14);
      assert.equal(ageOn(TEEN_17, SENT), 17);
      assert.equal(ageOn(CHILD_14, '2027-08-19'), 15);
      assert.equal(ageOn(CHILD_14, '2027-08-20'), 16);
      assert.equal(ageOn(CHILD_14, '2027-08-20T00:30:00'), 16, 'a GenDate is read by its date');
      assert.equal(ageOn(CHILD_14, 'not a date'), undefined);
    });

    it('takes today as the date in Norway, where a day starts an hour or two before UTC', () => {
      assert.equal(norwegianDate(new Date('2026-08-19T22:30:00Z')), '2026-08-20');
      assert.equal(norwegianDate(new Date('2026-01-15T12:00:00Z')), '2026-01-15');
    });
  });

  describe('what a request cannot claim', () => {
    it('knows the four 7611 roles and carries any other as unknown', () => {
      assert.deepEqual(['FO', 'VE', 'FU', 'TD', 'XX', undefined].map(capacityOf), ['parent', 'guardian', 'proxy', 'assigned-proxy', 'unknown', 'unknown']);
    });

    it('accepts a parent for children of 10 and 14, and a proxy for an adult', () => {
      assert.deepEqual(inconsistenciesOf({ roleCode: 'FO', actorNationalId: PARENT, patientNationalId: CHILD_10, onDate: SENT }), []);
      assert.deepEqual(inconsistenciesOf({ roleCode: 'FO', actorNationalId: PARENT, patientNationalId: CHILD_14, onDate: SENT }), []);
      assert.deepEqual(inconsistenciesOf({ roleCode: 'FU', actorNationalId: PARENT, patientNationalId: ELDER, onDate: SENT }), []);
    });

    it('refuses parental responsibility for a patient of 16 or more, from the sixteenth birthday', () => {
      const [fault] = inconsistenciesOf({ roleCode: 'FO', actorNationalId: PARENT, patientNationalId: TEEN_17, onDate: SENT });
      assert.equal(fault?.rule, 'guardian-for-adult');
      assert.match(fault.detail, /aged 17/);
      assert.equal(inconsistenciesOf({ roleCode: 'FO', actorNationalId: PARENT, patientNationalId: CHILD_14, onDate: '2027-08-19' }).length, 0);
      assert.equal(inconsistenciesOf({ roleCode: 'FO', actorNationalId: PARENT, patientNationalId: CHILD_14, onDate: '2027-08-20' }).length, 1);
    });

    it('leaves a guardian (vergemål) and proxies for adults alone: guardianship does not end at 16', () => {
      for (const role of ['VE', 'FU', 'TD'])
        assert.deepEqual(inconsistenciesOf({ roleCode: role, actorNationalId: PARENT, patientNationalId: TEEN_17, onDate: SENT }), []);
    });

    it('refuses a relation whose actor is the patient', () => {
      const faults = inconsistenciesOf({ roleCode: 'FU', actorNationalId: ELDER, patientNationalId: ELDER, onDate: SENT });
      assert.deepEqual(
        faults.map((f) => f.rule),
        ['actor-is-patient'],
      );
    });

    it('cannot judge an age it cannot read, and does not guess', () => {
      assert.deepEqual(inconsistenciesOf({ roleCode: 'FO', actorNationalId: PARENT, patientNationalId: undefined, onDate: SENT }), []);
    });

    it('never puts an id in its words', () => {
      const faults = inconsistenciesOf({ roleCode: 'FO', actorNationalId: TEEN_17, patientNationalId: TEEN_17, onDate: SENT });
      assert.equal(faults.length, 2);
      for (const f of faults) assert.doesNotMatch(f.detail, /\d{11}/);
    });
  });

  describe('an answer marked confidential to the child', () => {
    const answer = { patientNationalId: CHILD_14, onDate: SENT };

    it('is refused when a parent sent the request about a child of 12 to 16, naming the age band', () => {
      const fault = answerRefusalOf({ ...answer, capacity: 'parent', confidentialToChild: true });
      assert.equal(fault?.rule, 'confidential-to-child');
      assert.match(fault.detail, /a parent or guardian/);
      assert.match(fault.detail, /The patient is 14: from 12/);
    });

    it("is refused for any representative, whatever the age: the mark is the clinic's judgement of the content", () => {
      assert.ok(answerRefusalOf({ capacity: 'guardian', patientNationalId: CHILD_10, onDate: SENT, confidentialToChild: true }));
      const proxy = answerRefusalOf({ capacity: 'proxy', patientNationalId: ELDER, onDate: SENT, confidentialToChild: true });
      assert.match(proxy!.detail, /a representative/);
      assert.doesNotMatch(proxy!.detail, /from 12/);
    });

    it('goes out when the patient wrote themselves, or when it is not marked', () => {
      assert.equal(answerRefusalOf({ ...answer, capacity: undefined, confidentialToChild: true }), undefined);
      assert.equal(answerRefusalOf({ ...answer, capacity: 'parent', confidentialToChild: false }), undefined);
    });
  });
});
