import { Router } from 'express';
import { GatewayError, isGatewayError } from '../errors.js';
import { submitClinicJson, submitClinicXml } from '../pipeline/clinic-submission.js';
import { isOfficeMessageJson } from '../pipeline/office-message-json.js';
import { submitOfficeJson, type OfficeSubmissionDeps } from '../pipeline/office-submission.js';

/**
 * POST /v1/messages: the clinic answers a citizen, or starts a message itself (an `action` the office
 * starts with: BekreftTime, EndreTime, AvslutteTime, Henvendelse; src/pipeline/office-message-json.ts).
 * JSON (one shape per service, see src/pipeline/clinic-answer-json.ts) is built into KITH by the gateway; an EPJ that builds its own
 * KITH XML posts it as application/xml. Either way the gateway validates it with both layers,
 * checks that the clinic is the sender and the action is one a clinic sends, and queues it. 202 means it is in
 * Redis. The same MsgId with the same content answers the first result again.
 */

export type EpjSubmitDeps = OfficeSubmissionDeps;

export function epjSubmitRouter(deps: EpjSubmitDeps): Router {
  const router = Router();
  router.post('/messages', async (req, res) => {
    const origin = `epj:${String(res.locals.client)}`;
    try {
      const result =
        typeof req.body === 'string'
          ? await submitClinicXml(deps, req.body, origin, confidentialMark(req.get('Confidential-To-Child')))
          : req.is('application/json')
            ? isOfficeMessageJson(req.body)
              ? await submitOfficeJson(deps, req.body, origin)
              : await submitClinicJson(deps, req.body, origin)
            : (() => {
                throw new GatewayError('EPJ_MESSAGE_INVALID', '(send JSON as application/json or KITH XML as application/xml)');
              })();
      res.status(202).json(result);
    } catch (err) {
      if (isGatewayError(err) && err.code === 'GATE_CLOSED') res.setHeader('Retry-After', '300');
      throw err;
    }
  });
  return router;
}

/** KITH has no mark for an answer meant for the child alone: an EPJ posting XML says it in a header. */
function confidentialMark(header: string | undefined): { confidentialToChild?: boolean } {
  if (header === undefined) return {};
  if (/^(true|false)$/i.test(header.trim())) return { confidentialToChild: header.trim().toLowerCase() === 'true' };
  throw new GatewayError('EPJ_MESSAGE_INVALID', '(the Confidential-To-Child header must be true or false)', {
    errors: [{ code: 'field', field: 'Confidential-To-Child', message: 'true or false' }],
  });
}
