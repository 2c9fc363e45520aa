import { createHash, randomUUID } from 'node:crypto';
import type { Logger } from '../../../src/logging.js';
import type { InboundClinic, InboundSource, InboundStatus } from '../../../src/ports/inbound-source.js';
import type { AmqpBus, ReceiverHandle, Settlement } from './bus.js';
import { deadLetter, errorMessage, queueName, readIncoming, type Incoming, type Refused, type WireMessage } from './wire.js';

/**
 * The service bus as the pipeline's inbound source: the bus pushes each clinic's messages on its
 * `<HER-id>_async` queues (the clinic's own and those of the GPs and services under it). A message
 * that fails the transport checks is answered on its sender's error queue and settled; any other is
 * kept for its job, queued, and only then settled, so a crash in between delivers it again and
 * the job id (sender and message id) makes that harmless. While a clinic's gate is closed its
 * receivers get no credit: its messages wait on the bus. A message whose handling fails is released
 * to come again; after `maxTries` failures in this process it is moved to the receiver's `_dl` queue
 * with the reason, so one message that cannot be taken does not come round for ever.
 */

/** Failures before a received message goes to the dead letters (Helsenorge.Messaging gives up after about 10). */
export const DEFAULT_MAX_TRIES = 10;

export interface AmqpInboundClinic extends InboundClinic {
  /** keeps a received message for the inbound job to read by id */
  keep(id: string, message: Incoming): Promise<void>;
  /**
   * answers a synchronous request (on a `<HER-id>_sync` queue) at once, outside the queues; its
   * receivers keep their credit while the gate is closed, so the citizen is told rather than left
   * waiting. Without it the clinic has no sync receivers.
   */
  answerSync?(message: Incoming): Promise<void>;
  /**
   * checks the message's cpaId against the agreement between the clinic and its sender: why it is
   * wrong, or undefined. A register that cannot answer (it throws) holds nothing against the message.
   */
  checkCpa?(message: Incoming): Promise<string | undefined>;
}

interface Served {
  clinic: AmqpInboundClinic;
  /** the `_async` receivers, which follow the gate */
  receivers: ReceiverHandle[];
  /** the `_sync` receivers, always open */
  syncReceivers: ReceiverHandle[];
  status: InboundStatus;
  closed: boolean;
}

/** A job id for a received message: the sender and its message id (BullMQ ids take no colon). */
export function receivedId(m: Incoming): string {
  const id = m.messageId || createHash('sha256').update(m.body).digest('hex').slice(0, 32);
  return `${m.fromHerId}-${id}`.replace(/[^A-Za-z0-9._-]/g, '_');
}

/** The same message however often it comes: its sender and message id (its body's digest when it has none). */
function triesKey(m: WireMessage): string {
  const id = m.message_id === undefined ? '' : Buffer.isBuffer(m.message_id) ? m.message_id.toString('hex') : String(m.message_id);
  const from = m.application_properties?.fromHerId;
  return `${typeof from === 'string' || typeof from === 'number' ? from : ''}|${
    id ||
    createHash('sha256')
      .update(JSON.stringify(m.body ?? null))
      .digest('hex')
  }`;
}

export class AmqpInboundSource implements InboundSource<AmqpInboundClinic> {
  private readonly served = new Map<string, Served>();
  /** failures so far of messages released to come again, by triesKey */
  private readonly failures = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;
  private started = false;
  private paused = false;

  constructor(
    private readonly bus: AmqpBus,
    private readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>,
    private readonly options: { prefetch?: number; gateCheckMs?: number; maxTries?: number } = {},
  ) {
    // the gate's state is read, not announced to the source: receivers follow it within a moment
    this.timer = setInterval(() => this.followGates(), options.gateCheckMs ?? 1_000);
    this.timer.unref();
  }

  start(): void {
    this.started = true;
    for (const s of this.served.values()) this.open(s);
  }

  add(clinic: AmqpInboundClinic): void {
    const known = this.served.get(clinic.herId);
    if (known) {
      known.clinic = clinic;
      return;
    }
    const served: Served = { clinic, receivers: [], syncReceivers: [], status: { lastSuccessAt: undefined, lastError: undefined }, closed: false };
    this.served.set(clinic.herId, served);
    if (this.started) this.open(served);
  }

  private open(s: Served): void {
    if (s.receivers.length > 0 || s.closed || this.paused) return;
    const ours = s.clinic.receiverHerIds.map(Number);
    s.receivers = ours.map((herId) =>
      this.bus.receive(queueName(herId, 'async'), (m) => this.tried(s, herId, m, () => this.take(s, m, ours)), this.options.prefetch ?? 16),
    );
    if (!s.clinic.mayTake()) for (const r of s.receivers) r.pause();
    if (s.clinic.answerSync)
      s.syncReceivers = ours.map((herId) =>
        this.bus.receive(queueName(herId, 'sync'), (m) => this.tried(s, herId, m, () => this.takeSync(s, m, ours)), this.options.prefetch ?? 16),
      );
  }

