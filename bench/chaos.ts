/**
 * Chaos: what the gateway survives, measured end to end (docs/reliability.md):
 *   npm run chaos                  (CHAOS_SCALE=small: a couple of minutes, fewer faults)
 * Starts a real redis-server with its append-only file (restarted on the same port and files after
 * each SIGKILL), the NHN simulator in its own process, the address register stand-in, an SMTP server
 * and an EPJ webhook receiver in this process, and two gateway replicas (`epj-gateway serve`, child
 * processes) sharing that Redis and DATA_DIR with three clinics: folder delivery, webhook delivery,
 * folder delivery. A steady load runs both ways (citizen requests of every service to every clinic;
 * the EPJ answers each delivered request, through the API or the outbox folder) while faults come
 * in rounds: replica SIGKILLs at random moments (each restarted), redis-server SIGKILLs, NHN storms
 * of each kind (5xx, 429 with Retry-After, timeouts, connection resets, slow answers), the address
 * register down for longer than its cache and stale limit, the EPJ webhook failing, the outbox's
 * done/ folder unwritable, SMTP down. Then it drains, replays dead letters, and checks every message
 * end to end. Ends with one JSON line:
 *   {"kills":K,"redis_kills":R,"storms":S,"messages":M,"lost":0,"duplicates":0,"unexplained":0,"dead_letters":D,"max_recovery_s":T}
 * and exits 1 when lost, duplicates or unexplained is not 0. See docs/reliability.md, "Chaos".
 * CHAOS_KEEP=1 keeps the run's folder (logs of each replica) for a look afterwards.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import {
  chmodSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  type WriteStream,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SMTPServer } from 'smtp-server';
import { startArStandIn } from '../demo/ar-stand-in/stand-in-server.js';
import { freePort, SupervisedRedis } from '../src/infra/supervised-redis.js';
import { sleep } from './load.js';
import { startSimulatorProcess, simulatorSettings } from './simulator-process.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SCALE = process.env.CHAOS_SCALE ?? 'default';
if (!['small', 'default', 'large'].includes(SCALE)) {
  process.stderr.write(`CHAOS_SCALE must be small, default or large (got ${SCALE})\n`);
  process.exit(2);
}

/** How much of everything: the minimum counts (docs/reliability.md) at the default scale, within 10 minutes. */
const PLAN = {
  small: { loadS: 75, kills: 8, redisKills: 2, stormsPerKind: 1, ratePerS: 2, arDownS: 20, cacheS: 4, staleS: 8, windowS: 12, drainS: 150 },
  default: { loadS: 330, kills: 50, redisKills: 10, stormsPerKind: 3, ratePerS: 3, arDownS: 30, cacheS: 5, staleS: 10, windowS: 15, drainS: 200 },
  large: { loadS: 900, kills: 140, redisKills: 30, stormsPerKind: 8, ratePerS: 3, arDownS: 45, cacheS: 10, staleS: 15, windowS: 20, drainS: 300 },
}[SCALE as 'small' | 'default' | 'large'];

