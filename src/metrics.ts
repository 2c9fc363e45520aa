import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Redis } from 'ioredis';
import type { AppRecStatus } from './domain/codes.js';
import type { Queues } from './pipeline/queues.js';

const JOB_STATES = ['waiting', 'active', 'delayed', 'failed', 'completed', 'paused', 'prioritized'] as const;

/**
 * Seconds from a message entering a stage to leaving it. Gate waits, NHN retries and a night
 * without AppRec polling all land in the upper buckets, so they reach an hour.
 */
const PROCESSING_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

/** in: from NHN towards the EPJ; out: from the EPJ towards NHN. */
export type MessageDirection = 'in' | 'out';
/** inbound: taken from NHN -> queued for the EPJ; outbound: accepted -> posted to NHN; epj-delivery: queued -> handed to the EPJ. */
export type ProcessingStage = 'inbound' | 'outbound' | 'epj-delivery';
/** Code list 8258 as the apprecs_total `status` label spells it; dashboards and alerts query these words. */
const APPREC_STATUS_LABEL: Record<AppRecStatus, string> = { OK: 'OK', Avvist: 'Rejected', 'OK, feil i delmelding': 'OkErrorInMessagePart' };
/** What went wrong talking to NHN, in few enough kinds to alert on. */
export const TRANSPORT_ERROR_KINDS = ['network', 'timeout', 'rate-limited', 'server', 'client', 'auth', 'protocol'] as const;
export type TransportErrorKind = (typeof TRANSPORT_ERROR_KINDS)[number];

const AUTH_CODES = new Set(['HELSEID_CLIENT_REFUSED', 'HELSEID_TOKEN_REFUSED', 'MSH_FORBIDDEN']);

/**
 * The kind of a transport failure, from what a transport error carries (its error-table code,
 * the HTTP status when an answer came, its reason), so each adapter counts alike.
 */
export function transportErrorKind(err: { code?: string; httpStatus?: number | undefined; reason?: string }): TransportErrorKind {
  const status = err.httpStatus;
  if ((err.code && AUTH_CODES.has(err.code)) || status === 401) return 'auth';
  if (status === 429) return 'rate-limited';
  if (status !== undefined && status >= 500) return 'server';
  if (status !== undefined && status >= 400) return 'client';
  if (err.code === 'MSH_DOCUMENT_TOO_LARGE') return 'client';
  if (err.code?.endsWith('_UNREACHABLE')) return /did not answer|timeout/i.test(err.reason ?? '') ? 'timeout' : 'network';
  return 'protocol';
}

/** What the pipeline workers report. Optional in their deps, so a worker runs without it in tests. */
export interface PipelineMetrics {
  countMessage(direction: MessageDirection, service: string | undefined, outcome: string): void;
  countAppRec(direction: 'sent' | 'received', status: AppRecStatus, errorCodes: string[]): void;
  countAppRecMissing(): void;
  observeProcessing(stage: ProcessingStage, service: string, startedAtMs: number): void;
  pollSucceeded(at: Date): void;
}

/** The gateway's Prometheus registry: process metrics plus the gateway's own, all prefixed epj_gateway_. */
export interface Metrics extends PipelineMetrics {
  registry: Registry;
  redisReconnects: Counter;
  workerRecreations: Counter<'worker'>;
  deadLetterReplays: Counter<'service'>;
  attachQueues(queues: Queues): void;
  /** counts re-established connections of one more Redis connection (the first connect is not one) */
  watchRedis(connection: Redis): void;
  /** set by the certificate watcher on every check */
  setCertificateExpiry(role: string, days: number): void;
  /** set by the address-register watcher on every audit: its reasons, counted by severity */
  setRegisterFaults(faults: { severity: 'warning' | 'closed' }[]): void;
  /** called by the transport adapter for each failed call to NHN (HelseID included) */
  countTransportError(kind: TransportErrorKind): void;
}

