import type { Poller } from '../lifecycle.js';
import type { Logger } from '../logging.js';
import type { Clock } from '../ports/clock.js';
import type { ClinicLeases } from './poll-lease.js';

/**
 * Polls the mailboxes of every clinic of this process from one timer. A timer per clinic would
 * start hundreds of clinics in lock-step and keep asking NHN about empty mailboxes at full rate;
 * here first polls are spread over the interval, an empty answer or a fault doubles the clinic's
 * interval (up to a cap, back to the base as soon as a message comes), a 429's Retry-After is a
 * floor under the next poll, and at most `concurrency` polls run at once.
 *
 * A clinic is polled only while this replica holds its lease (poll-lease.ts). The same loop renews
 * the held leases and tries the others every ttl/3, so a dead replica's clinics are taken within
 * a few seconds. A lease is trusted until one renewal period before it could have run out in
 * Redis, so a replica cut off from Redis stops polling before another may start.
 */

/** setTimeout as the scheduler uses it, so tests move time themselves. */
export interface Timer {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export const nodeTimer: Timer = {
  // unref: a pending poll never keeps the process alive on its own.
  set: (fn, ms) => setTimeout(fn, ms).unref(),
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** A clinic as the scheduler takes it: its HER-id and how to poll its mailboxes once. */
export interface ScheduledClinic {
  herId: string;
  /** reads the clinic's mailboxes once and queues what waits; `taken` counts new messages. Throws on a fault (a 429 with `retryAfterMs`). */
  poll: () => Promise<{ taken: number }>;
  /** false while the clinic's gate is closed: its mailbox is left alone (the messages wait at NHN) and its interval kept */
  mayPoll?: () => boolean;
}

export interface PollSchedulerOptions {
  clock: Clock;
  timer?: Timer;
  leases: ClinicLeases;
  /** the interval of a clinic that is getting messages, ms */
  intervalMs: number;
  /** the longest interval an empty or failing mailbox backs off to, ms */
  maxIntervalMs: number;
  /** polls running at once, over all clinics */
  concurrency: number;
  /** [0, 1): where in the first interval a clinic's first poll falls */
  random?: () => number;
  logger?: Pick<Logger, 'warn'>;
}

export interface ClinicPollStatus {
  herId: string;
  /** this replica holds the clinic's lease (another replica polls it otherwise) */
  held: boolean;
  polling: boolean;
  lastSuccessAt: Date | undefined;
  lastError: string | undefined;
  /** when the next poll is due (clock ms) and the interval it backed off to */
  nextPollAt: number;
  intervalMs: number;
}

interface Entry {
  clinic: ScheduledClinic;
  nextPollAt: number;
  intervalMs: number;
  /** when this replica's lease could run out in Redis; 0 when not held */
  heldUntil: number;
  polling: Promise<void> | undefined;
  lastSuccessAt: Date | undefined;
  lastError: string | undefined;
}

export class PollScheduler implements Poller {
  readonly name = 'nhn-poll-scheduler';
  private readonly clinics = new Map<string, Entry>();
  private readonly timer: Timer;
  private readonly random: () => number;
  private readonly renewEveryMs: number;
  private paused = true;
  private handle: unknown;
  private nextLeaseRoundAt = 0;
  private leaseRound: Promise<void> | undefined;
  private inFlight = 0;

  constructor(private readonly options: PollSchedulerOptions) {
    this.timer = options.timer ?? nodeTimer;
    this.random = options.random ?? Math.random;
    this.renewEveryMs = Math.max(1, Math.floor(options.leases.ttlMs / 3));
  }

  start(): void {
    if (!this.paused) return;
    this.paused = false;
    this.nextLeaseRoundAt = this.options.clock.now();
    this.tick();
  }

  /** Adds a clinic, or takes a known clinic's new poll function (its schedule and lease stay). */
  add(clinic: ScheduledClinic): void {
    const known = this.clinics.get(clinic.herId);
    if (known) {
      known.clinic = clinic;
      return;
    }
    const now = this.options.clock.now();
    this.clinics.set(clinic.herId, {
      clinic,
      nextPollAt: now + this.spread(),
      intervalMs: this.options.intervalMs,
      heldUntil: 0,
      polling: undefined,
      lastSuccessAt: undefined,
      lastError: undefined,
    });
    // Its lease is tried at once rather than a renewal period later.
    this.nextLeaseRoundAt = Math.min(this.nextLeaseRoundAt, now);
    this.tick();
  }

  /** Stops polling a clinic: after its poll in hand, its lease is released so no replica polls it until it is added again. */
  async remove(herId: string): Promise<void> {
    const entry = this.clinics.get(herId);
    if (!entry) return;
    this.clinics.delete(herId);
    // A round in flight may still take this lease: release after it, not before.
    await Promise.all([entry.polling, this.leaseRound]);
    await this.release(herId);
  }

  /** For shutdown: no new polls, the ones in hand finish, and the leases go so another replica takes over at once. */
  async pause(): Promise<void> {
    this.paused = true;
    this.disarm();
    await Promise.all([this.leaseRound, ...[...this.clinics.values()].map((e) => e.polling)]);
    await Promise.all([...this.clinics.values()].filter((e) => e.heldUntil > 0).map((e) => this.release(e.clinic.herId)));
    for (const e of this.clinics.values()) e.heldUntil = 0;
  }

