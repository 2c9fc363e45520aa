import { DelayedError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { AppRecStatus } from '../domain/codes.js';
import type { Logger } from '../logging.js';
import type { PipelineMetrics } from '../metrics.js';
import type { AppRecInfo } from '../ports/transport.js';
import { recordedAppRecStatus, type AppRecOutcome, type MessageState, type MessageStore } from './message-store.js';
import type { WorkerSupervisor } from './worker-supervisor.js';
import { RECOVERY } from './worker-supervisor.js';

/**
 * After a send, the gateway follows the message at NHN until its AppRec arrives or the deadline
 * passes, then records the outcome with the message and tells the EPJ. Polls start often and slow
 * down (the receiver's answer usually comes within minutes, sometimes after a night).
 */

export interface TrackingJobData {
  msgId: string;
  nhnMessageId: string;
  sentAt: string;
  /** polls made so far; the next waits twice as long */
  polls?: number;
}

export interface AppRecTrackingDeps {
  store: MessageStore;
  getAppRecInfo: (nhnMessageId: string) => Promise<AppRecInfo[]>;
  /** told once, when the outcome is known (the EPJ hears of it) */
  onOutcome: (msgId: string, state: MessageState, appRec?: AppRecOutcome) => Promise<void>;
  deadlineMs: number;
  /** first poll delay; doubles up to maxPollMs */
  firstPollMs: number;
  maxPollMs: number;
  logger: Logger;
  metrics?: PipelineMetrics;
}

const STATE_OF: Record<AppRecStatus, MessageState> = {
  OK: 'apprec-ok',
  Avvist: 'apprec-rejected',
  'OK, feil i delmelding': 'apprec-partial',
};

/** Records a received AppRec's outcome with the message, counts it and tells the EPJ (onOutcome); returns the message's new state. */
export async function recordAppRec(
  deps: Pick<AppRecTrackingDeps, 'store' | 'onOutcome' | 'metrics'>,
  msgId: string,
  status: AppRecStatus,
  errorList: { errorCode?: string | null; details?: string | null }[],
): Promise<MessageState> {
  const appRec: AppRecOutcome = {
    status: recordedAppRecStatus(status),
    errors: errorList.map((e) => ({ code: e.errorCode ?? '', ...(e.details ? { description: e.details } : {}) })),
    receivedAt: new Date().toISOString(),
  };
  const state = STATE_OF[status];
  deps.metrics?.countAppRec(
    'received',
    status,
    appRec.errors.map((e) => e.code),
  );
  await deps.store.update(
    msgId,
    { state, appRec },
    { event: 'apprec', outcome: state === 'apprec-rejected' ? 'failed' : 'ok', reason: [appRec.status, ...appRec.errors.map((e) => e.code)].join(' ') },
  );
  await deps.onOutcome(msgId, state, appRec);
  return state;
}

export function trackingProcessor(deps: AppRecTrackingDeps) {
  return async (job: Job<TrackingJobData>, token?: string): Promise<MessageState> => {
    const { msgId, nhnMessageId, sentAt } = job.data;
    const infos = await deps.getAppRecInfo(nhnMessageId);
    // A rejection by any receiver outweighs the others' OK.
    const answered = infos.filter((i) => i.appRecStatus);
    const chosen = answered.find((i) => i.appRecStatus === 'Avvist') ?? answered.find((i) => i.appRecStatus === 'OK, feil i delmelding') ?? answered[0];
    if (chosen?.appRecStatus) return await recordAppRec(deps, msgId, chosen.appRecStatus, chosen.appRecErrorList ?? []);
    if (Date.now() - Date.parse(sentAt) >= deps.deadlineMs) {
      await deps.store.update(msgId, { state: 'apprec-missing' }, { event: 'apprec', outcome: 'failed', reason: 'no AppRec before the deadline' });
      deps.logger.warn({ msgId }, 'no AppRec before the deadline');
      deps.metrics?.countAppRecMissing();
      await deps.onOutcome(msgId, 'apprec-missing');
      return 'apprec-missing';
    }
    const polls = job.data.polls ?? 0;
    const delay = Math.min(deps.maxPollMs, deps.firstPollMs * 2 ** polls);
    await job.updateData({ ...job.data, polls: polls + 1 });
    await job.moveToDelayed(Date.now() + delay, token);
    throw new DelayedError();
  };
}

export function addTrackingWorker(
  supervisor: WorkerSupervisor,
  options: { connection: Redis; prefix: string },
  processor: ReturnType<typeof trackingProcessor>,
): void {
  supervisor.add(
    'apprec-tracking',
    () => new Worker('apprec-tracking', processor, { connection: options.connection, prefix: options.prefix, concurrency: 8, ...RECOVERY }),
  );
}
