import rhea, { type Connection, type ConnectionOptions, type Delivery, type EventContext, type Receiver, type Sender } from 'rhea';
import type { Logger } from '../../../src/logging.js';
import type { BusSender } from './amqp-transport.js';
import { receiveAddress, type Addressing, type WireMessage } from './wire.js';

/**
 * One AMQP 1.0 connection per process to the service bus (rhea): reconnecting with back-off, one
 * sender per address, receivers with credit the gateway gives one message at a time, `tcp_no_delay`
 * (without it every round trip waits for Nagle). A send resolves when the broker accepted the
 * message; a refusal, a release or a lost connection before that is a retryable failure, so the
 * outbound job tries again (the receiver is idempotent by message id). A received message is
 * settled only after its handler says so: accepted once it is queued here, released (to come
 * again) when it could not be.
 */

export interface AmqpBusOptions {
  url: string;
  addressing: Addressing;
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** how long a send waits for credit and for the broker's answer */
  sendTimeoutMs?: number;
  containerId?: string;
}

/** What a receiver's handler decides for a message. */
export type Settlement = 'accept' | 'release';

export type MessageHandler = (message: WireMessage, queue: string) => Promise<Settlement>;

export interface ReceiverHandle {
  readonly queue: string;
  /** stops giving credit: nothing more is delivered until resume() */
  pause(): void;
  resume(): void;
  close(): Promise<void>;
}

interface Pending {
  resolve: () => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

const failure = (reason: string) => Object.assign(new Error(reason), { retryable: true, reason });

function connectionOptions(url: string): ConnectionOptions {
  const u = new URL(url);
  const tls = u.protocol === 'amqps:';
  const common = {
    host: u.hostname,
    port: u.port ? Number(u.port) : tls ? 5671 : 5672,
    ...(u.username ? { username: decodeURIComponent(u.username), password: decodeURIComponent(u.password) } : {}),
    reconnect: true,
    initial_reconnect_delay: 100,
    max_reconnect_delay: 10_000,
    idle_time_out: 30_000,
    // rhea reads it (socket.setNoDelay); its typings do not list it
    ...({ tcp_no_delay: true } as object),
  };
  return tls ? { ...common, transport: 'tls', servername: u.hostname } : common;
}

interface ReceiverState {
  /** the current link (a new one after the broker ended the last) */
  receiver: Receiver;
  /** the link's own session: ended with the link, so the broker puts back what it had given */
  end: () => void;
  inHand: number;
  paused: boolean;
  prefetch: number;
  closed: boolean;
}

/** how long a receiver the broker ended waits before it attaches again */
const RECEIVER_REATTACH_MS = 1_000;

export class AmqpBus implements BusSender {
  readonly addressing: Addressing;
  private connection: Connection | undefined;
  private readonly senders = new Map<string, Sender>();
  private readonly pending = new Map<Delivery, Pending>();
  private readonly creditWaits = new Map<Sender, Promise<void>>();
  private readonly receivers = new Set<ReceiverState>();
  private opened: Promise<void> | undefined;
  private closing = false;
  /** the connection is open (false while it reconnects) */
  isOpen = false;
  lastError: string | undefined;

  constructor(private readonly options: AmqpBusOptions) {
    this.addressing = options.addressing;
  }

  dataSection(body: Buffer): unknown {
    return rhea.message.data_section(body);
  }

  /** Opens the connection; resolves once the broker answered the open, throws when it cannot be reached within `timeoutMs`. */
  start(timeoutMs = 15_000): Promise<void> {
    this.opened ??= new Promise<void>((resolve, reject) => {
      const container = rhea.create_container({ id: this.options.containerId ?? `epj-gateway-${process.pid}` });
      // errors nobody else handled (a link or session the broker ended) are recorded, not thrown
      container.on('error', (err: unknown) => {
        this.lastError = String((err as Error | undefined)?.message ?? err);
        this.options.logger.warn({ err: this.lastError }, 'service bus error');
      });
      const connection = container.connect(connectionOptions(this.options.url));
      this.connection = connection;
      const timer = setTimeout(() => reject(failure(`the service bus at ${redacted(this.options.url)} did not answer within ${timeoutMs} ms`)), timeoutMs);
      connection.on('connection_open', () => {
        this.isOpen = true;
        this.lastError = undefined;
        clearTimeout(timer);
        this.options.logger.info({ bus: redacted(this.options.url) }, 'service bus connection open');
        resolve();
      });
      connection.on('disconnected', (ctx: EventContext) => {
        this.isOpen = false;
        this.lastError = ctx.error ? String(ctx.error.message ?? ctx.error) : 'disconnected';
        // whatever the broker had not answered is unknown: the sender tries again
        for (const [delivery, p] of this.pending) {
          clearTimeout(p.timer);
          p.reject(failure(`service bus connection lost before the broker answered (${this.lastError})`));
          this.pending.delete(delivery);
        }
        for (const r of this.receivers) r.inHand = 0;
        if (!this.closing) this.options.logger.warn({ err: this.lastError }, 'service bus connection lost; reconnecting');
      });
      connection.on('connection_error', (ctx: EventContext) => {
        this.lastError = errorText(ctx.connection.error, 'connection error');
      });
      connection.on('error', (ctx: EventContext) => {
        this.lastError = String(ctx.error?.message ?? 'error');
      });
    });
    return this.opened;
  }

