import { Router } from 'express';
import type { AuditLog } from '../audit/audit-log.js';
import { GatewayError } from '../errors.js';
import type { CommunicationTests } from '../pipeline/communication-tests.js';
import { operatorOf } from './operator.js';
import { needs } from './ops-roles.js';

/**
 * POST /ops/commtest: the clinic sends a communication test to Helsenorge (202 with its MsgId);
 * GET /ops/commtest/{msgId}: how far it came (sent, AppRec, Svar, milliseconds, ok). What
 * `epj-gateway commtest` and the dashboard's "Test the connection" use.
 */
export function opsCommtestRouter(deps: { tests: CommunicationTests; audit: AuditLog }): Router {
  const router = Router();
  router.post('/commtest', needs('operator'), async (req, res) => {
    const sent = await deps.tests.send('communication-test');
    await deps.audit.record({ actor: operatorOf(req), action: 'commtest.sent', msgId: sent.msgId });
    res.status(202).json({ ...(await deps.tests.view(sent.msgId)) });
  });
  router.get('/commtest/:msgId', needs('viewer'), async (req, res) => {
    const view = await deps.tests.view(req.params.msgId);
    if (!view) throw new GatewayError('NOT_FOUND', `(no communication test ${req.params.msgId} sent from this clinic in the last 7 days)`);
    res.setHeader('Cache-Control', 'no-store');
    res.json(view);
  });
  return router;
}
