import type { Queue } from 'bullmq';
import { AuditLog } from '../audit/audit-log.js';
import type { Config } from '../config.js';
import { announceGateChanges } from '../gate/announce.js';
import { GATED_SERVICES, type GatedService } from '../gate/gate-state.js';
import { Notifier, parseTargets } from '../gate/notifier.js';
import type { ClinicContacts } from '../clinics/clinic.js';
import { MailChannel, WebhookChannel, mailSettingsOf } from '../notify/channels.js';
import { NotificationDelivery } from '../notify/delivery.js';
import { ServiceGate } from '../gate/service-gate.js';
import { ThroughputRecorder } from '../http/dashboard/throughput.js';
import { loadSchemaSet, type SchemaSet } from '../kith/schema-set.js';
import type { Closable } from '../lifecycle.js';
import type { Logger } from '../logging.js';
import { DeadLetters } from '../pipeline/dead-letters.js';
import { JobCrypto, demoJobKeys, parseJobKeys } from '../pipeline/job-crypto.js';
import { MessageStore } from '../pipeline/message-store.js';
import { OpenRequests } from '../pipeline/open-requests.js';
import { CommunicationTests } from '../pipeline/communication-tests.js';
import { readOpenRequestAges } from '../pipeline/request-age.js';
import type { OutboundDeps } from '../pipeline/outbound.js';
import { QUEUE_NAMES, closeQueues, createQueues, queuesHaveWork, type Queues } from '../pipeline/queues.js';
import { WorkerSupervisor } from '../pipeline/worker-supervisor.js';
import type { Metrics } from '../metrics.js';
import type { Redis } from 'ioredis';
import type { Infrastructure } from './infrastructure.js';
import { epjFolders } from './epj.js';
import { RetentionJob } from '../retention/retention-job.js';
import { retentionLimits } from '../retention/retention-policy.js';
import { leaseOwnerId } from '../pipeline/poll-lease.js';
import { Purger } from '../retention/purge.js';
import { DeliveryOrder } from '../pipeline/epj-delivery.js';

/**
 * A clinic's own state on the shared infrastructure, every key under the clinic's prefix: its
 * queues and the workers' supervisor, the service gate and what announces its changes, the audit
 * log, the message store and sealed payloads, dead letters, the outbound side of the queues, the
 * official schemas and the dashboard's throughput recorder.
 */
export interface Core {
  /** the fail-fast connection the clinic's queues and state use (shared by every clinic) */
  redis: Redis;
  queues: Queues;
  workers: WorkerSupervisor;
  metrics: Metrics;
  gate: ServiceGate;
  notifier: Notifier;
  /** resends a dead-lettered notification */
  delivery: NotificationDelivery;
  audit: AuditLog;
  store: MessageStore;
  /** the citizen requests awaiting the office's answer (the worklist) */
  requests: OpenRequests;
  /** the communication test both ways (Dialog_Innbygger_Test) */
  communicationTests: CommunicationTests;
  crypto: JobCrypto;
  deadLetters: DeadLetters;
  outbound: OutboundDeps;
  /** the official schemas, when KITH_SCHEMA_DIR is set */
  schemas: SchemaSet | undefined;
  throughput: ThroughputRecorder;
  /** the clean-up of old data (src/retention/), run on a timer under a lease */
  retention: RetentionJob;
  /** removes a message, or a patient's, everywhere on request */
  purger: Purger;
  /** the clinic's EPJ folders (the clean-up and a purge look there) */
  folders: { inboxDir: string | undefined; outboxDir: string };
  /** closed before the infrastructure */
  closers: Closable[];
}

/** the shortest TTL a message's keys get, whatever RETENTION_MESSAGES_DAYS says (the clean-up enforces a shorter one) */
const MIN_RECORD_TTL_DAYS = 30;

/** how long a clinic's worker with nothing to do keeps its Redis connection before it sleeps */
const WORKER_IDLE_MS = 15_000;

