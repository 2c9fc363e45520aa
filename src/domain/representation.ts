import { checkNationalId } from './national-id.js';

/**
 * Representation: a citizen acting on someone else's behalf through Helsenorge (a parent for a
 * child, a guardian, a proxy). Helsenorge decides who may act for whom; the gateway checks only
 * what the message itself can prove inconsistent, and the confidentiality the clinic asks for.
 * Pure: ids and dates in, verdicts out. The verdicts' words never carry ids or names.
 */

/** Code list 7611 Representasjonsrolle, the relation the actor has to the patient. */
export const REPRESENTATION_ROLE_LIST = '2.16.578.1.12.4.1.1.7611';

export type RepresentationCapacity = 'parent' | 'guardian' | 'proxy' | 'assigned-proxy' | 'unknown';

export const REPRESENTATION_ROLES: Readonly<Record<string, { readonly capacity: RepresentationCapacity; readonly name: string }>> = {
  FO: { capacity: 'parent', name: 'Foreldreansvar' },
  VE: { capacity: 'guardian', name: 'Vergemål' },
  FU: { capacity: 'proxy', name: 'Fullmakt' },
  TD: { capacity: 'assigned-proxy', name: 'Tildelt fullmakt' },
};

export function capacityOf(roleCode: string | undefined): RepresentationCapacity {
  return roleCode !== undefined && Object.hasOwn(REPRESENTATION_ROLES, roleCode) ? REPRESENTATION_ROLES[roleCode]!.capacity : 'unknown';
}

/** Health consent comes at 16 (pasient- og brukerrettighetsloven § 4-3); parental authority over health matters ends there. */
export const AGE_OF_HEALTH_CONSENT = 16;
/** From 12 a child's wish that parents not be told is to be respected (§ 3-4). */
export const AGE_OF_CHILD_CONFIDENTIALITY = 12;

/** Parental responsibility (FO) and guardianship (VE) of a child: acting as the child's guardian. */
export function actsAsGuardian(capacity: RepresentationCapacity): boolean {
  return capacity === 'parent' || capacity === 'guardian';
}

export interface BirthDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

/**
 * The birth date a national id carries: D-numbers add 40 to the day, synthetic test numbers 80 to
 * the month; the individual number gives the century. H-numbers carry no reliable birth date, so
 * they give none, and neither does an id that is not valid.
 */
export function birthDateOf(nationalId: string): BirthDate | undefined {
  const verdict = checkNationalId(nationalId, { allowSynthetic: true });
  if (!verdict.valid || verdict.kind === 'HNR') return undefined;
  const n = (from: number) => Number(nationalId.slice(from, from + 2));
  const day = verdict.kind === 'DNR' ? n(0) - 40 : n(0);
  const month = verdict.synthetic ? n(2) - 80 : n(2);
  const yy = n(4);
  const individual = Number(nationalId.slice(6, 9));
  let century: number;
  if (individual < 500) century = 1900;
  else if (individual < 750 && yy >= 54) century = 1800;
  else if (yy < 40) century = 2000;
  else if (individual >= 900) century = 1900;
  else return undefined;
  return { year: century + yy, month, day };
}

