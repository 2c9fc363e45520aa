import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import { withRequestId, type Logger } from '../logging.js';

const SAFE_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * Gives every request an id (the caller's X-Request-Id when it is a plain token, else a new one),
 * echoes it, and runs the rest of the request inside it so every log line carries it. The access
 * line names the route, never the query or body.
 */
export function requestContext(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const given = req.get('x-request-id');
    const requestId = given && SAFE_ID.test(given) ? given : randomUUID();
    res.setHeader('X-Request-Id', requestId);
    res.locals.requestId = requestId;
    const started = process.hrtime.bigint();
    withRequestId(requestId, () => {
      res.on('finish', () => {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        const route = req.route ? `${req.baseUrl}${String((req.route as { path: unknown }).path)}` : 'unmatched';
        withRequestId(requestId, () => logger.info({ method: req.method, route, status: res.statusCode, ms: Math.round(ms * 10) / 10 }, 'http'));
      });
      next();
    });
  };
}
