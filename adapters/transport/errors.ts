import { AxiosError } from 'axios';
import { GatewayError, type ErrorCode } from '../../src/errors.js';

/**
 * Faults at the far side, as values the queues can read: `retryable` says whether another attempt
 * could succeed, `reason` is the short line that goes into a message's history ("NHN answered 503").
 * NHN's error body `{error, errorCode, validationErrors, requestId}` is kept so an operator can
 * quote the requestId to NHN. NHN's words are kept too: they describe the request, not the patient.
 */

/** NHN's ErrorMessage (msh-api v2). */
export interface NhnErrorBody {
  error?: string | null;
  errorCode?: number;
  validationErrors?: string[] | null;
  requestId?: string;
}

export interface TransportFaultDetails {
  httpStatus?: number;
  requestId?: string;
  nhnError?: string;
  nhnErrorCode?: number;
  validationErrors?: string[];
  /** the OAuth error HelseID answered (invalid_client, invalid_scope, …) */
  oauthError?: string;
  operation?: string;
  /** NHN's Retry-After (on 429 and 503), in ms: a poller waits that long before asking again */
  retryAfterMs?: number;
  /** the request went out whole and no whole answer came back: NHN may have acted on it */
  maybeDelivered?: boolean;
}

export class TransportError extends GatewayError {
  readonly retryable: boolean;
  readonly reason: string;
  readonly httpStatus: number | undefined;
  readonly requestId: string | undefined;
  readonly validationErrors: string[] | undefined;
  readonly retryAfterMs: number | undefined;
  readonly maybeDelivered: boolean;

  constructor(code: ErrorCode, reason: string, retryable: boolean, details: TransportFaultDetails = {}, options?: { cause?: unknown }) {
    super(code, reason, stripUndefined(details), options);
    this.name = 'TransportError';
    this.retryable = retryable;
    this.reason = reason;
    this.httpStatus = details.httpStatus;
    this.requestId = details.requestId;
    this.validationErrors = details.validationErrors;
    this.retryAfterMs = details.retryAfterMs;
    this.maybeDelivered = details.maybeDelivered ?? false;
  }
}

/** A refused client assertion: the clinic's certificate is not accepted (the service gate hears of it). */
export class CertificateRefusedError extends TransportError {
  constructor(reason: string, details: TransportFaultDetails = {}) {
    // Retryable: the gate closes while it lasts and the queued work waits for the fixed certificate.
    super('HELSEID_CLIENT_REFUSED', reason, true, details);
    this.name = 'CertificateRefusedError';
  }
}

function stripUndefined(o: TransportFaultDetails): Record<string, unknown> | undefined {
  const out = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  return Object.keys(out).length ? out : undefined;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
]);

/**
 * A fault in which no whole HTTP answer came back: refused, dropped, timed out, or cut off after
 * the status line (the connection closed mid-body: axios has a response then, but nothing to read).
 */
export function isNetworkFault(err: unknown): boolean {
  if (!(err instanceof AxiosError)) return false;
  if (err.code === AxiosError.ERR_BAD_RESPONSE && /stream has been aborted/i.test(err.message)) return true;
  if (err.response) return false;
  return err.code === undefined || NETWORK_CODES.has(err.code) || /socket hang up|aborted|timeout/i.test(err.message);
}

export function networkReason(err: { code?: string | undefined; message: string }, service: string, timeoutMs: number): string {
  if (err.code === 'ECONNABORTED' || err.code === 'ETIMEDOUT' || /timeout/i.test(err.message)) return `${service} did not answer within ${timeoutMs} ms`;
  if (err.code === 'ECONNREFUSED') return `${service} refused the connection`;
  if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') return `${service} host name could not be resolved`;
  return `connection to ${service} was dropped (${err.code ?? 'no answer'})`;
}

export function readNhnErrorBody(data: unknown): NhnErrorBody {
  if (!data || typeof data !== 'object') return {};
  const d = data as Record<string, unknown>;
  return {
    ...(typeof d.error === 'string' ? { error: d.error } : {}),
    ...(typeof d.errorCode === 'number' ? { errorCode: d.errorCode } : {}),
    ...(Array.isArray(d.validationErrors) ? { validationErrors: d.validationErrors.map(String) } : {}),
    ...(typeof d.requestId === 'string' ? { requestId: d.requestId } : {}),
  };
}

/** 408 and 429 are worth another try, like every 5xx; other 4xx are not. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** A Retry-After header (delay-seconds or an HTTP date) in ms from `now`; undefined when absent or unreadable. */
export function retryAfterMs(header: unknown, now = Date.now()): number | undefined {
  if (typeof header !== 'string' || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The typed error for an HTTP answer from the message service that was not a success; `retryAfter` is the raw header. */
export function mshAnswerError(status: number, data: unknown, operation: string, retryAfter?: unknown): TransportError {
  const body = readNhnErrorBody(data);
  const waitMs = retryAfterMs(retryAfter);
  const details: TransportFaultDetails = {
    httpStatus: status,
    operation,
    ...(waitMs !== undefined ? { retryAfterMs: waitMs } : {}),
    ...(body.requestId ? { requestId: body.requestId } : {}),
    ...(body.error ? { nhnError: body.error } : {}),
    ...(body.errorCode !== undefined ? { nhnErrorCode: body.errorCode } : {}),
    ...(body.validationErrors?.length ? { validationErrors: body.validationErrors } : {}),
  };
  const said = body.error ? `: ${body.error}` : '';
  const reason = `NHN answered ${status}${said}${body.requestId ? ` (requestId ${body.requestId})` : ''}`;
  if (isRetryableStatus(status)) return new TransportError('MSH_SERVER_FAULT', reason, true, details);
  if (status === 403) return new TransportError('MSH_FORBIDDEN', reason, false, details);
  return new TransportError('MSH_REQUEST_REFUSED', reason, false, details);
}
