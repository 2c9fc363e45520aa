import path from 'node:path';
import type { Queue } from 'bullmq';
import type { ChainableCommander, Redis } from 'ioredis';
import type { Logger } from '../logging.js';
import type { MessageState, MessageStore } from '../pipeline/message-store.js';
import type { QueueName, Queues } from '../pipeline/queues.js';
import { GATED_SERVICES } from '../gate/gate-state.js';
import { redisKeys, type RedisKeys } from '../redis-keys.js';
import { filesOlderThan, removeFiles, sidecarMsgId, type EpjFolders } from './message-files.js';
import { RETENTION_KINDS, type RetentionKind, type RetentionLimits } from './retention-policy.js';

/**
 * The clean-up of one clinic: removes what is older than its kind's limit and no longer matters.
 * Idempotent (a second run finds nothing more), safe beside the workers (it never touches waiting,
 * delayed or active work), and run by one replica per interval (a lease in Redis).
 */

/** A message in one of these states still matters: it is kept however old. */
const STILL_MATTERS: ReadonlySet<MessageState> = new Set(['queued', 'waiting', 'sent', 'received']);

export interface RetentionReport {
  at: string;
  removed: Record<RetentionKind, number>;
}

export interface RetentionDeps {
  redis: Redis;
  /** the clinic's prefix (`<QUEUE_PREFIX>:<HER-id>`) */
  prefix: string;
  queues: Queues;
  store: MessageStore;
  folders: EpjFolders;
  limits: RetentionLimits;
  /** how long an unanswered citizen request stays answerable (REQUEST_RETENTION_DAYS), in ms: kept that long from its receipt */
  openRequestMs?: number;
  logger: Logger;
  /** told what each run removed, by kind (epj_gateway_retention_removed_total) */
  countRemoved?: (kind: RetentionKind, n: number) => void;
}

/** the queues whose finished jobs are the `jobs` kind (tracking, dead letters and notifications have kinds of their own) */
const MESSAGE_QUEUES: readonly QueueName[] = ['inbound', 'epj-delivery', ...GATED_SERVICES.map((s) => `outbound-${s}` as const)];

export class RetentionJob {
  private readonly keys: RedisKeys;

  constructor(private readonly deps: RetentionDeps) {
    this.keys = redisKeys(deps.prefix);
  }

  /** One clean-up now; `now` lets a test age everything at once. */
  async run(now = Date.now()): Promise<RetentionReport> {
    const removed = Object.fromEntries(RETENTION_KINDS.map((k) => [k, 0])) as Record<RetentionKind, number>;
    const before = (kind: RetentionKind) => now - this.deps.limits[kind];
    const add = (kind: RetentionKind, n: number) => (removed[kind] += n);

    await this.messages(before('messages'), before('documents'), now - (this.deps.openRequestMs ?? 0), add);
    add('dead-letters', await this.deadLetters(before('dead-letters')));
    add('jobs', await this.finishedJobs(this.messageQueues(), now, this.deps.limits.jobs));
    add('apprec-tracking', await this.finishedJobs([this.deps.queues['apprec-tracking']], now, this.deps.limits['apprec-tracking']));
    add('order-keys', await this.orderKeys(before('order-keys')));
    add('notifications', await this.notifications(before('notifications')));
    add('notifications', await this.finishedJobs([this.deps.queues.notifications], now, this.deps.limits.notifications));
    add('audit', Number(await this.deps.redis.xtrim(this.keys.audit, 'MINID', `${Math.max(0, before('audit'))}-0`)));
    add('inbox-files', await this.inboxFiles(before('inbox-files')));
    add('outbox-files', await this.outboxFiles(before('outbox-files')));

    const report: RetentionReport = { at: new Date(now).toISOString(), removed };
    for (const kind of RETENTION_KINDS) if (removed[kind] > 0) this.deps.countRemoved?.(kind, removed[kind]);
    await this.deps.redis.set(this.keys.retentionLastRun, JSON.stringify(report));
    const total = RETENTION_KINDS.reduce((n, k) => n + removed[k], 0);
    if (total > 0) this.deps.logger.info({ removed }, 'retention clean-up removed old data');
    return report;
  }

  async lastRun(): Promise<RetentionReport | undefined> {
    const raw = await this.deps.redis.get(this.keys.retentionLastRun);
    return raw ? (JSON.parse(raw) as RetentionReport) : undefined;
  }

