import { Router } from 'express';
import type { AuditLog } from '../audit/audit-log.js';
import { GatewayError } from '../errors.js';
import type { DeadLetters } from '../pipeline/dead-letters.js';
import type { MessageStore } from '../pipeline/message-store.js';
import { operatorOf } from './operator.js';
import { needs } from './ops-roles.js';

/** Why someone looks at a message's history: `?reason=` or the `X-Access-Reason` header. */
function accessReason(reason: unknown, header: string | undefined): string {
  const given = (typeof reason === 'string' ? reason : (header ?? '')).trim();
  if (given.length < 3) throw new GatewayError('ACCESS_REASON_REQUIRED');
  return given;
}

/**
 * What operators ask most: where is this message and why is it waiting; what is dead-lettered,
 * and replay it. Answers hold ids, states, codes and reasons — never the document. Looking at a
 * message's history needs a reason and is itself audited: who, when, which MsgId, why.
 */
export function opsMessagesRouter(deps: { store: MessageStore; deadLetters: DeadLetters; audit: AuditLog }): Router {
  const router = Router();

  router.get('/messages/:msgId', needs('viewer'), async (req, res) => {
    const reason = accessReason(req.query.reason, req.get('x-access-reason'));
    const record = await deps.store.get(req.params.msgId);
    await deps.audit.record({
      actor: operatorOf(req),
      action: 'message.history.viewed',
      msgId: req.params.msgId,
      outcome: record ? 'shown' : 'not-found',
      details: { reason },
    });
    if (!record) throw new GatewayError('NOT_FOUND', `(no message with MsgId ${req.params.msgId})`);
    res.json({ ...record, history: await deps.store.history(req.params.msgId) });
  });

  router.get('/dead-letters', needs('viewer'), async (_req, res) => {
    res.json({ deadLetters: await deps.deadLetters.list() });
  });

  router.get('/dead-letters/:msgId', needs('viewer'), async (req, res) => {
    res.json(await deps.deadLetters.show(req.params.msgId));
  });

  router.post('/dead-letters/:msgId/replay', needs('operator'), async (req, res) => {
    res.json({ replayed: await deps.deadLetters.replay(req.params.msgId, operatorOf(req)) });
  });
  return router;
}
