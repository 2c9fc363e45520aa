import { Router } from 'express';
import { z } from 'zod';
import { GatewayError, isGatewayError } from '../errors.js';
import { parseEpjJson } from '../pipeline/clinic-submission.js';
import { startDigitalStatusCheck, type DigitalStatusDeps } from '../pipeline/digital-status.js';
import { patientSchema } from '../pipeline/office-message-json.js';

/**
 * POST /v1/digital-status asks Helsenorge whether a citizen is a digital user (SjekkStatus) and
 * answers 202 with the check's id at once; GET /v1/digital-status/{checkId} tells whether the answer
 * (StatusSvar) has come and what it said. The StatusSvar also reaches the EPJ like any message.
 */

const checkRequest = z.object({ patient: patientSchema }).strict();

export function epjDigitalStatusRouter(deps: DigitalStatusDeps): Router {
  const router = Router();
  router.post('/digital-status', async (req, res) => {
    const { patient } = parseEpjJson(checkRequest, req.body);
    try {
      const { check, sent } = await startDigitalStatusCheck(deps, patient, `epj:${String(res.locals.client)}`);
      res.status(202).json({ checkId: check.checkId, state: check.state, requestedAt: check.requestedAt, msgId: sent.msgId });
    } catch (err) {
      if (isGatewayError(err) && err.code === 'GATE_CLOSED') res.setHeader('Retry-After', '300');
      throw err;
    }
  });
  router.get('/digital-status/:checkId', async (req, res) => {
    const check = await deps.statuses.get(req.params.checkId);
    if (!check) throw new GatewayError('DIGITAL_STATUS_UNKNOWN', `(${req.params.checkId})`);
    res.json(check);
  });
  return router;
}
