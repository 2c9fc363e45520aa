import { Router } from 'express';
import type { AuditLog } from '../audit/audit-log.js';
import type { OperatorDirectory } from '../operators/operator-directory.js';
import { operatorOf } from './operator.js';
import { identityOf, needs } from './ops-roles.js';

/**
 * GET /ops/whoami: the account a request is made as (any role). GET /ops/operators lists the
 * accounts; POST /ops/operators `{ name, role }` makes one and answers its token once; DELETE
 * /ops/operators/{name} removes one made so: all admin only. An account reaches every clinic, so
 * its changes are written to every clinic's audit log.
 */
export function opsOperatorsRouter(directory: OperatorDirectory, audits: () => AuditLog[]): Router {
  const router = Router();
  router.get('/whoami', needs('viewer'), (_req, res) => {
    const { name, role, via } = identityOf(res)!;
    res.json({ name, role, via });
  });
  router.get('/operators', needs('admin'), async (_req, res) => {
    res.json(await directory.list());
  });
  router.post('/operators', needs('admin'), async (req, res) => {
    const body = (req.body ?? {}) as { name?: unknown; role?: unknown };
    const actor = operatorOf(req);
    const made = await directory.add({ name: body.name, role: body.role }, actor);
    for (const audit of audits()) await audit.record({ actor, action: 'operator.added', details: { account: made.account.name, role: made.account.role } });
    res.status(201).json(made);
  });
  router.delete('/operators/:name', needs('admin'), async (req, res) => {
    const name = String(req.params.name);
    await directory.remove(name);
    for (const audit of audits()) await audit.record({ actor: operatorOf(req), action: 'operator.removed', details: { account: name } });
    res.json({ name, removed: true });
  });
  return router;
}
