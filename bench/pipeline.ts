/**
 * Pipeline throughput, latency and cost per message through the NHN simulator (a separate process,
 * over HTTP with HelseID and DPoP) and a real Redis, with CMS on as in the demo and then off:
 *   npm run bench:pipeline          (BENCH_N messages per direction, default 1000)
 * First BENCH_WARMUP messages each way (default 300) go through unmeasured but for one printed line:
 * the process's first work pays V8's compilation of the hot paths and the first connections.
 * inbound:  unread at NHN → queued for the EPJ (the delivery job exists)
 * outbound: accepted by POST /v1/messages (202) → posted to NHN (the simulator has it)
 * Throughput is a burst of N each way; latency is measured at a steady 100 messages/s (CMS on).
 * The outbound burst's POSTs come from a process of their own (epj-client-process.mjs).
 * CPU per message is the CPU time used from the start of a burst until its messages' follow-up work
 * is done too (inbound: delivered to the EPJ; outbound: its AppRec tracked, and Helsenorge's AppRec
 * taken from the inbox), divided by N, so no direction's work is counted in the other's window:
 * this process's (the gateway, with the benchmark's polling of Redis and the simulator) by
 * process.cpuUsage (all its threads: the event loop, V8's collector and compiler helpers, libuv's
 * pool, the EPJ folder's writer), of it the main thread's and the folder writer's from /proc, and the simulator's,
 * apart, so the gateway's figure does not depend on how the two share the cores; redis-server's too. RSS is the largest seen during the bursts;
 * `npm run bench:pipeline` runs with the production image's V8 heap settings (Dockerfile's NODE_OPTIONS),
 * as bench:fleet does, so the figure is the deployed gateway's (without them V8 lets the heap grow to
 * some four times what is live before it collects: 330-370 MB here against 230-245 MB).
 * The citizens' messages come from BENCH_PATIENTS invented patients in turn (default 100; synthetic
 * national ids), as a clinic's mailbox does; BENCH_PATIENTS=1 sends them all from one patient, whose
 * messages the EPJ gets one at a time, in order (the worst case for the delivery order).
 * BENCH_PROTECTION=cms|none runs one of the two (default both); BENCH_COMMANDS=1 prints the Redis
 * commands sent per message by name (a script by the name it is defined with); BENCH_PROFILE_DIR=dir writes a CPU
 * profile of each burst (this process) there, BENCH_SIM_PROFILE_DIR=dir one of each simulator.
 * Ends with one JSON line (CMS on):
 *   {"inbound_msgs_per_s": N, "outbound_msgs_per_s": N, "inbound_p99_ms": N, "outbound_p99_ms": N,
 *    "inbound_cpu_ms_per_msg": X, "outbound_cpu_ms_per_msg": X}
 */
import { fork } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logging.js';
import type { JobType } from 'bullmq';
import { Redis } from 'ioredis';
import { composeDemo } from '../demo/compose-demo.js';
import { durableWriterThreadId } from '../adapters/epj/durable-files.js';
import { SupervisedRedis } from '../src/infra/supervised-redis.js';
import { json, percentile, pool, sleep, syntheticNationalIds, waitFor } from './load.js';
import { processCpuMs, startSimulatorProcess, simulatorSettings, threadCpuMs } from './simulator-process.js';

const N = Number(process.env.BENCH_N ?? 1000);
/** messages each way through the gateway before the measured bursts (BENCH_WARMUP=0: none) */
const WARMUP = Number(process.env.BENCH_WARMUP ?? 300);
const RATE_SECONDS = Number(process.env.BENCH_RATE_SECONDS ?? 5);
const PROTECTIONS = (process.env.BENCH_PROTECTION ? [process.env.BENCH_PROTECTION] : ['cms', 'none']) as ('cms' | 'none')[];
const PROFILE_DIR = process.env.BENCH_PROFILE_DIR;
if (PROFILE_DIR) mkdirSync(PROFILE_DIR, { recursive: true });
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const REQUEST = readFileSync(path.join(ROOT, 'fixtures/office-contact/request.xml'), 'utf8');
/** how many (invented, synthetic-id) patients the messages come from, in turn; 1: all from the fixture's one */
const PATIENTS = Number(process.env.BENCH_PATIENTS ?? 100);
const FIXTURE_PATIENT = '02919010099';
const patientIds = PATIENTS > 1 ? syntheticNationalIds(PATIENTS) : [FIXTURE_PATIENT];
let sentByCitizens = 0;
const logger = createLogger('warn');

