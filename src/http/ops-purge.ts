import { Router } from 'express';
import type { Purger } from '../retention/purge.js';
import { operatorOf } from './operator.js';
import { needs } from './ops-roles.js';

/**
 * Purge on request (docs/operations.md, "Retention and purge"):
 * DELETE /ops/messages/{msgId} with `{"reason":"…"}` removes one message everywhere;
 * DELETE /ops/patients with `{"nationalId":"…","reason":"…"}` every message of one patient (the id
 * in the body, never in a URL that access logs keep). Both answer what they removed.
 * Role needed once operators have roles: admin.
 */
export function opsPurgeRouter(purger: Purger): Router {
  const router = Router();
  const field = (body: unknown, name: string): string => {
    const value = (body as Record<string, unknown> | undefined)?.[name];
    return typeof value === 'string' ? value : '';
  };

  router.delete('/messages/:msgId', needs('admin'), async (req, res) => {
    const purged = await purger.purgeMessage(req.params.msgId, operatorOf(req), field(req.body, 'reason'));
    res.json({ ok: true, purged });
  });

  router.delete('/patients', needs('admin'), async (req, res) => {
    const purged = await purger.purgePatient(field(req.body, 'nationalId'), operatorOf(req), field(req.body, 'reason'));
    res.json({ ok: true, ...purged });
  });
  return router;
}
