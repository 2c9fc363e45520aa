import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import { GatewayError } from '../errors.js';
import { connectRedis, httpConnectionOptions, warnOnWeakPersistence, workerConnectionOptions } from '../infra/redis.js';
import { SupervisedRedis } from '../infra/supervised-redis.js';
import type { Closable } from '../lifecycle.js';
import type { Logger } from '../logging.js';
import { createMetrics, type Metrics } from '../metrics.js';
import { closeQueues, createQueues, type Queues } from '../pipeline/queues.js';
import { WorkerSupervisor } from '../pipeline/worker-supervisor.js';

/**
 * What every part of the gateway stands on, built once: Redis (external, or a supervised
 * redis-server under DATA_DIR), the connections (one that fails fast for HTTP and queue writes,
 * one that waits for the workers), the queues, the metrics and the worker supervisor.
 */
export interface Infrastructure {
  redisUrl: string;
  /** fails fast: HTTP requests and queue writes */
  redis: Redis;
  /** waits through outages: the BullMQ workers */
  workerConnection: Redis;
  supervisedRedis: SupervisedRedis | undefined;
  queues: Queues;
  metrics: Metrics;
  workers: WorkerSupervisor;
  /** closed after the workers, in this order */
  closers: Closable[];
  /** closed last */
  finalClosers: Closable[];
}

export async function buildInfrastructure(config: Config, logger: Logger): Promise<Infrastructure> {
  const metrics = createMetrics();

  let supervisedRedis: SupervisedRedis | undefined;
  let redisUrl = config.REDIS_URL;
  if (!redisUrl) {
    supervisedRedis = new SupervisedRedis({ dataDir: config.DATA_DIR, bin: config.REDIS_SERVER_BIN, logger });
    supervisedRedis.on('failed', (err: unknown) => logger.fatal({ err: String(err) }, 'the supervised redis-server keeps failing; the gateway is not ready'));
    await supervisedRedis.start();
    redisUrl = supervisedRedis.url;
    logger.info({ port: supervisedRedis.port, dataDir: config.DATA_DIR }, 'supervised redis-server started');
  }

  let redis: Redis;
  try {
    redis = await connectRedis(redisUrl, httpConnectionOptions());
  } catch (err) {
    await supervisedRedis?.stop();
    throw new GatewayError('REDIS_NOT_FOUND', `(cannot reach ${new URL(redisUrl).host}: ${(err as Error).message})`);
  }
  metrics.watchRedis(redis);
  if (!supervisedRedis) await warnOnWeakPersistence(redis, logger);
  const workerConnection = await connectRedis(redisUrl, workerConnectionOptions());
  metrics.watchRedis(workerConnection);

  const queues = createQueues(redis, config.QUEUE_PREFIX);
  metrics.attachQueues(queues);
  const workers = new WorkerSupervisor({ logger, onRecreate: (name) => metrics.workerRecreations.inc({ worker: name }) });

  return {
    redisUrl,
    redis,
    workerConnection,
    supervisedRedis,
    queues,
    metrics,
    workers,
    closers: [
      { name: 'worker connection', close: () => workerConnection.quit() },
      { name: 'queues', close: () => closeQueues(queues) },
      { name: 'redis', close: () => redis.quit() },
    ],
    finalClosers: supervisedRedis ? [{ name: 'supervised redis-server', close: () => supervisedRedis.stop() }] : [],
  };
}
