import { setTimeout as sleep } from 'node:timers/promises';
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { AuditLog } from '../audit/audit-log.js';
import { checkNationalId } from '../domain/national-id.js';
import { GatewayError } from '../errors.js';
import type { Logger } from '../logging.js';
import type { DeliveryOrder } from '../pipeline/epj-delivery.js';
import type { JobCrypto } from '../pipeline/job-crypto.js';
import type { MessageStore } from '../pipeline/message-store.js';
import { QUEUE_NAMES, type Queues } from '../pipeline/queues.js';
import { redisKeys, type RedisKeys } from '../redis-keys.js';
import { filesOfMessage, removeFiles, type EpjFolders } from './message-files.js';

/**
 * Removes a message everywhere on request (a citizen's death, a withdrawn consent): its jobs in
 * every queue (waiting and delayed work is cancelled, never sent), the store's record, history and
 * sealed document, its place in the patient's delivery order, the pull inbox, the service bus's
 * notes, the dashboard's counts and the EPJ folders. What stays is the audit log: the entries it
 * had (ids and outcomes, never content) and one more saying who purged which MsgId, when and why.
 */

export interface PurgeDeps {
  redis: Redis;
  /** the clinic's prefix (`<QUEUE_PREFIX>:<HER-id>`) */
  prefix: string;
  queues: Queues;
  store: MessageStore;
  order: DeliveryOrder;
  crypto: JobCrypto;
  audit: AuditLog;
  folders: EpjFolders;
  logger: Logger;
  /** synthetic national ids are accepted outside production */
  allowSyntheticIds: boolean;
  /** the dashboard's throughput counts, held a second in memory: written first, so their entries of the message can go */
  throughput?: { flush(): Promise<void> };
  /** how long a job a worker is running is waited for; default 10 s */
  activeWaitMs?: number;
}

export interface MessagePurge {
  msgId: string;
  /** whether anything of it was found */
  found: boolean;
  /** queued work cancelled before it was done (queue names) */
  cancelled: string[];
  /** jobs removed, by queue name */
  jobs: string[];
  /** Redis keys and entries removed (record, history, document, inbox, notes, events) */
  redisEntries: number;
  /** files removed from the EPJ folders (names only) */
  files: string[];
}

export interface PatientPurge {
  messages: MessagePurge[];
  /** the patient's order and index keys removed */
  patientKeys: number;
}

/** How long a purge waits for a worker to let go of a job it is running. */
const ACTIVE_WAIT_MS = 10_000;
const PENDING = new Set(['waiting', 'delayed', 'paused', 'prioritized', 'waiting-children']);

export class Purger {
  private readonly keys: RedisKeys;

  constructor(private readonly deps: PurgeDeps) {
    this.keys = redisKeys(deps.prefix);
  }

  async purgeMessage(msgId: string, actor: string, reason: string): Promise<MessagePurge> {
    const why = requireReason(reason);
    const result = await this.remove(msgId);
    await this.audited(result, actor, why);
    return result;
  }

  /** The audit entry a purged message leaves: who, when (the entry's time), why and which MsgId. */
  private async audited(result: MessagePurge, actor: string, reason: string, byPatient = false): Promise<void> {
    await this.deps.audit.record({
      actor,
      action: 'message.purge',
      msgId: result.msgId,
      outcome: result.found ? 'purged' : 'nothing-found',
      details: {
        reason,
        jobs: result.jobs.length,
        cancelled: result.cancelled.length,
        files: result.files.length,
        ...(byPatient ? { byPatient: true } : {}),
      },
    });
  }

  /** Every message of the patient the national id names, found by its keyed hash; the id itself is never stored. */
  async purgePatient(nationalId: string, actor: string, reason: string): Promise<PatientPurge> {
    const why = requireReason(reason);
    const id = typeof nationalId === 'string' ? nationalId.replace(/[\s-]/g, '') : '';
    if (!checkNationalId(id, { allowSynthetic: this.deps.allowSyntheticIds }).valid)
      throw new GatewayError('PURGE_PATIENT_ID_INVALID', '(eleven digits with a valid check sum)');
    const refs = this.deps.crypto.pseudonyms(id);
    const msgIds = new Set<string>();
    for (const ref of refs) {
      for (const m of await this.deps.store.messagesOfPatient(ref)) msgIds.add(m);
      for (const m of await this.deps.redis.hkeys(this.keys.deliveryOrder(ref).given)) msgIds.add(m);
    }
    const messages: MessagePurge[] = [];
    for (const msgId of msgIds) {
      const result = await this.remove(msgId);
      await this.audited(result, actor, why, true);
      messages.push(result);
    }
    let patientKeys = 0;
    for (const ref of refs) patientKeys += await this.deps.redis.del(...this.deps.order.keysOf(ref), this.keys.patientMessages(ref));
    await this.deps.audit.record({
      actor,
      action: 'patient.purge',
      outcome: messages.length ? 'purged' : 'nothing-found',
      // one message.purge entry above names each MsgId
      details: { reason: why, messages: messages.length },
    });
    return { messages, patientKeys };
  }

