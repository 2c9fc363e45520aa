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
  listUnread(receiverHerId: number): Promise<{ id: string; receiverHerId?: number | null }[]>;
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
}

export class InboundPoller implements Poller {
  readonly name = 'nhn-inbound-poller';
  lastSuccessAt: Date | undefined;
  lastError: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private paused = true;

  constructor(private readonly options: InboundPollerOptions) {}

  start(): void {
    this.paused = false;
    this.schedule(0);
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

  /** One round: returns how many messages were listed (queued or already queued). */
  async pollOnce(): Promise<number> {
    if (!this.options.mayTake()) return 0;
    let listed = 0;
    try {
      for (const herId of this.options.herIds) {
        const unread = await this.options.transport.listUnread(herId);
        listed += unread.length;
        await Promise.all(
          unread.map((m) =>
            this.options.inbound.add(
              'receive',
              { nhnMessageId: m.id, receiverHerId: m.receiverHerId ?? herId },
              { jobId: m.id, attempts: 50, backoff: { type: 'exponential', delay: 2_000 } },
            ),
          ),
        );
      }
      this.lastSuccessAt = new Date();
      this.lastError = undefined;
      this.options.metrics?.pollSucceeded(this.lastSuccessAt);
    } catch (err) {
      this.lastError = err instanceof Error ? err.message : String(err);
      this.options.logger.warn({ err: this.lastError }, 'polling NHN failed; will try again');
    }
    return listed;
  }
}