  /**
   * Runs every `intervalMs` on the replica that takes the interval's lease first; the others skip
   * it. The lease is not given back: it is what says this interval's run is done.
   */
  start(intervalMs: number, owner: string): { stop: () => Promise<void> } {
    let running: Promise<unknown> | undefined;
    const tick = () => {
      running ??= this.deps.redis
        .set(this.keys.retentionLease, owner, 'PX', Math.max(1_000, Math.floor(intervalMs * 0.9)), 'NX')
        .then((taken) => (taken === 'OK' ? this.run() : undefined))
        .catch((err: unknown) => this.deps.logger.warn({ err: String(err) }, 'retention clean-up failed; it runs again next interval'))
        .finally(() => (running = undefined));
    };
    // the first run soon after start (a replica restarted daily still cleans up), then every interval
    const first = setTimeout(tick, Math.min(intervalMs, 60_000)).unref();
    const timer = setInterval(tick, intervalMs).unref();
    return {
      stop: async () => {
        clearTimeout(first);
        clearInterval(timer);
        await running;
      },
    };
  }

  private messageQueues(): Queue[] {
    return MESSAGE_QUEUES.map((name) => this.deps.queues[name]);
  }

  /** Records, histories and documents: by their last change, never while the message still matters. One round trip reads a batch. */
  private async messages(
    recordsBefore: number,
    documentsBefore: number,
    openRequestsBefore: number,
    add: (kind: RetentionKind, n: number) => void,
  ): Promise<void> {
    const { store } = this.deps;
    for await (const ids of store.msgIds()) {
      const rows = (await this.inBatch(ids, (tx, msgId) =>
        tx.hmget(this.keys.message(msgId), 'msgId', 'state', 'updatedAt', 'createdAt', 'answeredBy', 'receivedAt'),
      )) as ((string | null)[] | undefined)[];
      const kept: string[] = [];
      for (const [i, msgId] of ids.entries()) {
        const [id, state, updatedAt, createdAt, answeredBy, receivedAt] = rows[i] ?? [];
        if (!rows[i]) continue;
        if (!id) {
          // a history without a record (a message refused or held before it was recorded): by its last entry
          // (nothing at all yet: a message being received right now; its keys' TTL is the backstop)
          const last = (await store.history(msgId)).at(-1);
          if (last && Date.parse(last.at) < recordsBefore) {
            await store.remove(msgId);
            add('messages', 1);
          }
          continue;
        }
        // an unanswered citizen request stays answerable (its record and document) until REQUEST_RETENTION_DAYS
        // from its receipt; its keys carry that expiry already (src/pipeline/open-requests.ts)
        if (receivedAt && !answeredBy && Date.parse(receivedAt) >= openRequestsBefore) continue;
        // a dead letter may be replayed as long as it is kept, so its record stays with it
        if (STILL_MATTERS.has(state as MessageState) || (state === 'dead-lettered' && (await this.deps.queues['dead-letter'].getJob(msgId)))) kept.push(msgId);
        else if (Date.parse(updatedAt ?? '') < recordsBefore) {
          await store.remove(msgId);
          add('messages', 1);
        } else if (answeredBy && Date.parse(createdAt ?? '') < documentsBefore && (await store.removeDocument(msgId)) > 0) {
          add('documents', 1);
        }
      }
      await Promise.all(kept.map((msgId) => store.keep(msgId)));
    }
  }

  /** Dead letters older than their limit, with the failed original that held the same document. */
  private async deadLetters(before: number): Promise<number> {
    const queue = this.deps.queues['dead-letter'];
    let n = 0;
    for (const job of await queue.getJobs(['waiting', 'paused', 'delayed'], 0, -1)) {
      const data = job.data as { msgId?: string; from?: string; at?: string };
      const at = Date.parse(data.at ?? '') || job.timestamp;
      if (at >= before) continue;
      const original = data.from && data.msgId ? await this.deps.queues[data.from as keyof Queues]?.getJob(data.msgId) : undefined;
      if (original && (await original.isFailed())) await original.remove();
      await job.remove();
      if (data.msgId) await this.deps.store.addHistory(data.msgId, { event: 'retention', outcome: 'info', reason: 'dead letter removed: past its retention' });
      n++;
    }
    return n;
  }

