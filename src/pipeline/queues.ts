import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { GATED_SERVICES } from '../gate/gate-state.js';

/**
 * The gateway's queues, one direction each (see docs/ARCHITECTURE.md for the flow). Outbound work
 * has a queue per service, so the service gate can pause one service and leave the others running.
 */
export const QUEUE_NAMES = [
  'inbound',
  'epj-delivery',
  ...GATED_SERVICES.map((s) => `outbound-${s}` as const),
  'apprec-tracking',
  'dead-letter',
  'notifications',
] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

/** Finished jobs are kept for a while for operators, then trimmed so Redis does not grow without end. */
export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  removeOnComplete: { age: 7 * 24 * 3600, count: 10_000 },
  removeOnFail: false,
};

export type Queues = Record<QueueName, Queue>;

/**
 * Queues are created on the fail-fast connection: adding a job while Redis is down throws at once,
 * so the HTTP side can answer 503 and the caller keeps the message.
 */
export function createQueues(connection: Redis, prefix: string): Queues {
  const entries = QUEUE_NAMES.map((name) => [name, new Queue(name, { connection, prefix, defaultJobOptions: DEFAULT_JOB_OPTIONS })]);
  return Object.fromEntries(entries) as Queues;
}

export async function closeQueues(queues: Queues): Promise<void> {
  await Promise.allSettled(Object.values(queues).map((q) => q.close()));
}

/**
 * Whether each named queue has work now or within `horizonMs`: jobs waiting, prioritized or active
 * (an active job may be a dead replica's, which only a running worker recovers), or delayed jobs
 * coming due. One round trip for all of them; a queue whose counts cannot be read counts as busy.
 */
export function queuesHaveWork(redis: Redis, queues: Queues): (names: readonly string[], horizonMs: number) => Promise<boolean[]> {
  return async (names, horizonMs) => {
    // BullMQ scores a delayed job by its due time in ms times 0x1000 (plus a counter)
    const dueBy = (Date.now() + horizonMs + 1) * 0x1000 - 1;
    const tx = redis.pipeline();
    for (const name of names) {
      const keys = queues[name as QueueName].keys;
      tx.llen(keys.wait!).zcard(keys.prioritized!).llen(keys.active!).zcount(keys.delayed!, 0, dueBy);
    }
    const answers = (await tx.exec()) ?? [];
    return names.map((_, i) => answers.slice(4 * i, 4 * i + 4).some(([err, n]) => err !== null || Number(n) > 0) || answers.length < 4 * names.length);
  };
}