interface Burst {
  perS: number;
  /** Redis commands per message as the server counts them (scripts' own calls included), and the most frequent of them */
  redisCalls: number;
  /** commands per message the gateway sent (a script is one) */
  clientCommands: number;
  topCalls: string;
  /** CPU ms per message: this process (the gateway), the simulator */
  cpuMs: number;
  /** of which system time (the kernel: sockets, fsync; also the thread pool's) */
  sysCpuMs: number;
  /** of which the main thread's (the event loop: JavaScript, and the system calls made from it), and its system share */
  mainCpuMs: number;
  mainSysCpuMs: number;
  /** of which the EPJ folder's writer thread's (its files' system calls, fsync above all) */
  writerCpuMs: number;
  simCpuMs: number;
  redisCpuMs: number;
}

interface RunResult {
  inbound: Burst;
  outbound: Burst;
  rssMaxMb: number;
  latency?: { inbound: number[]; outbound: number[]; wait: number[]; work: number[] };
}

/** CPU time and wall time of `fn`, and of the simulator meanwhile; a CPU profile of it when asked. */
/** Commands this process's Redis clients have sent so far (the gateway's and BullMQ's; MULTI and EXEC count, scripts' own calls not). */
let commandsSent = 0;
const { sendCommand } = Redis.prototype as { sendCommand: (this: Redis, ...args: Parameters<Redis['sendCommand']>) => unknown };
/** BENCH_COMMANDS=1: the commands sent per message by name (a script by the name it was defined with), to see whose they are. */
const TALLY = process.env.BENCH_COMMANDS ? new Map<string, number>() : undefined;
const scriptNames = new Map<string, string>();
if (TALLY) {
  const { defineCommand } = Redis.prototype as unknown as {
    defineCommand: (this: Redis, name: string, definition: { lua: string; numberOfKeys?: number }) => void;
  };
  Redis.prototype.defineCommand = function (this: Redis, name: string, definition: { lua: string; numberOfKeys?: number }) {
    scriptNames.set(createHash('sha1').update(definition.lua).digest('hex'), name);
    defineCommand.call(this, name, definition);
  };
}
Redis.prototype.sendCommand = function (this: Redis, ...args: Parameters<Redis['sendCommand']>) {
  commandsSent++;
  if (TALLY) {
    const command = args[0] as unknown as { name: string; args: unknown[] };
    const name = command.name === 'evalsha' ? (scriptNames.get(String(command.args[0])) ?? 'evalsha') : command.name;
    TALLY.set(name, (TALLY.get(name) ?? 0) + 1);
  }
  return sendCommand.apply(this, args);
};

/** The EPJ's POSTs of a burst from a process of its own (epj-client-process.mjs): MsgId → when accepted. */
async function postFromAnotherProcess(url: string, headers: Record<string, string>, bodies: string[], width: number): Promise<Map<string, number>> {
  const child = fork(fileURLToPath(new URL('./epj-client-process.mjs', import.meta.url)), { execArgv: [] });
  const answer = new Promise<{ accepted?: [string, number][]; error?: string }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as { accepted?: [string, number][]; error?: string }));
    child.once('exit', (code) => reject(new Error(`the EPJ client process ended (${code}) before it answered`)));
  });
  child.send({ url, headers, bodies, width });
  const { accepted, error } = await answer;
  if (!accepted) throw new Error(error);
  return new Map(accepted);
}

