import { Worker } from 'node:worker_threads';

/**
 * Files the EPJ reads, written so that it never sees half of one and a crash loses none it was
 * told of: each to a temporary name, flushed to disk, renamed, and its folder flushed, in order
 * (a request's second file is in place only after its first is on disk). The work runs on a thread
 * of its own (durable-files.worker.mjs) as plain system calls: through `fs/promises` a delivery's
 * two files were some twenty operations, each a trip through libuv's thread pool and a promise on
 * the event loop. Requests that wait while one round is written go together in the next, sharing
 * the folder flushes. One writer serves the whole process; a request only ever waits for the
 * round it is in.
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
  resolve: () => void;
  reject: (err: Error) => void;
}

type Answer = { id: number; error?: { message: string; code?: string } };

class DurableWriter {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  write(request: WriteRequest): Promise<void> {
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    const done = new Promise<void>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    if (this.pending.size === 1) worker.ref();
    worker.postMessage({ id, ...request });
    return done;
  }

  private start(): Worker {
    // Plain JavaScript, so no loader (execArgv empty); a young generation kept small (the process's 16 MB semi-spaces would cost it some 30 MB of RSS); the old one holds a round's contents at most.
    const worker = new Worker(new URL('./durable-files.worker.mjs', import.meta.url), {
      execArgv: [],
      resourceLimits: { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 256 },
    });
    worker.on('message', (answers: Answer[]) => {
      for (const a of answers) {
        const p = this.pending.get(a.id);
        if (!p) continue;
        this.pending.delete(a.id);
        if (a.error) p.reject(Object.assign(new Error(a.error.message), a.error.code ? { code: a.error.code } : {}));
        else p.resolve();
      }
      if (this.pending.size === 0) worker.unref();
    });
    // A thread that dies takes its requests with it: they fail (the delivery is retried) and the
    // next request starts a new thread.
    const lost = (err: Error) => {
      if (this.worker === worker) this.worker = undefined;
      for (const [id, p] of this.pending) {
        this.pending.delete(id);
        p.reject(err);
      }
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new Error(`the file writer's thread ended (exit ${code})`)));
    worker.unref();
    this.worker = worker;
    return worker;
  }
}

const writer = new DurableWriter();

/** Writes the request's files durably, in order; see DurableWriter. */
export function writeDurably(request: WriteRequest): Promise<void> {
  return writer.write(request);
}
