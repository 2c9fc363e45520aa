import type { InboundClinic, InboundSource, InboundStatus } from '../ports/inbound-source.js';
import type { UnreadMessage } from '../ports/transport.js';
import type { PollScheduler } from './poll-scheduler.js';

/**
 * The inbound source of NHN's message API v2: each clinic's mailboxes are read with the clinic's
 * own transport (its own HelseID client), on the one scheduler of this process. A push source for
 * API v3 replaces this file in the composition; the sinks stay.
 */

/** A clinic as the poller needs it: also how to read its mailboxes. */
export interface PolledInboundClinic extends InboundClinic {
  mailbox: { listUnread(receiverHerId: number): Promise<UnreadMessage[]> };
}

export class PollingInboundSource implements InboundSource<PolledInboundClinic> {
  readonly name = 'nhn-inbound-poller';

  constructor(private readonly scheduler: PollScheduler) {}

  start(): void {
    this.scheduler.start();
  }

  add(clinic: PolledInboundClinic): void {
    this.scheduler.add({
      herId: clinic.herId,
      mayPoll: clinic.mayTake,
      poll: async () => {
        // One mailbox after another: a clinic's few HER-ids are not worth parallel calls under NHN's rate limit.
        const waiting = [];
        for (const receiver of clinic.receiverHerIds) {
          const unread = await clinic.mailbox.listUnread(Number(receiver));
          waiting.push(
            ...unread.map((m) => ({
              id: m.id,
              receiverHerId: m.receiverHerId ? String(m.receiverHerId) : receiver,
              ...(m.metadata ? { metadata: m.metadata } : {}),
            })),
          );
        }
        // Offered even when empty: the sink forgets what NHN no longer lists.
        return clinic.sink.offer(waiting);
      },
    });
  }

  remove(herId: string): Promise<void> {
    return this.scheduler.remove(herId);
  }

  status(herId: string): InboundStatus | undefined {
    const s = this.scheduler.status(herId);
    return s && { lastSuccessAt: s.lastSuccessAt, lastError: s.lastError };
  }

  pause(): Promise<void> {
    return this.scheduler.pause();
  }
}
