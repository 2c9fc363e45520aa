import { EventEmitter } from 'node:events';
import type { AmqpBus } from '../../adapters/transport/amqp/bus.js';
import {
  APPREC_SUBJECT,
  queueName,
  readError,
  readIncoming,
  toWire,
  type QueueKind,
  type ReceivedError,
  type WireMessage,
} from '../../adapters/transport/amqp/wire.js';
import { isAppRecErrorCode } from '../../src/domain/codes.js';
import { actionOfMessage } from '../../src/kith/actions.js';
import { parseMessage } from '../../src/kith/parse.js';
import { calendarEvents, propertyValue } from '../../src/kith/xcal-read.js';
import { attrOf, child, children } from '../../src/kith/xml-tree.js';
import { isCms } from '../../src/trust/cms-protection.js';
import { agreementId } from '../ar-stand-in/cppa-answers.js';
import type { CitizenSide } from './citizen.js';
import type { CitizenCms } from './citizen-cms.js';
import type { ClinicDirectory } from './clinics.js';
import type { Mailbox, NhnAppRecStatus, StoredMessage } from './mailbox.js';

/**
 * The simulator as Helsenorge on the service bus (TRANSPORT=amqp): what the citizen side puts in the
 * mailbox for a clinic goes on the clinic's queue (a synchronous request on its `_sync` queue, with
 * Helsenorge's `_syncreply` queue to answer on), and what arrives on Helsenorge's queues comes back
 * into the mailbox as the REST service would have put it: a clinic's answer is judged and answered
 * with an AppRec, a clinic's AppRec is recorded on the message it answers, and a transport-level
 * refusal on Helsenorge's error queue is kept for the tester to see.
 */

/** What Helsenorge asks synchronously (an answer within 15 seconds on the `_syncreply` queue): free appointments and the communication test. */
export function isSynchronous(msgType: string | undefined, action: string | undefined): boolean {
  return (msgType === 'DIALOG_INNBYGGER_TIMERESERVASJON' && action === 'HentLedigeTimer') || msgType === 'DIALOG_INNBYGGER_TEST';
}

export interface BusBridgeOptions {
  bus: AmqpBus;
  mailbox: Mailbox;
  citizen: CitizenSide;
  clinics: ClinicDirectory;
  helsenorgeHerId: number;
  protection?: CitizenCms;
  /** whether a request goes on the clinic's `_sync` queue (default: HentLedigeTimer and the communication test) */
  synchronous?: (msgType: string | undefined, action: string | undefined) => boolean;
}

export interface BridgedError extends ReceivedError {
  at: string;
}

const NHN_STATUS: Record<string, NhnAppRecStatus> = { '1': 'Ok', '2': 'Rejected', '3': 'OkErrorInMessagePart' };

export class BusBridge {
  private readonly errorList: BridgedError[] = [];
  /** the mailbox id of each message put on the bus is its AMQP message id, so an AppRec's correlation id finds it */
  private readonly events = new EventEmitter();
  private readonly receivers: { close(): Promise<void> }[] = [];
  /** how the next citizen message goes out broken, for testers to see the clinic's error answer */
  private broken: 'plain' | undefined;
  /** when each synchronous request went on the bus, for the answer's time */
  private readonly syncSentAt = new Map<string, number>();
  private readonly cpaIds: { subject: string; fromHerId: number; cpaId: string | null }[] = [];

  constructor(private readonly options: BusBridgeOptions) {
    this.events.setMaxListeners(0);
  }

