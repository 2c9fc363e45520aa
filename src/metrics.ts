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
const REGISTER_FAULT_SEVERITIES = ['warning', 'closed'] as const;

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

/** One clinic's view of the gateway's metrics: every series it writes carries `clinic="<HER-id>"`. */
export interface Metrics extends PipelineMetrics {
  /** the clinic's HER-id: the value of its `clinic` label */
  readonly clinic: string;
  /** dead letters sent again by an operator (the shape of a prom-client counter, so callers keep `inc({ service })`) */
  deadLetterReplays: { inc(labels: { service: string }): void };
  /** the clinic's queues, read at scrape time */
  attachQueues(queues: Queues): void;
  /** the clinic's service gate, read at scrape time: the level of each scope (`gateway` for the whole; 0 open, 1 warning, 2 closed) */
  observeGate(levels: () => Record<string, number>): void;
  /** set by the certificate watcher on every check */
  setCertificateExpiry(role: string, days: number): void;
  /** set by the address-register watcher on every audit: its reasons, counted by severity */
  setRegisterFaults(faults: { severity: 'warning' | 'closed' }[]): void;
  /** called by the transport adapter for each failed call to NHN (HelseID included) */
  countTransportError(kind: TransportErrorKind): void;
  /** the clinic's open citizen requests, read at scrape time: per service, counts by age bucket and how many passed the limit */
  observeOpenRequests(read: () => Promise<Record<string, { buckets: Record<string, number>; overLimit: number }>>): void;
  /** when the clinic's last communication test came back, read at scrape time */
  observeCommtest(lastSuccess: () => Promise<Date | undefined>): void;
  /** a synchronous request answered (or refused with an error answer), seconds from receipt to the answer accepted by the bus */
  observeSyncAnswer(action: string, outcome: 'answered' | 'refused' | 'failed', seconds: number): void;
  /** what the retention clean-up removed, by kind (src/retention/retention-policy.ts) */
  countRetentionRemoved(kind: string, n: number): void;
}

/**
 * The process's one Prometheus registry: process metrics plus the gateway's own, all prefixed
 * epj_gateway_. What belongs to the process (Redis, its connections, the workers' watchdog) is
 * here; what belongs to a clinic is written through `forClinic`.
 */
export interface MetricsRoot {
  registry: Registry;
  redisReconnects: Counter;
  /** process-wide: the watchdog recreates workers when the shared Redis connection comes back, for every clinic at once */
  workerRecreations: Counter<'worker'>;
  /** counts re-established connections of one more Redis connection (the first connect is not one) */
  watchRedis(connection: Redis): void;
  /** the clinic's view; the same one for the same HER-id until it is removed */
  forClinic(herId: string): Metrics;
  /** drops every series of a clinic removed at run time; later writes through its old view are ignored */
  removeClinic(herId: string): void;
  /** the HER-ids with a view, in the order first asked for */
  clinics(): string[];
}

// Label values from the far side (error codes in a received AppRec) are bounded here, so a
// misbehaving sender cannot grow the series without end. The clinic label is bounded by the
// configured clinics: forClinic takes a HER-id, never a value read from a message.
const codeLabel = (code: string) => (/^[A-Z]{1,2}\d{1,3}$/.test(code) ? code : 'other');
const serviceLabel = (service: string | undefined) => (service && /^[a-z-]{1,32}$/.test(service) ? service : 'unknown');
const HER_ID = /^\d{1,9}$/;

type Labels = Record<string, string>;
interface Removable {
  remove(labels: Labels): void;
}

/** prom-client removes a series by its full label set only, so each clinic remembers the sets it wrote. */
class ClinicSeries {
  private readonly written = new Map<Removable, Map<string, Labels>>();
  constructor(private readonly clinic: string) {}

  of(metric: Removable, labels: Labels = {}): Labels {
    const full = { clinic: this.clinic, ...labels };
    let sets = this.written.get(metric);
    if (!sets) this.written.set(metric, (sets = new Map<string, Labels>()));
    const key = JSON.stringify(full);
    if (!sets.has(key)) sets.set(key, full);
    return full;
  }

  removeAll(): void {
    for (const [metric, sets] of this.written) for (const labels of sets.values()) metric.remove(labels);
    this.written.clear();
  }
}