const log = (line: string) => process.stdout.write(`[chaos ${((Date.now() - T0) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);
const T0 = Date.now();

// ---- the clinics ---------------------------------------------------------------------------------

interface Clinic {
  herId: string;
  orgNumber: string;
  token: string;
  delivery: 'folder' | 'webhook';
  cert: string;
}
const CLINICS: Clinic[] = [
  { herId: '8142987', orgNumber: '921543212', token: 'chaos-token-1', delivery: 'folder', cert: 'clinic' },
  { herId: '8143100', orgNumber: '913876547', token: 'chaos-token-2', delivery: 'webhook', cert: 'clinic2' },
  { herId: '8143200', orgNumber: '924681357', token: 'chaos-token-3', delivery: 'folder', cert: 'clinic3' },
];
const FIXTURE_CLINIC = { herId: '8142987', orgNumber: '921543212' };
const WEBHOOK_SECRET = 'chaos-webhook-secret-0123456789';
const OPS_TOKEN = 'chaos-ops-token';

/** Requests of every service, and how the EPJ answers each: through the API (JSON) or the outbox (the fixture answer). */
const SERVICES = [
  { service: 'office-contact', request: 'office-contact/request.xml', answer: 'office-contact/answer.xml', api: true },
  { service: 'e-consultation', request: 'e-consultation/request.xml', answer: 'e-consultation/answer.xml', api: true },
  { service: 'prescription-renewal', request: 'prescription-renewal/request.xml', answer: 'prescription-renewal/answer.xml', api: false },
  { service: 'appointment', request: 'appointment/timeonske-request.xml', answer: 'appointment/timeonske-answer.xml', api: false },
] as const;
const fixture = (f: string) => readFileSync(path.join(ROOT, 'fixtures', f), 'utf8');
const firstMsgId = (xml: string) => /<MsgId>([^<]+)<\/MsgId>/.exec(xml)![1]!;
const forClinic = (xml: string, c: Clinic) => xml.replaceAll(FIXTURE_CLINIC.herId, c.herId).replaceAll(FIXTURE_CLINIC.orgNumber, c.orgNumber);

// ---- what happened to each message ---------------------------------------------------------------

interface Inbound {
  nhnId: string;
  msgId: string;
  clinic: Clinic;
  service: (typeof SERVICES)[number];
  sentAt: number;
  /** EPJ side: how often it reached the EPJ as a new delivery */
  delivered: number;
  /** when the EPJ first had it */
  deliveredAt?: number;
  answered: boolean;
  /** a probe sent when a fault ended: its AppRec time is the recovery time */
  probeFor?: { fault: string; endedAt: number };
}
interface Outbound {
  msgId: string;
  clinic: Clinic;
  via: 'api' | 'outbox';
  inReplyTo: string;
  refused?: string;
}
const inbound = new Map<string, Inbound>(); // by MsgId
const outbound = new Map<string, Outbound>(); // by MsgId
const webhookPosts = new Map<string, number>(); // MsgId → 2xx-answered POSTs
let webhookRepeats = 0;
const faultLog: { kind: string; at: number; endedAt?: number }[] = [];
let mails = 0;

// ---- the run's folder, Redis, simulator, register, SMTP, webhook ---------------------------------

const dir = mkdtempSync(path.join(os.tmpdir(), 'epjgw-chaos-'));
const dataDir = path.join(dir, 'data');
mkdirSync(dataDir, { recursive: true });

// appendfsync always: with everysec a SIGKILL can lose the last second of acknowledged writes (the
// disk busy), and a step done at NHN whose record was lost is done again (CHAOS_APPENDFSYNC=everysec shows it)
const APPENDFSYNC = process.env.CHAOS_APPENDFSYNC === 'everysec' ? 'everysec' : 'always';
const redis = new SupervisedRedis({ dataDir: path.join(dir, 'redis'), maxRestarts: 10_000, restartWindowMs: 1_000, appendfsync: APPENDFSYNC });
await redis.start();

const clinicsFile = path.join(dir, 'clinics.yaml');
const webhookPort = await freePort();
writeFileSync(
  clinicsFile,
  'clinics:\n' +
    CLINICS.map((c, i) =>
      [
        `  - herId: '${c.herId}'`,
        `    orgNumber: '${c.orgNumber}'`,
        `    name: Chaos clinic ${i + 1}`,
        `    certificates:`,
        `      signing: { cert: ${ROOT}certs-sample/${c.cert}-signing.cert.pem, key: ${ROOT}certs-sample/${c.cert}-signing.key.pem }`,
        `      encryption: { cert: ${ROOT}certs-sample/${c.cert}-encryption.cert.pem, key: ${ROOT}certs-sample/${c.cert}-encryption.key.pem }`,
        ...(i > 0 ? [`    helseId: { clientId: epj-gateway-demo-${i + 1} }`] : []),
        `    epj:`,
        `      delivery: ${c.delivery}`,
        ...(c.delivery === 'webhook' ? [`      webhookUrl: http://127.0.0.1:${webhookPort}/epj`, `      webhookSecret: ${WEBHOOK_SECRET}`] : []),
        `      tokens:`,
        `        - { client: chaos-epj, token: ${c.token} }`,
        `    notify:`,
        `      office: kontor-${c.herId}@chaos.example`,
        '',
      ].join('\n'),
    ).join(''),
);

const simulator = await startSimulatorProcess({ DATA_DIR: dataDir, CLINICS_FILE: clinicsFile });
const register = await startArStandIn({ port: 0 });

// SMTP: a real server on a fixed port, closed while "down"
const smtpPort = await freePort();
let smtp: SMTPServer | undefined;
async function smtpUp(): Promise<void> {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, done) {
      stream.resume();
      stream.on('end', () => {
        mails++;
        done();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    smtp!.once('error', reject);
    smtp!.listen(smtpPort, '127.0.0.1', () => resolve());
  });
}
async function smtpDown(): Promise<void> {
  const s = smtp;
  smtp = undefined;
  if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
}
await smtpUp();

// the EPJ's webhook: answers 503 while failing; records each MsgId delivered (2xx) and repeats of a key it had taken
let webhookFailing = false;
const webhook: Server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    if (webhookFailing) return void res.writeHead(503).end();
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { type?: string; msgId?: string };
      if (body.type === 'message' && body.msgId) {
        const seen = webhookPosts.get(body.msgId) ?? 0;
        webhookPosts.set(body.msgId, seen + 1);
        if (seen > 0) webhookRepeats++;
        else epjReceived(body.msgId);
      }
      res.writeHead(200).end();
    } catch {
      res.writeHead(400).end();
    }
  });
});
await new Promise<void>((resolve) => webhook.listen(webhookPort, '127.0.0.1', () => resolve()));

