import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { redisKeys } from '../redis-keys.js';

/**
 * One replica at a time polls a clinic's mailboxes, so NHN sees no more calls with three replicas
 * than with one. The lease is a Redis string holding its owner with a short TTL: a dead holder's
 * leases run out within seconds and the next replica's round takes them. Renewal and release
 * compare the owner first (in Lua, so nothing comes between the read and the write), so a replica
 * that was too slow never extends or deletes a lease another has taken meanwhile.
 */

/** What the scheduler needs of the leases; tests hand in a fake. */
export interface ClinicLeases {
  /** how long a lease lasts unless renewed; the holder renews well within it */
  readonly ttlMs: number;
  /** renews the leases in `held`, tries to take the others: answers the HER-ids this owner holds now */
  hold(herIds: readonly string[], held: ReadonlySet<string>): Promise<Set<string>>;
  release(herId: string): Promise<void>;
}

/** Extends the lease only while it is still ours. */
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
/** Deletes the lease only while it is still ours. */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

type LeaseCommands = {
  pollLeaseRenew(key: string, owner: string, ttlMs: number): Promise<number>;
  pollLeaseRelease(key: string, owner: string): Promise<number>;
};

/** Unique per process and start: a restarted replica must not mistake its predecessor's leases for its own. */
export function leaseOwnerId(): string {
  return `${hostname()}:${process.pid}:${randomUUID()}`;
}

export class PollLeases implements ClinicLeases {
  private readonly redis: Redis & LeaseCommands;
  private readonly keys: ReturnType<typeof redisKeys>;

  /** `prefix` is the deployment's QUEUE_PREFIX (not a clinic's): the key adds the HER-id itself. */
  constructor(
    redis: Redis,
    prefix: string,
    readonly owner: string = leaseOwnerId(),
    readonly ttlMs = 6_000,
  ) {
    // defineCommand sends EVALSHA and falls back to EVAL once per connection; defining it again on a shared connection is harmless.
    redis.defineCommand('pollLeaseRenew', { numberOfKeys: 1, lua: RENEW });
    redis.defineCommand('pollLeaseRelease', { numberOfKeys: 1, lua: RELEASE });
    this.redis = redis as Redis & LeaseCommands;
    this.keys = redisKeys(prefix);
  }

  async take(herId: string): Promise<boolean> {
    return (await this.redis.set(this.keys.pollLease(herId), this.owner, 'PX', this.ttlMs, 'NX')) === 'OK';
  }

  async renew(herId: string): Promise<boolean> {
    return (await this.redis.pollLeaseRenew(this.keys.pollLease(herId), this.owner, this.ttlMs)) === 1;
  }

  async release(herId: string): Promise<void> {
    await this.redis.pollLeaseRelease(this.keys.pollLease(herId), this.owner);
  }

  /** The current holder, for the fleet view and tests. */
  async holder(herId: string): Promise<string | null> {
    return this.redis.get(this.keys.pollLease(herId));
  }

  /**
   * One round trip for all clinics: a pipeline of renewals and takes. A held lease whose renewal
   * fails (it ran out and was taken, or Redis lost it) is tried as a take in the next round, not
   * this one, so a lease that just changed hands is not snatched straight back.
   */
  async hold(herIds: readonly string[], held: ReadonlySet<string>): Promise<Set<string>> {
    if (herIds.length === 0) return new Set();
    const pipeline = this.redis.pipeline() as ReturnType<Redis['pipeline']> & {
      [K in keyof LeaseCommands]: (...args: Parameters<LeaseCommands[K]>) => unknown;
    };
    for (const herId of herIds) {
      const key = this.keys.pollLease(herId);
      if (held.has(herId)) pipeline.pollLeaseRenew(key, this.owner, this.ttlMs);
      else pipeline.set(key, this.owner, 'PX', this.ttlMs, 'NX');
    }
    const answers = (await pipeline.exec()) ?? [];
    const now = new Set<string>();
    herIds.forEach((herId, i) => {
      const [err, value] = answers[i] ?? [new Error('no answer'), null];
      if (!err && (value === 1 || value === 'OK')) now.add(herId);
    });
    return now;
  }
}
