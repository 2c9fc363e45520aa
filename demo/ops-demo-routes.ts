import { Router, type Request, type Response } from 'express';
import type { AuditLog } from '../src/audit/audit-log.js';
import type { ServiceGate } from '../src/gate/service-gate.js';
import { operatorOf } from '../src/http/operator.js';
import type { ReceivedMail } from './smtp-stand-in.js';
import { needs } from '../src/http/ops-roles.js';

export interface OpsDemoDeps {
  gate: ServiceGate;
  audit: AuditLog;
  /** puts the sample's expired signing certificate in place of the clinic's */
  expireCertificate: () => Promise<void>;
  /** puts the valid one back */
  restoreCertificate: () => Promise<void>;
  /** runs every watcher now */
  recheck: () => Promise<void>;
  /** the clinic's HER-id: /ops/demo/mail shows only the mail written for it */
  herId?: string;
  /** what the demo's SMTP stand-in received (when the demo runs one) */
  mail?: () => ReceivedMail[];
}

/**
 * Demo mode only: GET /ops/demo/mail (the mail the demo's SMTP stand-in received for the clinic),
 * POST /ops/demo/expire-certificate and /ops/demo/restore-certificate, so a tester
 * can watch the gate close on an expired enterprise certificate and open again after the fix,
 * without waiting years or touching files. Mounted only when GATEWAY_MODE=demo.
 */
export function opsDemoRouter(deps: OpsDemoDeps): Router {
  const router = Router();
  const act = (action: 'expire' | 'restore') => async (req: Request, res: Response) => {
    await (action === 'expire' ? deps.expireCertificate() : deps.restoreCertificate());
    await deps.recheck();
    await deps.audit.record({ actor: operatorOf(req), action: `demo.${action}-certificate` });
    const { gateway, services } = deps.gate.current();
    res.json({ ok: true, certificate: action === 'expire' ? 'expired sample' : 'valid sample', gateway, services });
  };
  // what the office, the IT operations provider and the EPJ vendor were told, as the demo's SMTP server received it
  router.get('/demo/mail', needs('viewer'), (_req, res) => {
    const mine = (deps.mail?.() ?? []).filter((m) => m.clinic === undefined || m.clinic === deps.herId);
    res.json(mine.map((m) => ({ to: m.to, subject: m.subject, text: m.text, receivedAt: m.receivedAt })));
  });
  router.post('/demo/expire-certificate', needs('operator'), act('expire'));
  router.post('/demo/restore-certificate', needs('operator'), act('restore'));
  return router;
}
