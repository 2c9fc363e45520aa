import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../logging.js';

/**
 * Two kinds of connection, for two kinds of caller:
 * - workers wait for Redis as long as it takes (maxRetriesPerRequest: null, as BullMQ requires);
 * - the HTTP side fails fast (no offline queue), so a request gets 503 instead of hanging.
 *
 * Either kind reaches Redis by a plain URL or through Sentinel. Through Sentinel every (re)connect
 * asks the sentinels for the current primary, so a connection that loses its primary finds the
 * promoted replica on its next attempt; BullMQ's blocking connections are `duplicate()`s of the
 * one it is given, and ioredis copies the Sentinel options into each duplicate, so they follow too.
 */

export interface SentinelAddress {
  host: string;
  port: number;
}

/** Where Redis is: one server by URL, or the primary of a Sentinel-monitored group. */
export type RedisTarget =
  | { kind: 'url'; url: string }
  | {
      kind: 'sentinel';
      sentinels: SentinelAddress[];
      /** the master group name the sentinels monitor (`sentinel monitor <name> …`) */
      name: string;
      /** AUTH for the primary and replicas (a URL carries its own) */
      password?: string | undefined;
      /** AUTH for the sentinels themselves, when they require it */
      sentinelPassword?: string | undefined;
    };

const common: RedisOptions = {
  lazyConnect: true,
  connectionName: 'epj-gateway',
  retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 6), 5_000),
};

/**
 * A primary demoted behind our back (a manual SENTINEL FAILOVER, a partition healed) still accepts
 * the connection but refuses writes with READONLY and breaks blocking reads with UNBLOCKED: both
 * mean "this is no longer the primary", so reconnect, which asks the sentinels again.
 */
const NOT_PRIMARY = /^(READONLY|UNBLOCKED)/;

export function workerConnectionOptions(): RedisOptions {
  // 2: reconnect and resend; the refused command did not run, so sending it again is safe.
  return { ...common, maxRetriesPerRequest: null, enableReadyCheck: true, reconnectOnError: (err) => (NOT_PRIMARY.test(err.message) ? 2 : false) };
}

export function httpConnectionOptions(): RedisOptions {
  // 1: reconnect without resending; the request fails with 503 and the next one meets the new primary.
  return {
    ...common,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 2_000,
    reconnectOnError: (err) => (NOT_PRIMARY.test(err.message) ? 1 : false),
  };
}

/** The target as a person reads it in a log line or an error; never the password. */
export function describeRedisTarget(target: RedisTarget | string): string {
  const t = typeof target === 'string' ? { kind: 'url' as const, url: target } : target;
  if (t.kind === 'url') {
    try {
      return new URL(t.url).host;
    } catch {
      return 'an unreadable REDIS_URL';
    }
  }
  return `primary "${t.name}" through sentinels ${t.sentinels.map((s) => `${s.host}:${s.port}`).join(', ')}`;
}

/**
 * Commands issued in one turn of the event loop leave in one socket write. ioredis writes each
 * command to the socket as it is issued, a system call each (some 25 per inbound message); corking
 * the socket at the first write of a turn and uncorking it in the turn's check phase (setImmediate:
 * after every callback of the turn's poll phase, the replies and answers that arrived together, and
 * their promise continuations) sends them together. The bytes and their order are the same, so the
 * replies match their commands as before; only the number of write calls changes. A queued
 * immediate keeps the event loop from waiting in its poll phase, so nothing is held back longer
 * than the turn (docs/pipeline.md has what this bought over uncorking after each callback). (ioredis's
 * auto-pipelining would do it too, but it rewrites how commands are queued, and BullMQ's users
 * report jobs read empty with it.)
 */
function corkPerTurn(redis: Redis): void {
  redis.on('connect', () => {
    // each (re)connect brings a socket of its own
    const socket = redis.stream;
    let corked = false;
    const uncork = () => {
      corked = false;
      socket.uncork();
    };
    const write = socket.write.bind(socket) as (...a: unknown[]) => boolean;
    socket.write = (...args: unknown[]) => {
      if (!corked) {
        corked = true;
        socket.cork();
        setImmediate(uncork);
      }
      return write(...args);
    };
  });
}

function clientFor(target: RedisTarget, options: RedisOptions): Redis {
  const redis = connectionFor(target, options);
  corkPerTurn(redis);
  return redis;
}

function connectionFor(target: RedisTarget, options: RedisOptions): Redis {
  if (target.kind === 'url') return new Redis(target.url, options);
  return new Redis({
    ...options,
    sentinels: target.sentinels,
    name: target.name,
    role: 'master',
    password: target.password,
    sentinelPassword: target.sentinelPassword,
    // A failover takes seconds (down-after-milliseconds, then the election): ask the sentinels
    // again at a pace that outlasts it without flooding their logs; never give up.
    sentinelRetryStrategy: (times) => Math.min(100 * times, 2_000),
  });
}

/**
 * Connects and waits until the client is ready, at most `startupTimeoutMs`. With a URL a refused
 * connection rejects at once; through Sentinel ioredis keeps asking the sentinels forever, so the
 * bound is what turns a wrong group name or unreachable sentinels into a start-up error.
 */
export async function connectRedis(target: RedisTarget | string, options: RedisOptions, startupTimeoutMs = 15_000): Promise<Redis> {
  const redis = clientFor(typeof target === 'string' ? { kind: 'url', url: target } : target, options);
  let lastError: string | undefined;
  const remember = (err: Error) => {
    lastError = err.message;
  };
  // Reported through readiness and reconnect metrics; ioredis would otherwise print to stderr.
  redis.on('error', remember);
  redis.on('sentinelError', remember);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not ready within ${startupTimeoutMs} ms${lastError ? ` (${lastError})` : ''}`)), startupTimeoutMs);
  });
  try {
    await Promise.race([redis.connect(), timeout]);
  } catch (err) {
    redis.disconnect();
    throw err;
  } finally {
    clearTimeout(timer);
  }
  return redis;
}

/**
 * WAIT: how many replicas hold every write this connection made so far, waiting at most
 * `timeoutMs` for `replicas` of them. Replication is asynchronous: a write the primary
 * acknowledged and no replica holds yet is lost when that primary dies and a replica is promoted.
 */
export async function waitForReplicas(redis: Redis, replicas: number, timeoutMs: number): Promise<number> {
  return redis.wait(replicas, timeoutMs);
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
