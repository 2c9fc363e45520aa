/**
 * One surface's inputs in a child process (started by main.ts, never by hand): it makes input
 * `from` … `from + count - 1` of the seed, runs each, and tells the parent before and after each one,
 * so the parent can end a hang (a loop that never yields) by killing this process. Unhandled
 * rejections and uncaught exceptions are reported against the input running when they came.
 */
import fc from 'fast-check';
import { SURFACES } from './surfaces/index.js';
import type { Outcome } from './surface.js';

export const BATCH = 50;

export type WorkerMessage =
  | { t: 'ready' }
  | { t: 'start'; i: number }
  | { t: 'done'; i: number; outcome: Outcome; describe?: string }
  | { t: 'heap'; baselineMb: number; endMb: number }
  | { t: 'end' };

/** The seed of the batch holding input `i` of a surface: each surface gets inputs of its own. */
export function batchSeed(seed: number, surface: string, batch: number): number {
  let h = seed | 0;
  for (const c of surface) h = (Math.imul(h, 31) + c.charCodeAt(0)) | 0;
  return (h + Math.imul(batch, 0x9e3779b1)) | 0;
}

function send(m: WorkerMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) return resolve();
    process.send(m, undefined, undefined, () => resolve());
  });
}

function heapMb(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

async function main(): Promise<void> {
  const [name, seedArg, fromArg, countArg] = process.argv.slice(2);
  const factory = SURFACES[name!];
  if (!factory) throw new Error(`no surface ${name}`);
  const seed = Number(seedArg);
  const from = Number(fromArg);
  const end = from + Number(countArg);
  let current = -1;
  const late = (what: string) => (err: unknown) => {
    const e = err as Error | undefined;
    void send({ t: 'done', i: current, outcome: { kind: 'crash', reason: `${what}: ${e?.name ?? ''} ${String(e?.message ?? err).slice(0, 300)}` } });
  };
  process.on('unhandledRejection', late('unhandled rejection'));
  process.on('uncaughtException', late('uncaught exception'));
  // the parent gone (stopped with Ctrl-C, or killed): nothing is listening, so stop too
  process.on('disconnect', () => process.exit(1));

  const surface = await factory();
  await send({ t: 'ready' });
  const warmup = from + Math.min(500, Math.floor((end - from) / 10));
  let baselineMb = heapMb();
  let batch = -1;
  let inputs: unknown[] = [];
  for (let i = from; i < end; i++) {
    const b = Math.floor(i / BATCH);
    if (b !== batch) {
      batch = b;
      inputs = fc.sample(surface.arbitrary, { seed: batchSeed(seed, surface.name, b), numRuns: BATCH });
    }
    const input = inputs[i % BATCH];
    current = i;
    await send({ t: 'start', i });
    const outcome = await surface.run(input);
    await send({ t: 'done', i, outcome, ...(outcome.kind === 'crash' ? { describe: surface.describe(input).slice(0, 600) } : {}) });
    if (i === warmup) baselineMb = heapMb();
  }
  await surface.close?.();
  await send({ t: 'heap', baselineMb, endMb: heapMb() });
  await send({ t: 'end' });
  // a surface's keep-alive sockets or Redis connections must not hold the process open
  process.exit(0);
}

if (process.send) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(3);
  });
}
