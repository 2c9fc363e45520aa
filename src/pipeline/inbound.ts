import { DelayedError, Worker, type Job, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { AuditLog } from '../audit/audit-log.js';
import type { GatedService } from '../gate/gate-state.js';
import type { ServiceGate } from '../gate/service-gate.js';
import type { Logger } from '../logging.js';
import type { AppRecStatus } from '../domain/codes.js';
import type { PipelineMetrics } from '../metrics.js';
import type { MessageProtection, Refusal } from '../ports/message-protection.js';
import type { AppRecToSend, MessageMetadata, MessageTransport } from '../ports/transport.js';
import type { ArrivedWhileClosed, DeliveryJobData, SealedDelivery } from './delivery-job.js';
import type { JobCrypto } from './job-crypto.js';
import type { MessageStore } from './message-store.js';
import { awaitsOfficeAnswer, type OpenRequests } from './open-requests.js';
import type { CommunicationTests } from './communication-tests.js';
import { COMMUNICATION_TEST } from '../domain/services.js';
import type { WorkerSupervisor } from './worker-supervisor.js';
import { RECOVERY } from './worker-supervisor.js';
import { whileRedisIsDown } from './redis-wait.js';
import type { DeliveryOrder } from './epj-delivery.js';
import type { ReceivedAppRecs } from './received-apprecs.js';

/**
 * The inbound side. For each unread message at NHN the worker fetches the document, opens it (the
 * message-protection port: a fault the sender must fix is refused with an AppRec), judges it,
 * hands an accepted one to the EPJ delivery queue, sends the AppRec, and only then marks the
 * message read at NHN. A crash at any step leaves the message unread at NHN or in a queue here:
 * never lost, never acknowledged before it is safe.
 */

/** What the inbound side needs of the transport. */
export interface InboundTransport extends Pick<MessageTransport, 'refuse' | 'noteAppRec' | 'getStatus'> {
  getMessage(id: string): Promise<Pick<MessageMetadata, 'isAppRec' | 'senderHerId' | 'businessDocumentId'>>;
  getBusinessDocument(id: string): Promise<Buffer>;
  sendAppRec(id: string, senderHerId: number, appRec: AppRecToSend, original?: Buffer): Promise<void>;
  markRead(id: string, herId: number): Promise<void>;
}

/** The KITH layer's judgement of a received document (ids and codes only). */
export interface InboundVerdict {
  accepted: boolean;
  msgId?: string;
  service?: GatedService;
  action?: string;
  msgType?: string;
  senderHerId?: number;
  /** the patient's national id: used in memory to order deliveries, never stored in clear */
  patientId?: string;
  /** who acts for whom, when the message carries a patient relation */
  representation?: Record<string, unknown>;
  /** what the clinic should look at before answering (src/domain/representation.ts) */
  flags?: Record<string, unknown>[];
  appRecStatus: AppRecStatus;
  errors: { errorCode: string; details: string }[];
}

export type JudgeFn = (document: Buffer) => InboundVerdict | Promise<InboundVerdict>;

export interface InboundJobData {
  nhnMessageId: string;
  receiverHerId: number;
  /** the message's metadata as the unread list gave it (ids only); without it the job asks NHN */
  metadata?: Pick<MessageMetadata, 'isAppRec' | 'senderHerId' | 'businessDocumentId'>;
  /** set once the AppRec is sent, so a retry never sends a second one */
  appRecSent?: boolean;
}

export interface InboundDeps {
  transport: InboundTransport;
  judge: JudgeFn;
  delivery: Queue;
  order: DeliveryOrder;
  store: MessageStore;
  /** the office's worklist: a request it must answer joins it */
  requests?: Pick<OpenRequests, 'opened'>;
  /** a communication test is answered with its Svar, and the Svar to the clinic's own is noted */
  communicationTest?: Pick<CommunicationTests, 'received'>;
  crypto: JobCrypto;
  gate: Pick<ServiceGate, 'isOpen' | 'current'> & Partial<Pick<ServiceGate, 'closedByOffice'>>;
  /**
   * answers a request at once while the office has closed its service (and nothing else has):
   * returns the answer's MsgId, or undefined when the request's answer needs more than text
   */
  autoAnswer?: (
    request: Buffer,
    service: GatedService,
    office: { autoAnswer?: string; expectedOpen?: string },
    senderHerId: number | undefined,
    at: Date,
  ) => Promise<string | undefined>;
  audit: AuditLog;
  logger: Logger;
  /** how long a message of a closed service waits before the gate is asked again */
  gateRecheckMs: number;
  /** opens what the sender protected (cms) or takes it as it came (none); throws when the message should wait */
  protection: MessageProtection;
  metrics?: PipelineMetrics;
  /** where each received AppRec's NHN id is noted (not fetched), for an outbound job that cannot tell whether its send reached NHN */
  receivedAppRecs?: Pick<ReceivedAppRecs, 'note'>;
}

const refusedVerdict = (error: Refusal): InboundVerdict => ({ accepted: false, appRecStatus: 'Avvist', errors: [error] });

export function inboundProcessor(deps: InboundDeps) {
  return async (job: Job<InboundJobData>, token?: string): Promise<string> => {
    const { nhnMessageId, receiverHerId } = job.data;
    // An AppRec to one of our messages: tracking reads its outcome; it is never answered. A
    // transport that carries AppRecs as documents (the service bus) is given it to track by.
    const appRecReceived = async (fetched: Buffer | undefined, senderHerId: number | null | undefined) => {
      if (deps.transport.noteAppRec) {
        const appRec = await deps.protection.unprotect(fetched ?? (await deps.transport.getBusinessDocument(nhnMessageId)), senderHerId);
        if ('document' in appRec) await deps.transport.noteAppRec(nhnMessageId, appRec.document);
      } else {
        // NHN keeps it, read or not: its id (one write, no fetch) is enough to open it later, if ever needed
        await deps.receivedAppRecs?.note(nhnMessageId);
      }
      await deps.transport.markRead(nhnMessageId, receiverHerId);
      return 'apprec-received';
    };
    // The metadata comes with the job when the unread list carried it: no call to NHN for it, and
    // none for an AppRec's document, which only the service bus reads.
    const listed = job.data.metadata;
    if (listed?.isAppRec) return await appRecReceived(undefined, listed.senderHerId);
    // Else metadata and document together: one round trip's wait instead of two (an AppRec's small
    // document is fetched for nothing, which costs less than waiting twice for every request).
    const [meta, fetched] = await Promise.all([listed ?? deps.transport.getMessage(nhnMessageId), deps.transport.getBusinessDocument(nhnMessageId)]);
    if (meta.isAppRec) return await appRecReceived(fetched, meta.senderHerId);
    const opened = await deps.protection.unprotect(fetched, meta.senderHerId);
    if ('refused' in opened && deps.transport.refuse) {
      // the service bus answers a fault of the sender's certificate or envelope on its error queue, not with an AppRec
      await deps.transport.refuse(nhnMessageId, opened.refused);
      await deps.transport.markRead(nhnMessageId, receiverHerId);
      const msgId = `nhn:${nhnMessageId}`;
      await deps.store.addHistory(msgId, {
        event: 'receive',
        outcome: 'failed',
        reason: `refused on the error queue: ${opened.refused.code ?? opened.refused.errorCode}`,
      });
      await deps.audit.record({ actor: 'system', action: 'message.received', msgId, outcome: `refused:${opened.refused.code ?? opened.refused.errorCode}` });
      deps.metrics?.countMessage('in', undefined, 'rejected');
      return 'rejected';
    }
    const document = 'refused' in opened ? fetched : opened.document;
    const verdict = 'refused' in opened ? refusedVerdict(opened.refused) : await deps.judge(document);
    const msgId = verdict.msgId ?? `nhn:${nhnMessageId}`;

    // closed by the office itself: the request is taken, delivered marked, and answered at once
    const office =
      verdict.service && verdict.accepted && deps.autoAnswer && !deps.gate.isOpen(verdict.service) ? deps.gate.closedByOffice?.(verdict.service) : undefined;
    if (verdict.service && !deps.gate.isOpen(verdict.service) && !office) {
      const reasons = deps.gate
        .current()
        .services[verdict.service].reasons.map((r) => r.code)
        .join(', ');
      await deps.store.addHistory(msgId, { event: 'receive', outcome: 'waiting', reason: `gate closed: ${reasons}` });
      await job.moveToDelayed(Date.now() + deps.gateRecheckMs, token);
      throw new DelayedError();
    }

    const receivedAt = new Date().toISOString();
    let toDeliver: DeliveryJobData | undefined;
    // the patient's keyed hash: orders the EPJ deliveries, and is noted with the record so a purge by patient finds this message
    const patientRef = verdict.accepted && verdict.msgId && verdict.patientId ? deps.crypto.pseudonym(verdict.patientId) : undefined;
    if (verdict.accepted && verdict.service && verdict.msgId) {
      const sealed = deps.crypto.seal(
        {
          xml: document.toString('utf8'),
          receiverHerId,
          receivedAt,
          ...(verdict.senderHerId ? { senderHerId: verdict.senderHerId } : {}),
          ...(verdict.representation ? { representation: verdict.representation } : {}),
          ...(verdict.flags ? { flags: verdict.flags } : {}),
          ...(office
            ? { arrivedWhileClosed: await answerWhileClosed(deps, document, verdict.service, office, verdict.senderHerId, new Date(job.timestamp)) }
            : {}),
        } satisfies SealedDelivery,
        verdict.msgId,
      );
      await deps.store.putDocument(verdict.msgId, sealed);
      const data: DeliveryJobData = { msgId: verdict.msgId, service: verdict.service, ...(verdict.action ? { action: verdict.action } : {}), sealed };
      if (patientRef) {
        data.patientRef = patientRef;
        data.sequence = await deps.order.numberFor(patientRef, verdict.msgId);
      }
      toDeliver = data;
    }
    const { created, record } = await deps.store.create({
      msgId,
      direction: 'inbound',
      service: verdict.service ?? (verdict.msgType === COMMUNICATION_TEST.msgType ? 'communication-test' : 'unknown'),
      ...(verdict.action ? { action: verdict.action } : {}),
      state: verdict.accepted ? 'received' : 'rejected',
      origin: `her:${verdict.senderHerId ?? meta.senderHerId ?? 'unknown'}`,
      nhnMessageId,
      ...(patientRef ? { patientRef } : {}),
    });
    // counted once per message: epj_gateway_messages_total{outcome="flagged-<code>"}, no ids
    if (created && verdict.accepted) for (const flag of verdict.flags ?? []) deps.metrics?.countMessage('in', verdict.service, `flagged-${String(flag.code)}`);
    if (verdict.accepted && verdict.msgId && deps.requests && verdict.service && awaitsOfficeAnswer(verdict.service, verdict.action))
      await deps.requests.opened({
        msgId: verdict.msgId,
        service: verdict.service,
        action: verdict.action!,
        receivedAt: record.createdAt,
        representation: verdict.representation !== undefined,
      });
    // Only now to the EPJ: the record and the open request are there before the EPJ can see the
    // request, so an answer to it is never refused as unknown (a process that died in between
    // delivered a request the gateway did not know until the job was taken up again).
    if (toDeliver) {
      await deps.delivery.add('deliver', toDeliver, { jobId: toDeliver.msgId, attempts: 1_000, backoff: { type: 'exponential', delay: 2_000 } });
      // The job was added when the message was taken from NHN.
      deps.metrics?.observeProcessing('inbound', toDeliver.service, job.timestamp);
    }
    // queued (the Svar) or noted before the AppRec goes and the message is marked read: a crash repeats it, once
    if (verdict.accepted && verdict.msgType === COMMUNICATION_TEST.msgType && deps.communicationTest)
      await deps.communicationTest.received(document, verdict.senderHerId ?? meta.senderHerId ?? undefined);

    // The record was there already: an earlier attempt got this far and may have sent the AppRec
    // before its process died, short of noting it. NHN's status of the message tells whether the
    // clinic's AppRec is there (a second one would reach the citizen's sender twice); only asked on
    // such a repeat, never on the first attempt.
    if (!job.data.appRecSent && !created && (await appRecAtNhn(deps.transport, nhnMessageId, receiverHerId))) {
      await whileRedisIsDown(() => job.updateData({ ...job.data, appRecSent: true }), deps.logger, { msgId, step: 'apprec-found' });
    }
    if (!job.data.appRecSent) {
      await deps.transport.sendAppRec(nhnMessageId, receiverHerId, { status: verdict.appRecStatus, errors: verdict.errors }, document);
      // sent: from here Redis away for a moment is waited out, not a failed job that would send it again
      await whileRedisIsDown(() => job.updateData({ ...job.data, appRecSent: true }), deps.logger, { msgId, step: 'apprec-sent' });
      deps.metrics?.countAppRec(
        'sent',
        verdict.appRecStatus,
        verdict.errors.map((e) => e.errorCode),
      );
    }
    await deps.transport.markRead(nhnMessageId, receiverHerId);

    const codes = verdict.errors.map((e) => e.errorCode).join(',');
    await deps.store.addHistory(msgId, {
      event: 'receive',
      outcome: verdict.accepted ? 'ok' : 'failed',
      reason: verdict.accepted ? `AppRec OK sent${created ? '' : ' (repeat of a message already received)'}` : `AppRec Avvist sent: ${codes}`,
    });
    await deps.audit.record({
      actor: 'system',
      action: 'message.received',
      msgId,
      ...(verdict.service ? { service: verdict.service } : {}),
      outcome: verdict.accepted ? 'accepted' : `rejected:${codes}`,
    });
    deps.metrics?.countMessage('in', verdict.service, verdict.accepted ? 'accepted' : 'rejected');
    return verdict.accepted ? 'accepted' : 'rejected';
  };
}

/** Whether NHN has the clinic's AppRec to received message `nhnMessageId` already (its status names it per receiver). */
async function appRecAtNhn(transport: Pick<MessageTransport, 'getStatus'>, nhnMessageId: string, receiverHerId: number): Promise<boolean> {
  const statuses = await transport.getStatus(nhnMessageId);
  return statuses.some((s) => s.receiverHerId === receiverHerId && s.appRecStatus !== null && s.appRecStatus !== undefined);
}

export function addInboundWorker(
  supervisor: WorkerSupervisor,
  options: { connection: Redis; prefix: string; concurrency: number },
  processor: ReturnType<typeof inboundProcessor>,
): void {
  supervisor.add(
    'inbound',
    () => new Worker('inbound', processor, { connection: options.connection, prefix: options.prefix, concurrency: options.concurrency, ...RECOVERY }),
  );
}

/** The auto-answer to a request that came while the office had closed its service, and the mark its EPJ delivery carries. */
async function answerWhileClosed(
  deps: InboundDeps,
  request: Buffer,
  service: GatedService,
  office: { reason: { message: string }; autoAnswer?: string; expectedOpen?: string },
  senderHerId: number | undefined,
  at: Date,
): Promise<ArrivedWhileClosed> {
  const answered = await deps.autoAnswer!(request, service, office, senderHerId, at);
  return {
    reason: office.reason.message,
    ...(office.expectedOpen ? { expectedOpen: office.expectedOpen } : {}),
    ...(answered ? { autoAnswerMsgId: answered } : {}),
  };
}
