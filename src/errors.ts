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
  CLINIC_CONFLICT: {
    status: 409,
    message: 'The clinic would share a HER-id, an EPJ token or a folder with a clinic already served; give it its own.',
  },
  CLINIC_INVALID: { status: 400, message: 'The clinic entry is not valid; the detail names the field and what it needs.' },
  CLINIC_BUSY: {
    status: 409,
    message:
      'The clinic still has work in flight; let its queues drain (epj-gateway clinics show HERID), or remove it with force to move its unsent answers to the dead letters.',
  },
  CLINICS_READ_ONLY: {
    status: 409,
    message: 'Clinics are managed at run time only through a clinics file: set CLINICS_FILE to a file the gateway may write.',
  },
  FREE_SLOTS_INVALID: {
    status: 400,
    message:
      'The free slots could not be read: send JSON {"slots":[{"start":"2026-12-10T09:00:00+01:00","end":"…"}]} (start before end, at most 5,000) or an iCalendar with VEVENTs; the detail names the slot.',
  },
  CLINIC_UNKNOWN: { status: 404, message: 'No clinic with this HER-id is served here; `GET /ops/clinics` lists the clinics.' },
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

  EPJ_MESSAGE_INVALID: {
    status: 400,
    message: 'The message was not accepted; the errors list what to correct. Nothing was queued.',
  },

  EPJ_REQUEST_UNKNOWN: {
    status: 404,
    message:
      'inReplyTo names no citizen request this clinic has received, or one past its retention (REQUEST_RETENTION_DAYS); check the MsgId (GET /v1/requests lists the open ones).',
  },

  // --- service gate ---------------------------------------------------------------------------------
  GATE_CLOSED: {
    status: 503,
    message: 'The service is closed at this clinic for now; the reasons are listed. Queued messages wait and flow again when it opens.',
  },
  GATE_REASON_REQUIRED: {
    status: 400,
    message:
      'Closing a service by hand needs a reason (JSON body {"reason": "…"}, optionally "autoAnswer": "<the Norwegian answer citizens get meanwhile>" and "expectedOpen": "YYYY-MM-DD").',
  },

  // --- kith: XML, MsgHead, Dialogmelding, AppRec ---------------------------------------------------
  KITH_TOO_LARGE: {
    status: 413,
    appRec: 'T99',
    message: 'The message is over the size limit (KITH_MAX_BYTES); it was not read. Send attachments as separate, smaller messages or raise the limit.',
  },
  KITH_NOT_XML: { status: 400, appRec: 'T01', message: 'The message is not well-formed XML; the line named is where the parser stopped.' },
  KITH_ENCODING: {
    status: 400,
    appRec: 'T01',
    message: 'The message bytes do not match its encoding declaration (or the encoding is not supported); send UTF-8 or ISO-8859-1 and declare it.',
  },
  KITH_DOCTYPE: { status: 400, appRec: 'T99', message: 'The message has a DOCTYPE; KITH messages never do, and DTDs and entities are refused.' },
  KITH_SCHEMA_INVALID: { status: 422, appRec: 'T02', message: 'The message does not follow its schema; the element named is wrong or missing.' },
  KITH_UNSUPPORTED_TYPE: {
    status: 422,
    appRec: 'T10',
    message: 'This message type or document is not one this gateway serves (the four citizen services, answered with AppRec).',
  },
  KITH_MSGID_INVALID: { status: 422, appRec: 'E10', message: 'MsgId is missing or not a valid message id; give every message a new UUID.' },
  KITH_RECEIVER_UNKNOWN: { status: 422, appRec: 'E21', message: 'The receiver HER-id is not this clinic; check the address the sender used.' },
  KITH_PATIENT_ID_MISSING: { status: 422, appRec: 'E30', message: "The patient's national id (FNR, DNR or HNR) is missing." },
  KITH_PATIENT_ID_INVALID: {
    status: 422,
    appRec: 'E31',
    message: "The patient's national id is not valid (check digits, date, declared type; synthetic test numbers only outside production).",
  },
  KITH_PATIENT_NAME_MISSING: { status: 422, appRec: 'E32', message: "The patient's family or given name is missing." },
  KITH_CODE_INVALID: { status: 422, appRec: 'X99', message: 'A coded value is not in its code list, or the code list is wrong.' },
  KITH_CONTENT_INVALID: { status: 422, appRec: 'X99', message: 'The message content breaks a rule of its service; the message says which.' },
  KITH_PART_INVALID: {
    status: 422,
    appRec: 'X99',
    message: 'A part of the message (an attachment or embedded document) is faulty; the rest was accepted.',
  },
  KITH_CHARACTER_INVALID: {
    status: 400,
    message:
      'A text for a KITH message holds a character XML 1.0 cannot carry (a control character other than tab, line feed and carriage return, U+FFFE, U+FFFF or a lone surrogate); nothing was written. Remove it where the text comes from; the detail names the element or attribute and the code point.',
  },
  KITH_SCHEMA_DIR_INVALID: {
    status: 500,
    message: 'KITH_SCHEMA_DIR does not hold loadable official schemas (MsgHead-v1_2.xsd and the rest); install them from the publisher or unset it.',
  },

  // --- trust: certificates and CMS ----------------------------------------------------------------
  CERT_UNREADABLE: { status: 400, message: 'The certificate is not an X.509 certificate in PEM or DER form; check the file.' },
  KEY_UNREADABLE: {
    status: 500,
    message: 'The private key is not an unencrypted PKCS#8/PKCS#1 PEM key, or the PKCS#12 file or its password is wrong; check the key settings.',
  },
  KEY_CERT_MISMATCH: { status: 500, message: 'The private key does not belong to the certificate it is configured with; install the matching pair.' },
  TRUST_STORE_INVALID: {
    status: 500,
    message: 'TRUST_CA_FILES names a file that is not a readable CA certificate; give PEM files of the Buypass and Commfides CAs.',
  },
  CERT_INVALID: {
    status: 422,
    appRec: 'S02',
    message: 'The certificate failed validation; the codes say why (expired, not-yet-valid, wrong-usage, untrusted-chain, org-number-mismatch).',
  },
  CERT_REVOKED: { status: 422, appRec: 'S03', message: 'The certificate is revoked by its CA; the sender must install a new enterprise certificate.' },
  CERT_REVOCATION_UNAVAILABLE: {
    status: 503,
    message: "The certificate's revocation status could not be had (CRL and OCSP unreachable past the soft-fail window); the message waits and is retried.",
  },
  CMS_MALFORMED: { status: 400, appRec: 'T01', message: 'The message is not a readable CMS EnvelopedData (truncated or not CMS); it could not be opened.' },
  CMS_NOT_FOR_US: {
    status: 422,
    appRec: 'T01',
    message: "The message is not encrypted to this clinic's current or previous encryption certificate; the sender should use the one in the address register.",
  },
  CMS_DECRYPT_FAILED: {
    status: 422,
    appRec: 'T01',
    message: 'The message could not be decrypted with the encryption key it names; it is damaged or not meant for this key.',
  },
  CMS_WEAK_CIPHER: {
    status: 422,
    appRec: 'T10',
    message: 'The message is encrypted with DES or 3DES, which this gateway refuses (CMS_REJECT_3DES); the sender must use AES.',
  },
  CMS_UNSIGNED: {
    status: 422,
    appRec: 'S01',
    message: 'The decrypted content is not a CMS SignedData with one signer; the message must be signed, then encrypted.',
  },
  CMS_SIGNATURE_INVALID: { status: 422, appRec: 'S01', message: 'The signature does not match the content: the message was altered or signed wrongly.' },
  CMS_SIGNER_MISMATCH: {
    status: 422,
    appRec: 'S01',
    message: "The message is signed by another certificate than the sender's signing certificate in the address register.",
  },

  // --- operations dashboard: login, sessions, queue board -------------------------------------------
  OPS_LOGIN_FAILED: { status: 401, message: 'The token given at the login form is not the token of any operator account.' },
  OPS_SESSION_EXPIRED: { status: 401, message: 'The dashboard session has expired or is no longer valid; log in again.' },
  OPS_CROSS_SITE: {
    status: 403,
    message: 'A changing request with the session cookie came from another site, or without the dashboard header; it was refused.',
  },
  OPS_OPERATOR_ROLE_REQUIRED: {
    status: 403,
    message: 'This needs an account with the role operator (or admin); a viewer may only read. Ask an admin for an operator account.',
  },
  OPS_ADMIN_ROLE_REQUIRED: { status: 403, message: 'This needs an account with the role admin (clinics, operator accounts, purges).' },
  OPERATOR_INVALID: {
    status: 400,
    message: 'An operator account needs a name (letters, digits and _ . @ + -, at most 64) and a role: viewer, operator or admin.',
  },
  OPERATOR_EXISTS: { status: 409, message: 'An operator account of this name exists already; remove it first or choose another name.' },
  OPERATOR_FIXED: {
    status: 409,
    message: 'This account comes from the settings (OPS_TOKEN, the demo or OPERATORS_FILE); change it there, not through the API.',
  },
  ACCESS_REASON_REQUIRED: {
    status: 400,
    message: "Looking at a message's history is logged with why: give a reason (?reason=… or the X-Access-Reason header, 3 characters or more).",
  },
  OIDC_NOT_CONFIGURED: { status: 404, message: 'OpenID Connect login is not set up here (OIDC_ISSUER, OIDC_CLIENT_ID); log in with an operator token.' },
  OIDC_PROVIDER_UNREACHABLE: {
    status: 502,
    message: "The OpenID Connect provider's discovery document could not be read; check OIDC_ISSUER and the network to the provider.",
  },
  OIDC_LOGIN_FAILED: {
    status: 401,
    message: "The provider's answer to the login did not check out (state, PKCE, nonce, signature, or the login took over 10 minutes); log in again.",
  },
  OIDC_NO_ROLE: {
    status: 403,
    message: 'The login worked, but none of the values of the role claim (OIDC_ROLE_CLAIM) is mapped to a role by OIDC_ROLE_MAP; ask for a group that is.',
  },
  OPERATOR_UNKNOWN: { status: 404, message: 'There is no operator account of this name.' },
  OPS_BOARD_READ_ONLY: {
    status: 405,
    message: 'The queue board is read-only; only failed and dead-lettered jobs can be retried there. Use the operations API for other actions.',
  },

  // --- representation: someone acting for the patient (pasientrelasjon) ----------------------------
  // E36 "Pasientopplysninger er utilstrekkelige": the relation is part of what the message says about
  // the patient; E30-E32 name the patient's own id and name, E35/E53/E54 registers.
  REPRESENTATION_INCOMPLETE: {
    status: 422,
    appRec: 'E36',
    message: "The patient relation (Pasientrelasjon) lacks its relation code (7611) or the acting person's national id.",
  },
  REPRESENTATION_ACTOR_ID_INVALID: {
    status: 422,
    appRec: 'E36',
    message: 'The national id of the person acting for the patient is not valid (check digits, date, or a test number in production).',
  },
  REPRESENTATION_INCONSISTENT: {
    status: 422,
    appRec: 'E36',
    message: 'The patient relation cannot be true (the actor is the patient, or a parent acts for a patient of 16 or more); the sender must correct it.',
  },
  REPRESENTATION_CONFIDENTIAL_TO_CHILD: {
    status: 400,
    message:
      'Nothing was queued: an answer confidential to the child would reach the parent or representative who sent the request. Answer the child another way.',
  },

  // --- transport: NHN message service (MSH v2) and HelseID ----------------------------------------
  MSH_UNREACHABLE: {
    status: 503,
    message:
      "NHN's message service could not be reached (connection refused or dropped, or no answer within MSH_TIMEOUT_MS); the work waits and is tried again. Check MSH_BASE_URL and the network if it lasts.",
  },
  MSH_SERVER_FAULT: {
    status: 503,
    message:
      "NHN's message service answered with a server fault or asked to slow down (5xx, 429); the work is tried again. Quote NHN's requestId to NHN's support if it lasts.",
  },
  MSH_REQUEST_REFUSED: {
    status: 502,
    message:
      "NHN's message service refused the request (4xx) and another attempt will not help; NHN's error, validation errors and requestId are kept with it.",
  },
  MSH_FORBIDDEN: {
    status: 502,
    message: "NHN's message service refused access (403): link the HelseID client (HELSEID_CLIENT_ID) to the clinic's HER-id in NHN's self-service portal.",
  },
  MSH_RESPONSE_INVALID: {
    status: 502,
    message: "NHN's message service answered in a form its v2 contract does not allow; check that MSH_BASE_URL points at the message service.",
  },
  MSH_DOCUMENT_TOO_LARGE: {
    status: 413,
    message: "The business document is over NHN's limit of 35 MB; send large attachments as separate, smaller messages.",
  },
  HELSEID_CLIENT_REFUSED: {
    status: 503,
    message:
      'HelseID refused the client assertion (invalid_client): CLINIC_SIGNING_CERT/KEY is not the certificate registered for HELSEID_CLIENT_ID, or it is expired or revoked. Nothing goes to NHN until it is fixed.',
  },
  HELSEID_UNREACHABLE: {
    status: 503,
    message: 'HelseID could not be reached or answered a server fault; the token is asked for again. Check HELSEID_TOKEN_URL and the network if it lasts.',
  },
  HELSEID_TOKEN_REFUSED: {
    status: 502,
    message:
      'HelseID refused the token request (for example invalid_scope or unauthorized_client); check HELSEID_CLIENT_ID and HELSEID_SCOPE against the client registration.',
  },

  // --- registry: NHN's address register (Adresseregisteret), SOAP or REST ----------------------------
  AR_UNREACHABLE: {
    status: 503,
    message:
      "NHN's address register could not be reached (connection refused or dropped, or no answer within AR_TIMEOUT_MS); cached entries serve up to AR_STALE_LIMIT_S. Check AR_URL and the network.",
  },
  AR_SERVER_FAULT: {
    status: 503,
    message:
      "NHN's address register answered with a server fault (5xx or a SOAP Server fault); the lookup is tried again later. Quote the fault text to NHN's support if it lasts.",
  },
  AR_AUTH_REFUSED: {
    status: 502,
    message:
      "NHN's address register refused the credentials (401/403): check AR_USERNAME and AR_PASSWORD (or the HelseID client for the REST API) against the access NHN granted.",
  },
  AR_HER_ID_UNKNOWN: { status: 404, message: 'The address register has no communication party with this HER-id; check the HER-id.' },
  AR_NOT_AN_ORGANIZATION: {
    status: 422,
    message: "The HER-id names a person or a service in the address register, not an organisation; use the organisation's HER-id.",
  },
  AR_FAULT: {
    status: 502,
    message: "NHN's address register answered the lookup with a fault (GenericFault or ValidationFault); its error code and text are kept with this error.",
  },
  CPPA_UNREACHABLE: {
    status: 503,
    message:
      "NHN's CPPA register (agreements and profiles, CPPA_URL) could not be reached or answered with an error; the send is tried again, and a received message's cpaId is not held against it meanwhile. Check CPPA_URL, the HelseID client's scope nhn:cppa/access-with-dpop and the network.",
  },
  AR_RESPONSE_INVALID: {
    status: 502,
    message:
      "NHN's address register answered in a form its contract (the WSDL, or the REST API's JSON) does not allow; check that AR_URL and AR_API point at the address register.",
  },

  // --- messages the office starts, answers that must fit their requests, digital status ---------------
  EPJ_ANSWER_ACTION_MISMATCH: {
    status: 400,
    message:
      "The answer's action does not answer the request's action (the CPA pairs them: SvarOnske answers OnskeReserver, OnskeEndring, OnskeAvbestill; SvarLedigeTimer answers HentLedigeTimer; SvarAvtaleReservasjon answers ReserverAvtale, AvbestillAvtale; Svar answers Foresporsel); details name the actions allowed. Nothing was queued.",
  },
  CITIZEN_NOT_DIGITAL_USER: {
    status: 409,
    message:
      'Helsenorge says the citizen is not a digital user (StatusSvar), and the message asked to be sent only if they are (onlyIfDigitalUser); reach the citizen another way. Nothing was queued.',
  },
  DIGITAL_STATUS_UNAVAILABLE: {
    status: 503,
    message:
      'Helsenorge did not answer the digital-status check (SjekkStatus) in time, so a message sent only if the citizen is a digital user was not sent; try again, or send without onlyIfDigitalUser. Nothing was queued.',
  },
  DIGITAL_STATUS_UNKNOWN: {
    status: 404,
    message: 'No digital-status check with this id for this clinic (or it is past its retention); POST /v1/digital-status starts one.',
  },

  // --- the office's worklist, answers and the communication test -----------------------------------------
  EPJ_REQUEST_ANSWERED: {
    status: 409,
    message:
      'The citizen request named was already answered by another message (details name it and when); it is off the worklist. Follow that answer with GET /v1/messages/{answeredBy}; a new question to the citizen needs a new request from them.',
  },
  COMMTEST_INCOMPLETE: {
    status: 504,
    message:
      "The communication test did not come back whole: the AppRec was not OK, or the AppRec or Helsenorge's answer did not come in time (the reason follows). Check the transport (dashboard, /ops/waiting) and NHN's status; run it again.",
  },
  EPJ_FOLDER_STALLED: {
    status: 503,
    message:
      "The clinic's EPJ folder does not answer: a file operation in it has not returned (a network share that hangs, a disk that stopped). Its deliveries wait and are tried again; the other clinics' folders go on. Check the share or disk; nothing is lost.",
  },
  EPJ_REQUESTS_QUERY_INVALID: {
    status: 400,
    message:
      'The worklist query is not valid: state must be open, service one of appointment, prescription-renewal, e-consultation, office-contact, and limit a whole number from 1 to 1000.',
  },

  // --- purge on request ------------------------------------------------------------------------------------
  PURGE_REASON_REQUIRED: {
    status: 400,
    message: 'A purge needs a reason for the audit log (body {"reason":"…"}, or --reason): say why, e.g. "the patient has died" or "consent withdrawn".',
  },
  PURGE_BUSY: {
    status: 409,
    message:
      'A worker is still handling the message after 10 seconds (an EPJ or NHN call that hangs); nothing was removed yet. Try the purge again in a minute.',
  },
  PURGE_PATIENT_ID_INVALID: {
    status: 400,
    message:
      "The patient's national id (FNR, DNR or HNR) is not eleven digits with valid check digits; it is used only to find the messages and is never stored.",
  },

  // --- certificate rollover (docs/trust.md, "Rolling over a certificate") ---------------------------
  ROLLOVER_NO_NEXT: {
    status: 409,
    message:
      'The clinic has no next certificate installed: install the next pair first (epj-gateway cert rollover --install, or certificates.next in the clinics file).',
  },
  ROLLOVER_NEXT_INVALID: {
    status: 409,
    message: 'The next certificate fails its checks; install a valid successor before the switch. The detail names the role and the faults.',
  },
  ROLLOVER_NOT_PUBLISHED: {
    status: 409,
    message:
      'The address register does not publish the next certificate yet (or cannot be asked); upload it to the address register first, so counterparties encrypt to it and accept its signatures.',
  },
  ROLLOVER_ALREADY_SWITCHED: {
    status: 409,
    message: 'The clinic has switched to its next certificates already; what is left is retiring the old ones (epj-gateway cert rollover --retire).',
  },
  ROLLOVER_NOT_SWITCHED: {
    status: 409,
    message: 'The old certificates are retired only after the switch: switch first (epj-gateway cert rollover --switch).',
  },

  // --- HTTP input found by fuzzing (docs/reliability.md) ---------------------------------------------
  PATH_MALFORMED: {
    status: 400,
    message: 'The request path holds a %-escape that is not UTF-8 (in a MsgId or another part of the URL); escape each part with encodeURIComponent.',
  },
  CPPA_RESPONSE_INVALID: {
    status: 502,
    message:
      "NHN's CPPA register (CPPA_URL) answered with something that is not a CPPA 2.0 agreement or profile (or not XML); the send is tried again. Check that CPPA_URL points at the CPPA register.",
  },
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
