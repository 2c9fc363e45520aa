/**
 * The service bus's wire as Helsenorge.Messaging speaks it (docs/transport.md, "The service bus"):
 * queue names per HER-id, RabbitMQ's address forms, the properties every message carries, the
 * checks a received message must pass, and the error message a transport-level refusal becomes.
 * Pure functions over rhea's message shape; the connection lives in bus.ts.
 */

export type QueueKind = 'async' | 'sync' | 'syncreply' | 'error' | 'dl';

/** RabbitMQ's AMQP 1.0 addresses: v1 (`/exchange/…` to send, `/amq/queue/…` to receive, what Helsenorge.Messaging 7 sends) or v2 (`/queues/…`). */
export type AddressForm = 'v1' | 'v2';

/** The body's content type: CMS SignedData inside EnvelopedData. */
export const CMS_CONTENT_TYPE = 'application/pkcs7-mime; smime-type=signed-and-enveloped-data';

/** Time to live by queue kind: an asynchronous message keeps 4 days, a synchronous one the caller's 15 s. */
export const TTL_MS: Record<QueueKind, number> = {
  async: 4 * 24 * 3600_000,
  sync: 15_000,
  syncreply: 15_000,
  error: 4 * 24 * 3600_000,
  dl: 14 * 24 * 3600_000,
};

/** The subject of an application receipt (the message function Helsenorge.Messaging gives AppRecs). */
export const APPREC_SUBJECT = 'APPREC';

/**
 * A received message that kept failing, moved to the receiver's own `<HER-id>_dl` queue: the message
 * as it came (body, properties and application properties), with why it was given up, for an operator
 * to look at or put back. Helsenorge.Messaging's dead letters carry the same two fields.
 */
export function deadLetter(m: WireMessage, receiverHerId: number, reason: string, description: string, a: Addressing, tries: number): WireMessage {
  const { to: _to, ttl: _ttl, ...kept } = m;
  return {
    ...kept,
    to: sendAddress(queueName(receiverHerId, 'dl'), a),
    ttl: TTL_MS.dl,
    durable: true,
    application_properties: {
      ...m.application_properties,
      deadLetterReason: reason,
      deadLetterErrorDescription: description.slice(0, 1000),
      deliveryTries: tries,
    },
  };
}

export function queueName(herId: number | string, kind: QueueKind): string {
  return `${herId}_${kind}`;
}

/**
 * The queue name in an address the register publishes: its last path segment
 * (`sb.test.nhn.no/DigitalDialog/91468_async` → `91468_async`).
 */
export function queueNameFromRegister(address: string): string {
  const trimmed = address.trim();
  const name = trimmed.slice(trimmed.lastIndexOf('/') + 1);
  if (!name) throw new Error(`no queue name in the register's address "${address}"`);
  return name;
}

/** The HER-id and kind of one of the gateway's own queue names, or undefined for any other name. */
export function parseQueueName(name: string): { herId: number; kind: QueueKind } | undefined {
  const m = /^(\d{1,12})_(async|sync|syncreply|error|dl)$/.exec(name);
  return m ? { herId: Number(m[1]), kind: m[2] as QueueKind } : undefined;
}

export interface Addressing {
  form: AddressForm;
  /** v1 only: the exchange messages are published to (routing key = queue name) */
  exchange: string;
}

export function sendAddress(queue: string, a: Addressing): string {
  return a.form === 'v1' ? `/exchange/${a.exchange}/${queue}` : `/queues/${queue}`;
}

export function receiveAddress(queue: string, a: Addressing): string {
  return a.form === 'v1' ? `/amq/queue/${queue}` : `/queues/${queue}`;
}

/** rhea's message as the gateway writes and reads it. */
export interface WireMessage {
  message_id?: string | number | Buffer;
  correlation_id?: string | number | Buffer;
  subject?: string;
  to?: string;
  reply_to?: string;
  content_type?: string;
  ttl?: number;
  durable?: boolean;
  application_properties?: Record<string, unknown>;
  body?: unknown;
}

/** A business document (or AppRec) to put on the bus. */
export interface Outgoing {
  messageId: string;
  correlationId?: string;
  /** the message function, e.g. DIALOG_INNBYGGER_EKONTAKT, or APPREC */
  subject: string;
  fromHerId: number;
  toHerId: number;
  /** the receiver's queue name (from the register or the CPA) */
  queue: string;
  kind: QueueKind;
  /** where a synchronous answer goes (the sender's `_syncreply` queue) */
  replyTo?: string;
  cpaId?: string;
  /** the protected document */
  body: Buffer;
  at?: Date;
}