/** A clinic's view, the series it wrote, and whether it was removed (then its writes are dropped). */
interface ClinicEntry {
  view: Metrics;
  series: ClinicSeries;
  removed: { yes: boolean };
}

export function createMetrics(): MetricsRoot {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'epj_gateway_' });
  const registers = [registry];
  const queuesOf = new Map<string, Queues>();
  const gateOf = new Map<string, () => Record<string, number>>();
  const openRequestsOf = new Map<string, () => Promise<Record<string, { buckets: Record<string, number>; overLimit: number }>>>();
  // one read per scrape and clinic feeds both gauges; the second takes what the first read
  const commtestOf = new Map<string, () => Promise<Date | undefined>>();
  const lastOpenRequests = new Map<string, Record<string, { buckets: Record<string, number>; overLimit: number }>>();

  new Gauge({
    name: 'epj_gateway_queue_jobs',
    help: "Jobs in each clinic's queues by state, read from Redis at scrape time",
    labelNames: ['clinic', 'queue', 'state'] as const,
    registers,
    async collect() {
      this.reset();
      const reads = [...queuesOf].flatMap(([clinic, queues]) =>
        Object.entries(queues).map(async ([name, queue]) => {
          try {
            const counts = await queue.getJobCounts(...JOB_STATES);
            for (const state of JOB_STATES) this.set({ clinic, queue: name, state }, counts[state] ?? 0);
          } catch {
            /* Redis down: the gauge is left empty and epj_gateway_redis_up says why */
          }
        }),
      );
      await Promise.all(reads);
    },
  });

  new Gauge({
    name: 'epj_gateway_redis_up',
    help: 'Whether Redis answers the gateway at scrape time: 1 yes, 0 no',
    registers,
    async collect() {
      // Every clinic's queues sit on the one fail-fast connection: a Redis that is down answers at once.
      const queues = queuesOf.values().next().value;
      if (!queues) return;
      try {
        await ((await queues.inbound.client) as unknown as Pick<Redis, 'ping'>).ping();
        this.set(1);
      } catch {
        this.set(0);
      }
    },
  });

  new Gauge({
    name: 'epj_gateway_gate_state',
    help: "Each clinic's service gate per service and for the gateway as a whole: 0 open, 1 warning, 2 closed",
    labelNames: ['clinic', 'service'] as const,
    registers,
    collect() {
      this.reset();
      for (const [clinic, levels] of gateOf) for (const [service, level] of Object.entries(levels())) this.set({ clinic, service }, level);
    },
  });

  new Gauge({
    name: 'epj_gateway_open_requests',
    help: "Each clinic's citizen requests not yet answered, by service and age in working days (Monday to Friday), read from Redis at scrape time",
    labelNames: ['clinic', 'service', 'age'] as const,
    registers,
    async collect() {
      this.reset();
      lastOpenRequests.clear();
      await Promise.all(
        [...openRequestsOf].map(async ([clinic, read]) => {
          try {
            const ages = await read();
            lastOpenRequests.set(clinic, ages);
            for (const [service, { buckets }] of Object.entries(ages)) for (const [age, n] of Object.entries(buckets)) this.set({ clinic, service, age }, n);
          } catch {
            /* Redis down: left empty, epj_gateway_redis_up says why */
          }
        }),
      );
    },
  });

  new Gauge({
    name: 'epj_gateway_open_requests_over_limit',
    help: "Each clinic's unanswered citizen requests past their service's age limit (REQUEST_AGE_LIMITS), by service, read at scrape time",
    labelNames: ['clinic', 'service'] as const,
    registers,
    async collect() {
      this.reset();
      await Promise.all(
        [...openRequestsOf].map(async ([clinic, read]) => {
          try {
            const ages = lastOpenRequests.get(clinic) ?? (await read());
            for (const [service, { overLimit }] of Object.entries(ages)) this.set({ clinic, service }, overLimit);
          } catch {
            /* as above */
          }
        }),
      );
    },
  });

  new Gauge({
    name: 'epj_gateway_commtest_last_success_timestamp_seconds',
    help: "Unix time the answer to the clinic's last communication test came back from Helsenorge (0: none in the last 7 days), read at scrape time",
    labelNames: ['clinic'] as const,
    registers,
    async collect() {
      this.reset();
      await Promise.all(
        [...commtestOf].map(async ([clinic, read]) => {
          try {
            this.set({ clinic }, ((await read())?.getTime() ?? 0) / 1000);
          } catch {
            /* Redis down: left empty */
          }
        }),
      );
    },
  });

  const messages = new Counter({
    name: 'epj_gateway_messages_total',
    help: 'Messages by clinic, direction (in: from NHN, out: to NHN), service and outcome',
    labelNames: ['clinic', 'direction', 'service', 'outcome'] as const,
    registers,
  });
  const appRecs = new Counter({
    name: 'epj_gateway_apprecs_total',
    help: 'AppRecs the gateway sent (answering received messages) and received (answers to its own), by clinic and status',
    labelNames: ['clinic', 'direction', 'status'] as const,
    registers,
  });
  const appRecErrors = new Counter({
    name: 'epj_gateway_apprec_errors_total',
    help: 'Error codes (code list 8221) in AppRecs sent and received, by clinic; one AppRec may carry several',
    labelNames: ['clinic', 'direction', 'code'] as const,
    registers,
  });
  const appRecMissing = new Counter({
    name: 'epj_gateway_apprec_missing_total',
    help: 'Sent messages whose AppRec did not come before APPREC_DEADLINE_HOURS, by clinic',
    labelNames: ['clinic'] as const,
    registers,
  });
  const processing = new Histogram({
    name: 'epj_gateway_processing_seconds',
    help: 'Seconds per clinic and stage: inbound (taken from NHN to queued for the EPJ), outbound (accepted to posted to NHN), epj-delivery (queued to handed to the EPJ)',
    labelNames: ['clinic', 'stage', 'service'] as const,
    buckets: PROCESSING_BUCKETS,
    registers,
  });
  const lastPoll = new Gauge({
    name: 'epj_gateway_last_successful_poll_timestamp_seconds',
    help: "Unix time of the last poll of NHN for the clinic's mailbox that succeeded (0: none since start)",
    labelNames: ['clinic'] as const,
    registers,
  });
  const certificateExpiry = new Gauge({
    name: 'epj_gateway_certificate_expiry_days',
    help: "Days until the clinic's enterprise certificate of each role expires, as of the last check",
    labelNames: ['clinic', 'role'] as const,
    registers,
  });
  const registerFaults = new Gauge({
    name: 'epj_gateway_register_faults',
    help: "Faults found by the last audit of the clinic's address-register entry, by severity",
    labelNames: ['clinic', 'severity'] as const,
    registers,
  });
  const transportErrors = new Counter({
    name: 'epj_gateway_transport_errors_total',
    help: "Failed calls to NHN's message service or HelseID for the clinic, by kind",
    labelNames: ['clinic', 'kind'] as const,
    registers,
  });
  const syncAnswers = new Histogram({
    name: 'epj_gateway_sync_answer_seconds',
    help: "Seconds from a synchronous request's receipt (HentLedigeTimer, on the service bus) to its answer accepted by the bus, by clinic, answer and outcome (the caller waits 15 s)",
    labelNames: ['clinic', 'action', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15],
    registers,
  });
  const deadLetterReplays = new Counter({
    name: 'epj_gateway_dead_letter_replays_total',
    help: 'Dead letters sent again by an operator (API, CLI or the queue board), by clinic and service',
    labelNames: ['clinic', 'service'] as const,
    registers,
  });
  const retentionRemoved = new Counter({
    name: 'epj_gateway_retention_removed_total',
    help: 'What the retention clean-up removed for the clinic, by kind of data (messages, documents, dead-letters, jobs, apprec-tracking, order-keys, notifications, audit, inbox-files, outbox-files)',
    labelNames: ['clinic', 'kind'] as const,
    registers,
  });

  const redisReconnects = new Counter({
    name: 'epj_gateway_redis_reconnects_total',
    help: 'Times a Redis connection of the gateway was re-established',
    registers,
  });
  const workerRecreations = new Counter({
    name: 'epj_gateway_worker_recreations_total',
    help: 'Workers recreated by the watchdog after their loop stopped (Redis reconnect or failover)',
    labelNames: ['worker'] as const,
    registers,
  });

  const views = new Map<string, ClinicEntry>();

  function clinicView(clinic: string): ClinicEntry {
    const series = new ClinicSeries(clinic);
    // A removed clinic's parts may still finish a job; what they write then must not bring its series back.
    const removed = { yes: false };
    const write = (fn: () => void) => {
      if (!removed.yes) fn();
    };

    // Every kind and severity from zero, so rate() over one that has not happened yet is 0, not empty;
    // the poll timestamp 0 says "none yet", so a clinic that never polls still alerts.
    lastPoll.set(series.of(lastPoll), 0);
    for (const kind of TRANSPORT_ERROR_KINDS) transportErrors.inc(series.of(transportErrors, { kind }), 0);
    for (const severity of REGISTER_FAULT_SEVERITIES) registerFaults.set(series.of(registerFaults, { severity }), 0);

    const view: Metrics = {
      clinic,
      deadLetterReplays: {
        inc: ({ service }) => write(() => deadLetterReplays.inc(series.of(deadLetterReplays, { service: serviceLabel(service) }))),
      },
      attachQueues: (queues) => write(() => queuesOf.set(clinic, queues)),
      observeGate: (levels) => write(() => gateOf.set(clinic, levels)),
      observeOpenRequests: (read) => write(() => openRequestsOf.set(clinic, read)),
      observeCommtest: (read) => write(() => commtestOf.set(clinic, read)),
      countMessage: (direction, service, outcome) => write(() => messages.inc(series.of(messages, { direction, service: serviceLabel(service), outcome }))),
      countAppRec: (direction, status, errorCodes) =>
        write(() => {
          appRecs.inc(series.of(appRecs, { direction, status: APPREC_STATUS_LABEL[status] }));
          for (const code of errorCodes) appRecErrors.inc(series.of(appRecErrors, { direction, code: codeLabel(code) }));
        }),
      countAppRecMissing: () => write(() => appRecMissing.inc(series.of(appRecMissing))),
      observeProcessing: (stage, service, startedAtMs) =>
        write(() => processing.observe(series.of(processing, { stage, service: serviceLabel(service) }), Math.max(0, Date.now() - startedAtMs) / 1000)),
      pollSucceeded: (at) => write(() => lastPoll.set(series.of(lastPoll), at.getTime() / 1000)),
      setCertificateExpiry: (role, days) => write(() => certificateExpiry.set(series.of(certificateExpiry, { role }), days)),
      setRegisterFaults: (faults) =>
        write(() => {
          for (const severity of REGISTER_FAULT_SEVERITIES)
            registerFaults.set(series.of(registerFaults, { severity }), faults.filter((f) => f.severity === severity).length);
        }),
      observeSyncAnswer: (action, outcome, seconds) =>
        write(() => syncAnswers.observe(series.of(syncAnswers, { action: /^[A-Za-z]{1,40}$/.test(action) ? action : 'other', outcome }), seconds)),
      countRetentionRemoved: (kind, n) =>
        write(() => retentionRemoved.inc(series.of(retentionRemoved, { kind: /^[a-z-]{1,32}$/.test(kind) ? kind : 'other' }), n)),
      countTransportError: (kind) =>
        write(() => transportErrors.inc(series.of(transportErrors, { kind: (TRANSPORT_ERROR_KINDS as readonly string[]).includes(kind) ? kind : 'protocol' }))),
    };
    return { view, series, removed };
  }

  return {
    registry,
    redisReconnects,
    workerRecreations,
    watchRedis(connection: Redis) {
      // ioredis emits 'reconnecting' for every attempt while Redis is away; 'ready' after the
      // first one is a connection actually back, which is what an operator wants counted.
      let connectedOnce = connection.status === 'ready';
      connection.on('ready', () => {
        if (connectedOnce) redisReconnects.inc();
        connectedOnce = true;
      });
    },
    forClinic(herId) {
      if (!HER_ID.test(herId)) throw new TypeError(`metrics: a clinic is labelled by its HER-id (digits), not "${herId}"`);
      let entry = views.get(herId);
      if (!entry) views.set(herId, (entry = clinicView(herId)));
      return entry.view;
    },
    removeClinic(herId) {
      const entry = views.get(herId);
      if (!entry) return;
      entry.removed.yes = true;
      entry.series.removeAll();
      queuesOf.delete(herId);
      gateOf.delete(herId);
      openRequestsOf.delete(herId);
      commtestOf.delete(herId);
      views.delete(herId);
    },
    clinics: () => [...views.keys()],
  };
}
