import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import { GatewayError } from '../errors.js';
import { connectRedis, describeRedisTarget, httpConnectionOptions, warnOnWeakPersistence, workerConnectionOptions, type RedisTarget } from '../infra/redis.js';
import { SupervisedRedis } from '../infra/supervised-redis.js';
import type { Closable } from '../lifecycle.js';
import type { Logger } from '../logging.js';
import { createMetrics, type MetricsRoot } from '../metrics.js';
import { addressRegisterMetrics, type AddressRegisterMetrics } from '../registry/register-status.js';

/**
 * What every clinic's parts stand on, built once per process: Redis (external, or a supervised
 * redis-server under DATA_DIR), the connections (one that fails fast for HTTP and queue writes,
 * one that waits for the workers) and the metrics registry.
 */
export interface Infrastructure {
  /** where Redis is: a URL (external or supervised) or a Sentinel-monitored primary */
  redisTarget: RedisTarget;
  /** the URL when Redis is reached by one (external or supervised); unset through Sentinel */
  redisUrl: string | undefined;
  /** fails fast: HTTP requests and queue writes */
  redis: Redis;
  /** waits through outages: the BullMQ workers */
  workerConnection: Redis;
  supervisedRedis: SupervisedRedis | undefined;
  metrics: MetricsRoot;
  /** the address-register metrics, one series set per clinic */
  arMetrics: AddressRegisterMetrics;
  /** closed after the workers, in this order */
  closers: Closable[];
  /** closed last */
  finalClosers: Closable[];
}

export async function buildInfrastructure(config: Config, logger: Logger): Promise<Infrastructure> {
  const metrics = createMetrics();

  let supervisedRedis: SupervisedRedis | undefined;
  let redisTarget = redisTargetOf(config);
  if (config.REDIS_SENTINELS.length > 0 && config.REDIS_URL) logger.warn('REDIS_SENTINELS is set: REDIS_URL is ignored, the primary is found through Sentinel');
  if (!redisTarget) {
    supervisedRedis = new SupervisedRedis({ dataDir: config.DATA_DIR, bin: config.REDIS_SERVER_BIN, logger });
    supervisedRedis.on('failed', (err: unknown) => logger.fatal({ err: String(err) }, 'the supervised redis-server keeps failing; the gateway is not ready'));
    await supervisedRedis.start();
    redisTarget = { kind: 'url', url: supervisedRedis.url };
    logger.info({ port: supervisedRedis.port, dataDir: config.DATA_DIR }, 'supervised redis-server started');
  }

  let redis: Redis;
  try {
    redis = await connectRedis(redisTarget, httpConnectionOptions());
  } catch (err) {
    await supervisedRedis?.stop();
    throw new GatewayError('REDIS_NOT_FOUND', `(cannot reach ${describeRedisTarget(redisTarget)}: ${(err as Error).message})`);
  }
  metrics.watchRedis(redis);
  if (!supervisedRedis) await warnOnWeakPersistence(redis, logger);
  const workerConnection = await connectRedis(redisTarget, workerConnectionOptions());
  metrics.watchRedis(workerConnection);

  return {
    redisTarget,
    redisUrl: redisTarget.kind === 'url' ? redisTarget.url : undefined,
    redis,
    workerConnection,
    supervisedRedis,
    metrics,
    arMetrics: addressRegisterMetrics(metrics.registry),
    closers: [
      { name: 'worker connection', close: () => workerConnection.quit() },
      { name: 'redis', close: () => redis.quit() },
    ],
    finalClosers: supervisedRedis ? [{ name: 'supervised redis-server', close: () => supervisedRedis.stop() }] : [],
  };
}

/** Sentinel when REDIS_SENTINELS is set, else REDIS_URL; neither: the caller supervises its own redis-server. */
export function redisTargetOf(config: Config): RedisTarget | undefined {
  if (config.REDIS_SENTINELS.length > 0)
    return {
      kind: 'sentinel',
      sentinels: config.REDIS_SENTINELS,
      name: config.REDIS_SENTINEL_NAME,
      password: config.REDIS_PASSWORD,
      sentinelPassword: config.REDIS_SENTINEL_PASSWORD,
    };
  return config.REDIS_URL ? { kind: 'url', url: config.REDIS_URL } : undefined;
}
