import { Router } from 'express';
import { GatewayError } from '../errors.js';
import { isServiceId, type ServiceId } from '../domain/services.js';
import { workingDaysBetween } from '../domain/working-days.js';
import type { OpenRequests } from '../pipeline/open-requests.js';

/**
 * GET /v1/requests?state=open[&service=…][&limit=…]: the office's worklist, the clinic's citizen
 * requests not yet answered, oldest first, each with its age (seconds and working days) and whether
 * it passed its service's age limit (REQUEST_AGE_LIMITS). Ids, codes and times only: the request
 * itself is read where it was delivered, or by GET /v1/messages/{msgId}.
 */
export function epjRequestsRouter(requests: OpenRequests, limits: Readonly<Record<ServiceId, number>>, now: () => Date = () => new Date()): Router {
  const router = Router();
  router.get('/requests', async (req, res) => {
    const state = typeof req.query.state === 'string' ? req.query.state : 'open';
    const service = typeof req.query.service === 'string' && req.query.service !== '' ? req.query.service : undefined;
    const limitText = typeof req.query.limit === 'string' ? req.query.limit : '100';
    const limit = /^\d{1,4}$/.test(limitText) ? Number(limitText) : NaN;
    if (state !== 'open' || (service !== undefined && !isServiceId(service)) || !(limit >= 1 && limit <= 1000))
      throw new GatewayError(
        'EPJ_REQUESTS_QUERY_INVALID',
        `(state=${state.slice(0, 40)}, service=${(service ?? '').slice(0, 40)}, limit=${limitText.slice(0, 10)})`,
      );
    const at = now();
    const { count, requests: open } = await requests.list({ ...(service ? { service } : {}), limit, now: at });
    res.json({
      state: 'open',
      ...(service ? { service } : {}),
      count,
      requests: open.map((r) => {
        const ageWorkingDays = Math.floor(workingDaysBetween(Date.parse(r.receivedAt), at.getTime()) * 100) / 100;
        return {
          msgId: r.msgId,
          service: r.service,
          action: r.action,
          receivedAt: r.receivedAt,
          ageSeconds: r.ageSeconds,
          ageWorkingDays,
          limitWorkingDays: limits[r.service],
          overLimit: ageWorkingDays >= limits[r.service],
          representation: r.representation,
        };
      }),
    });
  });
  return router;
}