  /**
   * Runs a handler; when it fails the message is released to come again (the error goes on to the
   * bus), and at the `maxTries`-th failure it is moved to the receiving HER-id's `_dl` queue with the
   * reason and settled. Counted per process: a message redelivered to another replica starts again.
   */
  private async tried(s: Served, herId: number, message: WireMessage, run: () => Promise<Settlement>): Promise<Settlement> {
    const key = this.failures.size > 0 ? triesKey(message) : undefined;
    try {
      const settled = await run();
      if (key && settled === 'accept') this.failures.delete(key);
      return settled;
    } catch (err) {
      const k = key ?? triesKey(message);
      const tries = (this.failures.get(k) ?? 0) + 1;
      const max = this.options.maxTries ?? DEFAULT_MAX_TRIES;
      if (tries < max) {
        this.failures.set(k, tries);
        // bounded: the oldest count is forgotten first
        if (this.failures.size > 10_000) this.failures.delete(this.failures.keys().next().value!);
        throw err;
      }
      this.failures.delete(k);
      const reason = (err as Error).message;
      await this.bus.send(deadLetter(message, herId, 'MaxDeliveryCountExceeded', reason, this.bus.addressing, tries));
      s.status = { lastSuccessAt: s.status.lastSuccessAt, lastError: `a message was moved to ${queueName(herId, 'dl')} after ${tries} tries: ${reason}` };
      this.logger.error(
        { clinic: s.clinic.herId, queue: queueName(herId, 'dl'), tries, err: reason },
        'service bus message given up: moved to the dead-letter queue',
      );
      return 'accept';
    }
  }

  private followGates(): void {
    for (const s of this.served.values()) {
      const open = s.clinic.mayTake();
      for (const r of s.receivers) {
        if (open) r.resume();
        else r.pause();
      }
    }
  }

  private async take(s: Served, message: WireMessage, ours: number[]): Promise<Settlement> {
    if (this.paused || s.closed || !s.clinic.mayTake()) return 'release';
    const read = await this.checked(s, message, ours);
    if (!read) return 'accept';
    const id = receivedId(read);
    await s.clinic.keep(id, read);
    await s.clinic.sink.offer([{ id, receiverHerId: String(read.toHerId) }]);
    s.status = { lastSuccessAt: new Date(), lastError: undefined };
    return 'accept';
  }

  /** A synchronous request: checked as any message, then answered at once. */
  private async takeSync(s: Served, message: WireMessage, ours: number[]): Promise<Settlement> {
    if (this.paused || s.closed || !s.clinic.answerSync) return 'release';
    const read = await this.checked(s, message, ours);
    if (!read) return 'accept';
    await s.clinic.answerSync(read);
    s.status = { lastSuccessAt: new Date(), lastError: undefined };
    return 'accept';
  }

  /**
   * The transport checks of a received message: the message when it passes, else undefined once its
   * sender has been told on its error queue (or, with no sender to tell, once it is logged).
   */
  private async checked(s: Served, message: WireMessage, ours: number[]): Promise<Incoming | undefined> {
    const read = readIncoming(message, ours);
    if ('ok' in read) {
      let wrongCpa: string | undefined;
      try {
        wrongCpa = await s.clinic.checkCpa?.(read.ok);
      } catch (err) {
        this.logger.warn({ clinic: s.clinic.herId, err: (err as Error).message }, 'the cpaId of a received message could not be checked: taken as it is');
      }
      if (!wrongCpa) return read.ok;
      const refused: Refused = { condition: 'transport:invalid-field-value', description: wrongCpa, data: ['cpaId'] };
      await this.bus.send(errorMessage(read.ok, refused, this.bus.addressing, (b) => this.bus.dataSection(b), randomUUID));
      this.logger.warn({ clinic: s.clinic.herId, condition: refused.condition }, 'service bus message with a wrong cpaId refused on the sender’s error queue');
      return undefined;
    }
    const from = Number(message.application_properties?.fromHerId);
    if (!Number.isInteger(from) || from <= 0) {
      // no sender to tell (Helsenorge.Messaging drops these too, with a warning)
      this.logger.warn({ clinic: s.clinic.herId, condition: read.refused.condition }, 'service bus message without a sender refused');
      return undefined;
    }
    const to = Number(message.application_properties?.toHerId);
    await this.bus.send(
      errorMessage(
        {
          messageId: String(message.message_id ?? ''),
          subject: typeof message.subject === 'string' ? message.subject : undefined,
          fromHerId: from,
          toHerId: Number.isInteger(to) && to > 0 ? to : Number(s.clinic.herId),
        },
        read.refused,
        this.bus.addressing,
        (b) => this.bus.dataSection(b),
        randomUUID,
      ),
    );
    this.logger.warn({ clinic: s.clinic.herId, condition: read.refused.condition }, 'service bus message refused on the sender’s error queue');
    return undefined;
  }

  async remove(herId: string): Promise<void> {
    const s = this.served.get(herId);
    if (!s) return;
    s.closed = true;
    this.served.delete(herId);
    await Promise.all([...s.receivers, ...s.syncReceivers].map((r) => r.close()));
  }

  status(herId: string): InboundStatus | undefined {
    const s = this.served.get(herId);
    if (!s) return undefined;
    return { lastSuccessAt: s.status.lastSuccessAt, lastError: this.bus.isOpen ? s.status.lastError : (this.bus.lastError ?? 'service bus not connected') };
  }

  async pause(): Promise<void> {
    this.paused = true;
    clearInterval(this.timer);
    await Promise.all([...this.served.values()].flatMap((s) => [...s.receivers, ...s.syncReceivers].map((r) => r.close())));
    for (const s of this.served.values()) {
      s.receivers = [];
      s.syncReceivers = [];
    }
  }
}
