import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Queues } from './pipeline/queues.js';

const JOB_STATES = ['waiting', 'active', 'delayed', 'failed', 'completed', 'paused', 'prioritized'] as const;

/** The gateway's Prometheus registry: process metrics plus the gateway's own, all prefixed epj_gateway_. */
export interface Metrics {
  registry: Registry;
  redisReconnects: Counter;
  workerRecreations: Counter<'worker'>;
  attachQueues(queues: Queues): void;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'epj_gateway_' });
  let queues: Queues | undefined;

  new Gauge({
    name: 'epj_gateway_queue_jobs',
    help: 'Jobs in each queue by state, read from Redis at scrape time',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      if (!queues) return;
      this.reset();
      await Promise.all(
        Object.entries(queues).map(async ([name, queue]) => {
          try {
            const counts = await queue.getJobCounts(...JOB_STATES);
            for (const state of JOB_STATES) this.set({ queue: name, state }, counts[state] ?? 0);
          } catch {
            /* Redis down: the gauge is left empty and epj_gateway_redis_up says why */
          }
        }),
      );
    },
  });

  return {
    registry,
    redisReconnects: new Counter({
      name: 'epj_gateway_redis_reconnects_total',
      help: 'Times a Redis connection of the gateway was re-established',
      registers: [registry],
    }),
    workerRecreations: new Counter({
      name: 'epj_gateway_worker_recreations_total',
      help: 'Workers recreated by the watchdog after their loop stopped (Redis reconnect or failover)',
      labelNames: ['worker'] as const,
      registers: [registry],
    }),
    attachQueues(q: Queues) {
      queues = q;
    },
  };
}
