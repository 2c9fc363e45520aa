import { setTimeout as sleep } from 'node:timers/promises';
import type { Job, Worker } from 'bullmq';
import type { Logger } from '../logging.js';

/**
 * Keeps the BullMQ workers alive and closes them within a deadline.
 *
 * Two known BullMQ pitfalls are handled here: a worker whose run loop ended after a Redis
 * reconnect or failover sits idle without an error, so a watchdog recreates any worker that is
 * no longer running although the supervisor neither paused nor retired it; and worker.close() waits for the job in hand with no deadline of its own and
 * hangs when Redis is gone, so closing is raced against a deadline and then forced.
 */

interface Managed {
  factory: () => Worker;
  /** undefined while the worker sleeps (nothing to do) */
  worker: Worker | undefined;
  paused: boolean;
  /** when the worker last took, finished or was told of a job */
  busyAt: number;
  /** the worker being closed for sleep; a wake meanwhile starts a new one after it */
  retiring: Promise<unknown> | undefined;
  wakeAfterRetire: boolean;
}

/**
 * How every worker recovers the jobs of a process that died: a job whose lock is not renewed for
 * lockDuration is stalled and handed out again (checked every stalledInterval). A stall is a
 * crash, never the job's fault, so it is never counted against the job (BullMQ would otherwise
 * fail it after one stall, and a failed inbound job would keep its message unread at NHN).
 */
export const RECOVERY = { lockDuration: 10_000, stalledInterval: 5_000, maxStalledCount: 1_000 } as const;

/**
 * Workers that sleep when their queue has nothing to do. BullMQ gives every worker a blocking Redis
 * connection of its own; with many clinics most queues are empty most of the time, so a worker idle
 * for `idleMs` whose queue holds nothing waiting, active or delayed-and-due is closed, and started
 * again by `wake()` (a job added in this process) or by the supervisor's check finding work (a job
 * added by another replica, a delayed job coming due, a dead replica's active job to recover).
 */
export interface SleepPolicy {
  idleMs: number;
  /** per worker name, whether its queue has work now or within `horizonMs` */
  hasWork: (names: readonly string[], horizonMs: number) => Promise<boolean[]>;
}

export interface WorkerSupervisorOptions {
  logger: Logger;
  checkIntervalMs?: number;
  onRecreate?: (name: string) => void;
  /** a job finished in this process: completed, or an attempt failed */
  onJobDone?: (name: string, outcome: 'completed' | 'failed', job: Job) => void;
  /** without it every worker runs all the time */
  sleep?: SleepPolicy;
}

export class WorkerSupervisor {
  private readonly workers = new Map<string, Managed>();
  private readonly timer: NodeJS.Timeout;
  private readonly checkIntervalMs: number;
  private closing = false;
  private checking: Promise<string[]> | undefined;

  constructor(private readonly options: WorkerSupervisorOptions) {
    this.checkIntervalMs = options.checkIntervalMs ?? 5_000;
    this.timer = setInterval(() => void this.check().catch(() => undefined), this.checkIntervalMs);
    this.timer.unref();
  }

  /**
   * Manages a worker. Without a sleep policy it starts at once and is returned; with one it starts
   * asleep and its queue is looked at right away, so work left from before starts it within moments.
   */
  add(name: string, factory: () => Worker): Worker | undefined {
    const managed: Managed = { factory, worker: undefined, paused: false, busyAt: Date.now(), retiring: undefined, wakeAfterRetire: false };
    this.workers.set(name, managed);
    if (!this.options.sleep) return this.start(name, managed);
    void this.wakeIfWork([name]).catch(() => undefined);
    return undefined;
  }

  /** The running worker, if it is awake. */
  get(name: string): Worker | undefined {
    return this.workers.get(name)?.worker;
  }

  has(name: string): boolean {
    return this.workers.has(name);
  }

  names(): string[] {
    return [...this.workers.keys()];
  }

  /** How many workers are awake (each holds a blocking Redis connection). */
  awake(): number {
    let n = 0;
    for (const m of this.workers.values()) if (m.worker) n++;
    return n;
  }

  /** A job was added to the worker's queue in this process: start the worker if it sleeps, keep it awake if not. */
  wake(name: string): void {
    const managed = this.workers.get(name);
    if (!managed || this.closing) return;
    managed.busyAt = Date.now();
    if (managed.paused || managed.worker) return;
    if (managed.retiring) managed.wakeAfterRetire = true;
    else this.start(name, managed);
  }

  private start(name: string, managed: Managed): Worker {
    const worker = managed.factory();
    worker.on('error', (err) => this.options.logger.warn({ worker: name, err: err.message }, 'worker error'));
    const busy = () => (managed.busyAt = Date.now());
    worker.on('active', busy);
    worker.on('completed', (job) => {
      busy();
      this.options.onJobDone?.(name, 'completed', job);
    });
    worker.on('failed', (job) => {
      busy();
      if (job) this.options.onJobDone?.(name, 'failed', job);
    });
    managed.worker = worker;
    managed.busyAt = Date.now();
    return worker;
  }