/** Helsenorge.Messaging writes timestamps as `yyyy-MM-ddTHH:mm:ssK` (UTC: `Z`). */
export function wireTimestamp(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** `dataSection` wraps the body as one AMQP data section (rhea.message.data_section). */
export function toWire(m: Outgoing, a: Addressing, dataSection: (b: Buffer) => unknown): WireMessage {
  return {
    message_id: m.messageId,
    ...(m.correlationId ? { correlation_id: m.correlationId } : {}),
    subject: m.subject,
    to: sendAddress(m.queue, a),
    ...(m.replyTo ? { reply_to: m.replyTo } : {}),
    content_type: CMS_CONTENT_TYPE,
    ttl: TTL_MS[m.kind],
    durable: true,
    application_properties: {
      fromHerId: String(m.fromHerId),
      toHerId: String(m.toHerId),
      ...(m.cpaId ? { cpaId: m.cpaId } : {}),
      applicationTimeStamp: wireTimestamp(m.at ?? new Date()),
    },
    body: dataSection(m.body),
  };
}

/** A received message that passed the transport checks. */
export interface Incoming {
  messageId: string;
  correlationId: string | undefined;
  subject: string;
  fromHerId: number;
  toHerId: number;
  cpaId: string | undefined;
  replyTo: string | undefined;
  applicationTimeStamp: string;
  contentType: string;
  body: Buffer;
}

/** The conditions a transport-level refusal names (Helsenorge.Messaging's error queue). */
export type ErrorCondition =
  | 'transport:invalid-field-value'
  | 'transport:not-well-formed-xml'
  | 'transport:unsupported-message'
  | 'transport:expired-certificate'
  | 'transport:revoked-certificate'
  | 'transport:invalid-certificate'
  | 'transport:unverified-certificate'
  | 'abuse:spoofing-attack'
  | 'transport:internal-error';

export interface Refused {
  condition: ErrorCondition;
  description: string;
  /** errorConditionData: the fields concerned, or expected and received values */
  data: string[];
}

function text(v: unknown): string | undefined {
  if (typeof v === 'string') return v.trim() === '' ? undefined : v;
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  return undefined;
}

function herIdOf(v: unknown): number | undefined {
  const s = text(v);
  return s && /^\d{1,12}$/.test(s) && Number(s) > 0 ? Number(s) : undefined;
}

/** The body's bytes, whichever way the sender wrote it (one data section, binary, or a string). */
export function bodyOf(body: unknown): Buffer | undefined {
  if (Buffer.isBuffer(body)) return body;
  if (body instanceof Uint8Array) return Buffer.from(body);
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body && typeof body === 'object') {
    const section = body as { content?: unknown; typecode?: number };
    if (Buffer.isBuffer(section.content)) return section.content;
    if (Array.isArray(section.content)) {
      const parts = section.content.map(bodyOf).filter((b): b is Buffer => b !== undefined);
      return parts.length > 0 ? Buffer.concat(parts) : undefined;
    }
  }
  return undefined;
}

/**
 * The checks Helsenorge.Messaging makes before a message reaches the application: the five fields
 * every message carries, a body, and a receiver that is one of ours. A failure is answered on the
 * sender's error queue; `ours` lists the HER-ids served on the queue it came from.
 */
export function readIncoming(m: WireMessage, ours: readonly number[]): { ok: Incoming } | { refused: Refused } {
  const props = m.application_properties ?? {};
  const fromHerId = herIdOf(props.fromHerId);
  const toHerId = herIdOf(props.toHerId);
  const subject = text(m.subject);
  const applicationTimeStamp = text(props.applicationTimeStamp);
  const contentType = text(m.content_type);
  const missing = [
    ...(fromHerId === undefined ? ['fromHerId'] : []),
    ...(toHerId === undefined ? ['toHerId'] : []),
    ...(subject === undefined ? ['subject'] : []),
    ...(applicationTimeStamp === undefined || Number.isNaN(Date.parse(applicationTimeStamp)) ? ['applicationTimeStamp'] : []),
    ...(contentType === undefined ? ['content-type'] : []),
  ];
  if (missing.length > 0)
    return { refused: { condition: 'transport:invalid-field-value', description: `Missing or invalid field(s): ${missing.join(', ')}`, data: missing } };
  if (!ours.includes(toHerId!))
    return {
      refused: {
        condition: 'transport:invalid-field-value',
        description: `toHerId ${toHerId} is not served on this queue`,
        data: [ours.join(','), String(toHerId)],
      },
    };
  const body = bodyOf(m.body);
  if (!body || body.length === 0) return { refused: { condition: 'transport:not-well-formed-xml', description: 'The message has no body', data: [] } };
  const messageId = text(m.message_id);
  return {
    ok: {
      messageId: messageId ?? '',
      correlationId: text(m.correlation_id),
      subject: subject!,
      fromHerId: fromHerId!,
      toHerId: toHerId!,
      cpaId: text(props.cpaId),
      replyTo: text(m.reply_to),
      applicationTimeStamp: applicationTimeStamp!,
      contentType: contentType!,
      body,
    },
  };
}

