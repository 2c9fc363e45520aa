import type { Server } from 'node:http';
import type { Redis } from 'ioredis';
import type { Router } from 'express';
import type { Queue } from 'bullmq';
import { GATED_SERVICES, type GatedService } from './gate/gate-state.js';
import type { Config } from './config.js';
import { GatewayError } from './errors.js';
import { createApp } from './http/app.js';
import type { ReadinessSource } from './http/health.js';
import { Lifecycle } from './lifecycle.js';
import type { Logger } from './logging.js';
import { createMetrics, type Metrics } from './metrics.js';
import { QUEUE_NAMES, closeQueues, createQueues, type Queues } from './pipeline/queues.js';
import { connectRedis, httpConnectionOptions, warnOnWeakPersistence } from './infra/redis.js';
import { SupervisedRedis } from './infra/supervised-redis.js';
import { WorkerSupervisor } from './pipeline/worker-supervisor.js';
import { AuditLog } from './audit/audit-log.js';
import { ServiceGate } from './gate/service-gate.js';
import { Notifier, parseTargets } from './gate/notifier.js';
import { announceGateChanges, noticeToNhn } from './gate/announce.js';
import { opsGateRouter } from './http/ops-gate.js';
import { opsAuditRouter } from './http/ops-audit.js';
import { opsMessagesRouter } from './http/ops-messages.js';
import { epjMessageStatusRouter } from './http/epj-messages.js';
import { MessageStore } from './pipeline/message-store.js';
import { JobCrypto, demoJobKeys, parseJobKeys } from './pipeline/job-crypto.js';
import { DeadLetters } from './pipeline/dead-letters.js';
import type { OutboundDeps } from './pipeline/outbound.js';
import { epjSubmitRouter } from './http/epj-submit.js';
import { loadSchemaSet, type SchemaSet } from './kith/schema-set.js';
import { opsLoginRouter } from './http/ops-auth.js';
import { opsStatusRouter, type StatusSections } from './http/ops-status.js';
import { opsWaitingRouter } from './http/ops-waiting.js';
import { ThroughputRecorder } from './http/dashboard/throughput.js';
import { queueBoardRouter } from './http/dashboard/queue-board.js';
import { dashboardRouter } from './http/dashboard/dashboard-router.js';

/** A running gateway: the parts tests and the composition root reach for. */
export interface Gateway {
  config: Config;
  logger: Logger;
  redisUrl: string;
  redis: Redis;
  supervisedRedis: SupervisedRedis | undefined;
  queues: Queues;
  workers: WorkerSupervisor;
  metrics: Metrics;
  lifecycle: Lifecycle;
  gate: ServiceGate;
  notifier: Notifier;
  audit: AuditLog;
  /** checks run by the gate's watchers on schedule and on POST /ops/gate/recheck */
  gateChecks: (() => Promise<void>)[];
  /** runs every gate check now */
  recheck: () => Promise<void>;
  store: MessageStore;
  crypto: JobCrypto;
  deadLetters: DeadLetters;
  outbound: OutboundDeps;
  /** the official schemas, when KITH_SCHEMA_DIR is set */
  schemas: SchemaSet | undefined;
  readiness: ReadinessSource[];
  epjRoutes: Router[];
  opsRoutes: Router[];
  opsPublicRoutes: Router[];
  /** the status page's sections filled in by their areas (certificates, address register, transport) */
  statusSections: StatusSections;
  /** starts the HTTP server; resolves with its address once it listens */
  listen(): Promise<{ server: Server; url: string }>;
  shutdown(reason: string): Promise<void>;
}

