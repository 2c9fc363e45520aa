import { DelayedError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { AuditLog } from '../audit/audit-log.js';
import type { Logger } from '../logging.js';
import type { PipelineMetrics } from '../metrics.js';
import type { EpjDeliveryPort } from '../ports/epj-delivery.js';
import type { DeliveryJobData, SealedDelivery } from './delivery-job.js';
import type { JobCrypto } from './job-crypto.js';
import type { MessageStore } from './message-store.js';
import type { WorkerSupervisor } from './worker-supervisor.js';
import { RECOVERY } from './worker-supervisor.js';
import { redisKeys, type RedisKeys } from '../redis-keys.js';

/**
 * Hands received messages to the EPJ once each, in order per patient.
 *
 * Order: when a message is queued for the EPJ it gets the next number in its patient's sequence
 * (the patient is known here only by a keyed hash, never the national id). The worker delivers
 * number n only after n-1; a later message of the same patient waits, while other patients' work
 * goes on. Numbers are given once per MsgId, so a retried inbound job never leaves a gap. When n is
 * delivered, n+1 (if it already waits) is promoted at once rather than after its delay; so the
 * delay is only a safety net, and long: a message looked at before its turn is set aside once, not
 * taken up again and again while a patient's earlier messages go out (a patient's burst cost some
 * ten times the CPU of its delivery that way).
 */

// KEYS[1] sequence counter of the patient, KEYS[2] hash MsgId -> number, KEYS[3] hash number -> MsgId. ARGV[1] MsgId.
const NEXT_SEQUENCE = `
local given = redis.call('HGET', KEYS[2], ARGV[1])
if given then return tonumber(given) end
local n = redis.call('INCR', KEYS[1])
redis.call('HSET', KEYS[2], ARGV[1], n)
redis.call('HSET', KEYS[3], n, ARGV[1])
return n
`;

// A purged message leaves its number behind as '' (no MsgId), so the patient's later messages are
// not held for it: delivered moves over such numbers.
// KEYS[1] delivered, KEYS[2] number -> MsgId. ARGV[1] the number now delivered. Answers the MsgId whose turn it is now, if any.
const MARK_DELIVERED = `
local n = tonumber(ARGV[1])
while redis.call('HGET', KEYS[2], n + 1) == '' do n = n + 1 end
redis.call('SET', KEYS[1], n)
return redis.call('HGET', KEYS[2], n + 1)
`;

// KEYS[1] delivered, KEYS[2] MsgId -> number, KEYS[3] number -> MsgId. ARGV[1] MsgId. Answers the number delivered up to now, -1 for a MsgId without one.
const FORGET = `
local given = redis.call('HGET', KEYS[2], ARGV[1])
if not given then return -1 end
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HSET', KEYS[3], given, '')
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
while redis.call('HGET', KEYS[3], n + 1) == '' do n = n + 1 end
redis.call('SET', KEYS[1], n)
return n
`;

type OrderCommands = {
  deliveryNextSequence(counter: string, given: string, byNumber: string, msgId: string): Promise<number>;
  deliveryMarkDelivered(delivered: string, byNumber: string, sequence: number): Promise<string | null>;
  deliveryForget(delivered: string, given: string, byNumber: string, msgId: string): Promise<number>;
};

export class DeliveryOrder {
  private readonly redisKeys: RedisKeys;
  private readonly redis: Redis & OrderCommands;

  constructor(redis: Redis, prefix: string) {
    this.redisKeys = redisKeys(prefix);
    // EVALSHA instead of the script's text with every message; defining it again on a shared connection is harmless
    redis.defineCommand('deliveryNextSequence', { numberOfKeys: 3, lua: NEXT_SEQUENCE });
    redis.defineCommand('deliveryMarkDelivered', { numberOfKeys: 2, lua: MARK_DELIVERED });
    redis.defineCommand('deliveryForget', { numberOfKeys: 3, lua: FORGET });
    this.redis = redis as Redis & OrderCommands;
  }

  private keys(patientRef: string) {
    return this.redisKeys.deliveryOrder(patientRef);
  }

  async numberFor(patientRef: string, msgId: string): Promise<number> {
    const k = this.keys(patientRef);
    return Number(await this.redis.deliveryNextSequence(k.counter, k.given, k.byNumber, msgId));
  }

  /** The MsgId that got `sequence` in the patient's order, if any. */
  async msgIdOf(patientRef: string, sequence: number): Promise<string | undefined> {
    return (await this.redis.hget(this.keys(patientRef).byNumber, String(sequence))) ?? undefined;
  }

  async delivered(patientRef: string): Promise<number> {
    return Number((await this.redis.get(this.keys(patientRef).delivered)) ?? 0);
  }

  /**
   * Marks `sequence` delivered (and any purged numbers right after it) and names the MsgId whose
   * turn it is now, if any: one round trip.
   */
  async markDeliveredAndNext(patientRef: string, sequence: number): Promise<string | undefined> {
    const k = this.keys(patientRef);
    return (await this.redis.deliveryMarkDelivered(k.delivered, k.byNumber, sequence)) ?? undefined;
  }

  /**
   * A purged message leaves the patient's order: its number stays behind without its MsgId, so the
   * messages after it are not held for it. Answers the number now delivered up to, or -1 when the
   * message had no number.
   */
  async forget(patientRef: string, msgId: string): Promise<number> {
    const k = this.keys(patientRef);
    return Number(await this.redis.deliveryForget(k.delivered, k.given, k.byNumber, msgId));
  }

  /** Every key of the patient's order (a purge of all their messages removes them). */
  keysOf(patientRef: string): string[] {
    return Object.values(this.keys(patientRef));
  }
}

export interface DeliveryDeps {
  port: EpjDeliveryPort;
  order: DeliveryOrder;
  store: MessageStore;
  crypto: JobCrypto;
  audit: AuditLog;
  logger: Logger;
  /** how long a message waits for its patient's earlier one before looking again */
  orderWaitMs: number;
  /** starts the delivery of the message waiting for this one (its delay cut short), if it waits */
  promote?: (msgId: string) => Promise<void>;
  metrics?: PipelineMetrics;
}

export function deliveryProcessor(deps: DeliveryDeps) {
  return async (job: Job<DeliveryJobData>, token?: string): Promise<string> => {
    const { msgId, patientRef, sequence } = job.data;
    if (patientRef && sequence) {
      const done = await deps.order.delivered(patientRef);
      if (sequence <= done) {
        // delivered before a crash cut the job short: its successor is due now, as after a delivery
        if (sequence === done) await promoteNext(deps, patientRef, sequence);
        return 'already-delivered';
      }
      if (sequence > done + 1) {
        await job.moveToDelayed(Date.now() + deps.orderWaitMs, token);
        // The one before may have been delivered since the look above, its promotion finding this
        // job still active: one more look, so a parked message does not wait out its delay for nothing.
        if (deps.promote && (await deps.order.delivered(patientRef)) >= sequence - 1) await deps.promote(msgId).catch(() => undefined);
        throw new DelayedError();
      }
    }
    const doc = deps.crypto.open<SealedDelivery>(job.data.sealed, msgId);
    try {
      await deps.port.deliver({
        msgId,
        service: job.data.service,
        ...(job.data.action ? { action: job.data.action } : {}),
        xml: doc.xml,
        ...(doc.senderHerId ? { senderHerId: doc.senderHerId } : {}),
        receiverHerId: doc.receiverHerId,
        receivedAt: doc.receivedAt,
        ...(doc.representation ? { representation: doc.representation } : {}),
        ...(doc.flags ? { flags: doc.flags } : {}),
        ...(doc.arrivedWhileClosed ? { arrivedWhileClosed: doc.arrivedWhileClosed } : {}),
      });
    } catch (err) {
      const reason = `EPJ ${deps.port.name} delivery failed: ${err instanceof Error ? err.message : String(err)}`;
      await deps.store.update(msgId, { waitingReason: reason }, { event: 'deliver', outcome: 'retry', attempt: job.attemptsMade + 1, reason });
      deps.metrics?.countMessage('in', job.data.service, 'delivery-failed');
      throw err;
    }
    if (patientRef && sequence) {
      const next = await deps.order.markDeliveredAndNext(patientRef, sequence);
      // the patient's next message need not wait out its delay: it is its turn now
      if (next && deps.promote) await deps.promote(next).catch(() => undefined);
    }
    await deps.store.update(
      msgId,
      { state: 'delivered', waitingReason: null },
      { event: 'deliver', outcome: 'ok', attempt: job.attemptsMade + 1, reason: `to the EPJ (${deps.port.name})` },
    );
    await deps.audit.record({ actor: 'system', action: 'message.delivered', msgId, service: job.data.service, outcome: deps.port.name });
    deps.metrics?.countMessage('in', job.data.service, 'delivered');
    deps.metrics?.observeProcessing('epj-delivery', job.data.service, job.timestamp);
    return 'delivered';
  };
}

/** The patient's next message need not wait out its delay: it is its turn now. */
async function promoteNext(deps: DeliveryDeps, patientRef: string, sequence: number): Promise<void> {
  if (!deps.promote) return;
  let next = await deps.order.msgIdOf(patientRef, sequence + 1);
  // '' is a purged message's number: the next one is the first after those delivered (delivery moved over it)
  if (next === '') next = await deps.order.msgIdOf(patientRef, (await deps.order.delivered(patientRef)) + 1);
  if (next) await deps.promote(next).catch(() => undefined);
}

/**
 * At start: a message set aside for its turn whose turn came while no gateway ran (the one before
 * was delivered and the process died before promoting it) is taken up now, not after its delay.
 * Returns how many were promoted.
 */
export async function promoteDueDeliveries(delayed: () => Promise<Job[]>, order: DeliveryOrder, promote: (msgId: string) => Promise<void>): Promise<number> {
  let promoted = 0;
  for (const job of await delayed()) {
    const { msgId, patientRef, sequence } = job.data as DeliveryJobData;
    if (!patientRef || !sequence) continue;
    if ((await order.delivered(patientRef)) >= sequence - 1) {
      await promote(msgId).catch(() => undefined);
      promoted++;
    }
  }
  return promoted;
}

export function addDeliveryWorker(
  supervisor: WorkerSupervisor,
  options: { connection: Redis; prefix: string; concurrency: number },
  processor: ReturnType<typeof deliveryProcessor>,
): void {
  supervisor.add(
    'epj-delivery',
    () => new Worker('epj-delivery', processor, { connection: options.connection, prefix: options.prefix, concurrency: options.concurrency, ...RECOVERY }),
  );
}
