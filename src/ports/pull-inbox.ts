import type { EpjDelivery } from './epj-delivery.js';

/**
 * What the EPJ API's inbox routes need of an inbox EPJs pull from: a cursor-paged list of the
 * messages not yet acknowledged, and the acknowledgement.
 */

export interface PulledMessage extends EpjDelivery {
  /** where the next page starts when this is the last item read */
  cursor: string;
}

export interface PullInboxPort {
  /** unacknowledged messages after the cursor, oldest first */
  list(cursor: string | undefined, limit: number): Promise<{ items: PulledMessage[]; nextCursor?: string }>;
  /** idempotent: true when the message was waiting */
  ack(msgId: string): Promise<boolean>;
}
