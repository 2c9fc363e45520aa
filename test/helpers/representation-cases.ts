import { buildCitizenRequest, type CitizenRequestInput } from '../../src/kith/citizen-request.js';
import type { PatientInfo } from '../../src/kith/model.js';
import { CLINIC, HELSENORGE } from './sample-messages.js';

/**
 * Requests sent on someone else's behalf (Pasientrelasjon), with fixed dates: every age is judged
 * at the message's GenDate (2026-03-02), so these stay what they are whenever the tests run.
 * Synthetic national ids (month + 80) and invented names.
 */

export const SENT_AT = new Date('2026-03-02T09:15:00Z');

export const PEOPLE = {
  /** born 2015-09-10: 10 at GenDate */
  child10: { familyName: 'Småbakk', givenName: 'Emil', ids: [{ id: '10891554015', type: 'FNR' }] },
  /** born 2011-08-20: 14 at GenDate */
  child14: { familyName: 'Småbakk', givenName: 'Frida', ids: [{ id: '20881153077', type: 'FNR' }] },
  /** born 2008-11-03: 17 at GenDate */
  teen17: { familyName: 'Småbakk', givenName: 'Jonas', ids: [{ id: '03910856005', type: 'FNR' }] },
  /** born 1984-02-11: the parent */
  parent: { familyName: 'Småbakk', givenName: 'Hanne', ids: [{ id: '11828442017', type: 'FNR' }] },
  /** born 1948-09-05: an adult who has given a power of attorney */
  elder: { familyName: 'Lierhaug', givenName: 'Torstein', ids: [{ id: '05894821002', type: 'FNR' }] },
  /** born 1975-12-19: the proxy */
  proxy: { familyName: 'Lierhaug', givenName: 'Marit', ids: [{ id: '19927511188', type: 'FNR' }] },
} satisfies Record<string, PatientInfo>;

export interface RepresentationCase {
  readonly service: string;
  readonly name: string;
  readonly xml: string;
  readonly action: string;
  /** The 8221 codes it must get; none for a request the clinic receives. */
  readonly errors: readonly string[];
}

const CONTACT = { type: { v: 'BA', s: '2.16.578.1.12.4.1.1.7601', dn: 'Bestille attest' }, subject: 'Henvendelse', question: 'Vi trenger å snakke med legen.' };
const CONSULT = (subject: string, question: string) => ({ type: { v: 'EK', dn: 'E-konsultasjon' }, subject, question });
const RENEWAL = {
  type: { v: 'RF', s: '2.16.578.1.12.4.1.1.7601', dn: 'Reseptfornying' },
  subject: 'Fornye resept',
  question: 'Jeg ber om fornying av blodtrykksmedisinen til min far.',
};

const TYPES: Record<string, string> = {
  'office-contact': 'DIALOG_INNBYGGER_EKONTAKT',
  'e-consultation': 'DIALOG_INNBYGGER_EKONSULTASJON',
  'prescription-renewal': 'DIALOG_INNBYGGER_RESEPTFORNYELSE',
};

type Row = [
  service: string,
  name: string,
  patient: PatientInfo,
  role: string,
  actor: PatientInfo,
  foresporsel: CitizenRequestInput['foresporsel'],
  errors: string[],
];

export function representationCases(): RepresentationCase[] {
  const P = PEOPLE;
  const rows: Row[] = [
    ['office-contact', 'parent-for-child-10', P.child10, 'FO', P.parent, CONTACT, []],
    ['e-consultation', 'parent-for-child-14', P.child14, 'FO', P.parent, CONSULT('Hodepine', 'Datteren min har hatt hodepine i en uke.'), []],
    ['prescription-renewal', 'proxy-for-adult', P.elder, 'FU', P.proxy, RENEWAL, []],
    ['e-consultation', 'e36-parent-for-17-year-old', P.teen17, 'FO', P.parent, CONSULT('Kneet', 'Sønnen min har vondt i kneet etter fotball.'), ['E36']],
    ['office-contact', 'e36-actor-is-patient', P.parent, 'FU', P.parent, CONTACT, ['E36']],
  ];
  return rows.map(([service, name, patient, role, actor, foresporsel, errors], i) => ({
    service,
    name,
    xml: buildCitizenRequest({
      msgType: TYPES[service]!,
      msgId: `9a4c1f00-2b3d-4e5f-8a6b-7c8d9e0f1a0${i + 1}`,
      genDate: SENT_AT,
      sender: HELSENORGE,
      receiver: CLINIC,
      patient,
      foresporsel,
      patientRelation: { role, actor },
    }),
    action: 'Foresporsel',
    errors,
  }));
}
