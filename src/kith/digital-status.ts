import { processForMsgType } from '../domain/services.js';
import { buildDialogmelding } from './dialogmelding-build.js';
import type { Coded, MsgHeadMessage, OrganisationInfo, PatientInfo } from './model.js';
import { buildMsgHead } from './msghead-build.js';
import { child } from './xml-tree.js';
import { codedOf } from './model.js';

/**
 * Dialog_Innbygger_Digitalbruker 1.1: the clinic asks Helsenorge whether a citizen is a digital user
 * (SjekkStatus, a Foresporsel about the MsgHead's patient); Helsenorge answers (StatusSvar, a Notat
 * with ConversationRef to the check) and later tells of a change unasked (StatusEndring, a Notat
 * without one). The answer's TemaKodet says the status: J (a digital user) or N (not). The matrix's
 * person part (personer-2014-03-28) has no schema in the reference set; the patient travels in
 * MsgHead, so the part is not written.
 */

export const DIGITAL_USER_MSG_TYPE = 'DIALOG_INNBYGGER_DIGITALBRUKER';

/** The check's TypeForesp; like the appointment types (TO, TR) it carries no published code list. */
export const DIGITAL_STATUS_QUESTION: Coded = { v: 'DB', dn: 'Digital bruker' };

const STATUS: Record<'yes' | 'no', Coded> = {
  yes: { v: 'J', dn: 'Digital bruker' },
  no: { v: 'N', dn: 'Ikke digital bruker' },
};

export interface StatusCheckInput {
  readonly msgId: string;
  readonly genDate: Date;
  readonly clinic: OrganisationInfo;
  readonly helsenorge: OrganisationInfo;
  readonly patient: PatientInfo;
}

export function buildStatusCheck(input: StatusCheckInput): string {
  const process = processForMsgType(DIGITAL_USER_MSG_TYPE)!;
  return buildMsgHead({
    msgType: process.msgType,
    msgId: input.msgId,
    genDate: input.genDate,
    sender: input.clinic,
    receiver: input.helsenorge,
    patient: input.patient,
    documents: [
      {
        refDocType: 'XML',
        issueDate: input.genDate,
        content: buildDialogmelding(process.dialogmelding, { foresporsel: { type: DIGITAL_STATUS_QUESTION, subject: 'Er innbyggeren digital bruker?' } }),
      },
    ],
  });
}

export interface StatusAnswerInput {
  readonly msgId: string;
  readonly genDate: Date;
  readonly digitalUser: boolean;
  /** Helsenorge, as sender */
  readonly helsenorge: OrganisationInfo;
  readonly clinic: OrganisationInfo;
  readonly patient: PatientInfo;
  /** the check answered (StatusSvar); absent: a change told unasked (StatusEndring) */
  readonly inReplyTo?: string;
}

/** Helsenorge's StatusSvar or StatusEndring (the simulator writes them; tests read them back). */
export function buildStatusAnswer(input: StatusAnswerInput): string {
  const process = processForMsgType(DIGITAL_USER_MSG_TYPE)!;
  const text = input.digitalUser ? 'Innbyggeren er digital bruker på Helsenorge.' : 'Innbyggeren er ikke digital bruker på Helsenorge.';
  return buildMsgHead({
    msgType: process.msgType,
    msgId: input.msgId,
    genDate: input.genDate,
    ...(input.inReplyTo ? { conversationRef: { refToParent: input.inReplyTo, refToConversation: input.inReplyTo } } : {}),
    sender: input.helsenorge,
    receiver: input.clinic,
    patient: input.patient,
    documents: [
      {
        refDocType: 'XML',
        issueDate: input.genDate,
        content: buildDialogmelding(process.dialogmelding, { notat: { theme: STATUS[input.digitalUser ? 'yes' : 'no'], text } }),
      },
    ],
  });
}

/** The status a StatusSvar or StatusEndring gives: true (J), false (N), undefined when it says neither. */
export function readDigitalStatus(msg: MsgHeadMessage): boolean | undefined {
  if (msg.msgType !== DIGITAL_USER_MSG_TYPE) return undefined;
  const notat = child(msg.documents.find((d) => d.kind === 'dialogmelding')?.el, 'Notat');
  const theme = codedOf(child(notat, 'TemaKodet'))?.v;
  return theme === 'J' ? true : theme === 'N' ? false : undefined;
}