  private senderFor(address: string): Sender {
    const known = this.senders.get(address);
    if (known && !known.is_closed()) return known;
    // a session per link: the broker ends the session of a link it refuses (an unknown exchange or
    // queue), which must not take the other clinics' links with it
    const session = this.connection!.create_session();
    session.begin();
    const sender = session.open_sender({ target: { address } });
    session.on('session_error', (ctx: EventContext) => {
      this.lastError = errorText(ctx.session?.error, 'session error');
      this.senders.delete(address);
    });
    const settle = (ctx: EventContext, err?: Error) => {
      const p = ctx.delivery ? this.pending.get(ctx.delivery) : undefined;
      if (!p) return;
      this.pending.delete(ctx.delivery!);
      clearTimeout(p.timer);
      if (err) p.reject(err);
      else p.resolve();
    };
    sender.on('accepted', (ctx: EventContext) => settle(ctx));
    sender.on('rejected', (ctx: EventContext) => settle(ctx, failure(`the broker refused the message: ${describe(ctx.delivery?.remote_state)}`)));
    sender.on('released', (ctx: EventContext) => settle(ctx, failure('the broker released the message')));
    sender.on('modified', (ctx: EventContext) => settle(ctx, failure('the broker did not take the message (modified)')));
    sender.on('sender_error', (ctx: EventContext) => {
      this.lastError = errorText(ctx.sender?.error, 'sender error');
      this.senders.delete(address);
    });
    this.senders.set(address, sender);
    return sender;
  }

