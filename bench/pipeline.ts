/**
 * Pipeline throughput and latency through the NHN simulator (a separate process, over HTTP with
 * HelseID and DPoP, CMS on as in the demo) and a real Redis:
 *   npm run bench:pipeline          (BENCH_N messages per direction, default 1000)
 * inbound:  unread at NHN → queued for the EPJ (the delivery job exists)
 * outbound: accepted by POST /v1/messages (202) → posted to NHN (the simulator has it)
 * Throughput is a burst of N each way; latency is measured at a steady 100 messages/s.
 * Ends with one JSON line:
 *   {"inbound_msgs_per_s": N, "outbound_msgs_per_s": N, "inbound_p99_ms": N, "outbound_p99_ms": N}
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logging.js';
import { composeDemo } from '../demo/compose-demo.js';
import { SupervisedRedis } from '../src/infra/supervised-redis.js';
import { json, percentile, pool, sleep, waitFor } from './load.js';
import { startSimulatorProcess } from './simulator-process.js';

const N = Number(process.env.BENCH_N ?? 1000);
const RATE_SECONDS = Number(process.env.BENCH_RATE_SECONDS ?? 5);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const REQUEST = readFileSync(path.join(ROOT, 'fixtures/office-contact/request.xml'), 'utf8');

const dir = mkdtempSync(path.join(os.tmpdir(), 'epjgw-bench-'));
const logger = createLogger('warn');
const redis = new SupervisedRedis({ dataDir: path.join(dir, 'redis'), bin: process.env.REDIS_SERVER_BIN ?? 'redis-server', logger });
await redis.start();

const { url: simUrl, stop: stopSimulator } = await startSimulatorProcess({ DATA_DIR: dir });

const config = loadConfig({
  DATA_DIR: dir,
  REDIS_URL: redis.url,
  PORT: '0',
  LOG_LEVEL: 'warn',
  MSH_BASE_URL: simUrl,
  HELSEID_TOKEN_URL: `${simUrl}/connect/token`,
  REVOCATION_HTTP_PROXY: simUrl,
  AR_STAND_IN_PORT: '0',
  SMTP_STAND_IN_PORT: '0',
  POLL_INTERVAL_MS: '10',
  APPREC_DEADLINE_HOURS: '1',
  ...(process.env.BENCH_EPJ_DELIVERY ? { EPJ_DELIVERY: process.env.BENCH_EPJ_DELIVERY } : {}),
  ...(process.env.MESSAGE_PROTECTION ? { MESSAGE_PROTECTION: process.env.MESSAGE_PROTECTION } : {}),
});
// the demo's composition against the simulator process: the register stand-in runs in this process
const { gateway } = await composeDemo(config, logger);
const { url, pipeline } = gateway;
const epj = { authorization: `Bearer ${config.EPJ_TOKENS[0]!.token}`, 'content-type': 'application/json' };

const citizenSend = async (msgId: string) =>
  await json<{ id: string; sentAt: string }>(`${simUrl}/citizen/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ xml: REQUEST.replace(/<MsgId>[^<]+<\/MsgId>/, `<MsgId>${msgId}</MsgId>`) }),
  });
const queuedAt = async (msgId: string) => (await gateway.queues['epj-delivery'].getJob(msgId))?.timestamp;
const postedAt = async () => new Map((await json<{ msgId: string; at: string }[]>(`${simUrl}/citizen/answers`)).map((a) => [a.msgId, Date.parse(a.at)]));

// --- inbound burst: N unread at NHN, then the poller lets go ----------------------------------------
await pipeline.poller.pause();
const inboundIds = Array.from({ length: N }, () => randomUUID());
await pool(inboundIds, 16, async (id) => void (await citizenSend(id)));
const inStart = Date.now();
pipeline.poller.resume();
await waitFor(
  async () => (await gateway.queues['epj-delivery'].getJobCountByTypes('waiting', 'active', 'completed', 'delayed', 'prioritized')) >= N,
  'inbound burst',
);
const inboundPerS = N / ((Date.now() - inStart) / 1000);
console.log(`inbound burst: ${N} messages in ${((Date.now() - inStart) / 1000).toFixed(2)} s = ${inboundPerS.toFixed(0)}/s`);

// --- outbound burst: N answers accepted, then posted ------------------------------------------------
const outStart = Date.now();
const accepted = new Map<string, number>();
await pool(inboundIds, 32, async (inReplyTo) => {
  const res = await json<{ msgId: string }>(`${url}/v1/messages`, {
    method: 'POST',
    headers: epj,
    body: JSON.stringify({ service: 'office-contact', inReplyTo, text: 'Attesten er klar.' }),
  });
  accepted.set(res.msgId, Date.now());
});
const acceptedPerS = N / ((Date.now() - outStart) / 1000);
await waitFor(async () => (await postedAt()).size >= N, 'outbound burst');
const posted = await postedAt();
const lastPosted = Math.max(...[...accepted.keys()].map((id) => posted.get(id) ?? 0));
const outboundPerS = N / ((lastPosted - outStart) / 1000);
console.log(
  `outbound burst: ${N} answers accepted at ${acceptedPerS.toFixed(0)}/s, all posted in ${((lastPosted - outStart) / 1000).toFixed(2)} s = ${outboundPerS.toFixed(0)}/s`,
);

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
    `${what}: p50 ${percentile(v, 50).toFixed(0)} ms, p99 ${percentile(v, 99).toFixed(0)} ms, max ${Math.max(...v).toFixed(0)} ms (${v.length} messages at 100/s)`,
  );
line('inbound latency (unread at NHN → queued for the EPJ)', inLatency);
line('outbound latency (accepted → posted to NHN)', outLatency);
line('  inbound job: queued by the poller → taken by a worker', stages.wait);
line('  inbound job: taken → done (fetch, open, judge, queue for the EPJ, AppRec, mark read)', stages.work);

await gateway.shutdown('bench done');
await stopSimulator();
await redis.stop();
rmSync(dir, { recursive: true, force: true });
console.log(
  JSON.stringify({
    inbound_msgs_per_s: Math.round(inboundPerS),
    outbound_msgs_per_s: Math.round(outboundPerS),
    inbound_p99_ms: Math.round(percentile(inLatency, 99)),
    outbound_p99_ms: Math.round(percentile(outLatency, 99)),
  }),
);
process.exit(0);
