import type { AppRecStatus } from '../../src/domain/codes.js';
import type { AppRecAnswer } from './mailbox.js';

/** What the citizen side keeps and answers with: messages sent, AppRecs received, clinics' answers. */

export interface CitizenAppRec {
  /** NHN's id of the citizen message it answers */
  nhnMessageId: string;
  /** NHN's id of the AppRec message */
  appRecMessageId: string;
  status: AppRecStatus;
  statusCode: string;
  errors: { code: string; details: string }[];
  xml: string;
  at: string;
}

export interface SentMessage {
  id: string;
  businessDocumentId: string | null;
  sentAt: string;
  /** the clinic it was sent to */
  clinicHerId: number;
}

/** Where a citizen message goes: `to` a clinic's HER-id; default the simulator's first clinic. */
export interface SendOptions {
  to?: number;
}

/** A clinic's HER-id the simulator does not serve. */
export class UnknownClinicError extends Error {}

export interface ClinicAnswer {
  nhnMessageId: string;
  /** the clinic that sent it (the sender HER-id's clinic) */
  clinicHerId: number;
  msgId: string | null;
  msgType: string | null;
  service: string | null;
  action: string | null;
  /** the MsgId of the citizen request it answers (ConversationRef), when given */
  refToParent: string | null;
  /** the office wrote first (BekreftTime, EndreTime, AvslutteTime, Henvendelse): its action answers nothing */
  startedByOffice: boolean;
  valid: boolean;
  /** how it was validated: the official schemas (the simulator has KITH_SCHEMA_DIR) or the own rules */
  schemaValidation: 'official' | 'own-rules';
  errors: { code: string; message: string }[];
  appRec: AppRecAnswer;
  xml: string;
  at: string;
}
