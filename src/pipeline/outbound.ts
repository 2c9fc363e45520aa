import { createHash } from 'node:crypto';
import { DelayedError, UnrecoverableError, Worker, type Job, type MinimalJob, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { GatewayError } from '../errors.js';
import type { GatedService } from '../gate/gate-state.js';
import type { ServiceGate } from '../gate/service-gate.js';
import type { Logger } from '../logging.js';
import type { PipelineMetrics } from '../metrics.js';
import type { MessageProtection } from '../ports/message-protection.js';
import type { OutgoingDocument, TransportFailure } from '../ports/transport.js';
import type { JobCrypto, SealedPayload } from './job-crypto.js';
import type { MessageRecord, MessageStore } from './message-store.js';
import type { FoundAppRec } from './received-apprecs.js';
import { whileRedisIsDown } from './redis-wait.js';
import { backoffDelay, type RetryPolicy } from './retry.js';
import type { WorkerSupervisor } from './worker-supervisor.js';
import { RECOVERY } from './worker-supervisor.js';

/**
 * The outbound side: a message the clinic sends (an answer, an AppRec-tracked business document)
 * is recorded and queued before anyone is told "accepted", then posted to NHN by a worker per
 * service, so a closed service pauses only its own work. The worker protects the document (the
 * message-protection port) and hands the transport bytes. Failures are retried with backoff; after
 * the last attempt, or on a fault no retry can fix, the message goes to the dead-letter queue with
 * its reason. Nothing is dropped silently.
 */

export interface OutboundDocument {
  msgId: string;
  service: GatedService;
  action?: string;
  /** the complete MsgHead document, UTF-8 */
  xml: string;
  receiverHerId: number;
  /** who handed it in, for the audit log: `epj:<client>` or `folder` */
  origin: string;
  /** the auto-answer to a request that came while the office had closed the service: sent while it stays closed by the office */
  whileClosed?: boolean;
  /** what a repeat of this MsgId is compared by, when not the XML (an answer built from JSON: the JSON, as its XML's GenDate differs each time) */
  sameAs?: string;
  /** the patient's keyed hash, noted with the record so a purge by patient finds the message */
  patientRef?: string;
  /** an answer: the request it claimed (src/pipeline/open-requests.ts), named in its record */
  inReplyTo?: string;
}

/** What a job holds in Redis: ids in clear, the document sealed. */
export interface OutboundJobData {
  msgId: string;
  service: GatedService;
  sealed: SealedPayload;
  /** the CPA action, when known (the service bus routes by it) */
  action?: string;
  /** an auto-answer, sent while the office keeps the service closed */
  whileClosed?: boolean;
  /** set by the processor before a retry */
  retryDelayMs?: number;
  /** a send whose outcome is not known: when this job found it so, and the received AppRecs it has looked at */
  uncertainSince?: string;
  appRecsSeen?: string[];
}

export interface SealedOutbound {
  xml: string;
  receiverHerId: number;
}

export function outboundQueueName(service: GatedService): string {
  return `outbound-${service}`;
}

export function contentHash(xml: string): string {
  return createHash('sha256').update(xml, 'utf8').digest('hex');
}

export type SendFn = (doc: OutgoingDocument) => Promise<{ nhnMessageId: string }>;

export interface OutboundDeps {
  queues: Record<GatedService, Queue>;
  deadLetter: Queue;
  store: MessageStore;
  crypto: JobCrypto;
  policy: RetryPolicy;
  logger: Logger;
  metrics?: PipelineMetrics;
}

/**
 * Records and queues one outbound message. The same MsgId with the same content returns the first
 * record (idempotent); with other content it is a conflict.
 */
export async function submitOutbound(deps: OutboundDeps, doc: OutboundDocument): Promise<{ record: MessageRecord; created: boolean }> {
  const hash = contentHash(doc.sameAs ?? doc.xml);
  // the record, its first history entry and its patient's note in one round trip
  const result = await deps.store.create(
    {
      msgId: doc.msgId,
      direction: 'outbound',
      service: doc.service,
      ...(doc.action ? { action: doc.action } : {}),
      state: 'queued',
      contentHash: hash,
      origin: doc.origin,
      ...(doc.patientRef ? { patientRef: doc.patientRef } : {}),
      ...(doc.inReplyTo ? { inReplyTo: doc.inReplyTo } : {}),
    },
    { event: 'accepted', outcome: 'ok', reason: `from ${doc.origin}` },
  );
  if (!result.created && result.record.contentHash !== hash) throw new GatewayError('MSGID_CONFLICT');
  // Added also on a repeat: if a crash came between recording and queueing, the repeat heals it;
  // the jobId makes a second add of a queued message a no-op.
  const data: OutboundJobData = {
    msgId: doc.msgId,
    service: doc.service,
    ...(doc.action ? { action: doc.action } : {}),
    ...(doc.whileClosed ? { whileClosed: true } : {}),
    sealed: deps.crypto.seal({ xml: doc.xml, receiverHerId: doc.receiverHerId } satisfies SealedOutbound, doc.msgId),
  };
  if (result.created) deps.metrics?.countMessage('out', doc.service, 'accepted');
  if (result.created || result.record.state === 'queued') {
    await deps.queues[doc.service].add('send', data, { jobId: doc.msgId, attempts: deps.policy.attempts, backoff: { type: 'gateway' } });
  }
  return result;
}

/** How long a job of a closed service waits before it looks at the gate again. */
const GATE_RECHECK_MS = 2_000;
/** How long a job whose earlier send may have reached NHN waits before it looks for the receiver's AppRec again. */
const UNCERTAIN_RECHECK_MS = 3_000;
/** AppRecs are looked at from this long before the earlier send began (the replicas' clocks may differ a little). */
const UNCERTAIN_SLACK_MS = 60_000;

/**
 * A send an earlier attempt began and never recorded (its process died between NHN's answer and the
 * record): NHN may have the message. NHN cannot be asked by our MsgId, so the receiver's AppRec, which
 * names it, is looked for among the AppRecs the clinic received.
 */
export interface UncertainSends {
  /** how long a job waits for the receiver's AppRec, from when it found the send uncertain, before it sends again */
  waitMs: number;
  /** the receiver's AppRec to `msgId` among those received since `sinceMs`, not counting `seen`; and the ids looked at */
  find(msgId: string, receiverHerId: number, sinceMs: number, seen: readonly string[]): Promise<{ found?: FoundAppRec; seen: string[] }>;
  /** records the AppRec's outcome with the message and tells the EPJ (as AppRec tracking does) */
  answered(msgId: string, appRec: FoundAppRec): Promise<void>;
}

/** The processor of the outbound workers. */
export function outboundProcessor(
  deps: OutboundDeps & {
    /** protects the document for its receiver before it is sent (cms), or leaves it plain (none) */
    protection: MessageProtection;
    send: SendFn;
    afterSend: (msgId: string, nhnMessageId: string) => Promise<void>;
    /** the service gate: a job of a closed service waits, even one a paused worker took in a race */
    gate?: Pick<ServiceGate, 'isOpen' | 'current'> & Partial<Pick<ServiceGate, 'closedByOffice'>>;
    /** without it, a send an earlier attempt began and never recorded is sent again at once */
    uncertain?: UncertainSends;
  },
) {
  return async (job: Job<OutboundJobData>, token?: string): Promise<string> => {
    const { msgId } = job.data;
    const attempt = job.attemptsMade + 1;
    // a service the office closed keeps its worker running for the auto-answers; the rest wait, looked at again every few seconds
    const byOffice = deps.gate && !deps.gate.isOpen(job.data.service) ? deps.gate.closedByOffice?.(job.data.service) : undefined;
    if (deps.gate && !deps.gate.isOpen(job.data.service) && !(job.data.whileClosed && byOffice)) {
      const reasons = deps.gate
        .current()
        .services[job.data.service].reasons.map((r) => r.code)
        .join(', ');
      await deps.store.update(msgId, { state: 'waiting', waitingReason: `gate closed: ${reasons}`, nextAttemptAt: null });
      await job.moveToDelayed(Date.now() + GATE_RECHECK_MS, token);
      throw new DelayedError();
    }
    // Already at NHN (the send went through, then the process or Redis went away before the job was
    // done): finish what comes after the send, never send it a second time.
    const known = await deps.store.get(msgId);
    if (known?.nhnMessageId) {
      await afterSent(deps, job, known.nhnMessageId, attempt, false);
      return known.nhnMessageId;
    }
    const doc = deps.crypto.open<SealedOutbound>(job.data.sealed, msgId);
    if (known?.sendingSince && deps.uncertain) {
      // its AppRec recorded by an earlier look (whose job did not finish): done
      if (known.appRec) return 'answered';
      const answered = await settleUncertain({ ...deps, uncertain: deps.uncertain }, job, known.sendingSince, doc.receiverHerId, token);
      if (answered) return answered;
    }
    let nhnMessageId: string;
    try {
      const document = await deps.protection.protect(Buffer.from(doc.xml, 'utf8'), doc.receiverHerId);
      // the message function (MsgInfo/Type), which the service bus carries as the subject
      const subject = /<(?:\w+:)?MsgInfo\b[\s\S]*?<(?:\w+:)?Type\b[^>]*\bV="([^"]+)"/.exec(doc.xml)?.[1];
      // noted right before the POST: a process that dies before recording NHN's answer leaves it
      // behind, and a later attempt that finds it without NHN's id cannot tell whether NHN took it
      await deps.store.update(msgId, { sendingSince: new Date().toISOString() });
      ({ nhnMessageId } = await deps.send({
        msgId,
        document,
        receiverHerId: doc.receiverHerId,
        ...(subject ? { subject } : {}),
        ...(job.data.action ? { action: job.data.action } : {}),
      }));
    } catch (err) {
      const failure = toTransportFailure(err);
      if (!failure.retryable || attempt >= (job.opts.attempts ?? 1)) {
        await deadLetter(deps, job, failure.reason);
        throw new UnrecoverableError(failure.reason);
      }
      // The delay is chosen here and handed to BullMQ (retryDelay below), so what operators see
      // as the next attempt is the real one.
      const delay = backoffDelay(attempt, deps.policy);
      const nextAttemptAt = new Date(Date.now() + delay).toISOString();
      await job.updateData({ ...job.data, retryDelayMs: delay });
      // A send whose answer was lost on the way may be at NHN: the send under way stays noted, so the
      // next attempt looks for the receiver's AppRec before it sends again (as after a death mid-send).
      const mayBeAtNhn = failure.maybeDelivered === true && deps.uncertain !== undefined;
      await deps.store.update(
        msgId,
        { state: 'waiting', waitingReason: failure.reason, nextAttemptAt, ...(mayBeAtNhn ? {} : { sendingSince: null }) },
        { event: 'send', outcome: 'retry', attempt, reason: failure.reason, nextAttemptAt },
      );
      deps.logger.warn({ msgId, attempt, reason: failure.reason }, 'send failed; will retry');
      deps.metrics?.countMessage('out', job.data.service, 'retry');
      // BullMQ records this message as the job's failed reason; toTransportFailure has already read the cause into it.
      // eslint-disable-next-line preserve-caught-error
      throw new Error(failure.reason);
    }
    // NHN has it: from here a fault is never a failed send (which would send it again). Redis away
    // for a moment is waited out; the record's NHN id tells a later attempt not to send again.
    await whileRedisIsDown(() => afterSent(deps, job, nhnMessageId, attempt, true), deps.logger, { msgId, step: 'sent' });
    return nhnMessageId;
  };
}

