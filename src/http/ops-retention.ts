import { Router } from 'express';
import type { AuditLog } from '../audit/audit-log.js';
import type { RetentionJob } from '../retention/retention-job.js';
import type { RetentionRule } from '../retention/retention-policy.js';
import { operatorOf } from './operator.js';
import { needs } from './ops-roles.js';

/**
 * GET /ops/retention: what the clinic keeps and for how long, and what the last clean-up removed.
 * POST /ops/retention/run: a clean-up now (idempotent; the timer runs one every interval anyway).
 */
export function opsRetentionRouter(deps: { table: RetentionRule[]; job: RetentionJob; audit: AuditLog; intervalMin: number }): Router {
  const router = Router();
  router.get('/retention', needs('viewer'), async (_req, res) => {
    res.json({ kinds: deps.table, intervalMinutes: deps.intervalMin, lastRun: (await deps.job.lastRun()) ?? null });
  });
  router.post('/retention/run', needs('operator'), async (req, res) => {
    const report = await deps.job.run();
    await deps.audit.record({ actor: operatorOf(req), action: 'retention.run', details: report.removed });
    res.json(report);
  });
  return router;
}
