import { Router } from 'express';
import { GatewayError, isGatewayError } from '../errors.js';
import { submitClinicXml, type ClinicSubmissionDeps } from '../pipeline/clinic-submission.js';

/**
 * POST /v1/messages: the clinic answers a citizen or starts a dialog. An EPJ that builds its own
 * KITH XML posts it as application/xml; the gateway validates it with both layers, checks that the
 * clinic is the sender and the action is one a clinic sends, and queues it. 202 means it is in
 * Redis. The same MsgId with the same content answers the first result again.
 */

export type EpjSubmitDeps = ClinicSubmissionDeps;

export function epjSubmitRouter(deps: EpjSubmitDeps): Router {
  const router = Router();
  router.post('/messages', async (req, res) => {
    if (typeof req.body !== 'string') throw new GatewayError('EPJ_MESSAGE_INVALID', '(send KITH XML as application/xml)');
    try {
      const result = await submitClinicXml(deps, req.body, `epj:${String(res.locals.client)}`);
      res.status(202).json(result);
    } catch (err) {
      if (isGatewayError(err) && err.code === 'GATE_CLOSED') res.setHeader('Retry-After', '300');
      throw err;
    }
  });
  return router;
}
