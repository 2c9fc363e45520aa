import type { AppRecInfo } from '../apprec-tracking.js';

/**
 * What the gateway needs of NHN's message service (or anything standing in for it): the inbound
 * side lists, fetches, answers and marks read; the outbound side sends and follows its messages.
 * Ids are NHN's message ids (a UUID per message and receiver), not KITH MsgIds.
 *
 * Every failure is thrown with `retryable` (another attempt could succeed) and `reason` (words for
 * the message history, e.g. "NHN answered 503"), so the queues decide on retries without knowing
 * which transport answered.
 */

export type { AppRecInfo };

/** A message waiting to be read, as the unread list gives it. */
export interface UnreadMessage {
  id: string;
  receiverHerId?: number | null;
}

/** A message's metadata at NHN. */
export interface MessageMetadata {
  id?: string | null;
  contentType?: string | null;
  receiverHerId?: number | null;
  senderHerId?: number | null;
  /** the MsgId in the business document */
  businessDocumentId?: string | null;
  businessDocumentGenDate?: string | null;
  isAppRec?: boolean | null;
}

/** The AppRec the gateway answers a received message with; status is code list 8258 (1 OK, 2 Avvist, 3 OK with error in part). */
export interface AppRecToSend {
  status: 1 | 2 | 3;
  errors: { errorCode: string; details: string }[];
}

/** A business document the clinic sends: the complete MsgHead document, UTF-8. */
export interface OutgoingDocument {
  msgId: string;
  xml: string;
  receiverHerId: number;
}

/** Transport state of a sent message, per receiver. */
export interface DeliveryStatus {
  receiverHerId: number;
  transportDeliveryState: 'Unconfirmed' | 'Acknowledged' | 'Rejected';
  appRecStatus: AppRecInfo['appRecStatus'];
}

export interface MessageTransport {
  listUnread(receiverHerId: number): Promise<UnreadMessage[]>;
  getMessage(id: string): Promise<MessageMetadata>;
  /** the document's bytes as the sender wrote them */
  getBusinessDocument(id: string): Promise<Buffer>;
  markRead(id: string, herId: number): Promise<void>;
  send(doc: OutgoingDocument): Promise<{ nhnMessageId: string }>;
  /** answers received message `id` with an AppRec from `senderHerId` (the clinic) */
  sendAppRec(id: string, senderHerId: number, appRec: AppRecToSend): Promise<void>;
  getStatus(id: string): Promise<DeliveryStatus[]>;
  getAppRecInfo(id: string): Promise<AppRecInfo[]>;
}

/** A transport failure as the queues read it. */
export interface TransportFailure {
  retryable: boolean;
  reason: string;
}
