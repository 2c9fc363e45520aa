import type { Simulator } from '../../demo/simulator/server.js';
import { loadConfig, type ConfigInput } from '../../src/config.js';
import type { Clinic } from '../../src/clinics/clinic.js';
import { loadClinics } from '../../src/clinics/clinics-file.js';
import { DEMO_CLINICS_FILE, composeDemo, demoClinics } from '../../demo/compose-demo.js';
import type { ComposedGateway } from '../../src/compose/gateway.js';
import type { ArStandIn } from '../../demo/ar-stand-in/stand-in-server.js';
import type { SmtpStandIn } from '../../demo/smtp-stand-in.js';
import { captureLogger } from './logger.js';
import { startTestRedis, type TestRedis } from './redis.js';
import { tempDir } from './tmp.js';

/**
 * The whole gateway as the demo composes it, in this process, on the given Redis: the NHN
 * simulator and the AR stand-in on free ports, the EPJ folders in a temp dir, everything over real
 * HTTP. What a test changes it changes through the settings (`env`), the simulator's faults and
 * citizen side, the stand-in's entries, and the gateway's APIs.
 */
export interface TestStack {
  composed: ComposedGateway;
  /** the gateway's HTTP address */
  url: string;
  simulator: Simulator;
  standIn: ArStandIn;
  /** the demo's SMTP server (SMTP_HOST unset): what the gateway mailed; recipients can be refused */
  smtp: SmtpStandIn | undefined;
  inboxDir: string | undefined;
  outboxDir: string;
  dataDir: string;
  logs: () => string;
  /** the EPJ client's bearer header */
  epjAuth: { authorization: string };
  /** OPS_TOKEN's account (`ops`, an operator in the demo) */
  opsAuth: { authorization: string };
  /** the demo's viewer and admin accounts */
  viewerAuth: { authorization: string };
  adminAuth: { authorization: string };
  stop: () => Promise<void>;
}

/**
 * `fleet: true` serves the demo's three sample clinics (demo/clinics.yaml) instead of the one the
 * settings describe; `epjAuth` is then the first clinic's token, the others are in the clinics' settings.
 */
export async function startStack(redisUrl: string, env: ConfigInput = {}, options: { fleet?: boolean; simulatorClinics?: Clinic[] } = {}): Promise<TestStack> {
  const dataDir = tempDir('stack');
  const config = loadConfig({
    PORT: '0',
    REDIS_URL: redisUrl,
    DATA_DIR: dataDir,
    QUEUE_PREFIX: `s${Math.random().toString(36).slice(2, 8)}`,
    SHUTDOWN_DEADLINE_MS: '2000',
    SIMULATOR_PORT: '0',
    AR_STAND_IN_PORT: '0',
    SMTP_STAND_IN_PORT: '0',
    POLL_INTERVAL_MS: '100',
    RETRY_BASE_MS: '100',
    RETRY_CAP_MS: '1000',
    ...env,
  });
  const { logger, text } = captureLogger('info');
  const clinics = options.fleet ? demoClinics({ ...config, CLINICS_FILE: DEMO_CLINICS_FILE }, {}) : undefined;
  const { gateway: composed, simulator, standIn, smtp } = await composeDemo(config, logger, clinics ?? loadClinics(config), options.simulatorClinics);
  const { url } = composed;
  if (!simulator || !standIn) throw new Error('the test stack needs the demo simulator and AR stand-in (GATEWAY_MODE=demo, no MSH_BASE_URL/AR_URL)');
  return {
    composed,
    url,
    simulator,
    standIn,
    smtp,
    inboxDir: composed.epj.inboxDir,
    outboxDir: composed.epj.outboxDir,
    dataDir,
    logs: text,
    epjAuth: { authorization: `Bearer ${composed.clinics[0]!.settings.EPJ_TOKENS[0]!.token}` },
    opsAuth: { authorization: `Bearer ${config.OPS_TOKEN}` },
    viewerAuth: { authorization: 'Bearer demo-viewer-token' },
    adminAuth: { authorization: 'Bearer demo-admin-token' },
    stop: () => composed.shutdown('test done'),
  };
}

export { eventually } from './eventually.js';

/** A test Redis and the stack on it for one describe block, both stopped after it. */
export function useStack(env: ConfigInput = {}): { stack: TestStack } {
  const ctx = {} as { stack: TestStack; redis: TestRedis };
  before(async () => {
    ctx.redis = await startTestRedis();
    ctx.stack = await startStack(ctx.redis.url, env);
  });
  after(async () => {
    await ctx.stack?.stop();
    await ctx.redis?.stop();
  });
  return ctx;
}