  /**
   * Recreates every worker whose loop has ended while it should be running, puts idle workers with
   * nothing to do to sleep, and wakes sleeping ones whose queue has work. Only public state is read: a
   * paused worker's loop ends too (BullMQ leaves it until resume), and a worker this supervisor retired is no longer
   * running, so any other awake worker that is not running has stopped on its own, closed or not.
   */
  check(): Promise<string[]> {
    this.checking ??= this.checkOnce().finally(() => (this.checking = undefined));
    return this.checking;
  }

  private async checkOnce(): Promise<string[]> {
    if (this.closing) return [];
    const recreated: string[] = [];
    for (const [name, managed] of this.workers) {
      if (managed.paused || !managed.worker || managed.worker.isRunning()) continue;
      this.options.logger.warn({ worker: name }, 'worker stopped after a Redis fault; recreating it');
      void within(managed.worker.close(true), 1_000);
      this.start(name, managed);
      recreated.push(name);
      this.options.onRecreate?.(name);
    }
    if (this.options.sleep) await this.sleepOrWake();
    return recreated;
  }

  private async sleepOrWake(): Promise<void> {
    const { idleMs } = this.options.sleep!;
    const now = Date.now();
    const asleep: string[] = [];
    const idle: string[] = [];
    for (const [name, m] of this.workers) {
      if (m.paused || m.retiring) continue;
      if (!m.worker) asleep.push(name);
      else if (now - m.busyAt >= idleMs) idle.push(name);
    }
    if (asleep.length > 0) await this.wakeIfWork(asleep);
    if (idle.length === 0) return;
    const work = await this.options.sleep!.hasWork(idle, this.checkIntervalMs * 2);
    idle.forEach((name, i) => {
      const m = this.workers.get(name)!;
      if (work[i] || this.closing || m.paused || !m.worker || Date.now() - m.busyAt < idleMs) return;
      this.retire(name, m);
    });
  }

  private async wakeIfWork(names: string[]): Promise<void> {
    const work = await this.options.sleep!.hasWork(names, this.checkIntervalMs * 2);
    names.forEach((name, i) => {
      if (work[i]) this.wake(name);
    });
  }

  /** Closes an idle worker; the jobs it might have taken meanwhile finish first (a graceful close). */
  private retire(name: string, managed: Managed): void {
    const worker = managed.worker!;
    managed.worker = undefined;
    managed.retiring = (async () => {
      if (!(await within(worker.close(), 5_000))) await within(worker.close(true), 1_000);
    })().finally(() => {
      managed.retiring = undefined;
      if (managed.wakeAfterRetire && !this.closing) {
        managed.wakeAfterRetire = false;
        if (!managed.paused) this.start(name, managed);
      }
    });
  }

  /** Stops taking new jobs; the job in hand finishes. */
  async pause(name: string): Promise<void> {
    const managed = this.workers.get(name);
    if (!managed) return;
    managed.paused = true;
    await managed.worker?.pause(true);
  }

  resume(name: string): void {
    const managed = this.workers.get(name);
    if (!managed) return;
    managed.paused = false;
    if (managed.worker) managed.worker.resume();
    else if (!this.options.sleep) this.start(name, managed);
    else void this.wakeIfWork([name]).catch(() => undefined);
  }

  /**
   * Lets each worker finish its job in hand within the deadline, then forces it. A forced job keeps
   * its place in Redis: its lock lapses and BullMQ hands it out again (stalled-job recovery).
   *
   * The waiting is done with pause(), never with a graceful close(): once close() has begun, BullMQ
   * answers close(true) with that same pending close, so a job that outlives the deadline would keep
   * its worker (lock renewal, stalled checks) alive for good. With nothing in hand, forcing loses nothing.
   */
  async close(deadlineMs: number): Promise<{ forced: string[] }> {
    this.closing = true;
    clearInterval(this.timer);
    const forced: string[] = [];
    await Promise.all(
      [...this.workers].map(async ([name, managed]) => {
        if (managed.retiring) await within(managed.retiring, deadlineMs);
        const worker = managed.worker;
        if (!worker) return;
        if (!(await finishJobsInHand(worker, deadlineMs))) forced.push(name);
        await within(worker.close(true), 1_000);
      }),
    );
    return { forced };
  }
}

/** true when the worker has nothing in hand within `ms`; it takes no new job either way. */
async function finishJobsInHand(worker: Worker, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  // pause() waits for the jobs in hand, but returns at once for a worker paused before (the gate)
  if (!(await within(worker.pause(), ms))) return false;
  // a paused worker's loop runs on while it still holds a job
  while (worker.isRunning()) {
    if (Date.now() >= deadline) return false;
    await sleep(20);
  }
  return true;
}

/** Whether `promise` settled within `ms`; the timer is cleared either way, so it never holds the process open. */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  const timer = new AbortController();
  try {
    return await Promise.race([
      promise.then(
        () => true,
        () => true,
      ),
      sleep(ms, false, { signal: timer.signal }),
    ]);
  } finally {
    timer.abort();
  }
}
