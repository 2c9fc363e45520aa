/**
 * bench:fleet — one gateway serving BENCH_CLINICS clinics (default 200) against the NHN simulator in
 * its own process and a real Redis, CMS on. Phases:
 *   1. steady: citizen messages spread over every clinic at BENCH_RATE per second (default 50) for
 *      BENCH_SECONDS (default 20); latency = sent at NHN → queued for the clinic's EPJ;
 *   2. fairness: BENCH_BACKLOG messages (default 10,000) for one clinic at once, and meanwhile a quiet
 *      clinic's messages at 2 per second; their latency while the backlog is worked through.
 * The clinics share the sample enterprise certificates (test material) under their own HER-ids, each
 * with its own register entry, token, queues, workers and lease. Prints its figures and ends with
 * one JSON line:
 * {"clinics":N,"inbound_msgs_per_s":X,"inbound_p99_ms":Y,"poll_cycle_ms":Z,"rss_mb":R,"fairness_p99_ms":F}
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startArStandIn } from '../demo/ar-stand-in/stand-in-server.js';
import { loadClinics } from '../src/clinics/clinics-file.js';
import { composeGateway } from '../src/compose/gateway.js';
import { loadConfig } from '../src/config.js';
import { SupervisedRedis } from '../src/infra/supervised-redis.js';
import { startSimulatorProcess, simulatorSettings } from './simulator-process.js';
import { createLogger } from '../src/logging.js';

const CLINICS = Number(process.env.BENCH_CLINICS ?? 200);
const RATE = Number(process.env.BENCH_RATE ?? 50);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 10_000);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const REQUEST = readFileSync(path.join(ROOT, 'fixtures/office-contact/request.xml'), 'utf8');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.max(0, Math.ceil((p / 100) * values.length) - 1)] ?? NaN;
const round = (n: number) => Math.round(n);

const dir = mkdtempSync(path.join(os.tmpdir(), 'epjgw-fleet-'));
const logger = createLogger('error');
let peakRss = 0;
/** the largest RSS of the current phase, with the V8 heap and the memory outside it at that moment */
let phasePeak: NodeJS.MemoryUsage | undefined;
const rssTimer = setInterval(() => {
  const now = process.memoryUsage();
  peakRss = Math.max(peakRss, now.rss);
  if (!phasePeak || now.rss > phasePeak.rss) phasePeak = now;
}, 200);
const mb = (n: number) => `${Math.round(n / 1e6)} MB`;
/** prints the phase's peak memory and starts the next phase's */
function memory(phase: string): void {
  const m = phasePeak ?? process.memoryUsage();
  console.log(`  memory, ${phase}: peak RSS ${mb(m.rss)} (V8 heap ${mb(m.heapUsed)} used of ${mb(m.heapTotal)}, outside it ${mb(m.external)})`);
  phasePeak = undefined;
}

// --- the clinics: HER-ids 9100001…, the sample certificates, a register entry each -------------------
const herIds = Array.from({ length: CLINICS }, (_, i) => String(9_100_001 + i));
const cert = (name: string) => path.join(ROOT, 'certs-sample', name);
const clinicsFile = path.join(dir, 'clinics.json');
writeFileSync(
  clinicsFile,
  JSON.stringify({
    clinics: herIds.map((herId, i) => ({
      herId,
      orgNumber: '921543212',
      name: `Benkmerket legekontor ${i + 1}`,
      certificates: {
        signing: { cert: cert('clinic-signing.cert.pem'), key: cert('clinic-signing.key.pem') },
        encryption: { cert: cert('clinic-encryption.cert.pem'), key: cert('clinic-encryption.key.pem') },
      },
      epj: { delivery: 'folder', tokens: [{ client: 'bench', token: `bench-token-${herId}` }] },
    })),
  }),
);
const sample = JSON.parse(readFileSync(path.join(ROOT, 'demo/ar-stand-in/sample-register.json'), 'utf8')) as { entries: { herId: string }[] } & Record<
  string,
  unknown
