import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { appRecStatusFromCode, isAppRecErrorCode } from '../../../src/domain/codes.js';
import { appRecVersionFor } from '../../../src/domain/services.js';
import { buildAppRec } from '../../../src/kith/apprec-build.js';
import { kithDateTime } from '../../../src/kith/date-time.js';
import { parseMessage } from '../../../src/kith/parse.js';
import type { MessageProtection, Refusal } from '../../../src/ports/message-protection.js';
import type {
  AppRecInfo,
  AppRecStatusValue,
  AppRecToSend,
  DeliveryStatus,
  MessageMetadata,
  MessageTransport,
  OutgoingDocument,
  UnreadMessage,
} from '../../../src/ports/transport.js';
import { redisKeys } from '../../../src/redis-keys.js';
import {
  APPREC_SUBJECT,
  conditionOfRefusal,
  errorMessage,
  queueName,
  queueNameFromRegister,
  toWire,
  type Addressing,
  type Incoming,
  type WireMessage,
} from './wire.js';

/**
 * The service bus behind the transport port, for one clinic. Where NHN's REST service keeps a
 * mailbox, the bus pushes: a received message is kept in Redis under the clinic's prefix from the
 * moment it is queued until its job marks it read, so the pipeline reads it by id as it reads a REST
 * message. Where NHN's REST service writes the AppRec document from the gateway's status, here the
 * transport writes it (KITH AppRec, protected like any document) and sends it to the sender's queue;
 * an AppRec received for one of the clinic's messages is noted by its original MsgId, so tracking
 * reads it as it reads NHN's AppRec info.
 */

/** What the transport needs of the bus connection (bus.ts). */
export interface BusSender {
  readonly addressing: Addressing;
  /** resolves when the broker accepted the message; throws a TransportFailure otherwise */
  send(message: WireMessage): Promise<void>;
  dataSection(body: Buffer): unknown;
}

/** A received message as kept until it is read. */
interface Kept {
  messageId: string;
  subject: string;
  fromHerId: number;
  toHerId: number;
  correlationId?: string;
  replyTo?: string;
  cpaId?: string;
  /** base64 */
  body: string;
}

interface NotedAppRec {
  receiverHerId: number;
  status: AppRecStatusValue;
  errors: { errorCode: string; details: string }[];
}

/** A received message is kept at most as long as the bus would have kept it. */
const KEEP_S = 4 * 24 * 3600;
/** A sent message's id and its AppRec are kept long enough for tracking's deadline. */
const TRACK_S = 30 * 24 * 3600;

export interface AmqpTransportOptions {
  herId: number;
  redis: Redis;
  /** the clinic's key prefix (`<QUEUE_PREFIX>:<HER-id>`) */
  prefix: string;
  bus: BusSender;
  /** the clinic's protection, for the AppRecs this transport writes */
  protection: MessageProtection;
  /**
   * The CPA's route for a message function and action to a party (src/registry/collaboration.ts):
   * its queue and the agreement's id. Undefined (no CPPA register, or neither agreement nor profile
   * names it): the party's `<HER-id>_async` queue and no cpaId.
   */
  routeOf?: (herId: number, msgType: string, action: string | undefined) => Promise<{ queue: string; cpaId?: string } | undefined>;
}

export class AmqpTransport implements MessageTransport {
  constructor(private readonly options: AmqpTransportOptions) {}

  private key(kind: 'in' | 'sent' | 'apprec', id: string): string {
    return redisKeys(this.options.prefix).amqp(kind, id);
  }

  private async routeOf(herId: number, msgType: string, action: string | undefined): Promise<{ queue: string; cpaId?: string }> {
    return (await this.options.routeOf?.(herId, msgType, action)) ?? { queue: queueName(herId, 'async') };
  }

  /** Keeps a received message under `id` until it is read; the receiver queues its job after this. */
  async keep(id: string, m: Incoming): Promise<void> {
    const kept: Kept = {
      messageId: m.messageId,
      subject: m.subject,
      fromHerId: m.fromHerId,
      toHerId: m.toHerId,
      ...(m.correlationId ? { correlationId: m.correlationId } : {}),
      ...(m.replyTo ? { replyTo: m.replyTo } : {}),
      ...(m.cpaId ? { cpaId: m.cpaId } : {}),
      body: m.body.toString('base64'),
    };
    await this.options.redis.set(this.key('in', id), JSON.stringify(kept), 'EX', KEEP_S);
  }

