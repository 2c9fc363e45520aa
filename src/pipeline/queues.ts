import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { GATED_SERVICES } from '../gate/gate-state.js';

/**
 * The gateway's queues, one direction each (see docs/ARCHITECTURE.md for the flow). Outbound work
 * has a queue per service, so the service gate can pause one service and leave the others running.
 */
export const QUEUE_NAMES = ['inbound', 'epj-delivery', ...GATED_SERVICES.map((s) => `outbound-${s}` as const), 'apprec-tracking', 'dead-letter'] as const;
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
