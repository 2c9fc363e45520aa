import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { buildClinicAnswer } from '../../../src/kith/clinic-answer.js';
import { judgeReceivedMessage } from '../../../src/kith/judge.js';
import type { MsgHeadMessage } from '../../../src/kith/model.js';
import { parseMessage } from '../../../src/kith/parse.js';
import { representationOf } from '../../../src/kith/patient-relation.js';
import { validateDocument } from '../../../src/kith/validate.js';
import { PEOPLE } from '../../helpers/representation-cases.js';
import { CLINIC_HER } from '../../helpers/sample-messages.js';

const fixture = (p: string) => readFileSync(new URL(`../../../fixtures/${p}`, import.meta.url), 'utf8');
const judge = (xml: string, allowSyntheticIds = true) => judgeReceivedMessage(xml, { allowSyntheticIds, ownHerIds: [CLINIC_HER] });
const SECRETS = Object.values(PEOPLE).flatMap((p) => [p.familyName, p.givenName, ...p.ids.map((i) => i.id)]);

function assertNoPatientData(said: unknown): void {
  const text = JSON.stringify(said);
  for (const s of SECRETS) assert.ok(!text.includes(s), `reveals ${s.length === 11 ? 'a national id' : 'a name'}`);
}

describe('the patient-relation part (Pasientrelasjon)', () => {
  describe('reading', () => {
    it('reads who acts (7611 role, name, national id) beside the MsgHead patient the request is about', () => {
      const msg = parseMessage(fixture('e-consultation/parent-for-child-14.xml')) as MsgHeadMessage;
      assert.deepEqual(msg.patientRelation?.relation, { v: 'FO', s: '2.16.578.1.12.4.1.1.7611', dn: 'Foreldreansvar' });
      assert.deepEqual(msg.patientRelation?.actor, PEOPLE.parent);
      assert.deepEqual(msg.patient, PEOPLE.child14);
      assert.equal(msg.documents.filter((d) => d.kind === 'patient-relation').length, 1);
    });

    it("gives the EPJ who acts for whom, in what capacity, and the patient's age when the request was sent", () => {
      const rep = representationOf(parseMessage(fixture('office-contact/parent-for-child-10.xml')) as MsgHeadMessage);
      assert.deepEqual(rep, {
        capacity: 'parent',
        relation: { code: 'FO', name: 'Foreldreansvar' },
        actor: { nationalId: '11828442017', idType: 'FNR', familyName: 'Småbakk', givenName: 'Hanne' },
        actingFor: { nationalId: '10891554015', idType: 'FNR', ageAtRequest: 10 },
        summary: 'A parent with parental responsibility (foreldreansvar) acts for the patient (the patient was 10 when the request was sent).',
      });
      const proxy = representationOf(parseMessage(fixture('prescription-renewal/proxy-for-adult.xml')) as MsgHeadMessage);
      assert.equal(proxy?.capacity, 'proxy');
      assert.equal(proxy?.actingFor.ageAtRequest, 77);
    });

    it('has nothing to say about a request the patient sent themselves', () => {
      assert.equal(representationOf(parseMessage(fixture('office-contact/request.xml')) as MsgHeadMessage), undefined);
    });

    it('reports the namespace as unvalidated: the reference set has no schema for it', () => {
      const { report } = validateDocument(fixture('office-contact/parent-for-child-10.xml'), { allowSyntheticIds: true });
      assert.ok(report.ok);
      assert.ok(report.unvalidated.includes('http://www.kith.no/xmlstds/pasientrelasjon/2014-03-28'));
    });
  });

  describe('answers', () => {
    const answerTo = (p: string) =>
      buildClinicAnswer(parseMessage(fixture(p)) as MsgHeadMessage, { theme: { v: '6', s: '2.16.578.1.12.4.1.1.7322' }, text: 'Svar.' });

    it('carry the relation back where the package is _pas (office-contact Svar), so the representative gets the answer', () => {
      const xml = answerTo('office-contact/parent-for-child-10.xml');
      const answer = parseMessage(xml) as MsgHeadMessage;
      assert.deepEqual([answer.patientRelation?.relation?.v, answer.patientRelation?.actor], ['FO', PEOPLE.parent]);
      assert.deepEqual(validateDocument(xml, { allowSyntheticIds: true, ownHerIds: ['8093244'] }).report.errors, []);
    });

    it('do not where the package has no relation (prescription-renewal Svar)', () => {
      assert.equal((parseMessage(answerTo('prescription-renewal/proxy-for-adult.xml')) as MsgHeadMessage).patientRelation, undefined);
    });
  });

  describe('rules: a fault rejects the whole message with E36', () => {
    const good = () => fixture('office-contact/parent-for-child-10.xml');
    const cases: [string, (xml: string) => string, RegExp][] = [
      ['the relation code is missing', (x) => x.replace(/\s*<Relasjon [^>]*\/>/, ''), /Relasjon \(7611\) is missing/],
      ['the actor has no national id', (x) => x.replace(/(<Person>[\s\S]*?)<Ident>[\s\S]*?<\/Ident>/, '$1'), /Person has no Ident/],
      [
        "the actor's national id has a wrong check digit",
        (x) => x.replace('<Id>11828442017</Id>', '<Id>11828442018</Id>'),
        /Person national id \(FNR\) fails: checksum/,
      ],
    ];
    for (const [what, change, words] of cases) {
      it(`when ${what}`, () => {
        const xml = change(good());
        assert.notEqual(xml, good());
        const j = judge(xml);
        assert.equal(j.appRec, 'Avvist');
        assert.deepEqual(
          j.errors.map((e) => e.code),
          ['E36'],
        );
        assert.match(j.errors[0]!.message, words);
        assertNoPatientData([j.report, j.errors]);
      });
    }

    it("refuses the actor's synthetic id in production, as it does the patient's", () => {
      const j = judge(good(), false);
      assert.deepEqual(
        j.errors.map((e) => e.code),
        ['E31', 'E36'],
      );
    });

    it('a parent for a patient of 17, and an actor who is the patient, say why without naming anyone', () => {
      const teen = judge(fixture('e-consultation/e36-parent-for-17-year-old.xml'));
      assert.match(teen.errors[0]!.message, /parental responsibility \(7611 FO\) for a patient aged 17; it ends at 16/);
      const self = judge(fixture('office-contact/e36-actor-is-patient.xml'));
      assert.match(self.errors[0]!.message, /is the patient/);
      assertNoPatientData([teen.report, teen.errors, self.report, self.errors]);
    });

    it('carries an unknown role for the clinic to see rather than refusing it', () => {
      const xml = good().replace('V="FO"', 'V="ZZ"').replace('DN="Foreldreansvar"', 'DN="Ny rolle"');
      const j = judge(xml);
      assert.equal(j.appRec, 'OK');
      const rep = representationOf(j.message as MsgHeadMessage);
      assert.deepEqual([rep?.capacity, rep?.relation], ['unknown', { code: 'ZZ', name: 'Ny rolle' }]);
    });

    it('refuses a second patient-relation part (X99): one person acts for the patient', () => {
      const xml = good();
      const part = /<Document>\s*<ContentDescription>Pasientrelasjon[\s\S]*?<\/Document>/.exec(xml)![0];
      const j = judge(xml.replace(part, `${part}${part}`));
      assert.deepEqual(
        j.errors.map((e) => e.code),
        ['X99'],
      );
    });
  });
});
