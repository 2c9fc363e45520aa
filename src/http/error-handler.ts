import type { ErrorRequestHandler, RequestHandler } from 'express';
import { GatewayError, isGatewayError } from '../errors.js';
import type { Logger } from '../logging.js';

/** True for the errors ioredis and BullMQ raise when Redis cannot be reached. */
export function isRedisDown(err: unknown): boolean {
  const message = err instanceof Error ? err.message : '';
  return /Stream isn't writeable|enableOfflineQueue|Connection is closed|ECONNREFUSED|max retries per request/i.test(message);
}

/**
 * The body parser's other refusals (a body that does not inflate as its Content-Encoding says, a
 * request cut short): http-errors with a 4xx status, exposed as the client's fault. Their message
 * can quote the body, so it is not passed on.
 */
function isBodyReadError(err: { status?: number; expose?: boolean } | undefined): boolean {
  return typeof err?.status === 'number' && err.status >= 400 && err.status < 500 && err.expose === true;
}

/** Maps every failure to the error table; the answer carries the code, a message and the request id. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, _req, res, _next) => {
    let error: GatewayError;
    const bodyError = err as { type?: string; status?: number; expose?: boolean; charset?: string };
    if (isGatewayError(err)) error = err;
    else if (bodyError?.type === 'entity.too.large') error = new GatewayError('BODY_TOO_LARGE');
    else if (bodyError?.type === 'entity.parse.failed' || bodyError?.type === 'encoding.unsupported') error = new GatewayError('BODY_MALFORMED');
    else if (bodyError?.type === 'charset.unsupported')
      error = new GatewayError('BODY_MALFORMED', `(the charset ${JSON.stringify(String(bodyError.charset).slice(0, 40))} is not one it reads: send UTF-8)`);
    else if (err instanceof URIError && /decode param/i.test(err.message)) error = new GatewayError('PATH_MALFORMED');
    else if (isBodyReadError(bodyError)) error = new GatewayError('BODY_MALFORMED', '(the body does not decode as its Content-Encoding says)');
    else if (isRedisDown(err)) error = new GatewayError('REDIS_UNAVAILABLE');
    else error = new GatewayError('INTERNAL', undefined, undefined, { cause: err });

    if (error.status >= 500) {
      const cause = error.code === 'INTERNAL' ? err : undefined;
      logger.error({ code: error.code, err: cause instanceof Error ? { type: cause.name, stack: cause.stack } : undefined }, 'request failed');
    }
    if (error.status === 503 && !res.getHeader('Retry-After')) res.setHeader('Retry-After', '30');
    res.status(error.status).json({ error: { ...error.toJSON(), requestId: res.locals.requestId as string | undefined } });
  };
}

export const notFound: RequestHandler = (_req, _res, next) => next(new GatewayError('NOT_FOUND'));
