/**
 * How a citizen's message reaches the EPJ. One adapter per way an EPJ integrates (folder, webhook,
 * pull); the clinic chooses in the settings. deliver() must be idempotent by MsgId: a job that is
 * handed out again after a crash must not create a second file or a second accepted webhook.
 */

export interface EpjDelivery {
  msgId: string;
  service: string;
  action?: string;
  /** the received MsgHead document, UTF-8, as the citizen's system sent it */
  xml: string;
  senderHerId?: number;
  receiverHerId: number;
  receivedAt: string;
  /** who acts for whom (a parent for a child, a proxy), when the message says so */
  representation?: Record<string, unknown>;
  /** what the clinic should look at before answering, e.g. `minor-without-relation` (docs/representation.md) */
  flags?: Record<string, unknown>[];
  /** it arrived while the office had closed the service: the reason, the date it expects to open, and the auto-answer sent */
  arrivedWhileClosed?: { reason: string; expectedOpen?: string; autoAnswerMsgId?: string };
}

/**
 * An AppRec's status in the words the EPJ API publishes (message records, status updates); the
 * message store maps the domain's code list 8258 names to these.
 */
export type EpjAppRecStatus = 'OK' | 'Rejected' | 'OkErrorInMessagePart';

/** The AppRec a message the clinic sent got, as the EPJ is told it and the message record keeps it. */
export interface EpjAppRecOutcome {
  status: EpjAppRecStatus;
  errors: { code: string; description?: string }[];
  receivedAt: string;
}

/** What became of a message the clinic sent: its AppRec, or that none came. */
export interface EpjStatusUpdate {
  msgId: string;
  state: string;
  appRec?: EpjAppRecOutcome;
  at: string;
}

export interface EpjDeliveryPort {
  readonly name: string;
  deliver(message: EpjDelivery): Promise<void>;
  /** tells the EPJ the outcome of a message it sent; pull EPJs ask GET /v1/messages/{msgId} instead */
  status?(update: EpjStatusUpdate): Promise<void>;
}
