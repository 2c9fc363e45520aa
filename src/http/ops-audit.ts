import { Router } from 'express';
import type { AuditLog } from '../audit/audit-log.js';
import { GatewayError } from '../errors.js';
import { needs } from './ops-roles.js';

/**
 * GET /ops/audit?since=ISO&after=ID&limit=N — JSON lines, oldest first, each with the clinic's
 * HER-id and its link of the hash chain (prev, hash): what a SIEM takes in. GET /ops/audit/head —
 * the hash of the newest entry, which the last line of a full export must carry.
 */
export function opsAuditRouter(audit: AuditLog, herId: string): Router {
  const router = Router();
  router.get('/audit', needs('operator'), async (req, res) => {
    const since = typeof req.query.since === 'string' ? new Date(req.query.since) : undefined;
    if (since && Number.isNaN(since.getTime())) throw new GatewayError('BODY_MALFORMED', '(since must be an ISO date)');
    const after = typeof req.query.after === 'string' && /^\d+-\d+$/.test(req.query.after) ? req.query.after : undefined;
    const limit = Math.min(Number(req.query.limit ?? 1000) || 1000, 10_000);
    const entries = await audit.read({ since, after, limit });
    res.type('application/x-ndjson').send(entries.map((e) => JSON.stringify({ clinic: herId, ...e })).join('\n') + (entries.length ? '\n' : ''));
  });
  router.get('/audit/head', needs('operator'), async (_req, res) => {
    res.json({ clinic: herId, head: await audit.head() });
  });
  return router;
}