  /** Completed and failed jobs finished before the limit (BullMQ's clean counts from its own clock). */
  private async finishedJobs(queues: Queue[], now: number, limitMs: number): Promise<number> {
    const grace = Math.max(0, Math.floor(limitMs - (now - Date.now())));
    let n = 0;
    for (const queue of queues) {
      for (const state of ['completed', 'failed'] as const) {
        for (;;) {
          const ids = await queue.clean(grace, 1_000, state);
          n += ids.length;
          if (ids.length < 1_000) break;
        }
      }
    }
    return n;
  }

  /**
   * A patient's order keys go when every message of theirs is delivered and none of their records
   * changed within the limit (or is still kept at all). A batch of patients is read in a few round trips.
   */
  private async orderKeys(before: number): Promise<number> {
    const { redis } = this.deps;
    const pattern = this.keys.deliveryOrder('*').counter;
    const [head, tail] = pattern.split('*') as [string, string];
    let n = 0;
    let cursor = '0';
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      cursor = next;
      const refs = found.map((key) => key.slice(head.length, key.length - tail.length));
      const counts = await this.inBatch(refs, (tx, ref) => tx.mget(this.keys.deliveryOrder(ref).counter, this.keys.deliveryOrder(ref).delivered));
      const settled = refs.filter((_, i) => {
        const [counter, delivered] = (counts[i] as (string | null)[] | undefined) ?? ['1', '0'];
        return Number(delivered ?? 0) >= Number(counter ?? 0);
      });
      const given = (await this.inBatch(settled, (tx, ref) => tx.hkeys(this.keys.deliveryOrder(ref).given))) as (string[] | undefined)[];
      for (const [i, ref] of settled.entries()) {
        const msgIds = given[i];
        if (!msgIds) continue;
        const changed = (await this.inBatch(msgIds, (tx, id) => tx.hget(this.keys.message(id), 'updatedAt'))) as (string | null | undefined)[];
        if (changed.some((at) => at === undefined || (at !== null && Date.parse(at) >= before))) continue;
        const k = this.keys.deliveryOrder(ref);
        await redis.del(k.counter, k.given, k.byNumber, k.delivered, this.keys.patientMessages(ref));
        n++;
      }
    } while (cursor !== '0');
    return n;
  }

  /** One command per item in one round trip; an item whose command failed answers undefined. */
  private async inBatch<T>(items: readonly T[], command: (tx: ChainableCommander, item: T) => unknown): Promise<unknown[]> {
    if (items.length === 0) return [];
    const tx = this.deps.redis.pipeline();
    for (const item of items) command(tx, item);
    return ((await tx.exec()) ?? []).map(([err, value]) => (err ? undefined : value));
  }

  private async notifications(before: number): Promise<number> {
    const { redis } = this.deps;
    const items = await redis.lrange(this.keys.notifications, 0, -1);
    let n = 0;
    for (const item of items) {
      const at = Date.parse((JSON.parse(item) as { at?: string }).at ?? '');
      if (at < before) n += await redis.lrem(this.keys.notifications, 1, item);
    }
    return n;
  }

  /** Inbox files of delivered messages (the EPJ has had them), and status answers, by their time. */
  private async inboxFiles(before: number): Promise<number> {
    const dir = this.deps.folders.inboxDir;
    if (!dir) return 0;
    const old = await filesOlderThan(dir, before);
    const doomed: string[] = [];
    for (const file of old.filter((f) => f.endsWith('.json'))) {
      const msgId = await sidecarMsgId(file);
      const record = msgId ? await this.deps.store.get(msgId) : undefined;
      if (record && record.state !== 'delivered') continue;
      doomed.push(file, file.replace(/\.json$/, '.xml'));
    }
    // an XML file without its sidecar this old was never completed
    for (const file of old.filter((f) => f.endsWith('.xml'))) if (!old.includes(file.replace(/\.xml$/, '.json'))) doomed.push(file);
    doomed.push(...(await filesOlderThan(path.join(dir, 'status'), before)));
    return (await removeFiles([...new Set(doomed)])).length;
  }

  private async outboxFiles(before: number): Promise<number> {
    const { outboxDir } = this.deps.folders;
    const old = [...(await filesOlderThan(path.join(outboxDir, 'done'), before)), ...(await filesOlderThan(path.join(outboxDir, 'error'), before))];
    return (await removeFiles(old)).length;
  }
}