  start(): void {
    const { bus, helsenorgeHerId } = this.options;
    this.options.mailbox.onAdded((m) => {
      // after add() has returned, so the citizen side has noted what it wrote
      setImmediate(() => void this.publish(m).catch(() => undefined));
    });
    this.receivers.push(bus.receive(queueName(helsenorgeHerId, 'async'), (m) => this.fromClinic(m)));
    this.receivers.push(bus.receive(queueName(helsenorgeHerId, 'syncreply'), (m) => this.syncReply(m)));
    this.receivers.push(
      bus.receive(queueName(helsenorgeHerId, 'error'), async (m) => {
        const error = { ...readError(m), at: new Date().toISOString() };
        this.errorList.push(error);
        if (error.originalMessageId) {
          this.events.emit(`error:${error.originalMessageId}`, error);
          this.options.citizen.transportRefused(error.originalMessageId, {
            errorCondition: error.errorCondition ?? null,
            errorDescription: error.errorDescription ?? null,
            at: error.at,
          });
        }
        return 'accept';
      }),
    );
  }

  /** The next message to a clinic goes out broken: `plain` leaves its document unprotected (no CMS). */
  breakNext(how: 'plain'): void {
    this.broken = how;
  }

  /** The transport-level refusals Helsenorge got, oldest first. */
  errors(): BridgedError[] {
    return [...this.errorList];
  }

  errorFor(messageId: string): BridgedError | undefined {
    return this.errorList.find((e) => e.originalMessageId === messageId);
  }

  /** The cpaId of each message a clinic put on Helsenorge's queue, latest last (at most 200). */
  seenCpaIds(): readonly { subject: string; fromHerId: number; cpaId: string | null }[] {
    return this.cpaIds;
  }