/** Whole years on a calendar date (YYYY-MM-DD, the date as the sender wrote it). */
export function ageOn(nationalId: string, date: string): number | undefined {
  const born = birthDateOf(nationalId);
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(date);
  if (!born || !m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const hadBirthday = mo > born.month || (mo === born.month && d >= born.day);
  return y - born.year - (hadBirthday ? 0 : 1);
}

/** made once: a DateTimeFormat costs some 0.1 ms to make (time zone data), and this is asked once per message */
const OSLO_DATE = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Oslo', year: 'numeric', month: '2-digit', day: '2-digit' });

/** Today's date in Norway, where ages turn at local midnight. */
export function norwegianDate(at: Date): string {
  return OSLO_DATE.format(at);
}

export type RepresentationRule = 'actor-is-patient' | 'guardian-for-adult' | 'confidential-to-child';

export interface RepresentationFault {
  readonly rule: RepresentationRule;
  /** Words for the sender or the EPJ; never an id or a name. */
  readonly detail: string;
}

export interface RelationFacts {
  readonly roleCode: string | undefined;
  readonly actorNationalId: string | undefined;
  readonly patientNationalId: string | undefined;
  /** The message date (YYYY-MM-DD): ages are judged when the request was made. */
  readonly onDate: string;
}

/** What a request's relation claims that cannot be true. An empty list is a consistent relation. */
export function inconsistenciesOf(facts: RelationFacts): RepresentationFault[] {
  const out: RepresentationFault[] = [];
  if (facts.actorNationalId && facts.actorNationalId === facts.patientNationalId) {
    out.push({ rule: 'actor-is-patient', detail: "The person acting on the patient's behalf is the patient." });
  }
  const capacity = capacityOf(facts.roleCode);
  const age = facts.patientNationalId ? ageOn(facts.patientNationalId, facts.onDate) : undefined;
  if (capacity === 'parent' && age !== undefined && age >= AGE_OF_HEALTH_CONSENT) {
    out.push({
      rule: 'guardian-for-adult',
      detail: `A parent acts by parental responsibility (7611 FO) for a patient aged ${age}; it ends at ${AGE_OF_HEALTH_CONSENT}.`,
    });
  }
  return out;
}

export interface AnswerFacts {
  /** The capacity in which the request's sender acted; absent when the patient wrote themselves. */
  readonly capacity: RepresentationCapacity | undefined;
  readonly patientNationalId: string | undefined;
  /** The EPJ's mark: the answer is for the child alone. */
  readonly confidentialToChild: boolean;
  /** The answer's date (YYYY-MM-DD). */
  readonly onDate: string;
}

/**
 * An answer goes back to whoever sent the request. One the clinic marks confidential to the child
 * must not go to someone acting for the child; it is refused whatever the age, since the mark is the
 * clinic's judgement of the content, and the age band 12–16 is named in the words when it applies.
 */
export function answerRefusalOf(facts: AnswerFacts): RepresentationFault | undefined {
  if (!facts.confidentialToChild || facts.capacity === undefined) return undefined;
  const age = facts.patientNationalId ? ageOn(facts.patientNationalId, facts.onDate) : undefined;
  const who = actsAsGuardian(facts.capacity) ? 'a parent or guardian' : 'a representative';
  const band =
    age !== undefined && age >= AGE_OF_CHILD_CONFIDENTIALITY && age < AGE_OF_HEALTH_CONSENT
      ? ` The patient is ${age}: from ${AGE_OF_CHILD_CONFIDENTIALITY} a child's confidentiality is to be respected.`
      : '';
  return {
    rule: 'confidential-to-child',
    detail: `The answer is marked confidential to the child, but the request came from ${who}, who would receive it.${band}`,
  };
}

/**
 * Something a request allows but the clinic should look at before answering, shown to the EPJ beside
 * the message (never a refusal: the message itself is valid). No names or ids in it.
 */
export interface RepresentationFlag {
  readonly code: 'minor-without-relation';
  readonly ageAtRequest: number;
  readonly summary: string;
}

/**
 * A request about a patient under 16 with no patient-relation part: only parents act for children
 * under 16, so it came from the child's own account or from someone the message does not name.
 */
export function minorWithoutRelationFlag(
  patientNationalId: string | undefined,
  hasRelation: boolean,
  onDate: string | undefined,
): RepresentationFlag | undefined {
  if (hasRelation || !patientNationalId || !onDate) return undefined;
  const age = ageOn(patientNationalId, onDate);
  if (age === undefined || age >= AGE_OF_HEALTH_CONSENT) return undefined;
  return {
    code: 'minor-without-relation',
    ageAtRequest: age,
    summary: `The patient was ${age} when the request was sent and no patient-relation part names a parent: only parents act for children under ${AGE_OF_HEALTH_CONSENT}. Check who wrote before answering.`,
  };
}
