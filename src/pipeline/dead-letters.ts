import { setTimeout as sleep } from 'node:timers/promises';
import type { Queue } from 'bullmq';
import type { AuditLog } from '../audit/audit-log.js';
import { GatewayError } from '../errors.js';
import type { GatedService } from '../gate/gate-state.js';
import type { HistoryEntry, MessageRecord, MessageStore } from './message-store.js';
import type { OutboundJobData } from './outbound.js';

/** A message that could not be sent, with why; its document stays sealed. */
export interface DeadLetter {
  msgId: string;
  service: GatedService;
  reason: string;
  from: string;
  at: string;
}

type DeadLetterJobData = OutboundJobData & { reason: string; from: string; at: string };

/**
 * The dead-letter queue: listed, inspected and replayed by operators. A replay puts the same job,
 * with the same MsgId, back on its outbound queue, so the receiver never sees a duplicate.
 */
export class DeadLetters {
  constructor(
    private readonly deadLetter: Queue,
    private readonly outbound: Record<GatedService, Queue>,
    private readonly store: MessageStore,
    private readonly audit: AuditLog,
    private readonly attempts: number,
    /** told of each replay (the metrics count them) */
    private readonly onReplay?: (service: GatedService) => void,
  ) {}

  async list(limit = 500): Promise<DeadLetter[]> {
    const jobs = await this.deadLetter.getJobs(['waiting', 'paused', 'delayed'], 0, limit - 1, true);
    return jobs.map((j) => summary(j.data as DeadLetterJobData));
  }

  async show(msgId: string): Promise<{ deadLetter: DeadLetter; record?: MessageRecord; history: HistoryEntry[] }> {
    const job = await this.deadLetter.getJob(msgId);
    if (!job) throw new GatewayError('NOT_FOUND', `(no dead letter with MsgId ${msgId})`);
    const record = await this.store.get(msgId);
    return { deadLetter: summary(job.data as DeadLetterJobData), ...(record ? { record } : {}), history: await this.store.history(msgId) };
  }

  async replay(msgId: string, actor: string): Promise<DeadLetter> {
    const job = await this.deadLetter.getJob(msgId);
    if (!job) throw new GatewayError('NOT_FOUND', `(no dead letter with MsgId ${msgId})`);
    const data = job.data as DeadLetterJobData;
    const queue = this.outbound[data.service];
    // The failed original holds the jobId; it goes first so the replay can take the same id. It is
    // dead-lettered a moment before its worker lets go of it, so wait for that.
    const original = await queue.getJob(msgId);
    if (original) {
      for (let i = 0; i < 100 && (await original.isActive()); i++) await sleep(50);
      await original.remove();
    }
    const { reason: _r, from: _f, at: _a, retryDelayMs: _d, ...outbound } = data;
    // State first: the worker may take the job the moment it is added.
    await this.store.update(msgId, { state: 'queued', deadLetterReason: null });
    await this.store.addHistory(msgId, { event: 'replay', outcome: 'info', reason: `replayed by ${actor}` });
    await queue.add('send', outbound, { jobId: msgId, attempts: this.attempts, backoff: { type: 'gateway' } });
    await job.remove();
    await this.audit.record({ actor, action: 'dead-letter.replay', msgId, service: data.service });
    this.onReplay?.(data.service);
    return summary(data);
  }
}

function summary(d: DeadLetterJobData): DeadLetter {
  return { msgId: d.msgId, service: d.service, reason: d.reason, from: d.from, at: d.at };
}
