import type { Redis } from 'ioredis';
import { redisKeys, type RedisKeys } from '../../redis-keys.js';

/**
 * Jobs finished per minute, completed and failed, for the dashboard's last-hour chart. Counted by the
 * process whose worker finished the job (worker-supervisor.ts): each job attempt is stored by its id
 * in a per-minute hash, so an attempt counts once whichever replica reports it, and the minute's
 * count is the hash's length. Buckets expire after two hours.
 */

export type Outcome = 'completed' | 'failed';

export interface MinuteCount {
  /** the minute's start, ISO */
  minute: string;
  completed: number;
  failed: number;
}

const MINUTE_MS = 60_000;
const BUCKET_TTL_S = 2 * 3600;

/** how long counts wait in memory before they go to Redis together */
const FLUSH_MS = 1_000;

export class ThroughputRecorder {
  /** bucket key → the attempts counted in it since the last flush */
  private pending = new Map<string, string[]>();
  private timer: NodeJS.Timeout | undefined;

  private readonly keys: RedisKeys;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.keys = redisKeys(prefix);
  }

  private bucketKey(outcome: Outcome, minute: number): string {
    return this.keys.throughput(outcome, minute);
  }

  /**
   * Counts one job attempt once, in the current minute: `attempt` names it (job id and attempt
   * number). Counts are written once a second in one round trip rather than one each: a
   * transaction per finished job was a fifth of the Redis round trips of a message. A crash loses
   * at most that second of the chart, never a job.
   */
  record(outcome: Outcome, queue: string, attempt: string, at = Date.now()): Promise<void> {
    const key = this.bucketKey(outcome, Math.floor(at / MINUTE_MS));
    const fields = this.pending.get(key);
    if (fields) fields.push(`${queue}/${attempt}`);
    else this.pending.set(key, [`${queue}/${attempt}`]);
    this.timer ??= setTimeout(() => void this.flush().catch(() => undefined), FLUSH_MS).unref();
    return Promise.resolve();
  }

  /** Writes the counts waiting in memory (also at shutdown, and before the chart is read). */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    const tx = this.redis.pipeline();
    // one HSET per bucket with every attempt as a field: an attempt counted twice is still one field
    for (const [key, fields] of batch) tx.hset(key, ...fields.flatMap((field) => [field, '1'])).expire(key, BUCKET_TTL_S);
    await tx.exec();
  }

  /** The last 60 minutes, oldest first, the current minute last. */
  async lastHour(now = Date.now()): Promise<MinuteCount[]> {
    await this.flush().catch(() => undefined);
    const current = Math.floor(now / MINUTE_MS);
    const minutes = Array.from({ length: 60 }, (_, i) => current - 59 + i);
    const tx = this.redis.pipeline();
    for (const m of minutes) tx.hlen(this.bucketKey('completed', m)).hlen(this.bucketKey('failed', m));
    const results = (await tx.exec()) ?? [];
    return minutes.map((m, i) => ({
      minute: new Date(m * MINUTE_MS).toISOString(),
      completed: Number(results[2 * i]?.[1] ?? 0),
      failed: Number(results[2 * i + 1]?.[1] ?? 0),
    }));
  }
}
