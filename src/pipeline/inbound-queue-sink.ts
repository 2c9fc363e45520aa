import type { Queue } from 'bullmq';
import type { InboundSink, WaitingMessage } from '../ports/inbound-source.js';
import type { Clock } from '../ports/clock.js';
import type { InboundJobData } from './inbound.js';

/**
 * A clinic's inbound queue as the sink of an inbound source: one job per NHN message, with NHN's
 * id as the job id, so a message listed twice (two polls, a poll and a push) is one job.
 */

/** how long a queued message is not offered to Redis again while NHN still lists it as unread */
const REOFFER_AFTER_MS = 30_000;

export class InboundQueueSink implements InboundSink {
  /**
   * Messages queued lately, by NHN id and when: they stay in NHN's unread list until their job
   * marks them read and need not go to Redis on every poll. After a while (or a restart) they are
   * offered again; the job id keeps that harmless.
   */
  private readonly queuedLately = new Map<string, number>();

  constructor(
    private readonly inbound: Pick<Queue<InboundJobData>, 'add'>,
    private readonly clock: Clock,
  ) {}

  async offer(messages: readonly WaitingMessage[]): Promise<{ taken: number }> {
    const now = this.clock.now();
    const fresh = messages.filter((m) => (this.queuedLately.get(m.id) ?? -Infinity) < now - REOFFER_AFTER_MS);
    await Promise.all(
      fresh.map((m) =>
        this.inbound.add(
          'receive',
          { nhnMessageId: m.id, receiverHerId: Number(m.receiverHerId), ...(m.metadata ? { metadata: m.metadata } : {}) },
          { jobId: m.id, attempts: 50, backoff: { type: 'exponential', delay: 2_000 } },
        ),
      ),
    );
    for (const m of fresh) this.queuedLately.set(m.id, now);
    // Forget what NHN no longer lists, so the map stays as small as the mailbox.
    if (this.queuedLately.size > 2 * messages.length + 1_000) {
      const listed = new Set(messages.map((m) => m.id));
      for (const id of this.queuedLately.keys()) if (!listed.has(id)) this.queuedLately.delete(id);
    }
    return { taken: fresh.length };
  }
}
