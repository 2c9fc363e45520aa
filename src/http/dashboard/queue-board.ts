import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { AuditLog } from '../../audit/audit-log.js';
import { GatewayError, isGatewayError } from '../../errors.js';
import type { DeadLetters } from '../../pipeline/dead-letters.js';
import type { Queues } from '../../pipeline/queues.js';
import { operatorOf } from '../operator.js';
import { needs } from '../ops-roles.js';

/**
 * The queues through bull-board, under /ops/queues behind the operator login. Read-only except
 * retry: a failed outbound job (always also a dead letter) and a dead letter are retried as a
 * dead-letter replay, so the message's record, history and the audit log follow; other failed jobs
 * are retried by bull-board and audited here. Every other changing call is refused before it
 * reaches bull-board, and bull-board's own hook refuses them again.
 */

export interface QueueBoardDeps {
  /** the clinic whose queues these are: the board lives under /ops/queues/<HER-id>/ */
  herId: string;
  queues: Queues;
  deadLetters: DeadLetters;
  audit: AuditLog;
}

export const QUEUE_BOARD_PATH = '/ops/queues';

/** The HER-id in a request path under /ops that is about one clinic's board: `/queues/<HER-id>/…`. */
export function boardClinicOf(opsPath: string): string | undefined {
  return /^\/queues\/(\d{1,12})(?:\/|$)/.exec(opsPath)?.[1];
}

/** Job fields shown on the board: ids, service and reasons. Never the sealed document or patient references. */
const SHOWN_FIELDS = ['msgId', 'service', 'action', 'nhnMessageId', 'sentAt', 'polls', 'reason', 'from', 'at'] as const;

export function shownJobData(data: unknown): Record<string, unknown> {
  if (!data || typeof data !== 'object') return {};
  const source = data as Record<string, unknown>;
  const shown: Record<string, unknown> = {};
  for (const f of SHOWN_FIELDS) if (source[f] !== undefined && typeof source[f] !== 'object') shown[f] = source[f];
  if ('sealed' in source) shown.document = '(sealed)';
  return shown;
}

const RETRY_ALL = /^\/api\/queues\/([^/]+)\/retry\/([^/]+)$/;
const RETRY_ONE = /^\/api\/queues\/([^/]+)\/([^/]+)\/retry$/;
const BOARD_RETRY_ROUTES = new Set(['/api/queues/:queueName/:jobId/retry', '/api/queues/:queueName/retry/:queueStatus']);

const replays = (queue: string) => queue === 'dead-letter' || queue.startsWith('outbound-');

export function queueBoardRouter(deps: QueueBoardDeps): Router {
  const serverAdapter = new ExpressAdapter();
  // bull-board's page calls its API under its base path, so the clinic is in the path, not the query
  serverAdapter.setBasePath(`${QUEUE_BOARD_PATH}/${deps.herId}`);
  const adapters = Object.entries(deps.queues).map(([name, queue]) => {
    const adapter = new BullMQAdapter(queue, {
      readOnlyMode: name === 'dead-letter',
      allowRetries: name !== 'dead-letter',
      description: name === 'dead-letter' ? 'replay dead letters from the status page' : '',
    });
    adapter.setFormatter('data', shownJobData);
    adapter.setFormatter('returnValue', (v: unknown) => (typeof v === 'object' ? shownJobData(v) : v));
    return adapter;
  });
  createBullBoard({
    queues: adapters,
    serverAdapter,
    options: {
      uiConfig: { boardTitle: 'epj-gateway queues', hideRedisDetails: false },
      handlerHooks: {
        before: ({ method, route }) =>
          method === 'get' || BOARD_RETRY_ROUTES.has(route) ? { allow: true } : { allow: false, status: 405, message: 'read-only' },
      },
    },
  });

  const replay = async (msgId: string, req: Request) => {
    try {
      await deps.deadLetters.replay(msgId, operatorOf(req));
      return true;
    } catch (err) {
      if (isGatewayError(err) && err.code === 'NOT_FOUND') return false;
      throw err;
    }
  };

  const guard = async (req: Request, res: Response, next: NextFunction) => {
    if (req.method === 'GET' || req.method === 'HEAD') return next();
    if (req.method !== 'PUT') throw new GatewayError('OPS_BOARD_READ_ONLY');
    const all = RETRY_ALL.exec(req.path);
    const one = all ? null : RETRY_ONE.exec(req.path);
    if (!all && !one) throw new GatewayError('OPS_BOARD_READ_ONLY');
    const queueName = decodeURIComponent((all ?? one)![1]!);
    const queue = deps.queues[queueName as keyof Queues];
    if (!queue) return next();
    if (one) {
      const jobId = decodeURIComponent(one[2]!);
      if (replays(queueName) && (await replay(jobId, req))) return res.status(204).json({});
      await deps.audit.record({ actor: operatorOf(req), action: 'queue.retry', msgId: jobId, details: { queue: queueName } });
      return next();
    }
    if (all![2] !== 'failed') throw new GatewayError('OPS_BOARD_READ_ONLY');
    if (!replays(queueName)) {
      await deps.audit.record({ actor: operatorOf(req), action: 'queue.retry-all', details: { queue: queueName } });
      return next();
    }
    const ids =
      queueName === 'dead-letter'
        ? (await deps.deadLetters.list()).map((d) => d.msgId)
        : (await queue.getJobs(['failed'], 0, 999)).filter(Boolean).map((j) => String(j.id));
    let retried = 0;
    for (const id of ids) if (await replay(id, req)) retried++;
    res.json({ retried, skipped: ids.length - retried });
  };

  const router = Router();
  // /ops/queues (with ?clinic=, or the first clinic) opens the clinic's own board
  router.get(['/queues', '/queues/'], (_req, res) => res.redirect(302, `${QUEUE_BOARD_PATH}/${deps.herId}/`));
  // reading the board is a viewer's; its retries are an operator's
  const retryRole = needs('operator');
  router.use(
    `/queues/${deps.herId}`,
    (req: Request, res: Response, next: NextFunction) => (req.method === 'GET' || req.method === 'HEAD' ? next() : retryRole(req, res, next)),
    guard,
    serverAdapter.getRouter() as Router,
  );
  return router;
}
