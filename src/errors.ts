/**
 * The one table of every error code the product emits.
 *
 * A code, once published, keeps its meaning forever. `status` is the HTTP status the EPJ or
 * operations API answers with; `appRec` is the code-list 8221 error code used when the fault is
 * answered to a sender with an AppRec. `message` is written for the person who has to act on it.
 * docs/errors.md is generated from this table (`npm run docs:errors`); a test keeps them in step.
 */

export interface ErrorDefinition {
  readonly status: number;
  readonly appRec?: string;
  readonly message: string;
}

export const ERRORS = {
  // --- foundation: settings, authentication, Redis, HTTP -----------------------------------------
  CONFIG_INVALID: { status: 500, message: 'A setting is invalid; the start-up line names it and the expected form.' },
  CONFIG_PRODUCTION_DEMO: {
    status: 500,
    message: 'GATEWAY_MODE=production refuses demo certificates, demo tokens and the simulator; configure real ones.',
  },
  AUTH_MISSING: { status: 401, message: 'Send the client token as "Authorization: Bearer <token>".' },
  AUTH_INVALID: { status: 401, message: 'The bearer token is not one of the configured tokens for this API.' },
  REDIS_UNAVAILABLE: {
    status: 503,
    message: 'Redis is not reachable; the request was not accepted. Retry later; operations should check Redis.',
  },
  REDIS_NOT_FOUND: {
    status: 500,
    message: 'No Redis: install redis-server (apt-get install -y redis-server) or set REDIS_URL to a running Redis.',
  },
  NOT_FOUND: { status: 404, message: 'No such resource.' },
  BODY_TOO_LARGE: { status: 413, message: 'The request body is over the configured size limit.' },
  BODY_MALFORMED: { status: 400, message: 'The request body could not be read as the declared content type.' },
  SHUTTING_DOWN: { status: 503, message: 'The gateway is shutting down; retry against another instance or later.' },
  INTERNAL: { status: 500, appRec: 'X99', message: 'An unexpected fault; the log line with the same request id tells operations more.' },

  // --- pipeline: queues, job payloads, message history ----------------------------------------------
  JOB_KEY_INVALID: {
    status: 500,
    message: 'JOB_ENCRYPTION_KEYS must be id:base64 pairs of 32-byte keys; generate one with: openssl rand -base64 32.',
  },
  JOB_KEY_UNKNOWN: {
    status: 500,
    message: 'A queued message was sealed with a key no longer in JOB_ENCRYPTION_KEYS; add the old key back (keys are listed newest first).',
  },
  JOB_PAYLOAD_TAMPERED: {
    status: 500,
    message: 'A queued message failed its integrity check in Redis and was not used; operations should check who writes to Redis.',
  },

  MSGID_CONFLICT: {
    status: 409,
    message: 'This MsgId was already used for a message with other content; give a new message a new MsgId.',
  },

  // --- service gate ---------------------------------------------------------------------------------
  GATE_CLOSED: {
    status: 503,
    message: 'The service is closed at this clinic for now; the reasons are listed. Queued messages wait and flow again when it opens.',
  },
  GATE_REASON_REQUIRED: { status: 400, message: 'Closing a service by hand needs a reason (JSON body {"reason": "…"}).' },

  // --- kith: XML, MsgHead, Dialogmelding, AppRec ---------------------------------------------------

  // --- trust: certificates and CMS ----------------------------------------------------------------
} as const satisfies Record<string, ErrorDefinition>;

export type ErrorCode = keyof typeof ERRORS;

/** An error as a value: a code from the table, plus details a person can act on. */
export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly appRec: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, detail?: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    const def: ErrorDefinition = ERRORS[code];
    super(detail ? `${def.message} ${detail}` : def.message, options);
    this.name = 'GatewayError';
    this.code = code;
    this.status = def.status;
    this.appRec = def.appRec;
    this.details = details;
  }

  toJSON(): { code: ErrorCode; message: string; appRec?: string; details?: Record<string, unknown> } {
    return {
      code: this.code,
      message: this.message,
      ...(this.appRec ? { appRec: this.appRec } : {}),
      ...(this.details ? { details: this.details } : {}),
    };
  }
}

export function isGatewayError(err: unknown): err is GatewayError {
  return err instanceof GatewayError;
}
