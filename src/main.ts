import { ConfigError, loadConfig, messageProtectionOf, type Config } from './config.js';
import { composeGateway, type ComposedGateway } from './compose/gateway.js';
import { isGatewayError } from './errors.js';
import { PortInUseError } from './infra/listen.js';
import { createLogger, type Logger } from './logging.js';
import { DEMO_ACCOUNTS } from './operators/operator-accounts.js';

/**
 * The process: settings, the composition (production, or the demo's when GATEWAY_MODE=demo),
 * signals, and the banner. The demo's composition is handed in by the command that starts the
 * gateway, so this file — the production path — imports nothing of the demo.
 */

/** What the demo adds to the banner: its stand-ins' addresses. */
export interface Composed {
  gateway: ComposedGateway;
  banner?: string[];
}

export type Compose = (config: Config, logger: Logger) => Promise<Composed>;

const productionCompose: Compose = async (config, logger) => ({ gateway: await composeGateway(config, logger) });

function fail(message: string, code: number): never {
  process.stderr.write(`epj-gateway: ${message}\n`);
  process.exit(code);
}

/**
 * Starts the gateway and keeps it running until SIGTERM/SIGINT. Exit 2: settings that cannot work
 * (including a port another process holds); exit 1: a part that could not start (what had started
 * is stopped first).
 */
export async function startGateway(demo: () => Promise<Compose>): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message, 2);
    throw err;
  }
  const logger = createLogger(config.LOG_LEVEL);
  const compose = config.GATEWAY_MODE === 'demo' ? await demo() : productionCompose;

  let composed: Composed;
  try {
    composed = await compose(config, logger);
  } catch (err) {
    if (err instanceof ConfigError || err instanceof PortInUseError) fail(err.message, 2);
    if (isGatewayError(err)) fail(err.message, 1);
    // anything else (Redis gone half-way through the start): the composition has stopped what it
    // started, so the process ends by itself once its last connection lets go; one that does not is
    // ended after a shutdown's deadline rather than left running, never listening
    process.stderr.write(`epj-gateway: the gateway could not start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
    setTimeout(() => process.exit(1), config.SHUTDOWN_DEADLINE_MS).unref();
    return;
  }
  const { gateway } = composed;
  gateway.lifecycle.installSignalHandlers();
  logger.info({ url: gateway.url, mode: config.GATEWAY_MODE }, 'epj-gateway is listening');
  if (config.GATEWAY_MODE === 'demo') process.stdout.write(banner(config, gateway, composed.banner ?? []));
}

const opsTokenLine = (role: string, token: string) => `${`  Operations token (${role}):`.padEnd(34)}Authorization: Bearer ${token}`;

function banner(config: Config, gateway: ComposedGateway, extra: string[]): string {
  const token = config.EPJ_TOKENS[0]!;
  const { url, epj } = gateway;
  return (
    [
      '',
      `  epj-gateway (demo) is ready at ${url}`,
      `  EPJ API token (${token.client}):  Authorization: Bearer ${token.token}`,
      opsTokenLine(config.OPS_TOKEN_ROLE, config.OPS_TOKEN),
      ...(config.OPERATORS_FILE ? [] : DEMO_ACCOUNTS.map((a) => opsTokenLine(a.role, a.token))),
      `  Dashboard:                      ${url}/ops/  (log in with an operations token)`,
      ...extra,
      ...(epj.inboxDir ? [`  EPJ inbox folder:               ${epj.inboxDir}`] : []),
      `  EPJ outbox folder:              ${epj.outboxDir}`,
      `  Message protection:             ${messageProtectionOf(config) === 'cms' ? 'CMS, signed and encrypted end to end' : "NHN's message service (HelseID + TLS)"}`,
      `  Schema validation:              ${config.KITH_SCHEMA_DIR ? `official XSDs from ${config.KITH_SCHEMA_DIR}` : 'own rules only (set KITH_SCHEMA_DIR for the official XSDs)'}`,
      '',
    ].join('\n') + '\n'
  );
}