// ---- two gateway replicas ------------------------------------------------------------------------

interface Replica {
  name: string;
  port: number;
  child?: ChildProcess;
  out: WriteStream;
  starts: number;
  /** times it ended by itself */
  exits: number;
}
let stopping = false;
const replicas: Replica[] = await Promise.all(
  ['a', 'b'].map(async (name) => ({ name, port: await freePort(), out: createWriteStream(path.join(dir, `replica-${name}.log`)), starts: 0, exits: 0 })),
);
const replicaEnv = (r: Replica): Record<string, string> => ({
  DATA_DIR: dataDir,
  CLINICS_FILE: clinicsFile,
  REDIS_URL: redis.url,
  QUEUE_PREFIX: 'chaos',
  PORT: String(r.port),
  ...simulatorSettings(simulator.url),
  AR_URL: register.url,
  AR_CACHE_TTL_S: String(PLAN.cacheS),
  AR_STALE_LIMIT_S: String(PLAN.staleS),
  AR_TIMEOUT_MS: '2000',
  SMTP_HOST: '127.0.0.1',
  SMTP_PORT: String(smtpPort),
  SMTP_SECURITY: 'none',
  AR_STAND_IN_PORT: '0',
  SMTP_STAND_IN_PORT: '0',
  POLL_INTERVAL_MS: '200',
  // the simulator's Helsenorge sends its AppRec at once: an answer whose replica died in the middle of
  // its POST need not wait the default 120 s for one before it is sent again (the drain waits for it)
  OUTBOUND_UNCERTAIN_WAIT_S: '30',
  OPS_TOKEN,
  LOG_LEVEL: 'warn',
});
async function startReplica(r: Replica): Promise<void> {
  r.starts++;
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/epj-gateway.mjs'), 'serve'], {
    env: { ...process.env, ...replicaEnv(r) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(r.out, { end: false });
  child.stderr.pipe(r.out, { end: false });
  r.child = child;
  // as a process supervisor would: a replica that ends by itself (it refuses to start while Redis is
  // away, for one) is started again
  child.once('exit', (code, signal) => {
    if (r.child !== child || stopping) return;
    r.exits++;
    log(`replica ${r.name} ended by itself (${signal ?? code}); starting it again`);
    setTimeout(() => r.child === child && !stopping && void startReplica(r), 1_000);
  });
}
function killReplica(r: Replica): Promise<void> {
  const child = r.child;
  r.child = undefined;
  if (!child || child.exitCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  return exited;
}
const replicaUrl = (r: Replica) => `http://127.0.0.1:${r.port}`;
async function replicaReady(r: Replica): Promise<boolean> {
  return fetch(`${replicaUrl(r)}/healthz`, { signal: AbortSignal.timeout(2_000) }).then(
    (res) => res.ok,
    () => false,
  );
}
process.on('exit', () => {
  for (const r of replicas) r.child?.kill('SIGKILL');
  redis.abandon();
});
for (const r of replicas) await startReplica(r);
for (const r of replicas) await until(() => replicaReady(r), 120_000, `replica ${r.name} to start`);
const gateOf = async (c: Clinic) =>
  (
    await fetch(`${replicaUrl(replicas[0]!)}/ops/gate?clinic=${c.herId}`, { headers: { authorization: `Bearer ${OPS_TOKEN}` } })
      .then((r) => r.json() as Promise<{ gateway?: { state?: string } }>)
      .catch(() => undefined)
  )?.gateway?.state;
// the gate before any fault: open, but for what the clinic brings along (the demo's third clinic's near-expiry certificate: warning)
const gateBefore = new Map<string, string | undefined>();
await until(async () => (await Promise.all(CLINICS.map(gateOf))).every(Boolean), 30_000, 'the gate to settle');
for (const c of CLINICS) gateBefore.set(c.herId, await gateOf(c));
log(`redis ${redis.url}, simulator ${simulator.url}, replicas on ${replicas.map((r) => r.port).join(' and ')}, folder ${dir}`);

async function until(check: () => Promise<boolean> | boolean, ms: number, what: string, everyMs = 250): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await sleep(everyMs);
  }
  log(`gave up waiting for ${what}`);
  return false;
}

// ---- the EPJ: reads its inbox folders, answers each request --------------------------------------

