import { Router } from 'express';
import type { Redis } from 'ioredis';
import type { Notifier } from '../gate/notifier.js';
import type { ServiceGate } from '../gate/service-gate.js';
import type { Queues } from '../pipeline/queues.js';
import type { ThroughputRecorder } from './dashboard/throughput.js';
import { identityOf, needs } from './ops-roles.js';

/**
 * Parts of the status the gateway fills in as their areas arrive; each is asked at request time,
 * so it can be set after the router is mounted. Absent means "not configured yet".
 */
export interface StatusSections {
  /** the clinic's enterprise certificates: role, organisation number, days to expiry, revocation status */
  certificates?: () => Promise<unknown[]>;
  /** the address register own-entry audit: each fault with its fix */
  addressRegister?: () => Promise<unknown>;
  /** the transport: last successful poll, token state */
  transport?: () => unknown;
  /** the office's open citizen requests per service: how many, by age, and past the limit */
  openRequests?: () => Promise<unknown>;
}

export interface OpsStatusDeps {
  gate: ServiceGate;
  notifier: Notifier;
  queues: Queues;
  redis: Redis;
  throughput: ThroughputRecorder;
  sections: StatusSections;
  /** named on the page, so an operator watching many clinics knows which one this is */
  clinic?: { name: string; herId: string; orgNumber: string };
}

/** A section that could not be read says why, and the rest of the page still shows. */
export type Section<T> = { configured: false } | { configured: true; value: T } | { configured: true; error: string };

const QUEUE_STATES = ['waiting', 'active', 'delayed', 'paused', 'prioritized', 'failed', 'completed'] as const;

async function section<T>(read: (() => T | Promise<T>) | undefined): Promise<Section<T>> {
  if (!read) return { configured: false };
  try {
    return { configured: true, value: await read() };
  } catch (err) {
    return { configured: true, error: err instanceof Error ? err.message : String(err) };
  }
}

/** used_memory and friends from INFO memory, as numbers. */
export function parseMemoryInfo(info: string): { usedMemoryBytes?: number; usedMemoryHuman?: string; maxMemoryBytes?: number } {
  const field = (name: string) => new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim();
  const used = field('used_memory');
  const max = field('maxmemory');
  const human = field('used_memory_human');
  return {
    ...(used ? { usedMemoryBytes: Number(used) } : {}),
    ...(human ? { usedMemoryHuman: human } : {}),
    ...(max ? { maxMemoryBytes: Number(max) } : {}),
  };
}

async function redisStatus(redis: Redis) {
  try {
    return { connected: redis.status === 'ready', ...parseMemoryInfo(await redis.info('memory')) };
  } catch (err) {
    return { connected: false, error: err instanceof Error ? err.message : String(err) };
  }
}

/** Everything the status page shows, in one answer. */
export async function readStatus(deps: OpsStatusDeps) {
  const snapshot = deps.gate.current();
  const [changedAt, queues, redis, throughput, notifications, certificates, addressRegister, transport, openRequests] = await Promise.all([
    section(() => deps.gate.changedAt()),
    section(async () => {
      const entries = await Promise.all(Object.entries(deps.queues).map(async ([name, queue]) => [name, await queue.getJobCounts(...QUEUE_STATES)] as const));
      return Object.fromEntries(entries);
    }),
    redisStatus(deps.redis),
    section(() => deps.throughput.lastHour()),
    section(() => deps.notifier.recent(10)),
    section(deps.sections.certificates),
    section(deps.sections.addressRegister),
    section(deps.sections.transport),
    section(deps.sections.openRequests),
  ]);
  return {
    at: new Date().toISOString(),
    ...(deps.clinic ? { clinic: deps.clinic } : {}),
    gate: { ...snapshot, changedAt: 'value' in changedAt ? changedAt.value : {} },
    queues,
    redis,
    throughput,
    notifications,
    certificates,
    addressRegister,
    transport,
    openRequests,
  };
}

/** GET /ops/status: the status page's one read. */
export function opsStatusRouter(deps: OpsStatusDeps): Router {
  const router = Router();
  router.get('/status', needs('viewer'), async (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    // the account the page is used as, named beside the logout button
    const who = identityOf(res);
    res.json({ ...(await readStatus(deps)), ...(who ? { operator: who.name, role: who.role } : {}) });
  });
  return router;
}