  private async kept(id: string): Promise<Kept> {
    const raw = await this.options.redis.get(this.key('in', id));
    if (!raw) throw Object.assign(new Error(`bus message ${id} is no longer kept`), { retryable: false, reason: 'the received message is gone' });
    return JSON.parse(raw) as Kept;
  }

  /** The bus pushes; nothing is listed. */
  listUnread(): Promise<UnreadMessage[]> {
    return Promise.resolve([]);
  }

  async getMessage(id: string): Promise<MessageMetadata> {
    const k = await this.kept(id);
    return {
      id,
      contentType: 'application/pkcs7-mime',
      receiverHerId: k.toHerId,
      senderHerId: k.fromHerId,
      isAppRec: k.subject === APPREC_SUBJECT,
    };
  }

  async getBusinessDocument(id: string): Promise<Buffer> {
    return Buffer.from((await this.kept(id)).body, 'base64');
  }

  async markRead(id: string): Promise<void> {
    await this.options.redis.del(this.key('in', id));
  }

  async send(doc: OutgoingDocument): Promise<{ nhnMessageId: string }> {
    const messageId = randomUUID();
    const subject = doc.subject ?? 'DIALOG_INNBYGGER';
    const route = await this.routeOf(doc.receiverHerId, subject, doc.action);
    await this.options.redis.set(this.key('sent', messageId), doc.msgId, 'EX', TRACK_S);
    await this.options.bus.send(
      toWire(
        {
          messageId,
          subject,
          fromHerId: this.options.herId,
          toHerId: doc.receiverHerId,
          queue: route.queue,
          kind: 'async',
          ...(route.cpaId ? { cpaId: route.cpaId } : {}),
          body: doc.document,
        },
        this.options.bus.addressing,
        (b) => this.options.bus.dataSection(b),
      ),
    );
    return { nhnMessageId: messageId };
  }

  /**
   * Answers received message `id` with a KITH AppRec from the clinic: parties swapped, the original's
   * MsgId and type from `original` (the opened document) when it could be read, protected to the
   * sender and put on the sender's queue with the original's message id as correlation id.
   */
  async sendAppRec(id: string, senderHerId: number, appRec: AppRecToSend, original?: Buffer): Promise<void> {
    const k = await this.kept(id);
    const head = original ? msgHeadOf(original) : undefined;
    const now = new Date();
    const xml = buildAppRec({
      version: appRecVersionFor(head?.msgType),
      status: appRec.status,
      errors: appRec.errors.filter((e) => isAppRecErrorCode(e.errorCode)).map((e) => ({ code: e.errorCode as never, message: e.details })),
      genDate: now,
      sender: { herId: String(senderHerId) },
      receiver: { herId: String(k.fromHerId) },
      original: { msgType: head?.msgType ?? 'UKJENT', issueDate: head?.genDate ?? kithDateTime(now), id: head?.msgId || k.messageId || 'ukjent' },
    });
    const body = await this.options.protection.protect(Buffer.from(xml, 'utf8'), k.fromHerId);
    await this.options.bus.send(
      toWire(
        {
          messageId: randomUUID(),
          correlationId: k.messageId,
          subject: APPREC_SUBJECT,
          fromHerId: senderHerId,
          toHerId: k.fromHerId,
          // the receipt goes on the channel the CPA names for APPREC in the original's process
          queue: (await this.routeOf(k.fromHerId, head?.msgType ?? k.subject, APPREC_SUBJECT)).queue,
          kind: 'async',
          ...(k.cpaId ? { cpaId: k.cpaId } : {}),
          body,
        },
        this.options.bus.addressing,
        (b) => this.options.bus.dataSection(b),
      ),
    );
  }

  /** A transport-level refusal of received message `id`: an error message on its sender's error queue. */
  async refuse(id: string, refusal: Refusal): Promise<void> {
    await this.refuseMessage(await this.kept(id), refusal);
  }

