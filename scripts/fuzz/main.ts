/**
 * npm run fuzz: fast-check properties and corpus-driven mutation over every surface where outside
 * bytes enter the gateway (docs/reliability.md). Each input must get a valid result or an error with
 * a code; a crash, a hang past FUZZ_TIMEOUT_MS, an unhandled rejection or heap growth past
 * FUZZ_HEAP_GROWTH_MB fails the run. Ends with one JSON line:
 *   {"inputs":N,"surfaces":S,"crashes":0,"hangs":0}
 *
 * Settings (environment):
 *   FUZZ_SEED            the seed (default 18018); printed first, so a failure can be replayed
 *   FUZZ_SCALE           inputs per surface = 10,000 × FUZZ_SCALE (default 1)
 *   FUZZ_RUNS            inputs per surface, exactly (overrides FUZZ_SCALE)
 *   FUZZ_FROM            the first input's index (with FUZZ_RUNS=1: replay one input)
 *   FUZZ_SURFACES        a comma list of surfaces (default all)
 *   FUZZ_JOBS            surfaces fuzzed at once, each in its own process (default 2)
 *   FUZZ_TIMEOUT_MS      one input's time limit (default 10,000)
 *   FUZZ_HEAP_GROWTH_MB  the most a surface's heap may grow after warm-up (default 128)
 */
import { fork, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { startTestRedis, type TestRedis } from '../../test/helpers/redis.js';
import { SURFACE_NAMES } from './surfaces/names.js';
import type { WorkerMessage } from './worker.js';

const env = process.env;
const seed = Number(env.FUZZ_SEED ?? 18018);
const runs = env.FUZZ_RUNS ? Number(env.FUZZ_RUNS) : Math.round(10_000 * Number(env.FUZZ_SCALE ?? 1));
const from = Number(env.FUZZ_FROM ?? 0);
const jobs = Math.max(1, Number(env.FUZZ_JOBS ?? 2));
const timeoutMs = Number(env.FUZZ_TIMEOUT_MS ?? 10_000);
const heapLimitMb = Number(env.FUZZ_HEAP_GROWTH_MB ?? 128);
const selected = env.FUZZ_SURFACES ? env.FUZZ_SURFACES.split(',').map((s) => s.trim()) : [...SURFACE_NAMES];
for (const s of selected) if (!SURFACE_NAMES.includes(s)) throw new Error(`FUZZ_SURFACES: no surface "${s}" (surfaces: ${SURFACE_NAMES.join(', ')})`);

const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));
const REGISTER = fileURLToPath(new URL('../../bin/register.mjs', import.meta.url));

interface Tally {
  inputs: number;
  valid: number;
  crashes: number;
  hangs: number;
  coded: Map<string, number>;
  heap?: { baselineMb: number; endMb: number };
  seconds: number;
}

const children = new Set<ChildProcess>();
function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}
let redis: TestRedis | undefined;

// stopped by hand: the workers and the Redis go too
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const c of children) c.kill('SIGKILL');
    void (redis?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  });
}

const replay = (surface: string, i: number) => `FUZZ_SEED=${seed} FUZZ_SURFACES=${surface} FUZZ_FROM=${i} FUZZ_RUNS=1 npm run fuzz`;