  /** Resolves when the broker accepted the message. */
  async send(message: WireMessage): Promise<void> {
    await this.start();
    if (!message.to) throw failure('a message without an address');
    const timeoutMs = this.options.sendTimeoutMs ?? 10_000;
    const sender = this.senderFor(message.to);
    if (!sender.sendable()) {
      // one wait per link, however many sends are waiting on it
      let waiting = this.creditWaits.get(sender);
      if (!waiting) {
        waiting = this.credit(sender, message.to, timeoutMs).finally(() => this.creditWaits.delete(sender));
        this.creditWaits.set(sender, waiting);
      }
      await waiting;
    }
    await new Promise<void>((resolve, reject) => {
      const delivery = sender.send(message as rhea.Message);
      const timer = setTimeout(() => {
        this.pending.delete(delivery);
        reject(failure(`the broker did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(delivery, { resolve, reject, timer });
    });
  }

  /** Waits for the broker to give the link credit; a link the broker refuses (no such queue or exchange) fails at once. */
  private credit(sender: Sender, address: string, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        sender.removeListener('sendable', onSendable);
        sender.removeListener('sender_close', onClosed);
        sender.removeListener('sender_error', onClosed);
        sender.session.removeListener('session_close', onClosed);
      };
      const timer = setTimeout(() => {
        done();
        reject(failure(`no credit from the broker for ${address} within ${timeoutMs} ms`));
      }, timeoutMs);
      const onSendable = () => {
        done();
        resolve();
      };
      const onClosed = (ctx: EventContext) => {
        done();
        this.senders.delete(address);
        const why = ctx.sender?.error ?? ctx.session?.error;
        reject(failure(`the broker refused the link to ${address}: ${why ? describe({ error: why }) : 'closed'}`));
      };
      sender.once('sendable', onSendable);
      sender.once('sender_close', onClosed);
      sender.once('sender_error', onClosed);
      sender.session.once('session_close', onClosed);
    });
  }

  /**
   * Receives from one of the gateway's queues, `prefetch` messages in hand at most. Each message is
   * given to `handler` and settled as it decides; a handler that throws releases the message.
   */
  receive(queue: string, handler: MessageHandler, prefetch = 16): ReceiverHandle {
    if (!this.connection) throw failure('the service bus is not started');
    const connection = this.connection;
    const state: ReceiverState = { receiver: undefined as unknown as Receiver, end: () => undefined, inHand: 0, paused: false, prefetch, closed: false };
    const credit = () => (state.receiver as unknown as { credit: number }).credit;
    // Credit is given as messages are settled, never more than `prefetch` in hand. Pausing detaches
    // the link, and resuming attaches a new one: RabbitMQ 3.10 ends the session on a drain request
    // and delivers past the credit given, so withholding credit would not stop it.
    const topUp = () => {
      const r = state.receiver;
      if (state.paused || state.closed || r.is_closed()) return;
      const want = state.prefetch - state.inHand - credit();
      if (want > 0) r.add_credit(want);
    };
    const attach = () => {
      // a session of its own, as for senders: the broker ending it ends this link only
      const session = connection.create_session();
      session.begin();
      const receiver = session.open_receiver({ source: { address: receiveAddress(queue, this.addressing) }, autoaccept: false, credit_window: 0 });
      state.receiver = receiver;
      // RabbitMQ 3.10 keeps a detached link's unsettled messages (those it sent past the credit among
      // them) until the session ends: ending it puts them back on the queue at once
      state.end = () => {
        if (!receiver.is_closed()) receiver.close();
        if (!session.is_closed()) session.close();
      };
      state.inHand = 0;
      receiver.on('receiver_open', () => topUp());
      receiver.on('message', (ctx: EventContext) => {
        const delivery = ctx.delivery!;
        state.inHand++;
        void handler(ctx.message as WireMessage, queue)
          .catch((err: unknown) => {
            this.options.logger.warn({ queue, err: (err as Error).message }, 'service bus message not taken; released to come again');
            return 'release' as const;
          })
          .then((settlement) => {
            if (settlement === 'accept') delivery.accept();
            else delivery.release(); // 'released': the broker puts it back (RabbitMQ 3.x refuses 'modified')
          })
          .catch(() => undefined)
          .finally(() => {
            if (state.receiver !== receiver) return;
            state.inHand = Math.max(0, state.inHand - 1);
            topUp();
          });
      });
      receiver.on('receiver_error', (ctx: EventContext) => {
        this.lastError = errorText(ctx.receiver?.error, 'receiver error');
        this.options.logger.warn({ queue, err: this.lastError }, 'service bus receiver error');
      });
      // The broker ended the link or its session (a fault on its side, a queue deleted): what it had
      // given is back on the queue; attach again after a pause, as long as someone still listens.
      let ended = false;
      const onEnded = (ctx: EventContext) => {
        if (ended || state.closed || state.paused || this.closing || state.receiver !== receiver) return;
        ended = true;
        this.lastError = errorText(ctx.receiver?.error ?? ctx.session?.error, 'the broker closed the receiver');
        this.options.logger.warn({ queue, err: this.lastError }, 'service bus receiver ended by the broker; attaching again');
        setTimeout(() => {
          if (!state.closed && !state.paused && !this.closing && state.receiver === receiver) attach();
        }, RECEIVER_REATTACH_MS).unref();
      };
      receiver.on('receiver_close', onEnded);
      session.on('session_close', onEnded);
    };
    attach();
    this.receivers.add(state);
    return {
      queue,
      pause: () => {
        if (state.paused) return;
        state.paused = true;
        // what it had given and is not settled goes back to the queue with the link and its session
        state.end();
      },
      resume: () => {
        if (!state.paused || state.closed) return;
        state.paused = false;
        attach();
      },
      close: async () => {
        state.closed = true;
        this.receivers.delete(state);
        state.end();
      },
    };
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const r of this.receivers) if (!r.receiver.is_closed()) r.receiver.close();
    this.receivers.clear();
    const connection = this.connection;
    if (!connection) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 2_000);
      connection.once('connection_close', () => {
        clearTimeout(timer);
        resolve();
      });
      connection.once('disconnected', () => {
        clearTimeout(timer);
        resolve();
      });
      // no reconnecting once closed, whatever state the link to the broker is in
      (connection as unknown as { options: { reconnect: boolean } }).options.reconnect = false;
      connection.close();
    });
    connection.removeAllListeners();
    this.isOpen = false;
  }
}

/** An AMQP error (condition and description) or any other error as one line. */
function errorText(error: unknown, fallback: string): string {
  if (!error) return fallback;
  if (error instanceof Error) return error.message;
  const e = error as { condition?: unknown; description?: unknown };
  const text = [e.condition, e.description].filter((x) => typeof x === 'string').join(' ');
  return text || fallback;
}

function describe(state: unknown): string {
  const error = (state as { error?: { condition?: string; description?: string } } | undefined)?.error;
  return error ? `${error.condition ?? ''} ${error.description ?? ''}`.trim() : 'no reason given';
}

/** The bus address without its password, for logs. */
export function redacted(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'the configured AMQP_URL';
  }
}
