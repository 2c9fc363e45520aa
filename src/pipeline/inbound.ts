import { DelayedError, Worker, type Job, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { AuditLog } from '../audit/audit-log.js';
import type { GatedService } from '../gate/gate-state.js';
import type { ServiceGate } from '../gate/service-gate.js';
import type { Logger } from '../logging.js';
import type { AppRecStatusName, PipelineMetrics } from '../metrics.js';
import type { JobCrypto, SealedPayload } from './job-crypto.js';
import type { MessageStore } from './message-store.js';
import type { WorkerSupervisor } from './worker-supervisor.js';
import { RECOVERY } from './worker-supervisor.js';
import type { DeliveryOrder } from './epj-delivery.js';

/**
 * The inbound side. For each unread message at NHN the worker fetches the document, judges it,
 * hands an accepted one to the EPJ delivery queue, sends the AppRec, and only then marks the
 * message read at NHN. A crash at any step leaves the message unread at NHN or in a queue here:
 * never lost, never acknowledged before it is safe.
 */

/** What the inbound side needs of the transport. */
export interface InboundTransport {
  getMessage(id: string): Promise<{ isAppRec?: boolean | null; senderHerId?: number | null; businessDocumentId?: string | null }>;
  getBusinessDocument(id: string): Promise<Buffer>;
  sendAppRec(id: string, senderHerId: number, appRec: { status: 1 | 2 | 3; errors: { errorCode: string; details: string }[] }): Promise<void>;
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
  /** AppRec status, code list 8258: 1 OK, 2 Avvist, 3 OK with error in part */
  appRecStatus: 1 | 2 | 3;
  errors: { errorCode: string; details: string }[];
}

export type JudgeFn = (document: Buffer) => InboundVerdict | Promise<InboundVerdict>;

export interface InboundJobData {
  nhnMessageId: string;
  receiverHerId: number;
  /** set once the AppRec is sent, so a retry never sends a second one */
  appRecSent?: boolean;
}

/** What the EPJ delivery queue holds: ids in clear, the document sealed. */
export interface DeliveryJobData {
  msgId: string;
  service: GatedService;
  action?: string;
  sealed: SealedPayload;
  /** keyed hash of the patient's national id: orders delivery per patient without naming them */
  patientRef?: string;
  /** this message's place in its patient's sequence */
  sequence?: number;
}

export interface SealedDelivery {
  xml: string;
  senderHerId?: number;
  receiverHerId: number;
  receivedAt: string;
  representation?: Record<string, unknown>;
}

export interface InboundDeps {
  transport: InboundTransport;
  judge: JudgeFn;
  delivery: Queue;
  order: DeliveryOrder;
  store: MessageStore;
  crypto: JobCrypto;
  gate: Pick<ServiceGate, 'isOpen' | 'current'>;
  audit: AuditLog;
  logger: Logger;
  /** how long a message of a closed service waits before the gate is asked again */
  gateRecheckMs: number;
  /**
   * Opens a protected (signed, encrypted) document: its content, or the AppRec error that refuses
   * it. Throws when the message should wait (the register or the CRL host unreachable).
   */
  open?: (document: Buffer, senderHerId: number | null | undefined) => Promise<{ document: Buffer } | { refused: { errorCode: string; details: string } }>;
  metrics?: PipelineMetrics;
}

const APPREC_STATUS_NAME: Record<InboundVerdict['appRecStatus'], AppRecStatusName> = { 1: 'OK', 2: 'Rejected', 3: 'OkErrorInMessagePart' };

const refusedVerdict = (error: { errorCode: string; details: string }): InboundVerdict => ({ accepted: false, appRecStatus: 2, errors: [error] });

export function inboundProcessor(deps: InboundDeps) {
  return async (job: Job<InboundJobData>, token?: string): Promise<string> => {
    const { nhnMessageId, receiverHerId } = job.data;
    // Metadata and document together: one round trip's wait instead of two (an AppRec's small
    // document is fetched for nothing, which costs less than waiting twice for every request).
    const [meta, fetched] = await Promise.all([deps.transport.getMessage(nhnMessageId), deps.transport.getBusinessDocument(nhnMessageId)]);
    if (meta.isAppRec) {
      // An AppRec to one of our messages: tracking reads its outcome; it is never answered.
      await deps.transport.markRead(nhnMessageId, receiverHerId);
      return 'apprec-received';
    }
    let document = fetched;
    let verdict: InboundVerdict | undefined;
    if (deps.open) {
      const opened = await deps.open(document, meta.senderHerId);
      if ('refused' in opened) verdict = refusedVerdict(opened.refused);
      else document = opened.document;
    }
    verdict ??= await deps.judge(document);
    const msgId = verdict.msgId ?? `nhn:${nhnMessageId}`;

    if (verdict.service && !deps.gate.isOpen(verdict.service)) {
      const reasons = deps.gate
        .current()
        .services[verdict.service].reasons.map((r) => r.code)
        .join(', ');
      await deps.store.addHistory(msgId, { event: 'receive', outcome: 'waiting', reason: `gate closed: ${reasons}` });
      await job.moveToDelayed(Date.now() + deps.gateRecheckMs, token);
      throw new DelayedError();
    }

    const receivedAt = new Date().toISOString();
    if (verdict.accepted && verdict.service && verdict.msgId) {
      const sealed = deps.crypto.seal(
        {
          xml: document.toString('utf8'),
          receiverHerId,
          receivedAt,
          ...(verdict.senderHerId ? { senderHerId: verdict.senderHerId } : {}),
          ...(verdict.representation ? { representation: verdict.representation } : {}),
        } satisfies SealedDelivery,
        verdict.msgId,
      );
      await deps.store.putDocument(verdict.msgId, sealed);
      const data: DeliveryJobData = { msgId: verdict.msgId, service: verdict.service, ...(verdict.action ? { action: verdict.action } : {}), sealed };
      if (verdict.patientId) {
        data.patientRef = deps.crypto.pseudonym(verdict.patientId);
        data.sequence = await deps.order.numberFor(data.patientRef, verdict.msgId);
      }
      await deps.delivery.add('deliver', data, { jobId: verdict.msgId, attempts: 1_000, backoff: { type: 'exponential', delay: 2_000 } });
      // The job was added when the message was taken from NHN.
      deps.metrics?.observeProcessing('inbound', verdict.service, job.timestamp);
    }
    const { created } = await deps.store.create({
      msgId,
      direction: 'inbound',
      service: verdict.service ?? 'unknown',
      ...(verdict.action ? { action: verdict.action } : {}),
      state: verdict.accepted ? 'received' : 'rejected',
      origin: `her:${verdict.senderHerId ?? meta.senderHerId ?? 'unknown'}`,
    });

    if (!job.data.appRecSent) {
      await deps.transport.sendAppRec(nhnMessageId, receiverHerId, { status: verdict.appRecStatus, errors: verdict.errors });
      await job.updateData({ ...job.data, appRecSent: true });
      deps.metrics?.countAppRec(
        'sent',
        APPREC_STATUS_NAME[verdict.appRecStatus],
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