>;
const template = sample.entries.find((e) => e.herId === '8142987')!;
const registerFile = path.join(dir, 'register.json');
writeFileSync(registerFile, JSON.stringify({ ...sample, entries: [...sample.entries, ...herIds.map((herId) => ({ ...template, herId }))] }));

const redis = new SupervisedRedis({ dataDir: path.join(dir, 'redis'), bin: process.env.REDIS_SERVER_BIN ?? 'redis-server', logger });
await redis.start();
const standIn = await startArStandIn({ port: 0, file: registerFile, baseDir: ROOT });

const { url: simUrl, stop: stopSimulator } = await startSimulatorProcess({ DATA_DIR: dir, CLINICS_FILE: clinicsFile });

const config = loadConfig({
  DATA_DIR: dir,
  REDIS_URL: redis.url,
  PORT: '0',
  LOG_LEVEL: 'warn',
  ...simulatorSettings(simUrl),
  CLINICS_FILE: clinicsFile,
  POLL_INTERVAL_MS: String(process.env.BENCH_POLL_INTERVAL_MS ?? 500),
  POLL_MAX_INTERVAL_MS: String(process.env.BENCH_POLL_INTERVAL_MS ?? 500),
  POLL_CONCURRENCY: String(process.env.BENCH_POLL_CONCURRENCY ?? 16),
  GATE_CHECK_INTERVAL_S: '3600',
  APPREC_DEADLINE_HOURS: '1',
});
const startedAt = Date.now();
const gateway = await composeGateway(config, logger, {
  clinics: loadClinics(config),
  far: { mshUrl: simUrl, tokenUrl: `${simUrl}/connect/token`, registerAddress: { soapUrl: standIn.url, restUrl: standIn.baseUrl } },
});
const composeMs = Date.now() - startedAt;
const open = gateway.fleet.list().filter((c) => c.gate.current().gateway.state !== 'closed').length;
console.log(`composed ${CLINICS} clinics in ${composeMs} ms; ${open} open; RSS ${round(process.memoryUsage().rss / 1e6)} MB`);
memory('composing');

