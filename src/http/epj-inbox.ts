import { Router } from 'express';
import type { PullInboxPort } from '../ports/pull-inbox.js';

/** GET /v1/inbox (cursor-paged) and POST /v1/inbox/{msgId}/ack, for EPJs that pull. */
export function epjInboxRouter(inbox: PullInboxPort): Router {
  const router = Router();
  router.get('/inbox', async (req, res) => {
    const cursor = typeof req.query.cursor === 'string' && /^\d+-\d+$/.test(req.query.cursor) ? req.query.cursor : undefined;
    const limit = Math.min(Math.max(Number(req.query.limit ?? 50) || 50, 1), 500);
    res.json(await inbox.list(cursor, limit));
  });
  router.post('/inbox/:msgId/ack', async (req, res) => {
    const waiting = await inbox.ack(req.params.msgId);
    res.status(200).json({ msgId: req.params.msgId, acknowledged: true, wasWaiting: waiting });
  });
  return router;
}
