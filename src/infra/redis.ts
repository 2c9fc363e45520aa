import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../logging.js';

/**
 * Two kinds of connection, for two kinds of caller:
 * - workers wait for Redis as long as it takes (maxRetriesPerRequest: null, as BullMQ requires);
 * - the HTTP side fails fast (no offline queue), so a request gets 503 instead of hanging.
 */

const common: RedisOptions = {
  lazyConnect: true,
  connectionName: 'epj-gateway',
  retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 6), 5_000),
};

export function workerConnectionOptions(): RedisOptions {
  return { ...common, maxRetriesPerRequest: null, enableReadyCheck: true };
}

export function httpConnectionOptions(): RedisOptions {
  return { ...common, maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2_000 };
}

export async function connectRedis(url: string, options: RedisOptions): Promise<Redis> {
  const redis = new Redis(url, options);
  redis.on('error', () => {
    /* reported through readiness and reconnect metrics; ioredis would otherwise print to stderr */
  });
  await redis.connect();
  return redis;
}

export interface PersistenceReport {
  appendOnly: boolean;
  rdbSaves: boolean | undefined;
  evictionPolicy: string | undefined;
  problems: string[];
}

function infoField(info: string, field: string): string | undefined {
  const m = new RegExp(`^${field}:(.*)$`, 'm').exec(info);
  return m?.[1]?.trim();
}

/**
 * BullMQ keeps every job in Redis: a Redis that evicts keys or keeps nothing on disk loses
 * messages. Checked at start-up for an external Redis; CONFIG may be disabled on managed
 * services, so INFO is the first source.
 */
export async function checkPersistence(redis: Redis): Promise<PersistenceReport> {
  const persistence = await redis.info('persistence');
  const memory = await redis.info('memory');
  const appendOnly = infoField(persistence, 'aof_enabled') === '1';
  const evictionPolicy = infoField(memory, 'maxmemory_policy');
  let rdbSaves: boolean | undefined;
  try {
    const [, save] = (await redis.config('GET', 'save')) as [string, string];
    rdbSaves = Boolean(save && save.trim());
  } catch {
    rdbSaves = undefined;
  }
  const problems: string[] = [];
  if (evictionPolicy !== undefined && evictionPolicy !== 'noeviction')
    problems.push(`maxmemory-policy is ${evictionPolicy}: BullMQ loses jobs under eviction; set it to noeviction`);
  if (!appendOnly && rdbSaves === false)
    problems.push('persistence is off (no appendonly, no RDB saves): a Redis restart loses every queued message; set appendonly yes');
  else if (!appendOnly) problems.push('appendonly is off: a Redis crash can lose the last minutes of queued messages; set appendonly yes');
  return { appendOnly, rdbSaves, evictionPolicy, problems };
}

export async function warnOnWeakPersistence(redis: Redis, logger: Logger): Promise<PersistenceReport> {
  const report = await checkPersistence(redis);
  for (const problem of report.problems) logger.warn({ redis: 'external' }, `REDIS RISK: ${problem}`);
  return report;
}