/**
 * An earlier attempt began sending and never recorded NHN's answer. The receiver's AppRec to it
 * proves NHN had it: the message is recorded as sent (NHN's id of it unknown) with the AppRec's
 * outcome, and never sent again; the AppRec's id is returned. Until one comes the job waits, up to
 * the wait; past it, returns undefined and the message is sent again (the receiver never answered).
 */
async function settleUncertain(
  deps: OutboundDeps & { uncertain: UncertainSends },
  job: Job<OutboundJobData>,
  sendingSince: string,
  receiverHerId: number,
  token: string | undefined,
): Promise<string | undefined> {
  const { msgId } = job.data;
  const since = Date.parse(sendingSince);
  let looked: Awaited<ReturnType<UncertainSends['find']>> | undefined;
  try {
    looked = await deps.uncertain.find(msgId, receiverHerId, since - UNCERTAIN_SLACK_MS, job.data.appRecsSeen ?? []);
  } catch (err) {
    // NHN or the register away for a moment: looked at again in a few seconds, never sent unlooked
    deps.logger.warn({ msgId, err: err instanceof Error ? err.message : String(err) }, 'looking for the AppRec to an earlier send failed; will look again');
  }
  const { found, seen } = looked ?? { seen: job.data.appRecsSeen ?? [] };
  if (found) {
    // sendingSince stays: a repeat of this job finds the same AppRec (or the outcome) and does not send
    await deps.store.update(
      msgId,
      { state: 'sent', waitingReason: null, nextAttemptAt: null },
      {
        event: 'send',
        outcome: 'ok',
        reason: `sent by an attempt that began ${sendingSince} and stopped before noting NHN's answer: the receiver's AppRec (NHN message ${found.nhnMessageId}) answers it; NHN's id of the message is not known`,
      },
    );
    await deps.uncertain.answered(msgId, found);
    deps.logger.info({ msgId, appRec: found.nhnMessageId }, 'an earlier send reached NHN (its AppRec came): not sent again');
    deps.metrics?.countMessage('out', job.data.service, 'sent');
    return found.nhnMessageId;
  }
  const firstLook = job.data.uncertainSince ?? new Date().toISOString();
  const waitedMs = Date.now() - Math.max(since, Date.parse(firstLook));
  if (looked && waitedMs >= deps.uncertain.waitMs) {
    await deps.store.addHistory(msgId, {
      event: 'send',
      outcome: 'info',
      reason: `no AppRec from the receiver within ${Math.round(deps.uncertain.waitMs / 1000)} s of an attempt that began ${sendingSince} and stopped before noting NHN's answer: sending again`,
    });
    deps.logger.warn({ msgId }, 'no AppRec to an earlier send whose outcome is not known: sending again');
    return undefined;
  }
  await job.updateData({ ...job.data, uncertainSince: firstLook, appRecsSeen: seen });
  const nextAttemptAt = new Date(Date.now() + UNCERTAIN_RECHECK_MS).toISOString();
  await deps.store.update(
    msgId,
    {
      state: 'waiting',
      waitingReason: "an earlier attempt's send may have reached NHN: waiting for the receiver's AppRec before sending again",
      nextAttemptAt,
    },
    // once in the history, not at every look
    job.data.uncertainSince
      ? undefined
      : {
          event: 'send',
          outcome: 'waiting',
          reason: `an attempt that began ${sendingSince} stopped before noting NHN's answer: waiting for the receiver's AppRec`,
        },
  );
  await job.moveToDelayed(Date.now() + UNCERTAIN_RECHECK_MS, token);
  throw new DelayedError();
}