let seq = 0;
const send = async (to: string) => {
  const msgId = `bench-${process.pid}-${++seq}`;
  const res = await fetch(`${simUrl}/citizen/messages?to=${to}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    // addressed to the clinic (the fixture names the demo clinic's HER-id)
    body: JSON.stringify({ xml: REQUEST.replace(/<MsgId>[^<]+<\/MsgId>/, `<MsgId>${msgId}</MsgId>`).replaceAll('8142987', to) }),
  });
  if (!res.ok) throw new Error(`send to ${to}: ${res.status} ${await res.text()}`);
  return { msgId, to, sentAt: Date.now() };
};
/** Waits until each message is queued for its clinic's EPJ; its latency from the send. */
async function latencies(sent: { msgId: string; to: string; sentAt: number }[], timeoutMs: number): Promise<number[]> {
  return (await queuedAt(sent, timeoutMs)).map((m) => m.queuedAt - m.sentAt);
}
/** When each message was queued for its clinic's EPJ (those queued within the timeout). */
async function queuedAt(sent: { msgId: string; to: string; sentAt: number }[], timeoutMs: number): Promise<{ sentAt: number; queuedAt: number }[]> {
  const out: { sentAt: number; queuedAt: number }[] = [];
  const until = Date.now() + timeoutMs;
  let waiting = sent;
  while (waiting.length > 0 && Date.now() < until) {
    const still: typeof sent = [];
    for (const m of waiting) {
      const job = await gateway.fleet.get(m.to)!.queues['epj-delivery'].getJob(m.msgId);
      if (job) out.push({ sentAt: m.sentAt, queuedAt: job.timestamp });
      else still.push(m);
    }
    waiting = still;
    if (waiting.length > 0) await sleep(100);
  }
  if (waiting.length > 0) console.log(`  ${waiting.length} messages not queued within ${timeoutMs} ms`);
  return out;
}

// --- 1. steady load spread over every clinic -----------------------------------------------------------
const steady: { msgId: string; to: string; sentAt: number }[] = [];
const total = RATE * SECONDS;
const phaseStart = Date.now();
for (let i = 0; i < total; i++) {
  const due = phaseStart + (i * 1000) / RATE;
  if (due > Date.now()) await sleep(due - Date.now());
  steady.push(await send(herIds[i % CLINICS]!));
}
const steadyQueued = await queuedAt(steady, 60_000);
const steadyLat = steadyQueued.map((m) => m.queuedAt - m.sentAt);
// the rate the gateway took them at: from the first send to the last message queued
const inboundRate = steadyQueued.length / ((Math.max(...steadyQueued.map((m) => m.queuedAt)) - phaseStart) / 1000);
console.log(
  `steady: ${steadyLat.length}/${total} at ${RATE}/s over ${CLINICS} clinics: p50 ${round(percentile(steadyLat, 50))} ms, p99 ${round(percentile(steadyLat, 99))} ms, max ${round(percentile(steadyLat, 100))} ms, ${round(inboundRate)} msg/s`,
);

// --- poll cycle: the time for every clinic's mailbox to be polled once ---------------------------------
const before = new Map(gateway.fleet.list().map((c) => [c.clinic.herId, c.pipeline.poller.lastSuccessAt?.getTime() ?? 0]));
const cycleStart = Date.now();
let cycleMs = NaN;
while (Date.now() - cycleStart < 60_000) {
  if (gateway.fleet.list().every((c) => (c.pipeline.poller.lastSuccessAt?.getTime() ?? 0) > before.get(c.clinic.herId)!)) {
    cycleMs = Date.now() - cycleStart;
    break;
  }
  await sleep(20);
}
console.log(`poll cycle: every clinic's mailbox polled within ${round(cycleMs)} ms`);
memory('steady load');

// --- 2. fairness: one clinic's backlog, a quiet clinic beside it ----------------------------------------
const busy = herIds[0]!;
const quiet = herIds[Math.floor(CLINICS / 2)]!;
const backlogStart = Date.now();
const backlog: Promise<unknown>[] = [];
for (let i = 0; i < BACKLOG; i++) {
  backlog.push(send(busy));
  if (backlog.length >= 64) await Promise.all(backlog.splice(0));
}
await Promise.all(backlog);
console.log(`fairness: ${BACKLOG} messages put at NHN for clinic ${busy} in ${round((Date.now() - backlogStart) / 1000)} s`);
const quietSent: { msgId: string; to: string; sentAt: number }[] = [];
for (let i = 0; i < 20; i++) {
  quietSent.push(await send(quiet));
  await sleep(500);
}
const quietLat = await latencies(quietSent, 120_000);
const busyLeft = await gateway.fleet.get(busy)!.queues.inbound.getJobCounts('waiting', 'active', 'delayed');
console.log(
  `fairness: the quiet clinic's ${quietLat.length}/20 messages: p50 ${round(percentile(quietLat, 50))} ms, p99 ${round(percentile(quietLat, 99))} ms; the busy clinic still had ${Object.values(busyLeft).reduce((a, b) => a + b, 0)} inbound jobs`,
);

memory('backlog');
clearInterval(rssTimer);
await gateway.shutdown('bench done');
await standIn.close();
await stopSimulator();
await redis.stop();
rmSync(dir, { recursive: true, force: true });
console.log(
  JSON.stringify({
    clinics: CLINICS,
    inbound_msgs_per_s: round(inboundRate),
    inbound_p99_ms: round(percentile(steadyLat, 99)),
    poll_cycle_ms: round(cycleMs),
    rss_mb: round(peakRss / 1e6),
    fairness_p99_ms: round(percentile(quietLat, 99)),
  }),
);
process.exit(0);