  waitForError(messageId: string, timeoutMs: number): Promise<BridgedError | undefined> {
    const known = this.errorFor(messageId);
    if (known) return Promise.resolve(known);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.events.off(`error:${messageId}`, onError);
        resolve(undefined);
      }, timeoutMs);
      const onError = (e: BridgedError) => {
        clearTimeout(timer);
        resolve(e);
      };
      this.events.once(`error:${messageId}`, onError);
    });
  }

  /** Puts a message the citizen side added for a clinic on that clinic's queue. */
  private async publish(m: StoredMessage): Promise<void> {
    const { clinics, bus, protection, helsenorgeHerId } = this.options;
    if (m.senderHerId !== helsenorgeHerId) return;
    for (const receiverHerId of m.receivers.keys()) {
      const clinic = clinics.owning(receiverHerId);
      if (!clinic) continue;
      const plain = this.options.citizen.plainOf(m.id) ?? m.document;
      let body = m.document;
      // the citizen side writes its AppRecs in clear; on the bus every document is protected
      if (protection && !isCms(body)) body = protection.protect(body, clinic.certificates);
      if (this.broken === 'plain' && !m.isAppRec) {
        this.broken = undefined;
        body = plain;
      }
      const head = m.isAppRec ? undefined : msgTypeOf(plain);
      const sync = !m.isAppRec && (this.options.synchronous ?? isSynchronous)(head?.msgType, head?.action);
      const kind: QueueKind = sync ? 'sync' : 'async';
      if (sync) this.syncSentAt.set(m.id, Date.now());
      await bus.send(
        toWire(
          {
            messageId: m.id,
            subject: m.isAppRec ? APPREC_SUBJECT : (head?.msgType ?? 'DIALOG_INNBYGGER'),
            fromHerId: helsenorgeHerId,
            toHerId: receiverHerId,
            queue: queueName(receiverHerId, kind),
            kind,
            ...(sync ? { replyTo: queueName(helsenorgeHerId, 'syncreply') } : {}),
            // the agreement the register stand-in serves between Helsenorge and the clinic's HER-id
            cpaId: agreementId(String(helsenorgeHerId), String(receiverHerId)),
            body,
          },
          bus.addressing,
          (b) => bus.dataSection(b),
        ),
      );
    }
  }

  /** A clinic's message on Helsenorge's queue: its AppRec to a citizen message, or an answer. */
  private async fromClinic(wire: WireMessage): Promise<'accept'> {
    const { mailbox, citizen, helsenorgeHerId, protection, clinics } = this.options;
    const read = readIncoming(wire, [helsenorgeHerId]);
    if ('refused' in read) return 'accept';
    const m = read.ok;
    this.cpaIds.push({ subject: m.subject, fromHerId: m.fromHerId, cpaId: m.cpaId ?? null });
    if (this.cpaIds.length > 200) this.cpaIds.shift();
    if (m.subject === APPREC_SUBJECT) {
      const original = m.correlationId ? mailbox.get(m.correlationId) : undefined;
      const receiver = original?.receivers.get(m.fromHerId);
      if (!original || !receiver) return 'accept';
      const clinic = clinics.owning(m.fromHerId);
      let xml = m.body;
      if (protection) xml = await protection.open(m.body, clinic?.certificates);
      const doc = parseMessage(xml);
      if (doc.document !== 'AppRec') return 'accept';
      receiver.appRec = {
        status: NHN_STATUS[doc.status ?? ''] ?? 'Rejected',
        // the clinic's own words (OT) where it gave them, else the code's text, as NHN keeps them
        errors: children(doc.root, 'Error')
          .map((e) => ({ v: attrOf(e, 'V'), text: attrOf(e, 'OT') ?? attrOf(e, 'DN') ?? '' }))
          .filter((e) => e.v && isAppRecErrorCode(e.v))
          .map((e) => ({ errorCode: e.v!, details: e.text })),
        at: new Date().toISOString(),
      };
      citizen.appRecPosted(original, m.fromHerId, receiver.appRec);
      return 'accept';
    }
    const stored = mailbox.add({ senderHerId: m.fromHerId, receiverHerIds: [helsenorgeHerId], document: m.body });
    await citizen.clinicSent(stored);
    return 'accept';
  }

  /** A clinic's answer to a synchronous request: shown to the citizen at once, never answered with an AppRec. */
  private async syncReply(wire: WireMessage): Promise<'accept'> {
    const { citizen, protection, clinics, helsenorgeHerId } = this.options;
    const read = readIncoming(wire, [helsenorgeHerId]);
    if ('refused' in read || !read.ok.correlationId) return 'accept';
    const m = read.ok;
    const requestId = m.correlationId!;
    const sentAt = this.syncSentAt.get(requestId);
    this.syncSentAt.delete(requestId);
    const clinic = clinics.owning(m.fromHerId);
    let xml = m.body;
    if (protection) xml = await protection.open(m.body, clinic?.certificates);
    const doc = parseMessage(xml);
    const at = new Date();
    const base = { ms: sentAt ? at.getTime() - sentAt : -1, at: at.toISOString() };
    if (doc.document === 'AppRec') {
      citizen.syncAnswered(requestId, {
        action: 'APPREC',
        msgId: doc.id ?? null,
        appRec: {
          status: doc.status ?? '',
          errors: children(doc.root, 'Error').map((e) => ({ code: attrOf(e, 'V') ?? '', details: attrOf(e, 'OT') ?? attrOf(e, 'DN') ?? '' })),
        },
        ...base,
      });
    } else if (doc.document === 'MsgHead') {
      const calendar = doc.documents.find((d) => d.kind === 'xcal')?.el;
      citizen.syncAnswered(requestId, {
        action: actionOfMessage(doc) ?? 'unknown',
        msgId: doc.msgId ?? null,
        slots: calendar ? calendarEvents(calendar).map((e) => propertyValue(child(e, 'properties'), 'dtstart') ?? '') : [],
        ...base,
      });
    }
    return 'accept';
  }

  async stop(): Promise<void> {
    await Promise.all(this.receivers.splice(0).map((r) => r.close()));
  }
}

function msgTypeOf(document: Buffer): { msgType: string | undefined; action: string | undefined } | undefined {
  try {
    const doc = parseMessage(document);
    return doc.document === 'MsgHead' ? { msgType: doc.msgType, action: actionOfMessage(doc) } : undefined;
  } catch {
    return undefined;
  }
}