/** What follows a send NHN took: the record (with NHN's id), the AppRec tracking, the counts. Each step may be repeated. */
async function afterSent(
  deps: OutboundDeps & { afterSend: (msgId: string, nhnMessageId: string) => Promise<void> },
  job: Job<OutboundJobData>,
  nhnMessageId: string,
  attempt: number,
  justSent: boolean,
): Promise<void> {
  const { msgId } = job.data;
  if (justSent)
    await deps.store.update(
      msgId,
      { state: 'sent', nhnMessageId, waitingReason: null, nextAttemptAt: null, sendingSince: null },
      { event: 'send', outcome: 'ok', attempt, reason: `NHN message ${nhnMessageId}` },
    );
  await deps.afterSend(msgId, nhnMessageId);
  if (!justSent) return;
  deps.metrics?.countMessage('out', job.data.service, 'sent');
  // The job was added when the message was accepted (a replay starts the clock again).
  deps.metrics?.observeProcessing('outbound', job.data.service, job.timestamp);
}

/** BullMQ backoff strategy of the outbound workers: the delay the processor chose. */
export function retryDelay(_attemptsMade: number, _type?: string, _err?: Error, job?: MinimalJob): number {
  return (job?.data as { retryDelayMs?: number } | undefined)?.retryDelayMs ?? 1_000;
}

