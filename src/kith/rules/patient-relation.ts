import { checkNationalId } from '../../domain/national-id.js';
import { inconsistenciesOf } from '../../domain/representation.js';
import type { Finding } from '../findings.js';
import type { MsgHeadMessage } from '../model.js';
import { nationalIdOf } from '../patient-relation.js';
import { child } from '../xml-tree.js';
import { Findings, type RuleOptions } from './common.js';

/**
 * Own rules for the patient-relation part. It is about the patient, so a fault rejects the whole
 * message (part 'document'): the clinic must not be handed a request whose sender it cannot name.
 * An unknown 7611 value is carried, not refused; the EPJ sees the code.
 */
export function checkPatientRelation(msg: MsgHeadMessage, opts: RuleOptions): Finding[] {
  const f = new Findings('document');
  const parts = msg.documents.filter((d) => d.kind === 'patient-relation');
  if (parts.length > 1) f.add('KITH_CONTENT_INVALID', 'The message carries more than one Pasientrelasjon; one person acts for the patient.', parts[1]!.el);
  const rel = msg.patientRelation;
  if (!rel) return f.items;
  if (!rel.relation?.v) f.add('REPRESENTATION_INCOMPLETE', 'Pasientrelasjon/Relasjon (7611) is missing or has no V.', child(rel.el, 'Relasjon') ?? rel.el);
  const actorId = nationalIdOf(rel.actor);
  if (!actorId) {
    f.add('REPRESENTATION_INCOMPLETE', 'Pasientrelasjon/Person has no Ident with TypeId FNR, DNR or HNR.', child(rel.el, 'Person') ?? rel.el);
    return f.items;
  }
  const verdict = checkNationalId(actorId.id, { allowSynthetic: opts.allowSyntheticIds, declaredType: actorId.type });
  if (!verdict.valid) {
    f.add('REPRESENTATION_ACTOR_ID_INVALID', `Pasientrelasjon/Person national id (${actorId.type}) fails: ${verdict.reason}.`, child(rel.el, 'Person'));
    return f.items;
  }
  const patientId = nationalIdOf(msg.patient)?.id;
  const patientValid = patientId !== undefined && checkNationalId(patientId, { allowSynthetic: opts.allowSyntheticIds }).valid;
  if (!patientValid || !msg.genDate) return f.items; // E30/E31 or T02 already say why
  for (const fault of inconsistenciesOf({ roleCode: rel.relation?.v, actorNationalId: actorId.id, patientNationalId: patientId, onDate: msg.genDate })) {
    f.add('REPRESENTATION_INCONSISTENT', fault.detail, rel.el);
  }
  return f.items;
}
