/**
 * Where the pipeline learns that messages wait at NHN for a clinic. Today a poller asks each
 * clinic's mailboxes in turn; NHN's announced message API v3 pushes notifications (a global offset,
 * one Server-Sent Events stream for many HER-ids at once). Both sit behind this port, so swapping
 * one for the other touches the composition only.
 *
 * Ids are NHN's message ids; HER-ids are strings here as in the clinic model. Nothing is lost when
 * a source only counts a message as handed over (advances its offset, forgets it) after `offer`
 * resolved: by then the messages are queued in Redis.
 */

/** A message waiting at NHN, with the HER-id it was sent to: the clinic's or one of its GPs'/services'. */
export interface WaitingMessage {
  id: string;
  receiverHerId: string;
  /** the message's metadata, when the source has it at hand: the inbound job then need not ask for it */
  metadata?: { isAppRec: boolean; senderHerId?: number; businessDocumentId?: string };
}

/** The pipeline's side for one clinic: queues what a source found. */
export interface InboundSink {
  /** resolves once every message is queued (or already was); `taken` counts the ones new to it */
  offer(messages: readonly WaitingMessage[]): Promise<{ taken: number }>;
}

/** A clinic as a source needs it. Each clinic brings its own sink, so one source serves many clinics without a lookup table. */
export interface InboundClinic {
  herId: string;
  /** the HER-ids whose mailboxes belong to it, its own first */
  receiverHerIds: readonly string[];
  sink: InboundSink;
  /** false while the clinic's gate is closed: nothing is offered, the messages stay at NHN */
  mayTake: () => boolean;
}

/** What the fleet view shows of a clinic's inbound side. */
export interface InboundStatus {
  lastSuccessAt: Date | undefined;
  lastError: string | undefined;
}

/** A poller or a push stream for all clinics of this process; `C` is what this source needs per clinic beyond the common part. */
export interface InboundSource<C extends InboundClinic = InboundClinic> {
  start(): void;
  /** starts (or, for a known HER-id, updates) a clinic at run time */
  add(clinic: C): void;
  /** stops a clinic; resolves when nothing more is offered for it */
  remove(herId: string): Promise<void>;
  /** undefined for a clinic this source does not know */
  status(herId: string): InboundStatus | undefined;
  /** for shutdown: stops after the work in hand; nothing is offered afterwards */
  pause(): Promise<void>;
}
