/**
 * What the gateway needs of NHN's message service (or anything standing in for it): the inbound
 * side lists, fetches, answers and marks read; the outbound side sends and follows its messages.
 * Ids are NHN's message ids (a UUID per message and receiver), not KITH MsgIds. The transport only
 * moves bytes: protecting a document (ports/message-protection.ts) is the pipeline's step.
 *
 * Every failure is thrown with `retryable` and `reason` (TransportFailure), so the queues decide on
 * retries without knowing which transport answered.
 */

/**
 * Code list 8258 as the domain names it (src/domain/codes.ts AppRecStatus); spelled out here
 * because a port imports nothing. The adapter maps NHN's words (Ok, Rejected, OkErrorInMessagePart).
 */
export type AppRecStatusValue = 'OK' | 'Avvist' | 'OK, feil i delmelding';

/** A message waiting to be read, as the unread list gives it. */
export interface UnreadMessage {
  id: string;
  receiverHerId?: number | null;
  /** what the inbound job would otherwise ask for message by message, when the list carries it */
  metadata?: InboundMetadata;
}

/** The metadata the inbound side routes a message by. */
export interface InboundMetadata {
  isAppRec: boolean;
  senderHerId?: number;
  /** the MsgId in the business document */
  businessDocumentId?: string;
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

/** The AppRec the gateway answers a received message with. */
export interface AppRecToSend {
  status: AppRecStatusValue;
  errors: { errorCode: string; details: string }[];
}

/** A sent message's AppRec, per receiver; status null while none has come. */
export interface AppRecInfo {
  receiverHerId: number;
  appRecStatus: AppRecStatusValue | null;
  appRecErrorList?: { errorCode: string | null; details?: string | null; description?: string | null }[] | null;
}

/** A business document the clinic sends: the complete MsgHead document as it goes on the wire (protected or plain). */
export interface OutgoingDocument {
  msgId: string;
  document: Buffer;
  receiverHerId: number;
  /** the message function (MsgHead's MsgType), which the service bus carries as the subject */
  subject?: string;
  /** the CPA action (e.g. Svar, SvarLedigeTimer): the service bus takes the receiver's queue for it from the CPA */
  action?: string;
}

/** Transport state of a sent message, per receiver. */
export interface DeliveryStatus {
  receiverHerId: number;
  transportDeliveryState: 'Unconfirmed' | 'Acknowledged' | 'Rejected';
  appRecStatus: AppRecStatusValue | null;
}

export interface MessageTransport {
  listUnread(receiverHerId: number): Promise<UnreadMessage[]>;
  getMessage(id: string): Promise<MessageMetadata>;
  /** the document's bytes as the sender wrote them (protected or plain) */
  getBusinessDocument(id: string): Promise<Buffer>;
  markRead(id: string, herId: number): Promise<void>;
  send(doc: OutgoingDocument): Promise<{ nhnMessageId: string }>;
  /**
   * answers received message `id` with an AppRec from `senderHerId` (the clinic); `original` is the
   * opened document, for a transport that writes the AppRec document itself (the service bus)
   */
  sendAppRec(id: string, senderHerId: number, appRec: AppRecToSend, original?: Buffer): Promise<void>;
  getStatus(id: string): Promise<DeliveryStatus[]>;
  getAppRecInfo(id: string): Promise<AppRecInfo[]>;
  /**
   * A transport with its own answer to a protection refusal (the service bus's error queue) gives it
   * here instead of an AppRec; without it the refusal is answered with an AppRec carrying its code.
   */
  refuse?(id: string, refusal: { code?: string; errorCode: string; details: string }): Promise<void>;
  /** A transport that carries AppRecs as documents is given each received one, opened, to track by. */
  noteAppRec?(id: string, opened: Buffer): Promise<void>;
}

/** A fault from the far side, as the queues read it. */
export interface TransportFailure {
  /** another attempt could succeed */
  retryable: boolean;
  /** words for the history and the operator, e.g. "NHN answered 503" */
  reason: string;
  /** a send that went out whole and whose answer did not come back: the far side may have taken it */
  maybeDelivered?: boolean;
}