const outboxFault = { on: false };
const inodes = new Map<string, number>(); // sidecar path → inode when first seen
function scanInboxes(): void {
  for (const c of CLINICS.filter((x) => x.delivery === 'folder')) {
    const inbox = path.join(dataDir, 'epj', c.herId, 'inbox');
    if (!existsSync(inbox)) continue;
    for (const name of readdirSync(inbox)) {
      if (!name.endsWith('.json') || name.startsWith('.')) continue;
      const file = path.join(inbox, name);
      if (inodes.has(file)) continue;
      try {
        inodes.set(file, statSync(file).ino);
        epjReceived((JSON.parse(readFileSync(file, 'utf8')) as { msgId: string }).msgId);
      } catch {
        /* half seen: next scan */
      }
    }
  }
}
/** Sidecars written again after the EPJ first saw them: a second delivery. */
function rewrittenSidecars(): number {
  let n = 0;
  for (const [file, ino] of inodes) if (statSync(file, { throwIfNoEntry: false })?.ino !== ino) n++;
  return n;
}

const answerQueue: Inbound[] = [];
function epjReceived(msgId: string): void {
  const m = inbound.get(msgId);
  if (!m) return;
  m.delivered++;
  m.deliveredAt ??= Date.now();
  if (m.delivered === 1 && !m.probeFor) answerQueue.push(m);
}

let answerCount = 0;
async function answer(m: Inbound): Promise<void> {
  const msgId = randomUUID();
  const viaApi = m.service.api && (m.service.service !== 'office-contact' || answerCount % 2 === 0);
  answerCount++;
  const o: Outbound = { msgId, clinic: m.clinic, via: viaApi ? 'api' : 'outbox', inReplyTo: m.msgId };
  outbound.set(msgId, o);
  m.answered = true;
  if (!viaApi) {
    const template = fixture(m.service.answer);
    const parent = firstMsgId(fixture(m.service.request));
    const xml = forClinic(template.replace(`<MsgId>${firstMsgId(template)}</MsgId>`, `<MsgId>${msgId}</MsgId>`).replaceAll(parent, m.msgId), m.clinic);
    const outbox = path.join(dataDir, 'epj', m.clinic.herId, 'outbox');
    mkdirSync(outbox, { recursive: true });
    const tmp = path.join(outbox, `.${msgId}.xml`);
    writeFileSync(tmp, xml);
    renameSync(tmp, path.join(outbox, `${msgId}.xml`));
    return;
  }
  const body = JSON.stringify({ service: m.service.service, inReplyTo: m.msgId, msgId, text: 'Takk for meldingen, vi tar kontakt.' });
  // the EPJ tries until the gateway takes it (either replica), with the same MsgId: a retry is never a second answer
  for (let attempt = 0; ; attempt++) {
    const r = replicas[(attempt + answerCount) % replicas.length]!;
    const res = await fetch(`${replicaUrl(r)}/v1/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${m.clinic.token}`, 'content-type': 'application/json' },
      body,
      signal: AbortSignal.timeout(10_000),
    }).catch(() => undefined);
    if (res && res.status < 300) return;
    if ((res && res.status < 500 && res.status !== 429) || draining.done) {
      o.refused = res ? `${res.status} ${(await res.text()).slice(0, 200)}` : 'no answer from either replica before the end';
      return;
    }
    await sleep(Math.min(5_000, 250 * 2 ** Math.min(attempt, 4)));
  }
}

// ---- the citizen side ----------------------------------------------------------------------------

