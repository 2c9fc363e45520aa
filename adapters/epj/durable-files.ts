import { Worker } from 'node:worker_threads';
import { GatewayError } from '../../src/errors.js';

/**
 * Files the EPJ reads, written so that it never sees half of one and a crash loses none it was
 * told of: each to a temporary name, flushed to disk, renamed, and its folder flushed, in order
 * (a request's second file is in place only after its first is on disk). The work runs on a thread
 * of its own (durable-files.worker.mjs) as plain system calls: through `fs/promises` a delivery's
 * two files were some twenty operations, each a trip through libuv's thread pool and a promise on
 * the event loop. Requests that wait while one round is written go together in the next, sharing
 * the folder flushes.
 *
 * One thread serves every clinic of the process, so one clinic's folder must not hold the others:
 * a system call that does not return within `stallMs` (a network share that hangs) gives the thread
 * up. The folder it was writing is refused at once (EPJ_FOLDER_STALLED, retried by the delivery)
 * until that thread's call returns and the thread ends; every other request it held fails with the
 * same code and is retried on a new thread at the delivery's next attempt.
 */

export interface DurableFile {
  file: string;
  content: string;
}

export interface WriteRequest {
  /** made first (with its parents) when missing */
  dir: string;
  /** when this file exists the request is done already: nothing is written */
  skipIfExists?: string;
  /** written in this order */
  files: DurableFile[];
}

interface Pending {
  dir: string;
  resolve: () => void;
  reject: (err: Error) => void;
}

interface Writer {
  worker: Worker;
  pending: Map<number, Pending>;
  /** [0]: steps taken (a request begun, a file written, a folder flushed), [1]: the request in hand, [2]: the thread's id in the OS (0: not known) */
  progress: Int32Array;
  /** the step count at the last look, and since when it has stood still */
  seen: { steps: number; since: number };
}

type Answer = { id: number; error?: { message: string; code?: string } };

function stalled(dir: string): GatewayError {
  return new GatewayError('EPJ_FOLDER_STALLED', `(a file operation in ${dir} has not returned: the folder is not answering)`);
}

export class DurableWriter {
  private current: Writer | undefined;
  /** folder → the given-up thread whose call in it has not returned */
  private readonly held = new Map<string, Writer>();
  private nextId = 1;
  private watch: NodeJS.Timeout | undefined;

  constructor(private readonly stallMs = 30_000) {}

  write(request: WriteRequest): Promise<void> {
    if (this.held.has(request.dir)) return Promise.reject(stalled(request.dir));
    const writer = this.current ?? (this.current = this.start());
    const id = this.nextId++;
    const done = new Promise<void>((resolve, reject) => writer.pending.set(id, { dir: request.dir, resolve, reject }));
    if (writer.pending.size === 1) {
      writer.worker.ref();
      writer.seen = { steps: Atomics.load(writer.progress, 0), since: Date.now() };
    }
    writer.worker.postMessage({ id, ...request });
    this.watch ??= setInterval(() => this.look(), Math.max(10, Math.min(1_000, this.stallMs / 4))).unref();
    return done;
  }

  /** The operating system's id of the thread writing now (Linux; undefined before it has started or elsewhere), to read its CPU time in /proc. */
  get osThreadId(): number | undefined {
    return this.current ? Atomics.load(this.current.progress, 2) || undefined : undefined;
  }

  /** Gives the thread up when it has work and has taken no step for `stallMs`. */
  private look(): void {
    const writer = this.current;
    if (!writer || writer.pending.size === 0) return;
    const steps = Atomics.load(writer.progress, 0);
    if (steps !== writer.seen.steps) {
      writer.seen = { steps, since: Date.now() };
      return;
    }
    if (Date.now() - writer.seen.since < this.stallMs) return;
    this.current = undefined;
    const culprit = writer.pending.get(Atomics.load(writer.progress, 1));
    if (culprit) this.held.set(culprit.dir, writer);
    for (const p of writer.pending.values()) p.reject(stalled(p.dir));
    writer.pending.clear();
    // ends once its call returns (a thread cannot be stopped inside one); its folder is free then
    writer.worker.unref();
    void writer.worker.terminate();
  }

  private start(): Writer {
    const progress = new Int32Array(new SharedArrayBuffer(12));
    // Plain JavaScript, so no loader (execArgv empty); a young generation kept small (the process's
    // 16 MB semi-spaces would cost it some 30 MB of RSS); the old one holds a round's contents at most.
    const worker = new Worker(new URL('./durable-files.worker.mjs', import.meta.url), {
      execArgv: [],
      workerData: { progress: progress.buffer },
      resourceLimits: { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 256 },
    });
    const writer: Writer = { worker, pending: new Map(), progress, seen: { steps: 0, since: Date.now() } };
    worker.on('message', (answers: Answer[]) => {
      for (const a of answers) {
        const p = writer.pending.get(a.id);
        if (!p) continue;
        writer.pending.delete(a.id);
        if (a.error) p.reject(Object.assign(new Error(a.error.message), a.error.code ? { code: a.error.code } : {}));
        else p.resolve();
      }
      if (writer.pending.size === 0) worker.unref();
    });
    // A thread that dies takes its requests with it: they fail (the delivery is retried) and the
    // next request starts a new thread.
    const lost = (err: Error) => {
      if (this.current === writer) this.current = undefined;
      for (const [dir, held] of this.held) if (held === writer) this.held.delete(dir);
      for (const p of writer.pending.values()) p.reject(err);
      writer.pending.clear();
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new Error(`the file writer's thread ended (exit ${code})`)));
    worker.unref();
    return writer;
  }
}

const writer = new DurableWriter();

/** The OS thread id of the process's file writer, if it runs (for measuring its CPU time apart). */
export function durableWriterThreadId(): number | undefined {
  return writer.osThreadId;
}

/** Writes the request's files durably, in order; see DurableWriter. */
export function writeDurably(request: WriteRequest): Promise<void> {
  return writer.write(request);
}
