/**
 * The service bus (TRANSPORT=amqp): throughput each way and the synchronous answer's time, with CMS
 * on as in the demo, a real RabbitMQ (AMQP 1.0), a real Redis, and the simulator as Helsenorge in a
 * process of its own:
 *   npm run bench:amqp          (BENCH_N messages per direction, default 1000)
 * inbound:  N citizen messages waiting on the clinic's `_async` queue → queued for the EPJ
 * outbound: N answers accepted by POST /v1/messages (202) → received by Helsenorge off the bus
 * sync:     HentLedigeTimer at a steady BENCH_SYNC_RATE/s (default 50) for BENCH_RATE_SECONDS (5):
 *           put on the clinic's `_sync` queue → SvarLedigeTimer received on `_syncreply`
 * Each burst prints the CPU time per message of this process (the gateway) and of the simulator.
 * Ends with one JSON line:
 *   {"inbound_msgs_per_s": N, "outbound_msgs_per_s": N, "sync_p99_ms": N}
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { composeDemo } from '../demo/compose-demo.js';
import { DEMO_HELSENORGE_HER_ID } from '../demo/demo-bus.js';
import { loadConfig } from '../src/config.js';
import { SupervisedRabbitMq } from '../src/infra/supervised-rabbitmq.js';
import { SupervisedRedis } from '../src/infra/supervised-redis.js';
import { createLogger } from '../src/logging.js';
import { json, percentile, pool, sleep, waitFor } from './load.js';
import { startSimulatorProcess, simulatorSettings } from './simulator-process.js';

const N = Number(process.env.BENCH_N ?? 1000);
const RATE_SECONDS = Number(process.env.BENCH_RATE_SECONDS ?? 5);
const SYNC_RATE = Number(process.env.BENCH_SYNC_RATE ?? 50);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const REQUEST = readFileSync(path.join(ROOT, 'fixtures/office-contact/request.xml'), 'utf8');
const FREE_SLOTS_REQUEST = readFileSync(path.join(ROOT, 'fixtures/appointment/timereservasjon-request.xml'), 'utf8');

const dir = mkdtempSync(path.join(os.tmpdir(), 'epjgw-bench-amqp-'));
const logger = createLogger('warn');
const broker = new SupervisedRabbitMq({ dir: path.join(dir, 'broker'), logger });
const redis = new SupervisedRedis({ dataDir: path.join(dir, 'redis'), bin: process.env.REDIS_SERVER_BIN ?? 'redis-server', logger });
// a run that fails leaves no broker (a detached process group) or redis-server behind; a clean run stops them in order first
process.on('exit', () => {
  broker.abandon();
  redis.abandon();
  rmSync(dir, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
await broker.start();
await redis.start();

const base = loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'warn' });
await broker.provision({ exchange: base.AMQP_EXCHANGE, parties: [DEMO_HELSENORGE_HER_ID, Number(base.CLINIC_HER_ID)] });

const bus = { TRANSPORT: 'amqp', AMQP_URL: broker.url };
const { url: simUrl, stop: stopSimulator, cpuMs: simCpuMs } = await startSimulatorProcess({ DATA_DIR: dir, ...bus });
/** CPU per message since `since` (this process: the gateway, with the EPJ client's POSTs outbound) and the simulator's */
const cpuLine = (since: NodeJS.CpuUsage, simSince: number) => {
  const used = process.cpuUsage(since);
  return `gateway CPU ${((used.user + used.system) / 1000 / N).toFixed(2)} ms/message, simulator CPU ${((simCpuMs() - simSince) / N).toFixed(2)} ms/message`;
};
const config = loadConfig({
  DATA_DIR: dir,
  REDIS_URL: redis.url,
  PORT: '0',
  LOG_LEVEL: 'warn',
  ...bus,
  ...simulatorSettings(simUrl),
  AR_STAND_IN_PORT: '0',
  SMTP_STAND_IN_PORT: '0',
  APPREC_DEADLINE_HOURS: '1',
});
const { gateway } = await composeDemo(config, logger);
const { url, pipeline } = gateway;
const epj = { authorization: `Bearer ${config.EPJ_TOKENS[0]!.token}`, 'content-type': 'application/json' };

