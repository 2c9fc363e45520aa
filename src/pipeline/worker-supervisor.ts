import { setTimeout as sleep } from 'node:timers/promises';
import type { Worker } from 'bullmq';
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
  worker: Worker;
  paused: boolean;
}

/**
 * How every worker recovers the jobs of a process that died: a job whose lock is not renewed for
 * lockDuration is stalled and handed out again (checked every stalledInterval). A stall is a
 * crash, never the job's fault, so it is never counted against the job (BullMQ would otherwise
 * fail it after one stall, and a failed inbound job would keep its message unread at NHN).
 */
export const RECOVERY = { lockDuration: 10_000, stalledInterval: 5_000, maxStalledCount: 1_000 } as const;

export interface WorkerSupervisorOptions {
  logger: Logger;
  checkIntervalMs?: number;
  onRecreate?: (name: string) => void;
}

export class WorkerSupervisor {
  private readonly workers = new Map<string, Managed>();
  private readonly timer: NodeJS.Timeout;
  private closing = false;

  constructor(private readonly options: WorkerSupervisorOptions) {
    this.timer = setInterval(() => void this.check(), options.checkIntervalMs ?? 5_000);
    this.timer.unref();
  }

  add(name: string, factory: () => Worker): Worker {
    const worker = this.watch(name, factory());
    this.workers.set(name, { factory, worker, paused: false });
    return worker;
  }

  get(name: string): Worker | undefined {
    return this.workers.get(name)?.worker;
  }

  names(): string[] {
    return [...this.workers.keys()];
  }

  private watch(name: string, worker: Worker): Worker {
    worker.on('error', (err) => this.options.logger.warn({ worker: name, err: err.message }, 'worker error'));
    return worker;
  }

  /**
   * Recreates every worker whose loop has ended while it should be running. Only public state is read: a paused
   * worker's loop ends too (BullMQ leaves it until resume), and a worker this supervisor retired is no longer
   * managed, so any other managed worker that is not running has stopped on its own, closed or not.
   */
  async check(): Promise<string[]> {
    if (this.closing) return [];
    const recreated: string[] = [];
    for (const [name, managed] of this.workers) {
      if (managed.paused || managed.worker.isRunning()) continue;
      this.options.logger.warn({ worker: name }, 'worker stopped after a Redis fault; recreating it');
      const old = managed.worker;
      void within(old.close(true), 1_000);
      managed.worker = this.watch(name, managed.factory());
      recreated.push(name);
      this.options.onRecreate?.(name);
    }
    return recreated;
  }

  /** Stops taking new jobs; the job in hand finishes. */
  async pause(name: string): Promise<void> {
    const managed = this.workers.get(name);
    if (!managed) return;
    managed.paused = true;
    await managed.worker.pause(true);
  }

  resume(name: string): void {
    const managed = this.workers.get(name);
    if (!managed) return;
    managed.paused = false;
    managed.worker.resume();
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
      [...this.workers].map(async ([name, { worker }]) => {
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
