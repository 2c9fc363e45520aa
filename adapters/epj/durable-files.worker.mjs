// The file writer's thread (adapters/epj/durable-files.ts): it writes files durably with plain
// synchronous system calls, so a delivery's some twenty file operations cost the gateway's event
// loop one message each way instead of a trip through libuv's thread pool each. Requests that
// arrive while a round runs are written together in the next one, and each folder a round touched
// is flushed once per step (a group commit), never before the files renamed into it are on disk.
// `progress` (shared with the gateway's thread) counts the steps taken (a request begun, a file
// written, a folder flushed) and names the request in hand, so that a call that never returns (a hung
// network share) is seen and only its folder held; and the thread's id in the OS, so that its CPU
// time can be read apart.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readlinkSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { Buffer } from 'node:buffer';
import path from 'node:path';
import process from 'node:process';
import { setImmediate } from 'node:timers';
import { parentPort, threadId, workerData } from 'node:worker_threads';

/** [0]: steps taken so far, [1]: the id of the request in hand (0: none), [2]: this thread's id in the OS */
const progress = new Int32Array(workerData.progress);
try {
  // Linux: /proc/thread-self is "<pid>/task/<tid>"
  Atomics.store(progress, 2, Number(readlinkSync('/proc/thread-self').split('/').pop()) || 0);
} catch {
  // another system: not known
}

function working(id) {
  Atomics.store(progress, 1, id);
  Atomics.add(progress, 0, 1);
}

/** @typedef {{ id: number, dir: string, skipIfExists?: string, files: { file: string, content: string }[] }} WriteRequest */

/** @type {WriteRequest[]} */
let waiting = [];
let scheduled = false;

parentPort.on('message', (/** @type {WriteRequest} */ request) => {
  waiting.push(request);
  if (!scheduled) {
    scheduled = true;
    // the rest of the messages already posted arrive first, and go in the same round
    setImmediate(round);
  }
});

function flushDir(dir) {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function writeTemp(file, content) {
  // named by process and thread: a thread given up as stalled may still finish its own later
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${threadId}.tmp`);
  const fd = openSync(tmp, 'w', 0o640);
  try {
    const bytes = Buffer.from(content, 'utf8');
    for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    removeQuietly(tmp);
    throw err;
  }
  closeSync(fd);
  return tmp;
}

function removeQuietly(file) {
  try {
    unlinkSync(file);
  } catch {
    // gone already
  }
}

function round() {
  const batch = waiting;
  waiting = [];
  /** @type {Map<number, { message: string, code: string | undefined }>} the error of each request that failed */
  const failed = new Map();
  const made = new Set();
  const live = [];
  for (const r of batch) {
    working(r.id);
    try {
      if (!made.has(r.dir)) {
        mkdirSync(r.dir, { recursive: true });
        made.add(r.dir);
      }
      if (r.skipIfExists && existsSync(r.skipIfExists)) continue;
      live.push(r);
    } catch (err) {
      failed.set(r.id, describe(err));
    }
  }
  // step i: every request's i-th file written, flushed and renamed, then the folders flushed, so
  // that a request's next file is never in place before the one before it is on disk
  for (let step = 0; live.some((r) => step < r.files.length && !failed.has(r.id)); step++) {
    /** folder → a request with a file in it (named while the folder is flushed) */
    const dirs = new Map();
    for (const r of live) {
      const f = r.files[step];
      if (!f || failed.has(r.id)) continue;
      working(r.id);
      try {
        const tmp = writeTemp(f.file, f.content);
        try {
          renameSync(tmp, f.file);
        } catch (err) {
          removeQuietly(tmp);
          throw err;
        }
        dirs.set(path.dirname(f.file), r.id);
      } catch (err) {
        failed.set(r.id, describe(err));
      }
    }
    for (const [dir, id] of dirs) {
      working(id);
      try {
        flushDir(dir);
      } catch (err) {
        for (const r of live) if (r.files[step] && path.dirname(r.files[step].file) === dir && !failed.has(r.id)) failed.set(r.id, describe(err));
      }
    }
  }
  Atomics.store(progress, 1, 0);
  parentPort.postMessage(batch.map((r) => (failed.has(r.id) ? { id: r.id, error: failed.get(r.id) } : { id: r.id })));
  if (waiting.length > 0) setImmediate(round);
  else scheduled = false;
}

function describe(err) {
  return { message: err instanceof Error ? err.message : String(err), code: err && typeof err === 'object' && 'code' in err ? String(err.code) : undefined };
}
