import type { Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from './logging.js';

/** Something that takes work from outside on a schedule (the NHN poller, the outbox folder watcher). */
export interface Poller {
  name: string;
  pause(): Promise<void>;
}

/** The workers, as shutdown sees them: finish the job in hand within the deadline, then forced. */
export interface Workers {
  close(deadlineMs: number): Promise<{ forced: string[] }>;
}

/** A part that is closed at shutdown, named for the log. */
export interface Closable {
  name: string;
  close: () => Promise<unknown>;
}

/** Set once shutdown begins; HTTP answers new requests with 503 from then on. */
export class ShutdownFlag {
  private down = false;
  get isSet(): boolean {
    return this.down;
  }
  set(): void {
    this.down = true;
  }
}

/** Everything the lifecycle stops, in the order it stops them. */
export interface LifecycleParts {
  flag: ShutdownFlag;
  server?: Server;
  pollers: Poller[];
  workers?: Workers;
  /** closed in this order after the workers */
  parts: Closable[];
  /** closed last: processes the other parts talk to (the supervised redis-server, the demo's stand-ins) */
  finalParts?: Closable[];
}

/**
 * Shuts the gateway down in a fixed order so nothing is lost:
 * 1. stop taking requests (new ones get 503, open ones finish);
 * 2. pause the pollers, so no new work comes in from NHN or the EPJ folders;
 * 3. let the workers finish the job in hand within the deadline, then force them (a forced job
 *    stays in Redis and is handed out again after restart);
 * 4. close queues and Redis connections, then the supervised redis-server.
 * It is built last, from the parts the composition made, and changes none of them.
 */
export class Lifecycle {
  private done: Promise<void> | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly deadlineMs: number,
    private readonly stops: LifecycleParts,
  ) {}

  get shuttingDown(): boolean {
    return this.stops.flag.isSet;
  }

  shutdown(reason: string): Promise<void> {
    this.done ??= this.run(reason);
    return this.done;
  }

  private async run(reason: string): Promise<void> {
    const started = Date.now();
    const { flag, server, pollers, workers, parts, finalParts = [] } = this.stops;
    flag.set();
    this.logger.info({ reason }, 'shutting down: no new requests');
    if (server) await closeServer(server);

    for (const poller of pollers) {
      await Promise.race([poller.pause().catch(() => undefined), sleep(2_000)]);
    }
    this.logger.info({ pollers: pollers.map((p) => p.name) }, 'shutting down: pollers paused');

    if (workers) {
      const { forced } = await workers.close(this.deadlineMs);
      if (forced.length) this.logger.warn({ forced }, 'shutting down: workers forced after the deadline; their jobs stay queued');
      else this.logger.info('shutting down: workers finished the jobs in hand');
    }

    await closeInOrder([...parts, ...finalParts], this.logger);
    this.logger.info({ ms: Date.now() - started }, 'shut down cleanly');
  }

  /** The first SIGTERM/SIGINT shuts down in order and exits 0; a second one exits at once. */
  installSignalHandlers(exit: (code: number) => void = (code) => process.exit(code)): void {
    let signals = 0;
    const handler = (signal: NodeJS.Signals) => {
      signals += 1;
      if (signals > 1) {
        this.logger.warn({ signal }, 'second signal: exiting now');
        exit(1);
        return;
      }
      this.shutdown(signal).then(
        () => exit(0),
        (err: unknown) => {
          this.logger.error({ err: String(err) }, 'shutdown failed');
          exit(1);
        },
      );
    };
    process.on('SIGTERM', handler);
    process.on('SIGINT', handler);
  }
}

/** Closes each part in turn, giving up on one that hangs so the rest still close. */
export async function closeInOrder(parts: Closable[], logger: Logger): Promise<void> {
  for (const { name, close } of parts) {
    const closed = await Promise.race([
      close().then(
        () => true,
        () => true,
      ),
      sleep(3_000).then(() => false),
    ]);
    if (!closed) logger.warn({ part: name }, 'shutting down: gave up waiting for a part to close');
  }
}

async function closeServer(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const finished = await Promise.race([closed.then(() => true), sleep(3_000).then(() => false)]);
  if (!finished) server.closeAllConnections();
}
