import type { Gateway } from '../gateway.js';
import { GATED_SERVICES } from '../gate/gate-state.js';
import { addTrackingWorker, trackingProcessor } from './apprec-tracking.js';
import { DeliveryOrder, addDeliveryWorker, deliveryProcessor } from './epj-delivery.js';
import { addInboundWorker, inboundProcessor, type InboundDeps, type InboundJobData, type JudgeFn } from './inbound.js';
import { InboundPoller } from './inbound-poller.js';
import { addOutboundWorkers, outboundProcessor } from './outbound.js';
import { bindGateToWorkers } from './gate-binding.js';
import type { EpjDeliveryPort } from './ports/epj-delivery.js';
import type { MessageTransport } from './ports/transport.js';
import { connectRedis, workerConnectionOptions } from '../infra/redis.js';
import type { Queue } from 'bullmq';

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
  /** opens protected (CMS) documents before they are judged (MESSAGE_PROTECTION=cms) */
  open?: InboundDeps['open'];
}

export interface RunningPipeline {
  poller: InboundPoller;
  order: DeliveryOrder;
}

/**
 * Starts the workers and the poller on a gateway: inbound, EPJ delivery, one outbound worker per
 * service, AppRec tracking. Called once the transport and the EPJ adapter are chosen.
 */
export async function startPipeline(gateway: Gateway, parts: PipelineParts): Promise<RunningPipeline> {
  const { config, logger, store, crypto, audit, gate, workers, queues } = gateway;
  const prefix = config.QUEUE_PREFIX;
  const connection = await connectRedis(gateway.redisUrl, workerConnectionOptions());
  gateway.metrics.watchRedis(connection);
  gateway.lifecycle.onClose('worker connection', () => connection.quit());
  const order = new DeliveryOrder(gateway.redis, prefix);

  addInboundWorker(
    workers,
    { connection, prefix, concurrency: 32 },
    inboundProcessor({
      transport: parts.transport,
      judge: parts.judge,
      delivery: queues['epj-delivery'],
      order,
      store,
      crypto,
      gate,
      audit,
      logger,
      gateRecheckMs: 30_000,
      metrics: gateway.metrics,
      ...(parts.open ? { open: parts.open } : {}),
    }),
  );

  addDeliveryWorker(
    workers,
    { connection, prefix, concurrency: 16 },
    deliveryProcessor({ port: parts.epj, order, store, crypto, audit, logger, orderWaitMs: 200, metrics: gateway.metrics }),
  );

  const deadlineMs = config.APPREC_DEADLINE_HOURS * 3_600_000;
  addOutboundWorkers(
    workers,
    GATED_SERVICES,
    { connection, prefix, concurrency: 16 },
    outboundProcessor({
      ...gateway.outbound,
      gate,
      send: (doc) => parts.transport.send(doc),
      afterSend: async (msgId, nhnMessageId) => {
        await queues['apprec-tracking'].add(
          'track',
          { msgId, nhnMessageId, sentAt: new Date().toISOString() },
          { jobId: msgId, delay: 2_000, attempts: 50, backoff: { type: 'exponential', delay: 5_000 } },
        );
        await audit.record({ actor: 'system', action: 'message.sent', msgId, outcome: nhnMessageId });
      },
    }),
  );

  addTrackingWorker(
    workers,
    { connection, prefix },
    trackingProcessor({
      store,
      getAppRecInfo: (id) => parts.transport.getAppRecInfo(id),
      onOutcome: async (msgId, state, appRec) => {
        await audit.record({ actor: 'system', action: 'message.answered', msgId, outcome: state });
        await parts.epj.status?.({ msgId, state, ...(appRec ? { appRec } : {}), at: new Date().toISOString() });
      },
      deadlineMs,
      firstPollMs: 2_000,
      maxPollMs: 15 * 60_000,
      logger,
      metrics: gateway.metrics,
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
    metrics: gateway.metrics,
  });
  gateway.lifecycle.pollers.push(poller);
  poller.start();
  return { poller, order };
}
