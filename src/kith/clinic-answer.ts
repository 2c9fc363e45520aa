import type { DialogmeldingVersion } from '../domain/services.js';
import { GatewayError } from '../errors.js';
import { attachmentPart, calendarPart, type AttachmentInput } from './attachments.js';
import { buildDialogmelding, type ForesporselInput } from './dialogmelding-build.js';
import { codedOf, type Coded, type MsgHeadMessage, type OrganisationInfo } from './model.js';
import { buildMsgHead, type DocumentPart } from './msghead-build.js';
import { patientRelationPart } from './patient-relation.js';
import type { Calendar } from './xcal-read.js';
import { child, textOf } from './xml-tree.js';

/**
 * The clinic's answer to a citizen's request (Svar, SvarOnske, SvarLedigeTimer,
 * SvarAvtaleReservasjon): same message type, sender and receiver swapped, the conversation
 * carried on, the patient repeated, and the request quoted in the Notat as the samples do.
 */

export interface ClinicAnswerInput {
  /** TemaKodet of the Notat (e.g. 7602 value 14 "Resept er fornyet"). */
  readonly theme: Coded;
  readonly text: string;
  /** The professional who answers, inside the clinic's organisation. */
  readonly professional?: OrganisationInfo['professional'];
  /** Appointment answers: the slots offered or the booking confirmed (xCal). */
  readonly calendar?: Calendar;
  readonly attachments?: readonly AttachmentInput[];
  readonly msgId?: string;
  readonly genDate?: Date;
  /** the CPA action of the answer; default the first that answers the request's action */
  readonly action?: string;
  /** the request's action as recorded when it came; default the one read from its document */
  readonly requestAction?: string;
}

/**
 * Answers whose package carries the patient relation back (`_pas` in the process matrix), so
 * Helsenorge shows the answer to the person who acted for the patient.
 */
const ANSWERS_WITH_RELATION = new Set([
  'DIALOG_INNBYGGER_EKONTAKT/Svar',
  'DIALOG_INNBYGGER_EKONSULTASJON/Svar',
  'DIALOG_INNBYGGER_TIMERESERVASJON/SvarAvtaleReservasjon',
]);

/** Renewal done: 7602 value 14, as Helsenorge's answers carry it. */
export const THEME_RENEWAL_DONE: Coded = { v: '14', s: '2.16.578.1.12.4.1.1.7602', dn: 'Resept er fornyet' };

/** The request's Foresporsel, quoted back (text content only). */
export function quotedRequest(request: MsgHeadMessage): ForesporselInput | undefined {
  const f = child(request.documents.find((d) => d.kind === 'dialogmelding')?.el, 'Foresporsel');
  const type = codedOf(child(f, 'TypeForesp'));
  if (!f || !type) return undefined;
  const subject = textOf(child(f, 'EmneSporsmal'));
  const question = textOf(child(f, 'Sporsmal'));
  const codedInfo = codedOf(child(f, 'KodetOpplysning'));
  return { type, ...(subject ? { subject } : {}), ...(question ? { question } : {}), ...(codedInfo ? { codedInfo } : {}) };
}

export function buildClinicAnswer(request: MsgHeadMessage, answer: ClinicAnswerInput): string {
  const { process, msgId, sender, receiver, patient, patientRelation: relation } = request;
  if (!process || !msgId || !sender || !receiver || !patient) {
    throw new GatewayError('KITH_CONTENT_INVALID', 'Only a valid citizen request of the four services can be answered.');
  }
  const action = process.actions.find((a) => a.name === (answer.requestAction ?? request.action));
  if (action?.sender !== 'citizen') throw new GatewayError('KITH_CONTENT_INVALID', 'The message answered is not a citizen request.');
  const answering = process.actions.find((a) => (answer.action ? a.name === answer.action : true) && a.answers?.includes(action.name));
  if (!answering) throw new GatewayError('KITH_CONTENT_INVALID', `${answer.action ?? 'No action'} answers ${action.name}.`);
  if (answering.calendar && !answer.calendar) {
    throw new GatewayError('KITH_CONTENT_INVALID', `${answering.name} needs a calendar (the slots offered or the booking).`);
  }
  const version: DialogmeldingVersion = request.dialogmeldingVersion ?? process.dialogmelding;
  const inReplyTo = quotedRequest(request);
  const documents: DocumentPart[] = [
    {
      refDocType: 'XML',
      issueDate: answer.genDate ?? new Date(),
      content: buildDialogmelding(version, { notat: { theme: answer.theme, text: answer.text, ...(inReplyTo ? { inReplyTo } : {}) } }),
    },
    ...(answer.calendar ? [calendarPart(answer.calendar)] : []),
    ...(relation?.relation?.v && relation.actor && ANSWERS_WITH_RELATION.has(`${process.msgType}/${answering.name}`)
      ? [patientRelationPart({ role: relation.relation.v, actor: relation.actor })]
      : []),
    ...(answer.attachments ?? []).map(attachmentPart),
  ];
  const clinic = answer.professional ? withProfessional(receiver, answer.professional) : receiver;
  return buildMsgHead({
    msgType: process.msgType,
    ...(answer.msgId ? { msgId: answer.msgId } : {}),
    ...(answer.genDate ? { genDate: answer.genDate } : {}),
    conversationRef: { refToParent: msgId, refToConversation: request.conversationRef?.refToConversation ?? msgId },
    sender: clinic,
    receiver: sender,
    patient,
    documents,
  });
}

/** Puts the answering professional at the innermost level of the clinic's organisation. */
function withProfessional(org: OrganisationInfo, professional: NonNullable<OrganisationInfo['professional']>): OrganisationInfo {
  return org.unit ? { ...org, unit: withProfessional(org.unit, professional) } : { ...org, professional };
}