  status(herId: string): ClinicPollStatus | undefined {
    const e = this.clinics.get(herId);
    if (!e) return undefined;
    return {
      herId,
      held: this.pollable(e, this.options.clock.now()),
      polling: e.polling !== undefined,
      lastSuccessAt: e.lastSuccessAt,
      lastError: e.lastError,
      nextPollAt: e.nextPollAt,
      intervalMs: e.intervalMs,
    };
  }

  statuses(): ClinicPollStatus[] {
    return [...this.clinics.keys()].map((herId) => this.status(herId)!);
  }

  private tick(): void {
    if (this.paused) return;
    const now = this.options.clock.now();
    if (!this.leaseRound && now >= this.nextLeaseRoundAt) {
      this.leaseRound = this.holdLeases(now).finally(() => {
        this.leaseRound = undefined;
        this.tick();
      });
    }
    this.startDuePolls(now);
    this.arm(now);
  }

  private async holdLeases(startedAt: number): Promise<void> {
    const herIds = [...this.clinics.keys()];
    const held = new Set(herIds.filter((herId) => this.clinics.get(herId)!.heldUntil > startedAt));
    try {
      const holding = await this.options.leases.hold(herIds, held);
      for (const herId of herIds) {
        const e = this.clinics.get(herId);
        if (!e) continue;
        if (!holding.has(herId)) {
          e.heldUntil = 0;
          continue;
        }
        // Taken over with a poll long overdue (its replica died): spread, so a take-over of many clinics does not poll them all at once.
        if (!held.has(herId) && e.nextPollAt < startedAt) e.nextPollAt = startedAt + this.spread();
        // Redis started the TTL after we sent the command, so its lease lasts at least this long.
        e.heldUntil = startedAt + this.options.leases.ttlMs;
      }
    } catch (err) {
      // Redis unreachable: the leases held run out on their own (heldUntil), and the polls with them.
      this.options.logger?.warn({ err: messageOf(err) }, 'renewing the poll leases failed; will try again');
    }
    // A clinic added while this round was under way is tried at once, not a renewal period later.
    const asked = new Set(herIds);
    const addedMeanwhile = [...this.clinics.keys()].some((herId) => !asked.has(herId));
    this.nextLeaseRoundAt = addedMeanwhile ? this.options.clock.now() : startedAt + this.renewEveryMs;
  }

  /** Held with a renewal period to spare, so a poll never starts on a lease another replica may take meanwhile. */
  private pollable(e: Entry, now: number): boolean {
    return now + this.renewEveryMs < e.heldUntil;
  }

  private startDuePolls(now: number): void {
    if (this.inFlight >= this.options.concurrency) return;
    const due = [...this.clinics.values()]
      .filter((e) => !e.polling && e.nextPollAt <= now && this.pollable(e, now))
      .sort((a, b) => a.nextPollAt - b.nextPollAt);
    for (const e of due) {
      if (this.inFlight >= this.options.concurrency) break;
      if (e.clinic.mayPoll && !e.clinic.mayPoll()) {
        e.nextPollAt = now + this.options.intervalMs;
        continue;
      }
      this.inFlight += 1;
      e.polling = this.pollOnce(e).finally(() => {
        this.inFlight -= 1;
        e.polling = undefined;
        this.tick();
      });
    }
  }

  private async pollOnce(e: Entry): Promise<void> {
    const { intervalMs, maxIntervalMs } = this.options;
    try {
      const { taken } = await e.clinic.poll();
      const at = this.options.clock.now();
      e.lastSuccessAt = new Date(at);
      e.lastError = undefined;
      e.intervalMs = taken > 0 ? intervalMs : Math.min(maxIntervalMs, e.intervalMs * 2);
      e.nextPollAt = at + e.intervalMs;
    } catch (err) {
      const at = this.options.clock.now();
      e.lastError = messageOf(err);
      e.intervalMs = Math.min(maxIntervalMs, e.intervalMs * 2);
      // NHN's Retry-After is a floor: never sooner than it asked, even when that is past the cap.
      e.nextPollAt = at + Math.max(e.intervalMs, retryAfterOf(err) ?? 0);
      this.options.logger?.warn({ clinic: e.clinic.herId, err: e.lastError, nextPollInMs: e.nextPollAt - at }, 'polling NHN failed; will try again');
    }
  }

  /** One timer for the whole process: set for the earliest of the next lease round and the next due poll. */
  private arm(now: number): void {
    let next = this.leaseRound ? Infinity : this.nextLeaseRoundAt;
    if (this.inFlight < this.options.concurrency) {
      for (const e of this.clinics.values()) if (!e.polling && this.pollable(e, now)) next = Math.min(next, e.nextPollAt);
    }
    this.disarm();
    if (next === Infinity) return;
    this.handle = this.timer.set(
      () => {
        this.handle = undefined;
        this.tick();
      },
      Math.max(0, next - now),
    );
  }

  private disarm(): void {
    if (this.handle !== undefined) this.timer.clear(this.handle);
    this.handle = undefined;
  }

  private async release(herId: string): Promise<void> {
    try {
      await this.options.leases.release(herId);
    } catch (err) {
      // It runs out by itself within the TTL.
      this.options.logger?.warn({ clinic: herId, err: messageOf(err) }, 'releasing a poll lease failed');
    }
  }

  private spread(): number {
    return Math.floor(this.random() * this.options.intervalMs);
  }
}

/** The transport's failures carry NHN's Retry-After as `retryAfterMs` (adapters/transport/errors.ts). */
function retryAfterOf(err: unknown): number | undefined {
  const value = (err as { retryAfterMs?: unknown } | null)?.retryAfterMs;
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
