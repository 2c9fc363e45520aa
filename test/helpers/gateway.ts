import { loadConfig, type ConfigInput } from '../../src/config.js';
import { clinicSettings } from '../../src/compose/clinic.js';
import { buildCore, type Core } from '../../src/compose/core.js';
import { clinicFromSettings } from '../../src/clinics/clinic.js';
import type { GatewayProcess } from '../../src/compose/gateway.js';
import { buildHttp, clinicRouters } from '../../src/compose/http.js';
import { buildInfrastructure } from '../../src/compose/infrastructure.js';
import { bindPort } from '../../src/infra/listen.js';
import { Lifecycle, ShutdownFlag, type Poller } from '../../src/lifecycle.js';
import { captureLogger } from './logger.js';
import { tempDir } from './tmp.js';

/** One clinic's core on the infrastructure, with HTTP: what the tests without NHN's side reach for. */
/** `config` is the clinic's settings: QUEUE_PREFIX carries its HER-id, as its keys do. */
export interface TestGateway extends GatewayProcess, Omit<Core, 'closers'> {}

/**
 * The gateway without NHN's side, in this process on the given Redis, listening on a free port:
 * infrastructure, one clinic's core and HTTP composed as the composition root does, no transport,
 * no pipeline. Tests that need the workers start them themselves (startPipeline) with their own transport.
 */
export async function startTestGateway(
  redisUrl: string,
  env: ConfigInput = {},
  extra: { pollers?: Poller[]; /** what the captured log keeps (default info); a long run keeps less */ logLevel?: string } = {},
): Promise<{ gateway: TestGateway; url: string; logs: () => string }> {
  const deployment = loadConfig({
    PORT: '0',
    REDIS_URL: redisUrl,
    DATA_DIR: tempDir('data'),
    QUEUE_PREFIX: `t${Math.random().toString(36).slice(2, 8)}`,
    SHUTDOWN_DEADLINE_MS: '2000',
    ...env,
  });
  const config = clinicSettings(clinicFromSettings(deployment), deployment.QUEUE_PREFIX);
  const { logger, text } = captureLogger(extra.logLevel ?? 'info');
  const infra = await buildInfrastructure(deployment, logger);
  const core = await buildCore(config, logger, infra, infra.metrics.forClinic(config.CLINIC_HER_ID));
  const flag = new ShutdownFlag();
  const routers = clinicRouters(config, core, { recheck: async () => undefined });
  const app = buildHttp(deployment, logger, infra, { routers: () => [routers], tokens: () => routers.tokens }, flag);
  const port = await bindPort(config.PORT, config.HOST);
  port.serve(app);
  const { server, url } = port;
  const lifecycle = new Lifecycle(logger, config.SHUTDOWN_DEADLINE_MS, {
    flag,
    server,
    pollers: extra.pollers ?? [],
    workers: core.workers,
    parts: [...core.closers, ...infra.closers],
    finalParts: infra.finalClosers,
  });
  const { closers: _i, finalClosers: _f, metrics: metricsRoot, ...shared } = infra;
  const { closers: _c, ...clinic } = core;
  const gateway: TestGateway = { ...shared, ...clinic, metricsRoot, config, logger, url, server, lifecycle, shutdown: (reason) => lifecycle.shutdown(reason) };
  return { gateway, url, logs: text };
}