/** A thrown fault as the queues read it: one that says nothing of retrying is taken as retryable. */
export function toTransportFailure(err: unknown): TransportFailure {
  const e = err as Partial<TransportFailure> & { message?: string };
  if (typeof e?.retryable === 'boolean')
    return { retryable: e.retryable, reason: e.reason ?? e.message ?? 'send failed', ...(e.maybeDelivered === true ? { maybeDelivered: true } : {}) };
  return { retryable: true, reason: e?.message ?? 'send failed' };
}

async function deadLetter(deps: OutboundDeps, job: Job<OutboundJobData>, reason: string): Promise<void> {
  const { msgId } = job.data;
  await deps.deadLetter.add('dead', { ...job.data, reason, from: job.queueName, at: new Date().toISOString() }, { jobId: msgId });
  await deps.store.update(
    msgId,
    { state: 'dead-lettered', deadLetterReason: reason, waitingReason: null, nextAttemptAt: null, sendingSince: null },
    { event: 'dead-letter', outcome: 'failed', attempt: job.attemptsMade + 1, reason },
  );
  deps.logger.error({ msgId, reason }, 'message moved to the dead-letter queue');
  deps.metrics?.countMessage('out', job.data.service, 'dead-lettered');
}

/** One worker per service, so the gate can pause one service's sending without touching the others. */
export function addOutboundWorkers(
  supervisor: WorkerSupervisor,
  services: readonly GatedService[],
  options: { connection: Redis; prefix: string; concurrency: number },
  processor: ReturnType<typeof outboundProcessor>,
): void {
  for (const service of services) {
    supervisor.add(
      outboundQueueName(service),
      () =>
        new Worker(outboundQueueName(service), processor, {
          connection: options.connection,
          prefix: options.prefix,
          concurrency: options.concurrency,
          settings: { backoffStrategy: retryDelay },
          ...RECOVERY,
        }),
    );
  }
}
