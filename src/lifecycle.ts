import type { Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from './logging.js';
import type { WorkerSupervisor } from './pipeline/worker-supervisor.js';

/** Something that takes work from outside on a schedule (the NHN poller, the outbox folder watcher). */
export interface Poller {
  name: string;
  pause(): Promise<void>;
}

/**
 * Shuts the gateway down in a fixed order so nothing is lost:
 * 1. stop taking requests (new ones get 503, open ones finish);
 * 2. pause the pollers, so no new work comes in from NHN or the EPJ folders;
 * 3. let the workers finish the job in hand within the deadline, then force them (a forced job
 *    stays in Redis and is handed out again after restart);
 * 4. close queues and Redis connections, then the supervised redis-server.
 */
export class Lifecycle {
  shuttingDown = false;
  server: Server | undefined;
  readonly pollers: Poller[] = [];
  workers: WorkerSupervisor | undefined;
  /** closed in the order added, after the workers */
  private readonly closers: { name: string; close: () => Promise<unknown> }[] = [];
  private readonly finalClosers: { name: string; close: () => Promise<unknown> }[] = [];
  private done: Promise<void> | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly deadlineMs: number,
  ) {}

  onClose(name: string, close: () => Promise<unknown>): void {
    this.closers.push({ name, close });
  }

  /** Closed after everything else: the supervised redis-server, which the other parts talk to. */
  onFinalClose(name: string, close: () => Promise<unknown>): void {
    this.finalClosers.push({ name, close });
  }

  shutdown(reason: string): Promise<void> {
    this.done ??= this.run(reason);
    return this.done;
  }

  private async run(reason: string): Promise<void> {
    const started = Date.now();
    this.shuttingDown = true;
    this.logger.info({ reason }, 'shutting down: no new requests');
    if (this.server) await this.closeServer(this.server);

    for (const poller of this.pollers) {
      await Promise.race([poller.pause().catch(() => undefined), sleep(2_000)]);
    }
    this.logger.info({ pollers: this.pollers.map((p) => p.name) }, 'shutting down: pollers paused');

    if (this.workers) {
      const { forced } = await this.workers.close(this.deadlineMs);
      if (forced.length) this.logger.warn({ forced }, 'shutting down: workers forced after the deadline; their jobs stay queued');
      else this.logger.info('shutting down: workers finished the jobs in hand');
    }

    for (const { name, close } of [...this.closers, ...this.finalClosers]) {
      const closed = await Promise.race([
        close().then(
          () => true,
          () => true,
        ),
        sleep(3_000).then(() => false),
      ]);
      if (!closed) this.logger.warn({ part: name }, 'shutting down: gave up waiting for a part to close');
    }
    this.logger.info({ ms: Date.now() - started }, 'shut down cleanly');
  }

  private async closeServer(server: Server): Promise<void> {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const finished = await Promise.race([closed.then(() => true), sleep(3_000).then(() => false)]);
    if (!finished) server.closeAllConnections();
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
