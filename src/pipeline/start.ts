import type { Redis } from 'ioredis';
import { redisKeys } from '../redis-keys.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Config } from '../config.js';
import type { ServiceGate } from '../gate/service-gate.js';
import type { Logger } from '../logging.js';
import type { Metrics } from '../metrics.js';
import type { MessageProtection } from '../ports/message-protection.js';
import type { JobCrypto } from './job-crypto.js';
import type { AppRecOutcome, MessageState, MessageStore } from './message-store.js';
import type { OpenRequests } from './open-requests.js';
import type { CommunicationTests } from './communication-tests.js';
import type { OutboundDeps } from './outbound.js';
import type { Queues } from './queues.js';
import type { WorkerSupervisor } from './worker-supervisor.js';
import { GATED_SERVICES } from '../gate/gate-state.js';
import { addTrackingWorker, recordAppRec, trackingProcessor } from './apprec-tracking.js';
import { findAppRecTo, ReceivedAppRecs } from './received-apprecs.js';
import { DeliveryOrder, addDeliveryWorker, deliveryProcessor, promoteDueDeliveries } from './epj-delivery.js';
import { addInboundWorker, inboundProcessor, type InboundJobData, type JudgeFn } from './inbound.js';
import { InboundPoller } from './inbound-poller.js';
import { addOutboundWorkers, outboundProcessor, submitOutbound } from './outbound.js';
import { autoAnswerText, buildAutoAnswer } from './closed-answer.js';
import { GatewayError } from '../errors.js';
import { bindGateToWorkers } from './gate-binding.js';
import type { EpjDeliveryPort } from '../ports/epj-delivery.js';
import type { MessageTransport } from '../ports/transport.js';
import { Job, type Queue } from 'bullmq';

/**
 * Everything the pipeline needs of NHN's side, whichever transport provides it: the transport port.
 * startPipeline hands it to each worker as the narrower view that worker takes (InboundTransport,
 * UnreadLister, SendFn), so the compiler keeps the port and those views in step.
 */
export type PipelineTransport = MessageTransport;

export interface PipelineParts {
  transport: PipelineTransport;
  judge: JudgeFn;
  epj: EpjDeliveryPort;
  /** cms or none, applied on both sides: opened before judging, protected before sending */
  protection: MessageProtection;
  /** the poller is polled by the process's one scheduler (the composition) rather than a timer of its own */
  scheduledPolling?: boolean;
}

/** What the pipeline runs on: the infrastructure and the gateway's own state, nothing more. */
export interface PipelineDeps {
  config: Pick<Config, 'QUEUE_PREFIX' | 'APPREC_DEADLINE_HOURS' | 'CLINIC_HER_ID' | 'POLL_INTERVAL_MS' | 'OUTBOUND_UNCERTAIN_WAIT_S'>;
  logger: Logger;
  redis: Redis;
  /** the workers' connection, which waits through Redis outages */
  workerConnection: Redis;
  queues: Queues;
  workers: WorkerSupervisor;
  metrics: Metrics;
  store: MessageStore;
  /** the worklist a received request joins; without it, none is kept */
  requests?: OpenRequests;
  /** answers Helsenorge's communication test and notes the answers to the clinic's own */
  communicationTests?: CommunicationTests;
  crypto: JobCrypto;
  audit: AuditLog;
  gate: ServiceGate;
  outbound: OutboundDeps;
}

export interface RunningPipeline {
  poller: InboundPoller;
  order: DeliveryOrder;
}

/**
 * Starts the workers and the poller: inbound, EPJ delivery, one outbound worker per service,
 * AppRec tracking. Called once the transport and the EPJ adapter are chosen; whoever calls it
 * hands the poller to the lifecycle.
 */
