import { Router } from 'express';
import type { Job, Queue } from 'bullmq';
import { isGatedService, type GateSnapshot } from '../gate/gate-state.js';
import type { ServiceGate } from '../gate/service-gate.js';
import type { HistoryEntry, MessageStore } from '../pipeline/message-store.js';
import type { Queues } from '../pipeline/queues.js';
import { needs } from './ops-roles.js';

/**
 * GET /ops/waiting: every message that waits in the outbound and EPJ delivery queues, with why —
 * the gate closed (and why, by whom, since when), the far side's last answer and the next attempt,
 * a paused queue — and its attempt history. Ids, codes and reasons only, never the document.
 */

export interface WaitReason {
  kind: 'gate-closed' | 'retry' | 'delayed' | 'queue-paused' | 'in-line';
  text: string;
  code?: string;
  since?: string;
  by?: string;
  nextAttemptAt?: string;
}

export interface WaitingMessage {
  msgId: string;
  queue: string;
  service: string | undefined;
  jobState: string;
  /** the message's state in the message store, when it has a record */
  state: string | undefined;
  queuedAt: string;
  attemptsMade: number;
  why: WaitReason[];
  history: HistoryEntry[];
}

const WAITING_STATES = ['waiting', 'delayed', 'paused', 'prioritized'] as const;
const PER_QUEUE_LIMIT = 200;

export interface OpsWaitingDeps {
  queues: Queues;
  store: MessageStore;
  gate: ServiceGate;
}

function waitingQueues(queues: Queues): [string, Queue][] {
  return Object.entries(queues).filter(([name]) => name === 'epj-delivery' || name.startsWith('outbound-'));
}

/** Why one job waits, from the gate (outbound only), the message store and the queue. */
export function reasonsFor(input: {
  queue: string;
  service: string | undefined;
  jobState: string;
  queuePaused: boolean;
  gate: GateSnapshot;
  record?: { waitingReason?: string; nextAttemptAt?: string };
  delayedUntil?: string;
}): WaitReason[] {
  const why: WaitReason[] = [];
  const { service } = input;
  if (input.queue.startsWith('outbound-') && service && isGatedService(service) && input.gate.services[service].state === 'closed') {
    for (const r of input.gate.services[service].reasons.filter((x) => x.severity === 'closed')) {
      why.push({ kind: 'gate-closed', text: `gate closed: ${r.message}`, code: r.code, since: r.since, ...(r.by ? { by: r.by } : {}) });
    }
  }
  if (input.record?.waitingReason) {
    why.push({ kind: 'retry', text: input.record.waitingReason, ...(input.record.nextAttemptAt ? { nextAttemptAt: input.record.nextAttemptAt } : {}) });
  } else if (input.jobState === 'delayed') {
    why.push({ kind: 'delayed', text: 'waiting for its next attempt', ...(input.delayedUntil ? { nextAttemptAt: input.delayedUntil } : {}) });
  }
  if (input.queuePaused) why.push({ kind: 'queue-paused', text: 'the queue is paused' });
  if (why.length === 0) why.push({ kind: 'in-line', text: 'queued; next in line for its worker' });
  return why;
}

async function describe(job: Job, queueName: string, paused: boolean, deps: OpsWaitingDeps): Promise<WaitingMessage> {
  const data = (job.data ?? {}) as { msgId?: string; service?: string };
  const msgId = data.msgId ?? String(job.id);
  const [jobState, record, history] = await Promise.all([job.getState(), deps.store.get(msgId), deps.store.history(msgId)]);
  const service = queueName.startsWith('outbound-') ? queueName.slice('outbound-'.length) : (data.service ?? record?.service);
  const delay = job.delay || (job.opts.delay ?? 0);
  return {
    msgId,
    queue: queueName,
    service,
    jobState,
    state: record?.state,
    queuedAt: new Date(job.timestamp).toISOString(),
    attemptsMade: job.attemptsMade,
    why: reasonsFor({
      queue: queueName,
      service,
      jobState,
      queuePaused: paused,
      gate: deps.gate.current(),
      ...(record ? { record } : {}),
      ...(delay ? { delayedUntil: new Date(job.timestamp + delay).toISOString() } : {}),
    }),
    history,
  };
}

export async function listWaiting(deps: OpsWaitingDeps, perQueue = PER_QUEUE_LIMIT): Promise<{ messages: WaitingMessage[]; truncated: boolean }> {
  let truncated = false;
  const perQueueLists = await Promise.all(
    waitingQueues(deps.queues).map(async ([name, queue]) => {
      const [jobs, paused, counts] = await Promise.all([
        queue.getJobs([...WAITING_STATES], 0, perQueue - 1, true),
        queue.isPaused(),
        queue.getJobCounts(...WAITING_STATES),
      ]);
      if (Object.values(counts).reduce((a, b) => a + b, 0) > jobs.length) truncated = true;
      return Promise.all(jobs.filter(Boolean).map((job) => describe(job, name, paused, deps)));
    }),
  );
  const messages = perQueueLists.flat().sort((a, b) => a.queuedAt.localeCompare(b.queuedAt));
  return { messages, truncated };
}

export function opsWaitingRouter(deps: OpsWaitingDeps): Router {
  const router = Router();
  router.get('/waiting', needs('viewer'), async (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    const { messages, truncated } = await listWaiting(deps);
    res.json({ at: new Date().toISOString(), count: messages.length, truncated, messages });
  });
  return router;
}