/** What the error message answers: the original's id, function and parties as far as they could be read. */
export interface ErrorFor {
  messageId: string;
  subject: string | undefined;
  fromHerId: number;
  toHerId: number | undefined;
}

/**
 * A transport-level refusal: a new message (not a copy of the original) on the sender's error queue,
 * going the other way (from the original's receiver to its sender), with a body (RabbitMQ 4.2
 * refuses AMQP messages without one).
 */
export function errorMessage(
  original: ErrorFor,
  refused: Refused,
  a: Addressing,
  dataSection: (b: Buffer) => unknown,
  newId: () => string,
  at = new Date(),
): WireMessage {
  return {
    message_id: newId(),
    ...(original.subject ? { subject: original.subject } : {}),
    to: sendAddress(queueName(original.fromHerId, 'error'), a),
    ttl: TTL_MS.error,
    durable: true,
    content_type: 'text/plain; charset=utf-8',
    application_properties: {
      ...(original.toHerId ? { fromHerId: String(original.toHerId) } : {}),
      toHerId: String(original.fromHerId),
      applicationTimeStamp: wireTimestamp(at),
      originalMessageId: original.messageId,
      receiverTimeStamp: wireTimestamp(at),
      errorCondition: refused.condition,
      errorDescription: refused.description,
      errorConditionData: refused.data.length > 0 ? refused.data.map((d) => `${d};`).join('') : 'None',
    },
    body: dataSection(Buffer.from(`${refused.condition}: ${refused.description}`, 'utf8')),
  };
}

/** An error message as the sender reads it off its `_error` queue. */
export interface ReceivedError {
  originalMessageId: string | undefined;
  errorCondition: string | undefined;
  errorDescription: string | undefined;
  errorConditionData: string | undefined;
  fromHerId: number | undefined;
  toHerId: number | undefined;
}

export function readError(m: WireMessage): ReceivedError {
  const p = m.application_properties ?? {};
  return {
    originalMessageId: text(p.originalMessageId),
    errorCondition: text(p.errorCondition),
    errorDescription: text(p.errorDescription),
    errorConditionData: text(p.errorConditionData),
    fromHerId: herIdOf(p.fromHerId),
    toHerId: herIdOf(p.toHerId),
  };
}

/**
 * The transport condition a protection refusal becomes on the bus, by the gateway's error code:
 * certificate faults name the certificate's state, a signer other than the sender is spoofing, a
 * refused cipher is an unsupported message, a body that is not CMS is not well-formed, and one not
 * encrypted to (or not opened by) the clinic's certificate is an invalid certificate.
 */
export function conditionOfRefusal(code: string | undefined, details: string): ErrorCondition {
  switch (code) {
    case 'CERT_REVOKED':
      return 'transport:revoked-certificate';
    case 'CERT_INVALID':
      return /expired/i.test(details) ? 'transport:expired-certificate' : 'transport:invalid-certificate';
    case 'CMS_SIGNER_MISMATCH':
      return 'abuse:spoofing-attack';
    case 'CMS_SIGNATURE_INVALID':
    case 'CMS_UNSIGNED':
      return 'transport:unverified-certificate';
    case 'CMS_WEAK_CIPHER':
      return 'transport:unsupported-message';
    case 'CMS_MALFORMED':
      return 'transport:not-well-formed-xml';
    case 'CMS_NOT_FOR_US':
    case 'CMS_DECRYPT_FAILED':
      return 'transport:invalid-certificate';
    default:
      return 'transport:internal-error';
  }
}
