import { Router } from 'express';
import { z } from 'zod';
import type { AuditLog } from '../audit/audit-log.js';
import { GatewayError } from '../errors.js';
import { isGatedService, type GatedService } from '../gate/gate-state.js';
import type { Notifier } from '../gate/notifier.js';
import type { ServiceGate } from '../gate/service-gate.js';
import { operatorOf } from './operator.js';
import { needs } from './ops-roles.js';

export interface OpsGateDeps {
  gate: ServiceGate;
  notifier: Notifier;
  audit: AuditLog;
  /** runs every watcher now (certificate, address register) */
  recheck: () => Promise<void>;
  /** the clinic's notice to NHN when a service is closed by hand (their terms require it) */
  noticeToNhn: (service: string, reason: string, operator: string) => Promise<void>;
  /** opens a service; when the office had closed it, with the notice to NHN of its opening (src/gate/nhn-reopen-notice.ts) */
  openByOffice?: (service: GatedService, operator: string) => Promise<boolean>;
  /** queues a dead-lettered notification to one recipient again */
  resend?: (notificationId: string, recipient: string) => Promise<boolean>;
}

const resendBody = z.object({ recipient: z.string().min(3).max(500) });

const closeBody = z.object({
  reason: z.string().trim().min(3).max(500),
  /** what citizens are answered while it is closed (Norwegian); a default text when absent */
  autoAnswer: z.string().trim().min(3).max(1000).optional(),
  /** when the office expects to open again */
  expectedOpen: z.iso.date().optional(),
});

/** GET /ops/gate, POST /ops/gate/recheck, POST /ops/gate/{service}/close|open, POST /ops/notifications/resend. */
export function opsGateRouter(deps: OpsGateDeps): Router {
  const router = Router();
  const view = async () => ({
    ...deps.gate.current(),
    changedAt: await deps.gate.changedAt(),
    notifications: await deps.notifier.recent(20),
  });

  router.get('/gate', needs('viewer'), async (_req, res) => {
    res.json(await view());
  });

  router.post('/gate/recheck', needs('operator'), async (req, res) => {
    await deps.recheck();
    await deps.audit.record({ actor: operatorOf(req), action: 'gate.recheck' });
    res.json(await view());
  });

  // a dead-lettered notification, sent again to one recipient: {"id":"<event id>","recipient":"<address or webhook URL>"}
  router.post('/notifications/resend', needs('operator'), async (req, res) => {
    const body = resendBody.extend({ id: z.string().min(1).max(300) }).safeParse(req.body ?? {});
    if (!body.success || !deps.resend) throw new GatewayError('NOT_FOUND');
    if (!(await deps.resend(body.data.id, body.data.recipient))) throw new GatewayError('NOT_FOUND');
    await deps.audit.record({ actor: operatorOf(req), action: 'notification.resend', details: { id: body.data.id } });
    res.json({ resent: true, notifications: await deps.notifier.recent(20) });
  });

  router.post('/gate/:service/:action', needs('operator'), async (req, res) => {
    const { service, action } = req.params;
    if (!isGatedService(service) || (action !== 'close' && action !== 'open')) throw new GatewayError('NOT_FOUND');
    const operator = operatorOf(req);
    if (action === 'close') {
      const body = closeBody.safeParse(req.body ?? {});
      if (!body.success) throw new GatewayError('GATE_REASON_REQUIRED');
      await deps.gate.closeByOperator(service, body.data.reason, operator, {
        ...(body.data.autoAnswer ? { autoAnswer: body.data.autoAnswer } : {}),
        ...(body.data.expectedOpen ? { expectedOpen: body.data.expectedOpen } : {}),
      });
      await deps.audit.record({
        actor: operator,
        action: 'gate.close',
        service,
        details: { reason: body.data.reason, ...(body.data.expectedOpen ? { expectedOpen: body.data.expectedOpen } : {}) },
      });
      await deps.noticeToNhn(service, body.data.reason, operator);
    } else {
      if (deps.openByOffice) await deps.openByOffice(service, operator);
      else await deps.gate.openByOperator(service);
      await deps.audit.record({ actor: operator, action: 'gate.open', service });
    }
    res.json(await view());
  });
  return router;
}