  private async remove(msgId: string): Promise<MessagePurge> {
    const { store } = this.deps;
    const record = await store.get(msgId);
    const result: MessagePurge = { msgId, found: record !== undefined, cancelled: [], jobs: [], redisEntries: 0, files: [] };
    let patientRef = record?.patientRef;

    // jobs first, so nothing is sent, delivered or tracked while the rest goes
    for (const name of QUEUE_NAMES) {
      const job = (await this.deps.queues[name].getJob(msgId)) as Job<{ patientRef?: string }> | undefined;
      if (!job) continue;
      patientRef ??= job.data?.patientRef;
      await this.removeJob(job, result);
    }
    // a received message's inbound job is named by its id at NHN, and holds the MsgId in its metadata
    const inbound = record?.nhnMessageId ? await this.deps.queues.inbound.getJob(record.nhnMessageId) : undefined;
    if (inbound) await this.removeJob(inbound, result);
    result.redisEntries += await this.removeEvents([msgId, ...(record?.nhnMessageId ? [record.nhnMessageId] : [])]);
    if (record?.nhnMessageId) result.redisEntries += await this.deps.redis.del(this.keys.amqp('in', record.nhnMessageId));

    if (patientRef) await this.leaveOrder(patientRef, msgId);
    // the link between a request and its answer goes with whichever of them is purged
    if (record?.answeredBy && (await store.get(record.answeredBy))) await store.update(record.answeredBy, { inReplyTo: null });
    if (record?.inReplyTo && (await store.get(record.inReplyTo))) await store.update(record.inReplyTo, { answeredBy: 'purged' });
    const history = await this.deps.redis.exists(this.keys.messageHistory(msgId), this.keys.messageDocument(msgId));
    result.redisEntries += (await store.remove(msgId)) + history;
    result.redisEntries += await this.removeElsewhere(msgId);

    const files = await removeFiles(await filesOfMessage(this.deps.folders, msgId));
    result.files = files.map((f) => f.split(/[\\/]/).slice(-2).join('/'));
    result.found ||= result.jobs.length > 0 || result.redisEntries > 0 || result.files.length > 0;
    return result;
  }

  /**
   * Removes a job, noting it cancelled when it was still to be done. A job a worker is running is
   * waited for (BullMQ cannot remove it from under the worker); one still running is PURGE_BUSY.
   */
  private async removeJob(job: Job, result: MessagePurge): Promise<void> {
    const state = await job.getState();
    for (let waited = 0; waited < (this.deps.activeWaitMs ?? ACTIVE_WAIT_MS) && (await job.isActive()); waited += 50) await sleep(50);
    try {
      await job.remove();
    } catch (err) {
      // locked: a worker holds it still (or took it up again this instant)
      throw new GatewayError('PURGE_BUSY', `(${job.queueName})`, undefined, { cause: err });
    }
    if (PENDING.has(state)) result.cancelled.push(job.queueName);
    result.jobs.push(job.queueName);
  }

  /** Leaves the patient's order, and lets their next message go now if it waited for this one. */
  private async leaveOrder(patientRef: string, msgId: string): Promise<void> {
    const upTo = await this.deps.order.forget(patientRef, msgId);
    if (upTo < 0) return;
    const next = await this.deps.order.msgIdOf(patientRef, upTo + 1);
    const job = next ? await this.deps.queues['epj-delivery'].getJob(next) : undefined;
    if (job && (await job.isDelayed())) await job.promote().catch(() => undefined);
  }

  /** BullMQ's event streams name job ids (and return values): the entries about this message go. */
  private async removeEvents(jobIds: string[]): Promise<number> {
    let n = 0;
    for (const name of QUEUE_NAMES) {
      const stream = this.deps.queues[name].keys.events!;
      const entries = (await this.deps.redis.xrange(stream, '-', '+')) as [string, string[]][];
      const ids = entries.filter(([, fields]) => fields.some((f) => jobIds.some((id) => f.includes(id)))).map(([id]) => id);
      if (ids.length) n += await this.deps.redis.xdel(stream, ...ids);
    }
    return n;
  }

  /** The pull inbox, the service bus's notes and the dashboard's throughput counts. */
  private async removeElsewhere(msgId: string): Promise<number> {
    const { redis } = this.deps;
    await this.deps.throughput?.flush();
    let n = await redis.hdel(this.keys.pullInboxItems, msgId);
    const pulled = (await redis.xrange(this.keys.pullInboxStream, '-', '+')) as [string, string[]][];
    const pulledIds = pulled.filter(([, f]) => f.includes(msgId)).map(([id]) => id);
    if (pulledIds.length) n += await redis.xdel(this.keys.pullInboxStream, ...pulledIds);
    n += await redis.del(this.keys.amqp('apprec', msgId));
    for await (const key of this.scan(this.keys.amqp('sent', '*'))) if ((await redis.get(key)) === msgId) n += await redis.del(key);
    for await (const key of this.scan(this.keys.throughput('*', 0).replace(/:0$/, ':*'))) {
      const fields = (await redis.hkeys(key)).filter((f) => f.includes(msgId));
      if (fields.length) n += await redis.hdel(key, ...fields);
    }
    return n;
  }

  private async *scan(pattern: string): AsyncGenerator<string> {
    let cursor = '0';
    do {
      const [next, keys] = await this.deps.redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      cursor = next;
      yield* keys;
    } while (cursor !== '0');
  }
}

function requireReason(reason: unknown): string {
  const text = typeof reason === 'string' ? reason.trim() : '';
  if (!text) throw new GatewayError('PURGE_REASON_REQUIRED');
  return text;
}