export async function startPipeline(deps: PipelineDeps, parts: PipelineParts): Promise<RunningPipeline> {
  const { config, logger, store, crypto, audit, gate, workers, queues, metrics } = deps;
  const prefix = config.QUEUE_PREFIX;
  const connection = deps.workerConnection;
  const order = new DeliveryOrder(deps.redis, prefix);
  const uncertainWaitMs = config.OUTBOUND_UNCERTAIN_WAIT_S * 1_000;
  // kept well past the wait, so a job that looks late still finds the AppRec that came early
  const receivedAppRecs = new ReceivedAppRecs(deps.redis, prefix, { ms: Math.max(30 * 60_000, 4 * uncertainWaitMs), max: 10_000 });
  const appRecOutcome = async (msgId: string, state: MessageState, appRec?: AppRecOutcome) => {
    await audit.record({ actor: 'system', action: 'message.answered', msgId, outcome: state });
    if (state === 'apprec-missing') await deps.redis.incr(redisKeys(prefix).appRecMissing);
    // a rejected answer never reached the citizen: its request goes back on the worklist
    if (state === 'apprec-rejected') await deps.requests?.answerRejected(msgId);
    await parts.epj.status?.({ msgId, state, ...(appRec ? { appRec } : {}), at: new Date().toISOString() });
  };

  addInboundWorker(
    workers,
    { connection, prefix, concurrency: 32 },
    inboundProcessor({
      transport: parts.transport,
      judge: parts.judge,
      delivery: queues['epj-delivery'],
      order,
      store,
      ...(deps.requests ? { requests: deps.requests } : {}),
      ...(deps.communicationTests ? { communicationTest: deps.communicationTests } : {}),
      crypto,
      gate,
      audit,
      logger,
      gateRecheckMs: 30_000,
      metrics: metrics,
      protection: parts.protection,
      receivedAppRecs,
      autoAnswer: async (request, service, office, senderHerId, at) => {
        const built = senderHerId ? buildAutoAnswer(request, autoAnswerText(office), at) : undefined;
        if (!built || !senderHerId) return undefined;
        try {
          await submitOutbound(deps.outbound, {
            msgId: built.msgId,
            service,
            action: built.action,
            xml: built.xml,
            receiverHerId: senderHerId,
            origin: 'auto-answer',
            whileClosed: true,
          });
        } catch (err) {
          // the same request again (NHN delivered it twice): it was answered the first time
          if (!(err instanceof GatewayError && err.code === 'MSGID_CONFLICT')) throw err;
        }
        return built.msgId;
      },
    }),
  );

  // BullMQ's promote script alone: it refuses a job that is not delayed (the caller lets that
  // pass), so the job and its sealed document need not be read first to ask
  const promoteDelivery = (msgId: string): Promise<void> => new Job(queues['epj-delivery'], 'deliver', {}, {}, msgId).promote();
  addDeliveryWorker(
    workers,
    { connection, prefix, concurrency: 16 },
    deliveryProcessor({
      port: parts.epj,
      order,
      store,
      crypto,
      audit,
      logger,
      // a safety net only: the message before promotes it when delivered (epj-delivery.ts)
      orderWaitMs: 30_000,
      metrics: metrics,
      promote: promoteDelivery,
    }),
  );
  // a crash between a delivery and its successor's promotion leaves the successor waiting out its delay
  void promoteDueDeliveries(() => queues['epj-delivery'].getDelayed(), order, promoteDelivery)
    .then((n) => n > 0 && logger.info({ promoted: n }, 'messages whose turn came while the gateway was down taken up'))
    .catch((err: unknown) => logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'taking up set-aside deliveries failed'));

  const deadlineMs = config.APPREC_DEADLINE_HOURS * 3_600_000;
  addOutboundWorkers(
    workers,
    GATED_SERVICES,
    { connection, prefix, concurrency: 16 },
    outboundProcessor({
      ...deps.outbound,
      gate,
      protection: parts.protection,
      send: (doc) => parts.transport.send(doc),
      afterSend: async (msgId, nhnMessageId) => {
        await queues['apprec-tracking'].add(
          'track',
          { msgId, nhnMessageId, sentAt: new Date().toISOString() },
          { jobId: msgId, delay: 2_000, attempts: 50, backoff: { type: 'exponential', delay: 5_000 } },
        );
        await audit.record({ actor: 'system', action: 'message.sent', msgId, outcome: nhnMessageId });
      },
      uncertain: {
        waitMs: uncertainWaitMs,
        find: (msgId, receiverHerId, sinceMs, seen) =>
          findAppRecTo({ appRecs: receivedAppRecs, transport: parts.transport, protection: parts.protection }, msgId, receiverHerId, sinceMs, seen),
        answered: async (msgId, appRec) => {
          await audit.record({ actor: 'system', action: 'message.sent', msgId, outcome: `NHN id unknown; AppRec ${appRec.nhnMessageId}` });
          await recordAppRec({ store, onOutcome: appRecOutcome, metrics }, msgId, appRec.status, appRec.errors);
        },
      },
    }),
  );

  addTrackingWorker(
    workers,
    { connection, prefix },
    trackingProcessor({
      store,
      getAppRecInfo: (id) => parts.transport.getAppRecInfo(id),
      onOutcome: appRecOutcome,
      deadlineMs,
      firstPollMs: 2_000,
      maxPollMs: 15 * 60_000,
      logger,
      metrics: metrics,
    }),
  );

  const applyGate = bindGateToWorkers(gate, workers, logger);
  await applyGate();

  const poller = new InboundPoller({
    transport: parts.transport,
    inbound: queues.inbound as Queue<InboundJobData>,
    herIds: [Number(config.CLINIC_HER_ID)],
    intervalMs: config.POLL_INTERVAL_MS,
    mayTake: () => gate.current().gateway.state !== 'closed',
    logger,
    metrics: metrics,
    // polled by the process's one scheduler (under its lease) when there is one: no timer of its own beside it
    ...(parts.scheduledPolling ? { scheduled: true } : {}),
  });
  poller.start();
  return { poller, order };
}