let sentCount = 0;
async function sendCitizenMessage(probeFor?: Inbound['probeFor']): Promise<void> {
  const clinic = CLINICS[sentCount % CLINICS.length]!;
  const service = SERVICES[Math.floor(sentCount / CLINICS.length) % SERVICES.length]!;
  sentCount++;
  const msgId = randomUUID();
  const xml = forClinic(fixture(service.request).replace(/<MsgId>[^<]+<\/MsgId>/, `<MsgId>${msgId}</MsgId>`), clinic);
  const res = await fetch(`${simulator.url}/citizen/messages?to=${clinic.herId}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ xml }),
  });
  if (!res.ok) throw new Error(`the simulator refused a citizen message: ${res.status} ${await res.text()}`);
  const { id } = (await res.json()) as { id: string };
  inbound.set(msgId, { nhnId: id, msgId, clinic, service, sentAt: Date.now(), delivered: 0, answered: false, ...(probeFor ? { probeFor } : {}) });
}

// ---- faults --------------------------------------------------------------------------------------

const simFaults = async (rules: unknown[] | null) =>
  void (await fetch(`${simulator.url}/simulator/faults`, {
    method: rules ? 'POST' : 'DELETE',
    headers: { 'content-type': 'application/json' },
    ...(rules ? { body: JSON.stringify(rules) } : {}),
  }));
const STORMS: Record<string, unknown[]> = {
  '5xx': [{ kind: 'error', status: 503, count: null }],
  '429': [{ kind: 'error', status: 429, retryAfterS: 2, count: null }],
  timeout: [{ kind: 'timeout', count: null }],
  reset: [{ kind: 'drop', count: null }],
  slow: [{ kind: 'slow', delayMs: 1_500, count: null }],
};

async function fault(kind: string, run: () => Promise<void>): Promise<void> {
  const entry: (typeof faultLog)[number] = { kind, at: Date.now() };
  faultLog.push(entry);
  await run();
  entry.endedAt = Date.now();
  // a probe: how long from the fault's end until a message sent then is delivered and answered
  await sendCitizenMessage({ fault: kind, endedAt: entry.endedAt }).catch(() => undefined);
}

/**
 * Started and answering /healthz; one that is not within a minute is killed and started again, as a
 * start-up probe would (a replica started while Redis restarts can hang half-started: counted).
 */
let hungStarts = 0;
async function readyOrRestarted(r: Replica): Promise<void> {
  for (let i = 0; i < 3; i++) {
    if (await until(() => replicaReady(r), 60_000, `replica ${r.name} to come back`)) return;
    hungStarts++;
    log(`replica ${r.name} did not answer within a minute of its start: killed and started again`);
    await killReplica(r);
    await startReplica(r);
  }
}

async function killAReplica(): Promise<void> {
  const r = replicas[Math.floor(Math.random() * replicas.length)]!;
  await fault('replica-kill', async () => {
    await killReplica(r);
    await startReplica(r);
    await readyOrRestarted(r);
  });
}

async function killRedis(): Promise<void> {
  await fault('redis-kill', async () => {
    const restarted = new Promise<void>((resolve) => redis.once('restarted', () => resolve()));
    process.kill(redis.pid!, 'SIGKILL');
    await restarted;
  });
}

async function storm(kind: string, seconds: number): Promise<void> {
  await fault(`storm-${kind}`, async () => {
    await simFaults(STORMS[kind]!);
    await sleep(seconds * 1000);
    await simFaults(null);
  });
}

/** The address register down for longer than the cache and the stale limit, with SMTP down at its start (the gate's mails wait). */
async function registerAndSmtpDown(): Promise<void> {
  await fault('smtp-down', async () => {
    await smtpDown();
    await fault('register-down', async () => {
      register.setDown(true);
      await sleep(PLAN.arDownS * 500);
      await smtpUp();
      await sleep(PLAN.arDownS * 500);
      register.setDown(false);
    });
  });
}

async function webhookDown(seconds: number): Promise<void> {
  await fault('webhook-failing', async () => {
    webhookFailing = true;
    await sleep(seconds * 1000);
    webhookFailing = false;
  });
}

/** The outbox's done/ folder cannot be written (root ignores file modes, so it is a file in its way instead). */
async function outboxUnwritable(seconds: number): Promise<void> {
  const c = CLINICS[2]!;
  const done = path.join(dataDir, 'epj', c.herId, 'outbox', 'done');
  await fault('outbox-unwritable', async () => {
    const aside = `${done}.aside`;
    mkdirSync(done, { recursive: true });
    renameSync(done, aside);
    writeFileSync(done, 'not a folder');
    chmodSync(done, 0o444);
    outboxFault.on = true;
    await sleep(seconds * 1000);
    rmSync(done, { force: true });
    renameSync(aside, done);
    outboxFault.on = false;
  });
}

/** The rounds: every fault at a random moment of the load, the kills spread over it; storms and outages one after another. */
async function rounds(endAt: number): Promise<void> {
  const span = endAt - Date.now() - 10_000;
  const at = (): number => Date.now() + 3_000 + Math.random() * span;
  const killTimes = Array.from({ length: PLAN.kills }, at).sort((a, b) => a - b);
  const redisTimes = Array.from({ length: PLAN.redisKills }, at).sort((a, b) => a - b);
  const kills = (async () => {
    for (const t of killTimes) {
      await sleep(t - Date.now());
      await killAReplica();
    }
  })();
  const redisKills = (async () => {
    for (const t of redisTimes) {
      await sleep(t - Date.now());
      await killRedis();
    }
  })();
  // the NHN storms, the register, the webhook, the outbox, SMTP: one after another, in a shuffled order
  const outages: (() => Promise<void>)[] = [];
  for (let i = 0; i < PLAN.stormsPerKind; i++) for (const kind of Object.keys(STORMS)) outages.push(() => storm(kind, 4));
  outages.push(
    registerAndSmtpDown,
    () => webhookDown(PLAN.windowS),
    () => outboxUnwritable(PLAN.windowS),
  );
  outages.sort(() => Math.random() - 0.5);
  const gap = Math.max(1_000, (span - outages.length * 6_000 - PLAN.arDownS * 1000 - 2 * PLAN.windowS * 1000) / outages.length);
  const others = (async () => {
    for (const o of outages) {
      if (Date.now() > endAt + 30_000) break;
      await sleep(gap * (0.5 + Math.random()));
      await o();
    }
  })();
  await Promise.all([kills, redisKills, others]);
}

// ---- the run ---------------------------------------------------------------------------------------

const loadEnd = Date.now() + PLAN.loadS * 1000;
let loadError: unknown;
const draining = { done: false };
const scanner = setInterval(scanInboxes, 500);
const answering = (async () => {
  const inFlight = new Set<Promise<void>>();
  while (Date.now() < loadEnd + PLAN.drainS * 1000 && !draining.done) {
    const m = answerQueue.shift();
    if (!m) {
      await sleep(100);
      continue;
    }
    const p = answer(m).finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size >= 8) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
})();
const load = (async () => {
  const every = 1000 / PLAN.ratePerS;
  while (Date.now() < loadEnd) {
    await sendCitizenMessage().catch((err: unknown) => (loadError = err));
    await sleep(every);
  }
})();
log(
  `appendfsync ${APPENDFSYNC}; scale ${SCALE}: load for ${PLAN.loadS} s at ${PLAN.ratePerS}/s, ${PLAN.kills} replica kills, ${PLAN.redisKills} redis kills, ${PLAN.stormsPerKind} storms of each kind`,
);
await rounds(loadEnd);
await load;
log(`load and faults done: ${inbound.size} citizen messages, ${outbound.size} answers so far; draining`);
if (loadError) log(`note: a citizen message could not be sent: ${loadError instanceof Error ? loadError.message : JSON.stringify(loadError)}`);

// ---- drain -----------------------------------------------------------------------------------------

for (const r of replicas) if (!(await replicaReady(r))) await readyOrRestarted(r);
const ops = async <T>(p: string, init?: RequestInit): Promise<T | undefined> => {
  for (const r of replicas) {
    const res = await fetch(`${replicaUrl(r)}${p}`, { ...init, headers: { authorization: `Bearer ${OPS_TOKEN}` }, signal: AbortSignal.timeout(10_000) }).catch(
      () => undefined,
    );
    if (res?.ok) return (await res.json()) as T;
  }
  return undefined;
};
interface Counts {
  appRecs: Record<string, number>;
  answers: { msgId: string | null; valid: boolean; appRec: { status: string } }[];
}
const citizen = async (): Promise<Counts> => ({
  appRecs: (await (await fetch(`${simulator.url}/citizen/apprec-counts`)).json()) as Record<string, number>,
  answers: (await (await fetch(`${simulator.url}/citizen/answers`)).json()) as Counts['answers'],
});
const outboxLeft = () =>
  CLINICS.reduce((n, c) => {
    const o = path.join(dataDir, 'epj', c.herId, 'outbox');
    return n + (existsSync(o) ? readdirSync(o).filter((f) => f.endsWith('.xml')).length : 0);
  }, 0);
const deadLetters = new Map<string, { clinic: string; reason: string }>();
async function replayDeadLetters(): Promise<void> {
  for (const c of CLINICS) {
    const list = await ops<{ deadLetters: { msgId: string; reason: string }[] }>(`/ops/dead-letters?clinic=${c.herId}`);
    for (const d of list?.deadLetters ?? []) {
      if (!deadLetters.has(d.msgId)) deadLetters.set(d.msgId, { clinic: c.herId, reason: d.reason });
      await ops(`/ops/dead-letters/${d.msgId}/replay?clinic=${c.herId}`, { method: 'POST' });
    }
  }
}
const complete = async (): Promise<boolean> => {
  scanInboxes();
  await replayDeadLetters();
  const { appRecs, answers } = await citizen();
  const answered = new Set(answers.map((a) => a.msgId));
  const inboundDone = [...inbound.values()].every((m) => m.delivered > 0 && appRecs[m.nhnId]);
  const outboundDone = [...outbound.values()].every((o) => o.refused || answered.has(o.msgId));
  return inboundDone && outboundDone && answerQueue.length === 0 && [...inbound.values()].every((m) => m.answered || m.probeFor) && outboxLeft() === 0;
};
const drainStart = Date.now();
await until(complete, PLAN.drainS * 1000, 'every message to arrive', 2_000);
// the clinic's side of each answer: the AppRec from Helsenorge tracked (apprec-ok)
const stateOf = async (o: Outbound): Promise<string> => {
  for (const r of replicas) {
    const res = await fetch(`${replicaUrl(r)}/v1/messages/${o.msgId}`, { headers: { authorization: `Bearer ${o.clinic.token}` } }).catch(() => undefined);
    if (res?.ok) return ((await res.json()) as { state: string }).state;
    if (res?.status === 404) return 'unknown';
  }
  return 'unreachable';
};
const states = new Map<string, string>();
await until(
  async () => {
    for (const o of outbound.values()) if (states.get(o.msgId) !== 'apprec-ok') states.set(o.msgId, await stateOf(o));
    return [...states.values()].every((s) => s === 'apprec-ok');
  },
  Math.max(30_000, PLAN.drainS * 1000 - (Date.now() - drainStart)),
  'every answer to be apprec-ok',
  2_000,
);
// the gate open again, in every clinic (a recheck first, as an operator would after an outage)
const gateClosed = new Map<string, string | undefined>();
for (const c of CLINICS) {
  const before = gateBefore.get(c.herId);
  if ((await gateOf(c)) !== before) await ops(`/ops/gate/recheck?clinic=${c.herId}`, { method: 'POST' });
  await until(async () => (await gateOf(c)) === before, 30_000, `the gate of ${c.herId} to be ${before} again`, 1_000);
  const st = await gateOf(c);
  if (st !== before) gateClosed.set(c.herId, st);
}
draining.done = true;
clearInterval(scanner);
await answering;

// ---- the checks ------------------------------------------------------------------------------------

const { appRecs, answers } = await citizen();
const answersByMsgId = new Map<string, typeof answers>();
for (const a of answers) if (a.msgId) answersByMsgId.set(a.msgId, [...(answersByMsgId.get(a.msgId) ?? []), a]);
const problems: string[] = [];
let lost = 0;
let duplicates = 0;
let unexplained = 0;
for (const m of inbound.values()) {
  const n = appRecs[m.nhnId] ?? 0;
  if (m.delivered === 0 || n === 0) {
    lost++;
    problems.push(`lost: citizen ${m.service.service} ${m.msgId} to ${m.clinic.herId} (EPJ deliveries ${m.delivered}, AppRecs ${n})`);
  }
  if (n > 1) {
    duplicates++;
    problems.push(`duplicate: ${n} AppRecs for citizen message ${m.msgId}`);
  }
}
const rewritten = rewrittenSidecars();
if (rewritten) {
  duplicates += rewritten;
  problems.push(`duplicate: ${rewritten} inbox files written again after the EPJ had them`);
}
for (const o of outbound.values()) {
  const got = answersByMsgId.get(o.msgId) ?? [];
  if (o.refused) {
    unexplained++;
    problems.push(`unexplained: answer ${o.msgId} (${o.via}) refused: ${o.refused}`);
  } else if (got.length === 0) {
    lost++;
    problems.push(`lost: answer ${o.msgId} (${o.via}) from ${o.clinic.herId} never reached the citizen (state ${states.get(o.msgId)})`);
  } else if (got.length > 1) {
    duplicates++;
    problems.push(`duplicate: answer ${o.msgId} reached the citizen ${got.length} times`);
  } else if (!got[0]!.valid) {
    unexplained++;
    problems.push(`unexplained: answer ${o.msgId} was invalid at the citizen side`);
  } else if (states.get(o.msgId) !== 'apprec-ok') {
    unexplained++;
    problems.push(`unexplained: answer ${o.msgId} is ${states.get(o.msgId)} at the gateway, not apprec-ok`);
  }
}
for (const [herId, st] of gateClosed) {
  unexplained++;
  problems.push(`unexplained: the gate of ${herId} is ${st}, not ${gateBefore.get(herId)} as before the faults`);
}
const stillDead = (await Promise.all(CLINICS.map((c) => ops<{ deadLetters: unknown[] }>(`/ops/dead-letters?clinic=${c.herId}`)))).reduce(
  (n, l) => n + (l?.deadLetters.length ?? 0),
  0,
);
if (stillDead) {
  unexplained += stillDead;
  problems.push(`unexplained: ${stillDead} dead letters left after replay`);
}

// the AppRec times come from the simulator's list of AppRecs
const appRecList = (await (await fetch(`${simulator.url}/citizen/apprecs`)).json()) as { nhnMessageId: string; at: string; status: string }[];
const appRecAt = new Map(appRecList.map((a) => [a.nhnMessageId, Date.parse(a.at)]));
const appRecStatus = new Map(appRecList.map((a) => [a.nhnMessageId, a.status]));
for (const m of inbound.values()) {
  const status = appRecStatus.get(m.nhnId);
  if (status && status !== 'OK') {
    unexplained++;
    problems.push(`unexplained: citizen message ${m.msgId} (${m.service.service} to ${m.clinic.herId}) was answered with AppRec ${status}`);
  }
}
const recoveries = [...inbound.values()]
  .filter((m) => m.probeFor && appRecAt.has(m.nhnId) && m.deliveredAt)
  .map((m) => ({ fault: m.probeFor!.fault, s: (Math.max(appRecAt.get(m.nhnId)!, m.deliveredAt!) - m.probeFor!.endedAt) / 1000 }));
const byFault = new Map<string, number[]>();
for (const r of recoveries) byFault.set(r.fault, [...(byFault.get(r.fault) ?? []), r.s]);
const maxRecovery = Math.max(0, ...recoveries.map((r) => r.s));

const counted = (kind: string) => faultLog.filter((f) => f.kind === kind).length;
const storms = faultLog.filter((f) => f.kind.startsWith('storm-')).length;
log(`faults: ${faultLog.length} in all; ${[...new Set(faultLog.map((f) => f.kind))].map((k) => `${k} ${counted(k)}`).join(', ')}`);
log(
  `messages: ${inbound.size} citizen requests (${[...new Set(SERVICES.map((s) => s.service))].map((s) => `${s} ${[...inbound.values()].filter((m) => m.service.service === s).length}`).join(', ')}), ${outbound.size} clinic answers (api ${[...outbound.values()].filter((o) => o.via === 'api').length}, outbox ${[...outbound.values()].filter((o) => o.via === 'outbox').length})`,
);
log(`webhook: ${webhookPosts.size} delivered, ${webhookRepeats} re-POSTs of a key already taken (same Idempotency-Key: allowed, the EPJ answers 2xx)`);
log(`dead letters: ${deadLetters.size} (${[...new Set([...deadLetters.values()].map((d) => d.reason))].join('; ') || 'none'}), all replayed`);
log(`mails: ${mails} notifications received by SMTP`);
log(
  `gate before the faults and after the drain: ${CLINICS.map((c) => `${c.herId} ${gateBefore.get(c.herId)}`).join(', ')}${gateClosed.size ? ' (not all back)' : ''}`,
);
for (const [f, s] of byFault) log(`recovery after ${f}: max ${Math.max(...s).toFixed(1)} s over ${s.length}`);
log(
  `drain took ${((Date.now() - drainStart) / 1000).toFixed(0)} s; replica starts ${replicas.map((r) => `${r.name} ${r.starts} (ended by itself ${r.exits})`).join(', ')}; hung starts killed and started again: ${hungStarts}`,
);
// what the gateway says of a citizen message not in the EPJ: its state, why it waits, its last steps
const lostInbound = [...inbound.values()].filter((m) => m.delivered === 0).slice(0, 12);
for (const m of lostInbound) {
  const rec = await ops<{ state?: string; waitingReason?: string; history?: { at?: string; event?: string; outcome?: string; reason?: string }[] }>(
    `/ops/messages/${m.msgId}?clinic=${m.clinic.herId}&reason=chaos-diagnosis`,
  );
  const steps = (rec?.history ?? []).slice(-5).map((h) => `${h.at?.slice(11, 23) ?? ''} ${h.event}/${h.outcome}${h.reason ? ` (${h.reason})` : ''}`);
  problems.push(
    `  gateway on ${m.msgId}: ${rec ? `state ${rec.state}${rec.waitingReason ? `, waiting: ${rec.waitingReason}` : ''}; ${steps.join('; ')}` : 'no record'}`,
  );
}
// and of an answer that reached the citizen twice: its sends as the gateway recorded them
for (const o of [...outbound.values()].filter((o) => (answersByMsgId.get(o.msgId)?.length ?? 0) > 1).slice(0, 12)) {
  const rec = await ops<{ state?: string; history?: { at?: string; event?: string; outcome?: string; reason?: string; attempt?: number }[] }>(
    `/ops/messages/${o.msgId}?clinic=${o.clinic.herId}&reason=chaos-diagnosis`,
  );
  const steps = (rec?.history ?? []).map((h) => `${h.at?.slice(11, 23) ?? ''} ${h.event}/${h.outcome}#${h.attempt ?? ''}${h.reason ? ` (${h.reason})` : ''}`);
  problems.push(`  gateway on ${o.msgId}: ${rec ? `state ${rec.state}; ${steps.join('; ')}` : 'no record'}`);
}
if (problems.length) log(`fault times: ${faultLog.map((f) => `${f.kind} ${new Date(f.at).toISOString().slice(11, 23)}`).join(', ')}`);
for (const p of problems.slice(0, 60)) log(p);
if (problems.length > 60) log(`… and ${problems.length - 60} more`);

stopping = true;
const result = {
  kills: counted('replica-kill'),
  redis_kills: counted('redis-kill'),
  storms,
  messages: inbound.size + outbound.size,
  lost,
  duplicates,
  unexplained,
  dead_letters: deadLetters.size,
  max_recovery_s: Math.round(maxRecovery * 10) / 10,
};

for (const r of replicas) await killReplica(r);
await simulator.stop();
await register.close();
await smtpDown();
webhook.close();
await redis.stop();
if (!process.env.CHAOS_KEEP) rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify(result));
process.exit(lost || duplicates || unexplained ? 1 : 0);