/** Starts Redis (external, or the supervised one) and the queue side; HTTP starts with listen(). */
export async function createGateway(config: Config, logger: Logger): Promise<Gateway> {
  const lifecycle = new Lifecycle(logger, config.SHUTDOWN_DEADLINE_MS);
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

  const queues = createQueues(redis, config.QUEUE_PREFIX);
  metrics.attachQueues(queues);
  const workers = new WorkerSupervisor({ logger, onRecreate: (name) => metrics.workerRecreations.inc({ worker: name }) });
  lifecycle.workers = workers;
  lifecycle.onClose('queues', () => closeQueues(queues));
  lifecycle.onClose('redis', () => redis.quit());
  if (supervisedRedis) lifecycle.onFinalClose('supervised redis-server', () => supervisedRedis.stop());

  const audit = new AuditLog(redis, config.QUEUE_PREFIX, config.AUDIT_RETENTION_DAYS);
  const notifier = new Notifier(redis, config.QUEUE_PREFIX, parseTargets(config.NOTIFY_WEBHOOKS), logger);
  const gate = new ServiceGate(redis, config.QUEUE_PREFIX, logger);
  await gate.start();
  lifecycle.onClose('service gate', () => gate.stop());
  announceGateChanges({ gate, notifier, audit, metrics, config, logger });
  const gateChecks: (() => Promise<void>)[] = [];
  const recheck = async () => {
    await Promise.all(gateChecks.map((check) => check().catch((err: unknown) => logger.error({ err: String(err) }, 'gate check failed'))));
  };
  const gateTimer = setInterval(() => void recheck(), config.GATE_CHECK_INTERVAL_S * 1000);
  gateTimer.unref();
  lifecycle.onClose('gate watchers', async () => clearInterval(gateTimer));

  const readiness: ReadinessSource[] = [
    {
      name: 'gate',
      report: () => {
        const { gateway, services } = gate.current();
        const perService = Object.fromEntries(Object.entries(services).map(([k, v]) => [k, v.state]));
        return { ready: gateway.state !== 'closed', state: gateway.state, services: perService, reasons: gateway.reasons.map((r) => r.code) };
      },
    },
    {
      name: 'schemas',
      report: () => ({ ready: true, schemaValidation: config.KITH_SCHEMA_DIR ? 'official' : 'own-rules' }),
    },
  ];
  const store = new MessageStore(redis, config.QUEUE_PREFIX);
  const crypto = new JobCrypto(config.JOB_ENCRYPTION_KEYS ? parseJobKeys(config.JOB_ENCRYPTION_KEYS) : demoJobKeys(config.DATA_DIR));
  const outboundQueues = Object.fromEntries(GATED_SERVICES.map((s) => [s, queues[`outbound-${s}`]])) as Record<GatedService, Queue>;
  const deadLetters = new DeadLetters(queues['dead-letter'], outboundQueues, store, audit, config.OUTBOUND_ATTEMPTS, (service) =>
    metrics.deadLetterReplays.inc({ service }),
  );

  const schemas = config.KITH_SCHEMA_DIR ? loadSchemaSet(config.KITH_SCHEMA_DIR) : undefined;
  if (!schemas) logger.warn("KITH_SCHEMA_DIR is not set: messages are checked by the gateway's own rules only, not the official XSDs");
  const outbound: OutboundDeps = {
    queues: outboundQueues,
    deadLetter: queues['dead-letter'],
    store,
    crypto,
    policy: { attempts: config.OUTBOUND_ATTEMPTS, baseMs: config.RETRY_BASE_MS, capMs: config.RETRY_CAP_MS },
    logger,
    metrics,
  };

  const epjRoutes: Router[] = [epjMessageStatusRouter(store), epjSubmitRouter({ config, gate, outbound, schemas: () => schemas })];
  const opsRoutes: Router[] = [
    opsMessagesRouter({ store, deadLetters }),
    opsGateRouter({ gate, notifier, audit, recheck, noticeToNhn: (service, reason, operator) => noticeToNhn({ config, notifier }, service, reason, operator) }),
    opsAuditRouter(audit),
  ];
  // The dashboard (login page, assets, status page, queue board) is mounted here.
  const throughput = new ThroughputRecorder(redis, config.QUEUE_PREFIX);
  await throughput.start(
    redisUrl,
    QUEUE_NAMES.filter((q) => q !== 'dead-letter'),
  );
  lifecycle.onClose('throughput recorder', () => throughput.stop());
  const statusSections: StatusSections = {};
  const clinic = { name: config.CLINIC_NAME, herId: config.CLINIC_HER_ID, orgNumber: config.CLINIC_ORG_NUMBER };
  opsRoutes.push(
    opsStatusRouter({ gate, notifier, queues, redis, throughput, sections: statusSections, clinic }),
    opsWaitingRouter({ queues, store, gate }),
    queueBoardRouter({ queues, deadLetters, audit }),
  );
  const opsPublicRoutes: Router[] = [opsLoginRouter(config.OPS_TOKEN), dashboardRouter()];

  const gateway: Gateway = {
    config,
    logger,
    redisUrl,
    redis,
    supervisedRedis,
    queues,
    workers,
    metrics,
    lifecycle,
    gate,
    notifier,
    audit,
    gateChecks,
    recheck,
    store,
    crypto,
    deadLetters,
    outbound,
    schemas,
    readiness,
    epjRoutes,
    opsRoutes,
    opsPublicRoutes,
    statusSections,
    async listen() {
      const app = createApp({
        config,
        logger,
        redis,
        registry: metrics.registry,
        sources: readiness,
        isShuttingDown: () => lifecycle.shuttingDown,
        epjRoutes,
        opsRoutes,
        opsPublicRoutes,
      });
      const server = await new Promise<Server>((resolve, reject) => {
        const s = app.listen(config.PORT, config.HOST, (err?: Error) => (err ? reject(err) : resolve(s)));
      });
      lifecycle.server = server;
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : config.PORT;
      const host = config.HOST === '0.0.0.0' || config.HOST === '127.0.0.1' ? 'localhost' : config.HOST;
      return { server, url: `http://${host}:${port}` };
    },
    shutdown: (reason) => lifecycle.shutdown(reason),
  };
  return gateway;
}