// Label values from the far side (error codes in a received AppRec) are bounded here, so a
// misbehaving sender cannot grow the series without end.
const codeLabel = (code: string) => (/^[A-Z]{1,2}\d{1,3}$/.test(code) ? code : 'other');
const serviceLabel = (service: string | undefined) => (service && /^[a-z-]{1,32}$/.test(service) ? service : 'unknown');

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'epj_gateway_' });
  let queues: Queues | undefined;
  const registers = [registry];

  new Gauge({
    name: 'epj_gateway_queue_jobs',
    help: 'Jobs in each queue by state, read from Redis at scrape time',
    labelNames: ['queue', 'state'] as const,
    registers,
    async collect() {
      if (!queues) return;
      this.reset();
      await Promise.all(
        Object.entries(queues).map(async ([name, queue]) => {
          try {
            const counts = await queue.getJobCounts(...JOB_STATES);
            for (const state of JOB_STATES) this.set({ queue: name, state }, counts[state] ?? 0);
          } catch {
            /* Redis down: the gauge is left empty and epj_gateway_redis_up says why */
          }
        }),
      );
    },
  });

  new Gauge({
    name: 'epj_gateway_redis_up',
    help: 'Whether Redis answers the gateway at scrape time: 1 yes, 0 no',
    registers,
    async collect() {
      if (!queues) return;
      try {
        // The queues sit on the fail-fast connection: a Redis that is down answers at once.
        await ((await queues.inbound.client) as unknown as Pick<Redis, 'ping'>).ping();
        this.set(1);
      } catch {
        this.set(0);
      }
    },
  });

  const messages = new Counter({
    name: 'epj_gateway_messages_total',
    help: 'Messages by direction (in: from NHN, out: to NHN), service and outcome',
    labelNames: ['direction', 'service', 'outcome'] as const,
    registers,
  });
  const appRecs = new Counter({
    name: 'epj_gateway_apprecs_total',
    help: 'AppRecs the gateway sent (answering received messages) and received (answers to its own), by status',
    labelNames: ['direction', 'status'] as const,
    registers,
  });
  const appRecErrors = new Counter({
    name: 'epj_gateway_apprec_errors_total',
    help: 'Error codes (code list 8221) in AppRecs sent and received; one AppRec may carry several',
    labelNames: ['direction', 'code'] as const,
    registers,
  });
  const appRecMissing = new Counter({
    name: 'epj_gateway_apprec_missing_total',
    help: 'Sent messages whose AppRec did not come before APPREC_DEADLINE_HOURS',
    registers,
  });
  const processing = new Histogram({
    name: 'epj_gateway_processing_seconds',
    help: 'Seconds per stage: inbound (taken from NHN to queued for the EPJ), outbound (accepted to posted to NHN), epj-delivery (queued to handed to the EPJ)',
    labelNames: ['stage', 'service'] as const,
    buckets: PROCESSING_BUCKETS,
    registers,
  });
  const lastPoll = new Gauge({
    name: 'epj_gateway_last_successful_poll_timestamp_seconds',
    help: 'Unix time of the last poll of NHN that succeeded (0: none since start)',
    registers,
  });
  lastPoll.set(0);
  const certificateExpiry = new Gauge({
    name: 'epj_gateway_certificate_expiry_days',
    help: "Days until the clinic's enterprise certificate of each role expires, as of the last check",
    labelNames: ['role'] as const,
    registers,
  });
  const registerFaults = new Gauge({
    name: 'epj_gateway_register_faults',
    help: "Faults found by the last audit of the clinic's address-register entry, by severity",
    labelNames: ['severity'] as const,
    registers,
  });
  const transportErrors = new Counter({
    name: 'epj_gateway_transport_errors_total',
    help: "Failed calls to NHN's message service or HelseID, by kind",
    labelNames: ['kind'] as const,
    registers,
  });
  // Every kind from zero, so rate() over a kind that has not happened yet is 0, not empty.
  for (const kind of TRANSPORT_ERROR_KINDS) transportErrors.inc({ kind }, 0);
  for (const severity of ['warning', 'closed']) registerFaults.set({ severity }, 0);

  const redisReconnects = new Counter({
    name: 'epj_gateway_redis_reconnects_total',
    help: 'Times a Redis connection of the gateway was re-established',
    registers,
  });

  return {
    registry,
    redisReconnects,
    deadLetterReplays: new Counter({
      name: 'epj_gateway_dead_letter_replays_total',
      help: 'Dead letters sent again by an operator (API, CLI or the queue board), by service',
      labelNames: ['service'] as const,
      registers,
    }),
    workerRecreations: new Counter({
      name: 'epj_gateway_worker_recreations_total',
      help: 'Workers recreated by the watchdog after their loop stopped (Redis reconnect or failover)',
      labelNames: ['worker'] as const,
      registers,
    }),
    attachQueues(q: Queues) {
      queues = q;
    },
    watchRedis(connection: Redis) {
      // ioredis emits 'reconnecting' for every attempt while Redis is away; 'ready' after the
      // first one is a connection actually back, which is what an operator wants counted.
      let connectedOnce = connection.status === 'ready';
      connection.on('ready', () => {
        if (connectedOnce) redisReconnects.inc();
        connectedOnce = true;
      });
    },
    countMessage(direction, service, outcome) {
      messages.inc({ direction, service: serviceLabel(service), outcome });
    },
    countAppRec(direction, status, errorCodes) {
      appRecs.inc({ direction, status: APPREC_STATUS_LABEL[status] });
      for (const code of errorCodes) appRecErrors.inc({ direction, code: codeLabel(code) });
    },
    countAppRecMissing() {
      appRecMissing.inc();
    },
    observeProcessing(stage, service, startedAtMs) {
      processing.observe({ stage, service: serviceLabel(service) }, Math.max(0, Date.now() - startedAtMs) / 1000);
    },
    pollSucceeded(at) {
      lastPoll.set(at.getTime() / 1000);
    },
    setCertificateExpiry(role, days) {
      certificateExpiry.set({ role }, days);
    },
    setRegisterFaults(faults) {
      for (const severity of ['warning', 'closed'] as const) registerFaults.set({ severity }, faults.filter((f) => f.severity === severity).length);
    },
    countTransportError(kind) {
      transportErrors.inc({ kind: (TRANSPORT_ERROR_KINDS as readonly string[]).includes(kind) ? kind : 'protocol' });
    },
  };
}
