import { codeListOid, NATIONAL_ID_TYPES, PERSON_ID_TYPES } from '../domain/codes.js';
import { ageOn, capacityOf, REPRESENTATION_ROLE_LIST, REPRESENTATION_ROLES, type RepresentationCapacity } from '../domain/representation.js';
import type { Ident, MsgHeadMessage, PatientInfo } from './model.js';
import type { DocumentPart } from './msghead-build.js';
import { NS } from './namespaces.js';
import { coded, el, txt, type Node } from './xml-write.js';

/**
 * The patient-relation part (Pasientrelasjon, http://www.kith.no/xmlstds/pasientrelasjon/2014-03-28):
 * when a citizen uses Helsenorge on someone else's behalf, MsgHead's Patient is the person the
 * message is about and this part names the person acting, with the relation from code list 7611
 * (FO Foreldreansvar, VE Vergemål, FU Fullmakt, TD Tildelt fullmakt). Written as its own MsgHead
 * Document after the Dialogmelding, as the `_pas` packages of the process matrix carry it.
 */

export interface PatientRelationInput {
  /** A 7611 value: FO, VE, FU or TD. */
  readonly role: string;
  readonly actor: PatientInfo;
}

function personIdent(i: Ident): Node {
  const names: Record<string, string> = PERSON_ID_TYPES;
  return el('Ident', undefined, txt('Id', i.id), coded('TypeId', { v: i.type, s: codeListOid('8116'), dn: names[i.type] }));
}

export function patientRelationPart(input: PatientRelationInput): DocumentPart {
  const a = input.actor;
  const content = el(
    'Pasientrelasjon',
    { xmlns: NS.patientRelation },
    coded('Relasjon', { v: input.role, s: REPRESENTATION_ROLE_LIST, dn: REPRESENTATION_ROLES[input.role]?.name }),
    el('Person', undefined, txt('FamilyName', a.familyName), txt('MiddleName', a.middleName), txt('GivenName', a.givenName), a.ids.map(personIdent)),
  );
  return { refDocType: 'XML', contentDescription: 'Pasientrelasjon', content };
}

export function nationalIdOf(person: PatientInfo | undefined): Ident | undefined {
  return person?.ids.find((i) => (NATIONAL_ID_TYPES as readonly string[]).includes(i.type) && i.id !== '');
}

/**
 * Who acts for whom, as the EPJ is shown it (folder sidecar, webhook body, pull inbox item). It
 * holds the acting person's national id and name: it travels only sealed in Redis and to the EPJ,
 * never into a log line.
 */
export interface Representation {
  readonly capacity: RepresentationCapacity;
  readonly relation: { readonly code: string; readonly name?: string };
  readonly actor: {
    readonly nationalId?: string;
    readonly idType?: string;
    readonly familyName?: string;
    readonly middleName?: string;
    readonly givenName?: string;
  };
  /** The MsgHead patient, the person the request is about. */
  readonly actingFor: { readonly nationalId?: string; readonly idType?: string; readonly ageAtRequest?: number };
  /** One line for an EPJ that shows text only; no names or ids in it. */
  readonly summary: string;
}

const SUMMARY: Record<RepresentationCapacity, string> = {
  parent: 'A parent with parental responsibility (foreldreansvar) acts for the patient',
  guardian: 'A legal guardian (verge) acts for the patient',
  proxy: "A proxy with the patient's power of attorney (fullmakt) acts for the patient",
  'assigned-proxy': 'A next of kin registered as proxy by the GP (tildelt fullmakt) acts for the patient',
  unknown: 'Someone acts for the patient in a relation the gateway does not know',
};

export function representationOf(msg: MsgHeadMessage): Representation | undefined {
  const rel = msg.patientRelation;
  if (!rel) return undefined;
  const code = rel.relation?.v ?? '';
  const capacity = capacityOf(code);
  const actorId = nationalIdOf(rel.actor);
  const patientId = nationalIdOf(msg.patient);
  const age = patientId && msg.genDate ? ageOn(patientId.id, msg.genDate) : undefined;
  const a = rel.actor;
  return {
    capacity,
    relation: { code, ...(rel.relation?.dn ? { name: rel.relation.dn } : REPRESENTATION_ROLES[code] ? { name: REPRESENTATION_ROLES[code].name } : {}) },
    actor: {
      ...(actorId ? { nationalId: actorId.id, idType: actorId.type } : {}),
      ...(a?.familyName ? { familyName: a.familyName } : {}),
      ...(a?.middleName ? { middleName: a.middleName } : {}),
      ...(a?.givenName ? { givenName: a.givenName } : {}),
    },
    actingFor: { ...(patientId ? { nationalId: patientId.id, idType: patientId.type } : {}), ...(age !== undefined ? { ageAtRequest: age } : {}) },
    summary: `${SUMMARY[capacity]}${age !== undefined ? ` (the patient was ${age} when the request was sent)` : ''}.`,
  };
}