  private async refuseMessage(m: { messageId: string; subject: string; fromHerId: number; toHerId: number }, refusal: Refusal): Promise<void> {
    await this.options.bus.send(
      errorMessage(
        { messageId: m.messageId, subject: m.subject, fromHerId: m.fromHerId, toHerId: m.toHerId },
        { condition: conditionOfRefusal(refusal.code, refusal.details), description: refusal.details, data: refusal.code ? [refusal.code] : [] },
        this.options.bus.addressing,
        (b) => this.options.bus.dataSection(b),
        randomUUID,
      ),
    );
  }

  /**
   * Answers a synchronous request at once, outside the queues (the caller waits 15 seconds): opened
   * and checked like any message (a refusal goes to the sender's error queue), answered by `answer`,
   * protected to the sender, and put on the request's reply-to queue (the sender's `_syncreply` when
   * it names none) with the request's message id as correlation id. Returns the answer, or undefined
   * when the request was refused at the transport level.
   */
  async answerSynchronously<A extends { subject: string; xml: string }>(m: Incoming, answer: (opened: Buffer) => Promise<A>): Promise<A | undefined> {
    const opened = await this.options.protection.unprotect(m.body, m.fromHerId);
    if ('refused' in opened) {
      await this.refuseMessage(m, opened.refused);
      return undefined;
    }
    const result = await answer(opened.document);
    const body = await this.options.protection.protect(Buffer.from(result.xml, 'utf8'), m.fromHerId);
    await this.options.bus.send(
      toWire(
        {
          messageId: randomUUID(),
          correlationId: m.messageId,
          subject: result.subject,
          fromHerId: m.toHerId,
          toHerId: m.fromHerId,
          queue: m.replyTo ? queueNameFromRegister(m.replyTo) : queueName(m.fromHerId, 'syncreply'),
          kind: 'syncreply',
          ...(m.cpaId ? { cpaId: m.cpaId } : {}),
          body,
        },
        this.options.bus.addressing,
        (b) => this.options.bus.dataSection(b),
      ),
    );
    return result;
  }

  /** An AppRec received for one of the clinic's messages (the opened document): noted for tracking by its original MsgId. */
  async noteAppRec(id: string, opened: Buffer): Promise<void> {
    const k = await this.kept(id);
    let doc;
    try {
      doc = parseMessage(opened);
    } catch {
      return;
    }
    if (doc.document !== 'AppRec' || !doc.originalMsgId?.id) return;
    const status = appRecStatusFromCode(doc.status ?? '') ?? 'Avvist';
    const noted: NotedAppRec = {
      receiverHerId: k.fromHerId,
      status: status,
      errors: doc.errors.map((e) => ({ errorCode: e.v ?? '', details: e.dn ?? '' })),
    };
    await this.options.redis.set(this.key('apprec', doc.originalMsgId.id), JSON.stringify(noted), 'EX', TRACK_S);
  }

  /** The AppRec noted for a message the clinic sent, by the id send() gave it. */
  private async noted(nhnMessageId: string): Promise<NotedAppRec | undefined> {
    const msgId = await this.options.redis.get(this.key('sent', nhnMessageId));
    const raw = msgId ? await this.options.redis.get(this.key('apprec', msgId)) : null;
    return raw ? (JSON.parse(raw) as NotedAppRec) : undefined;
  }

  async getAppRecInfo(id: string): Promise<AppRecInfo[]> {
    const appRec = await this.noted(id);
    if (!appRec) return [{ receiverHerId: 0, appRecStatus: null }];
    return [
      {
        receiverHerId: appRec.receiverHerId,
        appRecStatus: appRec.status,
        appRecErrorList: appRec.errors.map((e) => ({ errorCode: e.errorCode, details: e.details })),
      },
    ];
  }

  async getStatus(id: string): Promise<DeliveryStatus[]> {
    const appRec = await this.noted(id);
    return [{ receiverHerId: appRec?.receiverHerId ?? 0, transportDeliveryState: 'Acknowledged', appRecStatus: appRec?.status ?? null }];
  }
}

function msgHeadOf(document: Buffer) {
  try {
    const doc = parseMessage(document);
    return doc.document === 'MsgHead' ? doc : undefined;
  } catch {
    return undefined;
  }
}