export async function buildCore(config: Config, logger: Logger, infra: Infrastructure, metrics: Metrics, contacts: ClinicContacts = {}): Promise<Core> {
  const { redis } = infra;
  const prefix = config.QUEUE_PREFIX;
  const queues = createQueues(redis, prefix);
  metrics.attachQueues(queues);
  const throughput = new ThroughputRecorder(redis, prefix);
  const workers = new WorkerSupervisor({
    logger,
    onRecreate: (name) => infra.metrics.workerRecreations.inc({ worker: name }),
    onJobDone: (name, outcome, job) => void throughput.record(outcome, name, `${job.id}:${job.attemptsMade}`).catch(() => undefined),
    sleep: { idleMs: WORKER_IDLE_MS, hasWork: queuesHaveWork(redis, queues) },
  });
  // a job added in this process starts its worker at once; one added elsewhere, at the supervisor's next check
  for (const name of QUEUE_NAMES) queues[name].on('waiting', () => workers.wake(name));
  const audit = new AuditLog(redis, prefix, config.AUDIT_RETENTION_DAYS);
  // notifications: a job per event and recipient, by e-mail (SMTP_HOST) and the webhooks, retried until delivered
  const mailSettings = mailSettingsOf(config);
  const mail = mailSettings ? new MailChannel(mailSettings) : undefined;
  const delivery = new NotificationDelivery({
    queue: queues.notifications,
    prefix,
    redis,
    ...(mail ? { mail } : {}),
    webhook: new WebhookChannel(config.NOTIFY_WEBHOOK_SECRET),
    logger,
    attempts: config.NOTIFY_ATTEMPTS,
  });
  workers.add('notifications', () => delivery.worker(infra.workerConnection, prefix));
  const notifier = new Notifier(redis, prefix, parseTargets(config.NOTIFY_WEBHOOKS), logger, undefined, {
    delivery,
    contacts,
    language: config.NOTIFY_LANGUAGE,
  });
  const gate = new ServiceGate(redis, prefix, logger);
  try {
    await gate.start();
  } catch (err) {
    // Redis went away half-way (a start during a Redis restart): what this clinic started so far is
    // stopped again, or its notification worker and the gate's subscriber would keep a failed
    // process alive, never listening
    await gate.stop();
    await workers.close(1_000);
    await closeQueues(queues).catch(() => undefined);
    mail?.close();
    throw err;
  }
  announceGateChanges({ gate, notifier, audit, metrics, config, logger });

  // the keys' TTL is only the clean-up's backstop: never so short that a message in flight could lose its record
  const store = new MessageStore(redis, prefix, Math.ceil(Math.max(config.RETENTION_MESSAGES_DAYS, MIN_RECORD_TTL_DAYS) * 86_400));
  const requests = new OpenRequests(redis, prefix, { retentionSeconds: config.REQUEST_RETENTION_DAYS * 24 * 3600 });
  metrics.observeOpenRequests(() => readOpenRequestAges(requests, config.REQUEST_AGE_LIMITS));
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
  const communicationTests = new CommunicationTests(redis, prefix, {
    store,
    outbound,
    clinic: { herId: config.CLINIC_HER_ID, orgNumber: config.CLINIC_ORG_NUMBER, name: config.CLINIC_NAME },
    helsenorgeHerId: config.HELSENORGE_HER_ID,
  });
  metrics.observeCommtest(() => communicationTests.lastSuccess());
  // the periodic communication test, when set: one per interval and clinic across every process
  const probe =
    config.COMMTEST_PROBE_INTERVAL_S > 0
      ? setInterval(
          () =>
            void communicationTests
              .probe(config.COMMTEST_PROBE_INTERVAL_S)
              .catch((err: unknown) => logger.warn({ err: String(err) }, 'communication test probe failed')),
          config.COMMTEST_PROBE_INTERVAL_S * 1000,
        )
      : undefined;
  probe?.unref();

  // the inbox folder holds messages only with folder delivery
  const dirs = epjFolders(config);
  const folders = { inboxDir: config.EPJ_DELIVERY === 'folder' ? dirs.inboxDir : undefined, outboxDir: dirs.outboxDir };
  const retention = new RetentionJob({
    redis,
    prefix,
    queues,
    store,
    folders,
    limits: retentionLimits(config),
    openRequestMs: config.REQUEST_RETENTION_DAYS * 86_400_000,
    logger,
    countRemoved: (kind, n) => metrics.countRetentionRemoved(kind, n),
  });
  const purger = new Purger({
    redis,
    prefix,
    queues,
    store,
    order: new DeliveryOrder(redis, prefix),
    crypto,
    audit,
    folders,
    logger,
    allowSyntheticIds: config.GATEWAY_MODE !== 'production',
    throughput,
  });
  const retentionTimer = retention.start(config.RETENTION_INTERVAL_MIN * 60_000, leaseOwnerId());

  return {
    redis,
    queues,
    workers,
    metrics,
    gate,
    notifier,
    delivery,
    audit,
    store,
    requests,
    communicationTests,
    crypto,
    deadLetters,
    outbound,
    schemas,
    throughput,
    retention,
    purger,
    folders,
    closers: [
      { name: 'communication test probe', close: async () => clearInterval(probe) },
      { name: 'retention clean-up', close: () => retentionTimer.stop() },
      { name: 'service gate', close: () => gate.stop() },
      { name: 'throughput counts', close: () => throughput.flush() },
      { name: 'queues', close: () => closeQueues(queues) },
      ...(mail ? [{ name: 'mail', close: () => Promise.resolve(mail.close()) }] : []),
    ],
  };
}