const citizenSend = async (xml: string) =>
  await json<{ id: string }>(`${simUrl}/citizen/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ xml }) });
const withMsgId = (xml: string, msgId: string) => xml.replace(/<MsgId>[^<]+<\/MsgId>/, `<MsgId>${msgId}</MsgId>`);
const answered = async () => new Set((await json<{ msgId: string }[]>(`${simUrl}/citizen/answers`)).map((a) => a.msgId));

// --- inbound burst: N waiting on the clinic's queue while its receivers have no credit, then credit --------
await pipeline.poller.pause();
await sleep(1_500); // the receivers follow the gate within a second
const inboundIds = Array.from({ length: N }, () => randomUUID());
await pool(inboundIds, 16, async (id) => void (await citizenSend(withMsgId(REQUEST, id))));
await sleep(500);
const inStart = Date.now();
const inCpu = process.cpuUsage();
const inSimCpu = simCpuMs();
pipeline.poller.resume();
await waitFor(
  async () => (await gateway.queues['epj-delivery'].getJobCountByTypes('waiting', 'active', 'completed', 'delayed', 'prioritized')) >= N,
  'inbound burst',
);
const inSeconds = (Date.now() - inStart) / 1000;
const inboundPerS = N / inSeconds;
// the CPU window runs on until the messages are delivered to the EPJ, as in bench:pipeline
await waitFor(async () => (await gateway.queues['epj-delivery'].getJobCountByTypes('completed')) >= N, 'inbound delivered', 120_000, 100);
console.log(
  `inbound burst: ${N} messages off the bus and queued for the EPJ in ${inSeconds.toFixed(2)} s = ${inboundPerS.toFixed(0)}/s; ${cpuLine(inCpu, inSimCpu)}`,
);

// --- outbound burst: N answers accepted, then received by Helsenorge ----------------------------------------
const outStart = Date.now();
const outCpu = process.cpuUsage();
const outSimCpu = simCpuMs();
const sentIds: string[] = [];
await pool(inboundIds, 32, async (inReplyTo) => {
  const res = await json<{ msgId: string }>(`${url}/v1/messages`, {
    method: 'POST',
    headers: epj,
    body: JSON.stringify({ service: 'office-contact', inReplyTo, text: 'Attesten er klar.' }),
  });
  sentIds.push(res.msgId);
});
const acceptedPerS = N / ((Date.now() - outStart) / 1000);
await waitFor(async () => {
  const got = await answered();
  return sentIds.every((id) => got.has(id));
}, 'outbound burst');
const outSeconds = (Date.now() - outStart) / 1000;
const outboundPerS = N / outSeconds;
console.log(
  `outbound burst: ${N} answers accepted at ${acceptedPerS.toFixed(0)}/s, all at Helsenorge in ${outSeconds.toFixed(2)} s = ${outboundPerS.toFixed(0)}/s; ${cpuLine(outCpu, outSimCpu)}`,
);

// --- synchronous: HentLedigeTimer at a steady rate, answered from published slots ----------------------------
const day = 24 * 3600_000;
const slots = Array.from({ length: 40 }, (_, i) => {
  const start = new Date(Date.now() + day + i * 1_800_000);
  return { start: start.toISOString(), end: new Date(start.getTime() + 1_200_000).toISOString() };
});
await json(`${url}/v1/free-slots`, { method: 'PUT', headers: epj, body: JSON.stringify({ slots }) });
const syncCount = SYNC_RATE * RATE_SECONDS;
const syncIds: string[] = [];
const t0 = Date.now();
await Promise.all(
  Array.from({ length: syncCount }, async (_, i) => {
    await sleep(t0 + (i * 1000) / SYNC_RATE - Date.now());
    syncIds.push((await citizenSend(withMsgId(FREE_SLOTS_REQUEST, randomUUID()))).id);
  }),
);
const syncMs: number[] = [];
let wrong = 0;
await waitFor(async () => {
  syncMs.length = 0;
  wrong = 0;
  const states = await Promise.all(syncIds.map((id) => json<{ answer?: { action: string; ms: number } }>(`${simUrl}/citizen/messages/${id}`)));
  for (const s of states) {
    if (!s.answer) return false;
    if (s.answer.action !== 'SvarLedigeTimer') wrong++;
    syncMs.push(s.answer.ms);
  }
  return true;
}, 'synchronous answers');
console.log(
  `synchronous (HentLedigeTimer → SvarLedigeTimer, ${syncCount} at ${SYNC_RATE}/s): p50 ${percentile(syncMs, 50)} ms, p99 ${percentile(syncMs, 99)} ms, max ${Math.max(...syncMs)} ms${wrong ? `, ${wrong} not SvarLedigeTimer` : ''}`,
);

await gateway.shutdown('bench done');
await stopSimulator();
await redis.stop();
await broker.stop();
rmSync(dir, { recursive: true, force: true });
console.log(
  JSON.stringify({
    inbound_msgs_per_s: Math.round(inboundPerS),
    outbound_msgs_per_s: Math.round(outboundPerS),
    sync_p99_ms: Math.round(percentile(syncMs, 99)),
  }),
);
process.exit(0);
