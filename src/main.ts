import { loadConfig, ConfigError } from './config.js';
import { isGatewayError } from './errors.js';
import { createGateway } from './gateway.js';
import { createLogger } from './logging.js';

/** Composition root: settings, then Redis and the pipeline, then HTTP. */
export async function startGateway(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`epj-gateway: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.LOG_LEVEL);

  let gateway;
  try {
    gateway = await createGateway(config, logger);
  } catch (err) {
    if (isGatewayError(err)) {
      process.stderr.write(`epj-gateway: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  gateway.lifecycle.installSignalHandlers();
  const { url } = await gateway.listen();

  logger.info({ url, mode: config.GATEWAY_MODE }, 'epj-gateway is listening');
  if (config.GATEWAY_MODE === 'demo') {
    const epj = config.EPJ_TOKENS[0]!;
    process.stdout.write(
      [
        '',
        `  epj-gateway (demo) is ready at ${url}`,
        `  EPJ API token (${epj.client}):  Authorization: Bearer ${epj.token}`,
        `  Operations token:               Authorization: Bearer ${config.OPS_TOKEN}`,
        `  Try:  curl ${url}/readyz`,
        `  Schema validation: ${config.KITH_SCHEMA_DIR ? `official XSDs from ${config.KITH_SCHEMA_DIR}` : 'own rules only (set KITH_SCHEMA_DIR for the official XSDs)'}`,
        '',
      ].join('\n') + '\n',
    );
  }
}
