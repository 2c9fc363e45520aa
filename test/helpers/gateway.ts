import { loadConfig, type ConfigInput } from '../../src/config.js';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { captureLogger } from './logger.js';
import { tempDir } from './tmp.js';

/** A gateway in this process on the given Redis, listening on a free port. */
export async function startTestGateway(redisUrl: string, env: ConfigInput = {}): Promise<{ gateway: Gateway; url: string; logs: () => string }> {
  const config = loadConfig({
    PORT: '0',
    REDIS_URL: redisUrl,
    DATA_DIR: tempDir('data'),
    QUEUE_PREFIX: `t${Math.random().toString(36).slice(2, 8)}`,
    SHUTDOWN_DEADLINE_MS: '2000',
    ...env,
  });
  const { logger, text } = captureLogger('info');
  const gateway = await createGateway(config, logger);
  const { url } = await gateway.listen();
  return { gateway, url, logs: text };
}
