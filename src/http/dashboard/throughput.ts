import type { Redis } from 'ioredis';
import { connectRedis, workerConnectionOptions, type RedisTarget } from '../../infra/redis.js';
import { redisKeys } from '../../redis-keys.js';

/**
 * Jobs finished per minute, completed and failed, for the dashboard's last-hour chart. Counted from
 * BullMQ's own event streams, which every gateway process sees whole: each event is stored by its
 * stream id in a per-minute hash, so however many processes record the same event it counts once,
 * and the minute's count is the hash's length. Buckets expire after two hours.
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
const BLOCK_MS = 5_000;

export class ThroughputRecorder {
  private reader: Redis | undefined;
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private bucketKey(outcome: Outcome, minute: number): string {
    return redisKeys(this.prefix).throughput(outcome, minute);
  }

  /** Counts one event once: `eventId` is the BullMQ event stream id, whose first part is its time in ms. */
  async record(outcome: Outcome, queue: string, eventId: string): Promise<void> {
    const ms = Number(eventId.split('-')[0]);
    const key = this.bucketKey(outcome, Math.floor((Number.isFinite(ms) ? ms : Date.now()) / MINUTE_MS));
    await this.redis.multi().hsetnx(key, `${queue}/${eventId}`, '1').expire(key, BUCKET_TTL_S).exec();
  }

  /** The last 60 minutes, oldest first, the current minute last. */
  async lastHour(now = Date.now()): Promise<MinuteCount[]> {
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

  /**
   * Follows the event streams of the given queues on one blocking connection of its own, from now
   * on. A lost connection is retried by ioredis; events missed meanwhile are picked up from the
   * last id seen, as long as the stream still holds them.
   */
  async start(target: RedisTarget | string, queues: readonly string[]): Promise<void> {
    if (this.running) return;
    this.reader = await connectRedis(target, workerConnectionOptions());
    this.running = true;
    const keys = queues.map((q) => redisKeys(this.prefix).queueEvents(q));
    // An explicit start id, not '$': with '$' a quiet stream would skip events between two reads.
    const start = `${Date.now()}-0`;
    const ids = queues.map(() => start);
    const reader = this.reader;
    this.loop = (async () => {
      while (this.running) {
        try {
          const answer = await reader.xread('COUNT', 500, 'BLOCK', BLOCK_MS, 'STREAMS', ...keys, ...ids);
          for (const [key, entries] of answer ?? []) {
            const index = keys.indexOf(key);
            for (const [id, fields] of entries) {
              const at = fields.indexOf('event');
              const event = at >= 0 ? fields[at + 1] : undefined;
              if (event === 'completed' || event === 'failed') await this.record(event, queues[index]!, id);
              ids[index] = id;
            }
          }
        } catch {
          if (this.running) await new Promise((r) => setTimeout(r, 1_000));
        }
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.reader?.disconnect();
    await this.loop;
  }
}