/** Runs inputs [start, end) of one surface in a child; resolves at the end, or at a hang (the child killed). */
function runChild(surface: string, start: number, end: number, tally: Tally, childEnv: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const child: ChildProcess = track(
      fork(WORKER, [surface, String(seed), String(start), String(end - start)], {
        execArgv: ['--expose-gc', '--max-old-space-size=1024', '--import', REGISTER],
        env: childEnv,
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      }),
    );
    let running: number | undefined;
    let next = start;
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    const settle = (at: number) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(at);
    };
    const arm = (ms: number, onExpire: () => void) => {
      clearTimeout(timer);
      timer = setTimeout(onExpire, ms);
    };
    // setting up (a Redis-backed gateway) may take a while on a busy machine
    arm(120_000, () => {
      console.error(`fuzz ${surface}: the worker did not start within 120 s`);
      tally.crashes++;
      child.kill('SIGKILL');
      settle(end);
    });
    child.on('message', (m: WorkerMessage) => {
      if (m.t === 'ready') clearTimeout(timer);
      else if (m.t === 'start') {
        running = m.i;
        arm(timeoutMs, () => {
          tally.hangs++;
          tally.inputs++;
          console.error(`HANG ${surface} #${m.i}: no answer within ${timeoutMs} ms\n  replay: ${replay(surface, m.i)}`);
          child.kill('SIGKILL');
          settle(m.i + 1);
        });
      } else if (m.t === 'done') {
        clearTimeout(timer);
        if (m.i === running) {
          tally.inputs++;
          next = m.i + 1;
          running = undefined;
        }
        if (m.outcome.kind === 'crash') {
          tally.crashes++;
          console.error(`CRASH ${surface} #${m.i}: ${m.outcome.reason}\n  input: ${m.describe ?? '(reported late)'}\n  replay: ${replay(surface, m.i)}`);
        } else if (m.outcome.kind === 'ok') tally.valid++;
        else if (m.outcome.kind === 'coded') tally.coded.set(m.outcome.code, (tally.coded.get(m.outcome.code) ?? 0) + 1);
      } else if (m.t === 'heap') tally.heap = { baselineMb: m.baselineMb, endMb: m.endMb };
    });
    child.on('exit', (code, signal) => {
      if (settled) return;
      if (code !== 0) {
        // a process that dies mid-input (out of memory, a native fault) is a crash of that input
        tally.crashes++;
        tally.inputs++;
        console.error(`CRASH ${surface} #${running ?? next}: the worker exited (${signal ?? `code ${code}`})\n  replay: ${replay(surface, running ?? next)}`);
        settle((running ?? next) + 1);
      } else settle(end);
    });
  });
}

async function fuzzSurface(surface: string, childEnv: NodeJS.ProcessEnv): Promise<Tally> {
  const tally: Tally = { inputs: 0, valid: 0, crashes: 0, hangs: 0, coded: new Map(), seconds: 0 };
  const t0 = Date.now();
  let at = from;
  const end = from + runs;
  while (at < end) at = await runChild(surface, at, end, tally, childEnv);
  tally.seconds = (Date.now() - t0) / 1000;
  return tally;
}

async function main(): Promise<void> {
  const started = Date.now();
  console.log(`fuzz: seed ${seed}, ${runs} inputs per surface from #${from}, ${selected.length} surfaces, ${jobs} at once, ${timeoutMs} ms per input`);
  console.log(`      replay a run with FUZZ_SEED=${seed}; machine ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}`);
  const childEnv: NodeJS.ProcessEnv = { ...env };
  if (selected.includes('epj-api')) {
    // started here, not in the worker, so a worker killed for a hang leaves no redis-server behind
    redis = await startTestRedis();
    childEnv.FUZZ_REDIS_URL = redis.url;
  }
  const results = new Map<string, Tally>();
  const queue = [...selected];
  try {
    await Promise.all(
      Array.from({ length: Math.min(jobs, queue.length) }, async () => {
        for (let s = queue.shift(); s; s = queue.shift()) {
          const tally = await fuzzSurface(s, childEnv);
          results.set(s, tally);
          const codes = [...tally.coded.entries()]
            .sort((a, b) => b[1] - a[1])
            .slice(0, 6)
            .map(([c, n]) => `${c}×${n}`)
            .join(' ');
          const heap = tally.heap ? `heap ${tally.heap.baselineMb.toFixed(0)}→${tally.heap.endMb.toFixed(0)} MB` : 'heap n/a';
          console.log(
            `  ${s.padEnd(14)} ${String(tally.inputs).padStart(7)} inputs ${tally.seconds.toFixed(1).padStart(6)} s  valid ${tally.valid}  crashes ${tally.crashes}  hangs ${tally.hangs}  ${heap}  ${codes}`,
          );
        }
      }),
    );
  } finally {
    await redis?.stop();
  }
  const all = [...results.values()];
  const total = { inputs: 0, crashes: 0, hangs: 0 };
  for (const t of all) {
    total.inputs += t.inputs;
    total.crashes += t.crashes;
    total.hangs += t.hangs;
  }
  const heapFaults = [...results.entries()].filter(([, t]) => t.heap && t.heap.endMb - t.heap.baselineMb > heapLimitMb);
  for (const [s, t] of heapFaults)
    console.error(`MEMORY ${s}: the heap grew ${(t.heap!.endMb - t.heap!.baselineMb).toFixed(0)} MB after warm-up (limit ${heapLimitMb})`);
  console.log(`fuzz: ${((Date.now() - started) / 1000).toFixed(0)} s in all`);
  console.log(JSON.stringify({ inputs: total.inputs, surfaces: results.size, crashes: total.crashes, hangs: total.hangs }));
  process.exitCode = total.crashes > 0 || total.hangs > 0 || heapFaults.length > 0 ? 1 : 0;
}

await main();