/** Calls per command so far, from INFO commandstats. */
async function commandCalls(redis: Redis): Promise<Map<string, number>> {
  const info = await redis.info('commandstats');
  return new Map([...info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)].map((m) => [m[1]!, Number(m[2])]));
}

/** BENCH_THREADS=1: each thread's CPU per message (main: the event loop; the others V8's helpers, libuv's pool, the folder's writer). */
const THREADS = Boolean(process.env.BENCH_THREADS);
/** CPU time so far of each of this process's threads, by thread id (the main thread's is the pid). */
function threadTimes(): Map<number, { total: number; system: number }> {
  return new Map(readdirSync(`/proc/${process.pid}/task`).map((tid) => [Number(tid), threadCpuMs(process.pid, Number(tid))]));
}

async function measured(
  name: string,
  n: number,
  simCpuMs: () => number,
  redisCpuMs: () => number,
  redis: Redis,
  fn: () => Promise<number>,
  settled: () => Promise<void>,
): Promise<Burst> {
  const callsBefore = await commandCalls(redis);
  const sentBefore = commandsSent;
  TALLY?.clear();
  const session = PROFILE_DIR ? new Session() : undefined;
  if (session) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
    await session.post('Profiler.start');
  }
  const cpu = process.cpuUsage();
  const threadsBefore = threadTimes();
  const sim = simCpuMs();
  const redisServer = redisCpuMs();
  const seconds = await fn();
  await settled();
  const used = process.cpuUsage(cpu);
  // each thread's CPU time in the burst (one started during it has used all of its time in it)
  const threads = new Map(
    [...threadTimes()].map(([tid, now]): [number, { total: number; system: number }] => {
      const before = threadsBefore.get(tid) ?? { total: 0, system: 0 };
      return [tid, { total: now.total - before.total, system: now.system - before.system }];
    }),
  );
  const mainThread = threads.get(process.pid)!;
  const writerTid = durableWriterThreadId();
  if (THREADS) {
    const per = [...threads].filter(([, used]) => used.total / n >= 0.01).sort((a, b) => b[1].total - a[1].total);
    console.log(
      `[${name}] CPU per message by thread: ${per.map(([tid, used]) => `${tid === process.pid ? 'main' : tid} ${(used.total / n).toFixed(2)} (system ${(used.system / n).toFixed(2)})`).join(', ')}`,
    );
  }
  const simUsed = simCpuMs() - sim;
  const redisUsed = redisCpuMs() - redisServer;
  const calls = [...(await commandCalls(redis))]
    .map(([c, count]): [string, number] => [c, (count - (callsBefore.get(c) ?? 0)) / n])
    .filter(([, perMessage]) => perMessage > 0);
  calls.sort((a, b) => b[1] - a[1]);
  if (TALLY) {
    const sent = [...TALLY].sort((a, b) => b[1] - a[1]).filter(([, count]) => count >= n / 10);
    console.log(`[${name}] commands sent per message: ${sent.map(([c, count]) => `${c} ${(count / n).toFixed(1)}`).join(', ')}`);
  }
  if (session) {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(path.join(PROFILE_DIR!, `${name}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  }
  return {
    perS: n / seconds,
    redisCalls: calls.reduce((sum, [, perMessage]) => sum + perMessage, 0),
    clientCommands: (commandsSent - sentBefore) / n,
    topCalls: calls
      .slice(0, 8)
      .map(([c, perMessage]) => `${c} ${perMessage.toFixed(1)}`)
      .join(', '),
    cpuMs: (used.user + used.system) / 1000 / n,
    sysCpuMs: used.system / 1000 / n,
    mainCpuMs: mainThread.total / n,
    mainSysCpuMs: mainThread.system / n,
    writerCpuMs: (writerTid ? (threads.get(writerTid)?.total ?? 0) : 0) / n,
    simCpuMs: simUsed / n,
    redisCpuMs: redisUsed / n,
  };
}

async function run(protection: 'cms' | 'none', withLatency: boolean): Promise<RunResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'epjgw-bench-'));
  const redis = new SupervisedRedis({ dataDir: path.join(dir, 'redis'), bin: process.env.REDIS_SERVER_BIN ?? 'redis-server', logger });
  await redis.start();
  const simulator = await startSimulatorProcess({ DATA_DIR: dir, MESSAGE_PROTECTION: protection });
  const simUrl = simulator.url;

  const config = loadConfig({
    DATA_DIR: dir,
    REDIS_URL: redis.url,
    PORT: '0',
    LOG_LEVEL: 'warn',
    ...simulatorSettings(simUrl),
    AR_STAND_IN_PORT: '0',
    SMTP_STAND_IN_PORT: '0',
    POLL_INTERVAL_MS: '10',
    APPREC_DEADLINE_HOURS: '1',
    MESSAGE_PROTECTION: protection,
    ...(process.env.BENCH_EPJ_DELIVERY ? { EPJ_DELIVERY: process.env.BENCH_EPJ_DELIVERY } : {}),
  });
  // the demo's composition against the simulator process: the register stand-in runs in this process
  const { gateway } = await composeDemo(config, logger);
  const { url, pipeline } = gateway;
  const epj = { authorization: `Bearer ${config.EPJ_TOKENS[0]!.token}`, 'content-type': 'application/json' };

  const citizenSend = async (msgId: string) =>
    await json<{ id: string; sentAt: string }>(`${simUrl}/citizen/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        xml: REQUEST.replace(/<MsgId>[^<]+<\/MsgId>/, `<MsgId>${msgId}</MsgId>`).replaceAll(FIXTURE_PATIENT, patientIds[sentByCitizens++ % patientIds.length]!),
      }),
    });
  const queuedAt = async (msgId: string) => (await gateway.queues['epj-delivery'].getJob(msgId))?.timestamp;
  const counts = async (queue: 'inbound' | 'epj-delivery' | 'apprec-tracking', ...types: JobType[]) => await gateway.queues[queue].getJobCountByTypes(...types);
  const busy = async (queue: 'inbound' | 'epj-delivery') => (await counts(queue, 'waiting', 'active', 'delayed', 'prioritized')) > 0;
  // the simulator's answers, read on from the last one read (each parsed once, in this process)
  const posted = new Map<string, number>();
  const postedAt = async () => {
    for (const a of await json<{ msgId: string; at: string }[]>(`${simUrl}/citizen/answers?since=${posted.size}`)) posted.set(a.msgId, Date.parse(a.at));
    return posted;
  };

  const redisClient = new Redis(redis.url);
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MB`;
  const memoryLine = (m: NodeJS.MemoryUsage) =>
    `heap ${mb(m.heapUsed)} used of ${mb(m.heapTotal)}, external ${mb(m.external)} (array buffers ${mb(m.arrayBuffers)}), rest ${mb(m.rss - m.heapTotal - m.external)}`;
  const atRest = process.memoryUsage();
  const rssAtRest = atRest.rss;
  let rssMax = 0;
  let atMax = atRest;
  const rssTimer = setInterval(() => {
    const rss = process.memoryUsage.rss();
    if (rss > rssMax) [rssMax, atMax] = [rss, process.memoryUsage()];
  }, 200);

  /** A burst of n each way, measured; `done` messages went through before it. */
  const bursts = async (n: number, done: number, label: string) => {
    // --- inbound burst: n unread at NHN, then the poller lets go ----------------------------------------
    await pipeline.poller.pause();
    const ids = Array.from({ length: n }, () => randomUUID());
    await pool(ids, 16, async (id) => void (await citizenSend(id)));
    const total = done + n;
    const measure = (name: string, fn: () => Promise<number>, settled: () => Promise<void>) =>
      measured(`${name}-${label}`, n, simulator.cpuMs, () => processCpuMs(redis.pid), redisClient, fn, settled);
    const inbound = await measure(
      'inbound',
      async () => {
        const inStart = Date.now();
        pipeline.poller.resume();
        await waitFor(
          async () => (await gateway.queues['epj-delivery'].getJobCountByTypes('waiting', 'active', 'completed', 'delayed', 'prioritized')) >= total,
          'inbound burst',
        );
        return (Date.now() - inStart) / 1000;
      },
      async () =>
        await waitFor(async () => (await counts('epj-delivery', 'completed')) >= total && !(await busy('epj-delivery')), 'inbound delivered', 120_000, 100),
    );

    // --- outbound burst: n answers accepted, then posted ------------------------------------------------
    let acceptedPerS = 0;
    const outbound = await measure(
      'outbound',
      async () => {
        const outStart = Date.now();
        const bodies = ids.map((inReplyTo) => JSON.stringify({ service: 'office-contact', inReplyTo, text: 'Attesten er klar.' }));
        const accepted = await postFromAnotherProcess(`${url}/v1/messages`, epj, bodies, 32);
        acceptedPerS = n / ((Date.now() - outStart) / 1000);
        await waitFor(async () => (await postedAt()).size >= total, 'outbound burst', 120_000, 50);
        const lastPosted = Math.max(...[...accepted.keys()].map((id) => posted.get(id) ?? 0));
        return (lastPosted - outStart) / 1000;
      },
      async () =>
        await waitFor(async () => (await counts('apprec-tracking', 'completed')) >= total && !(await busy('inbound')), 'outbound tracked', 120_000, 100),
    );
    return { inbound, outbound, acceptedPerS };
  };

  // The process's first work pays V8's compilation of the hot paths (on threads process.cpuUsage
  // counts) and the first connections: a warm-up goes first, printed apart, so the figures below
  // are a gateway that has run a while.
  if (WARMUP > 0) {
    const cold = await bursts(WARMUP, 0, `warmup-${protection}`);
    console.log(
      `[${protection}] warm-up (the process's first ${WARMUP} each way, not counted below): inbound ${cold.inbound.cpuMs.toFixed(2)} ms/message, outbound ${cold.outbound.cpuMs.toFixed(2)} ms/message`,
    );
  }
  const { inbound, outbound, acceptedPerS } = await bursts(N, WARMUP, protection);
  clearInterval(rssTimer);

  const cpuLine = (b: Burst) =>
    `gateway CPU ${b.cpuMs.toFixed(2)} ms/message (system ${b.sysCpuMs.toFixed(2)}; main thread ${b.mainCpuMs.toFixed(2)} of it, system ${b.mainSysCpuMs.toFixed(2)}; EPJ folder writer ${b.writerCpuMs.toFixed(2)}; the rest ${(b.cpuMs - b.mainCpuMs - b.writerCpuMs).toFixed(2)}), simulator CPU ${b.simCpuMs.toFixed(2)} ms/message, redis-server CPU ${b.redisCpuMs.toFixed(2)} ms/message; Redis: ${b.clientCommands.toFixed(1)} commands sent, ${b.redisCalls.toFixed(1)} run/message (${b.topCalls})`;
  console.log(`[${protection}] inbound burst: ${N} messages at ${inbound.perS.toFixed(0)}/s; ${cpuLine(inbound)}`);
  console.log(
    `[${protection}] outbound burst: ${N} answers accepted at ${acceptedPerS.toFixed(0)}/s, all posted at ${outbound.perS.toFixed(0)}/s; ${cpuLine(outbound)}`,
  );
  console.log(
    `[${protection}] largest RSS during the bursts: ${(rssMax / 1024 / 1024).toFixed(0)} MB (${(rssAtRest / 1024 / 1024).toFixed(0)} MB before them)`,
  );
  console.log(`[${protection}]   at the largest: ${memoryLine(atMax)}; before the bursts: ${memoryLine(atRest)}`);

  let latency: RunResult['latency'];
  if (withLatency) {
    // --- latency at a steady 100 messages/s each way -----------------------------------------------------
    const steady = 100 * RATE_SECONDS;
    const inLatency: number[] = [];
    const outLatency: number[] = [];
    const rateIds = Array.from({ length: steady }, () => randomUUID());
    const sentAt = new Map<string, number>();
    const steadyNhnIds: string[] = [];
    const t0 = Date.now();
    await Promise.all(
      rateIds.map(async (id, i) => {
        await sleep(t0 + i * 10 - Date.now());
        sentAt.set(id, Date.now());
        steadyNhnIds.push((await citizenSend(id)).id);
      }),
    );
    await waitFor(async () => (await Promise.all(rateIds.map(queuedAt))).every(Boolean), 'steady inbound');
    const stages = { wait: [] as number[], work: [] as number[] };
    for (const id of rateIds) inLatency.push((await queuedAt(id))! - sentAt.get(id)!);
    for (const nhnId of steadyNhnIds) {
      // where the time goes: until a worker took the poller's job, and the job's own work
      const job = await gateway.queues.inbound.getJob(nhnId);
      if (job?.processedOn && job.finishedOn) {
        stages.wait.push(job.processedOn - job.timestamp);
        stages.work.push(job.finishedOn - job.processedOn);
      }
    }

    const acceptedSteady = new Map<string, number>();
    const t1 = Date.now();
    await Promise.all(
      rateIds.map(async (inReplyTo, i) => {
        await sleep(t1 + i * 10 - Date.now());
        const res = await json<{ msgId: string }>(`${url}/v1/messages`, {
          method: 'POST',
          headers: epj,
          body: JSON.stringify({ service: 'office-contact', inReplyTo, text: 'Velkommen til time.' }),
        });
        acceptedSteady.set(res.msgId, Date.now());
      }),
    );
    await waitFor(async () => {
      const p = await postedAt();
      return [...acceptedSteady.keys()].every((id) => p.has(id));
    }, 'steady outbound');
    const postedSteady = await postedAt();
    for (const [id, at] of acceptedSteady) outLatency.push(postedSteady.get(id)! - at);

    const line = (what: string, v: number[]) =>
      console.log(
        `[${protection}] ${what}: p50 ${percentile(v, 50).toFixed(0)} ms, p99 ${percentile(v, 99).toFixed(0)} ms, max ${Math.max(...v).toFixed(0)} ms (${v.length} messages at 100/s)`,
      );
    line('inbound latency (unread at NHN → queued for the EPJ)', inLatency);
    line('outbound latency (accepted → posted to NHN)', outLatency);
    line('  inbound job: queued by the poller → taken by a worker', stages.wait);
    line('  inbound job: taken → done (fetch, open, judge, queue for the EPJ, AppRec, mark read)', stages.work);
    latency = { inbound: inLatency, outbound: outLatency, ...stages };
  }

  redisClient.disconnect();
  await gateway.shutdown('bench done');
  await simulator.stop();
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
  return { inbound, outbound, rssMaxMb: rssMax / 1024 / 1024, ...(latency ? { latency } : {}) };
}

const results = new Map<string, RunResult>();
for (const protection of PROTECTIONS) results.set(protection, await run(protection, protection === PROTECTIONS[0]));

const main = results.get(PROTECTIONS[0]!)!;
const round2 = (n: number) => Math.round(n * 100) / 100;
console.log(
  JSON.stringify({
    inbound_msgs_per_s: Math.round(main.inbound.perS),
    outbound_msgs_per_s: Math.round(main.outbound.perS),
    inbound_p99_ms: Math.round(percentile(main.latency!.inbound, 99)),
    outbound_p99_ms: Math.round(percentile(main.latency!.outbound, 99)),
    inbound_cpu_ms_per_msg: round2(main.inbound.cpuMs),
    outbound_cpu_ms_per_msg: round2(main.outbound.cpuMs),
  }),
);
process.exit(0);
