import type { ClinicLeases } from '../../src/pipeline/poll-lease.js';
import type { Timer } from '../../src/pipeline/poll-scheduler.js';
import type { Clock } from '../../src/ports/clock.js';

/** A clock, a timer and poll leases a unit test moves itself, for the poll scheduler and what runs on it. */

/** Lets the promises the scheduler chains settle; no time passes. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** A clock and a timer moved by the test: timers fire in order of their due time. */
export class FakeTime implements Clock, Timer {
  private t = 0;
  private seq = 0;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  now(): number {
    return this.t;
  }
  set(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  }
  clear(handle: unknown): void {
    this.timers = this.timers.filter((x) => x.id !== handle);
  }
  get pending(): number {
    return this.timers.length;
  }
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    await settle();
    for (;;) {
      const next = this.timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      this.timers = this.timers.filter((x) => x !== next);
      this.t = Math.max(this.t, next.at);
      next.fn();
      await settle();
    }
    this.t = end;
    await settle();
  }
}

/** Leases as another replica would leave them: `elsewhere` are held by someone else. */
export class FakeLeases implements ClinicLeases {
  readonly ttlMs = 3_000;
  readonly elsewhere = new Set<string>();
  readonly released: string[] = [];
  down = false;
  async hold(herIds: readonly string[]): Promise<Set<string>> {
    if (this.down) throw new Error('Redis is unreachable');
    return new Set(herIds.filter((h) => !this.elsewhere.has(h)));
  }
  async release(herId: string): Promise<void> {
    this.released.push(herId);
  }
}
