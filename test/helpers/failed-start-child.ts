/**
 * A start that fails half-way, run as its own process by test/integration/failed-start.test.ts:
 * the infrastructure is built on REDIS_URL, then the fail-fast connection goes away (as during a
 * Redis restart) and a clinic's core is built on it. It prints the error and stops what the
 * infrastructure started, as the composition does; the process must then end by itself.
 */
import { loadConfig } from '../../src/config.js';
import { clinicSettings } from '../../src/compose/clinic.js';
import { buildCore } from '../../src/compose/core.js';
import { buildInfrastructure } from '../../src/compose/infrastructure.js';
import { clinicFromSettings } from '../../src/clinics/clinic.js';
import { closeInOrder } from '../../src/lifecycle.js';
import { createLogger } from '../../src/logging.js';

const deployment = loadConfig({
  PORT: '0',
  REDIS_URL: process.env['REDIS_URL']!,
  DATA_DIR: process.env['DATA_DIR']!,
  QUEUE_PREFIX: process.env['QUEUE_PREFIX']!,
  SHUTDOWN_DEADLINE_MS: '2000',
});
const logger = createLogger('silent');
const infra = await buildInfrastructure(deployment, logger);
const config = clinicSettings(clinicFromSettings(deployment), deployment.QUEUE_PREFIX);
infra.redis.disconnect();
try {
  await buildCore(config, logger, infra, infra.metrics.forClinic(config.CLINIC_HER_ID));
  process.stdout.write('started\n');
} catch (err) {
  process.stdout.write(`failed: ${(err as Error).message}\n`);
}
await closeInOrder([...infra.closers, ...infra.finalClosers], logger);
process.stdout.write('closed\n');
