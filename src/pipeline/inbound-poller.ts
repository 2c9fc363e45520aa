import type { Queue } from 'bullmq';
import type { Poller } from '../lifecycle.js';
import type { Logger } from '../logging.js';
import type { PipelineMetrics } from '../metrics.js';
import type { InboundJobData } from './inbound.js';

/**
 * Asks NHN for unread messages on a schedule and adds one job per message, with NHN's message id as
 * the job id: a message listed twice is one job. When the whole gateway is closed by the gate the
 * poller takes nothing, so the messages stay on NHN's side.
 */

export interface UnreadLister {
  listUnread(receiverHerId: number): Promise<{ id: string; receiverHerId?: number | null; metadata?: InboundJobData['metadata'] }[]>;
}

export interface InboundPollerOptions {
  transport: UnreadLister;
  inbound: Queue<InboundJobData>;
  herIds: number[];
  intervalMs: number;
  /** false while the gate is closed for the whole gateway */
  mayTake: () => boolean;
  logger: Logger;
  metrics?: Pick<PipelineMetrics, 'pollSucceeded'>;
  /** polled by the process's one scheduler (poll-scheduler.ts) instead of a timer of its own */
  scheduled?: boolean;
}

/** how long a queued message is not offered to Redis again while NHN still lists it as unread */
const REOFFER_AFTER_MS = 30_000;

export class InboundPoller implements Poller {
  readonly name = 'nhn-inbound-poller';
  lastSuccessAt: Date | undefined;
  lastError: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private paused = true;
  /**
   * Messages this process queued lately, by NHN id and when: they stay in NHN's unread list until
   * their job marks them read, and need not be offered to Redis again on every poll. After a
   * while (or a restart) they are offered again; the job id keeps that harmless.
   */
  private readonly queuedLately = new Map<string, number>();

  constructor(private readonly options: InboundPollerOptions) {}

  start(): void {
    this.paused = false;
    if (!this.options.scheduled) this.schedule(0);
  }

  /** Whether the scheduler may poll now: started, not paused, the gate not closed for the whole clinic. */
  get active(): boolean {
    return !this.paused && this.options.mayTake();
  }

  private schedule(ms: number): void {
    if (this.paused) return;
    this.timer = setTimeout(() => {
      this.running = this.pollOnce().finally(() => {
        this.running = undefined;
        this.schedule(this.options.intervalMs);
      });
    }, ms);
    this.timer.unref();
  }

  /** Stops after the poll in progress, if any. */
  async pause(): Promise<void> {
    this.paused = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  resume(): void {
    if (this.paused) this.start();
  }

  /** One round: returns how many messages were listed (queued or already queued); a fault is logged and kept as lastError. */
  async pollOnce(): Promise<number> {
    try {
      return (await this.pollOrThrow()).listed;
    } catch {
      return 0;
    }
  }

  /** One round for the scheduler: listed and newly queued; a fault (a 429 with its Retry-After) is thrown after it is recorded. */
  pollOrThrow(): Promise<{ listed: number; taken: number }> {
    const round = this.round();
    this.running = round.catch(() => undefined);
    return round;
  }

  private async round(): Promise<{ listed: number; taken: number }> {
    if (!this.options.mayTake()) return { listed: 0, taken: 0 };
    let listed = 0;
    let taken = 0;
    try {
      for (const herId of this.options.herIds) {
        const unread = await this.options.transport.listUnread(herId);
        listed += unread.length;
        const now = Date.now();
        const fresh = unread.filter((m) => (this.queuedLately.get(m.id) ?? 0) < now - REOFFER_AFTER_MS);
        await Promise.all(
          fresh.map((m) =>
            this.options.inbound.add(
              'receive',
              { nhnMessageId: m.id, receiverHerId: m.receiverHerId ?? herId, ...(m.metadata ? { metadata: m.metadata } : {}) },
              { jobId: m.id, attempts: 50, backoff: { type: 'exponential', delay: 2_000 } },
            ),
          ),
        );
        for (const m of fresh) this.queuedLately.set(m.id, now);
        taken += fresh.length;
        if (this.queuedLately.size > 2 * unread.length + 1_000) {
          const seen = new Set(unread.map((m) => m.id));
          for (const id of this.queuedLately.keys()) if (!seen.has(id)) this.queuedLately.delete(id);
        }
      }
      this.lastSuccessAt = new Date();
      this.lastError = undefined;
      this.options.metrics?.pollSucceeded(this.lastSuccessAt);
    } catch (err) {
      this.lastError = err instanceof Error ? err.message : String(err);
      this.options.logger.warn({ err: this.lastError }, 'polling NHN failed; will try again');
      throw err;
    }
    return { listed, taken };
  }
}
