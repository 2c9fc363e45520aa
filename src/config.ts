import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/**
 * Every setting of the gateway, in one schema. Values come from the environment, or from a JSON file
 * named by CONFIG_FILE (the environment wins). Every setting has a default that works for the demo;
 * production mode refuses the demo's tokens, certificates and stand-ins.
 */

const DEMO_EPJ_TOKENS = 'demo-epj:demo-token';
const DEMO_OPS_TOKEN = 'demo-ops-token';
const SAMPLE_CERTS = 'certs-sample';

const bool = z.preprocess((v) => (typeof v === 'string' ? ['1', 'true', 'yes', 'on'].includes(v.trim().toLowerCase()) : v), z.boolean());
const int = (min: number, max: number) => {
  const expected = `a whole number from ${min} to ${max}`;
  return z.coerce.number({ error: expected }).int(expected).min(min, expected).max(max, expected);
};
const list = z.preprocess(
  (v) =>
    typeof v === 'string'
      ? v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : v,
  z.array(z.string()),
);
const optionalString = z.preprocess((v) => (v === '' ? undefined : v), z.string().optional());
/** `host:port` of one sentinel; `[v6]:port` for an IPv6 address */
const sentinelAddress = z.string().transform((s, ctx) => {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[^\s:[\]]+):(\d{1,5})$/.exec(s);
  const port = Number(m?.[2]);
  if (!m || port < 1 || port > 65535) {
    ctx.addIssue({ code: 'custom', message: `expected host:port pairs separated by commas, got "${s}"` });
    return z.NEVER;
  }
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
});
/** a span in days; fractions allowed (tests use minutes) */
const days = z.coerce.number({ error: 'a number of days' }).gt(0, 'a number of days above 0').max(36_500, 'a number of days up to 36500');
const herId = z.string().regex(/^\d{1,9}$/, 'a HER-id of digits');
const orgNumber = z.string().regex(/^\d{9}$/, 'a nine-digit organisation number');

/** `client:token,client:token` — each EPJ client has its own bearer token. */
const tokenList = z.string().transform((s, ctx) => {
  const pairs = s
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  const out: { client: string; token: string }[] = [];
  for (const pair of pairs) {
    const i = pair.indexOf(':');
    const client = pair.slice(0, i).trim();
    const token = pair.slice(i + 1).trim();
    if (i <= 0 || !client || token.length < 8) {
      ctx.addIssue({ code: 'custom', message: 'expected client:token pairs, tokens of 8 characters or more' });
      return z.NEVER;
    }
    out.push({ client, token });
  }
  if (out.length === 0) ctx.addIssue({ code: 'custom', message: 'at least one client:token pair' });
  return out;
});

/** REQUEST_AGE_LIMITS' defaults, in working days: a written question within two, a renewal within three */
export const DEFAULT_REQUEST_AGE_LIMITS: Readonly<Record<'appointment' | 'prescription-renewal' | 'e-consultation' | 'office-contact', number>> = {
  appointment: 2,
  'prescription-renewal': 3,
  'e-consultation': 2,
  'office-contact': 2,
};

export const configSchema = z.object({
  // --- process ----------------------------------------------------------------------------------
  /** demo (default) or production; production refuses demo tokens, sample certificates and stand-ins */
  GATEWAY_MODE: z.enum(['demo', 'production']).default('demo'),
  /** where the gateway keeps its own files (supervised Redis data, demo keys, EPJ folders) */
  DATA_DIR: z.string().min(1).default('./var'),
  /** pino level: fatal, error, warn, info, debug, trace */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** milliseconds the workers get to finish the job in hand on shutdown before they are forced */
  SHUTDOWN_DEADLINE_MS: int(100, 600_000).default(8_000),

  // --- HTTP ----------------------------------------------------------------------------------------
  /** TCP port of the EPJ and operations APIs */
  PORT: int(0, 65535).default(8080),
  /** address to listen on; 0.0.0.0 to serve other hosts (the Docker image sets it) */
  HOST: z.string().min(1).default('127.0.0.1'),
  /** largest request body accepted, in bytes (413 above it) */
  HTTP_MAX_BODY_BYTES: int(1024, 100 * 1024 * 1024).default(25 * 1024 * 1024),
  /** bearer tokens of the EPJ clients, `client:token,…` */
  EPJ_TOKENS: tokenList.prefault(DEMO_EPJ_TOKENS),
  /** bearer token of the operations API and dashboard */
  OPS_TOKEN: z.string().min(8, 'a token of 8 characters or more').default(DEMO_OPS_TOKEN),

  // --- Redis -----------------------------------------------------------------------------------------
  /** redis://… of an external Redis; unset: the gateway supervises its own redis-server under DATA_DIR */
  REDIS_URL: optionalString.pipe(z.url({ protocol: /^rediss?$/, error: 'a redis:// or rediss:// URL' }).optional()),
  /** the redis-server binary for the supervised Redis */
  REDIS_SERVER_BIN: z.string().min(1).default('redis-server'),
  /** Redis Sentinel addresses, `host:port,…`; set: the primary is found through them, REDIS_URL is ignored */
  REDIS_SENTINELS: list.pipe(z.array(sentinelAddress)).prefault(''),
  /** the master group name the sentinels monitor */
  REDIS_SENTINEL_NAME: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/, 'a Sentinel master group name (letters, digits, . _ -)')
    .default('mymaster'),
  /** AUTH password of the primary and replicas found through Sentinel (with REDIS_URL, put it in the URL) */
  REDIS_PASSWORD: optionalString,
  /** AUTH password of the sentinels themselves, when they require one */
  REDIS_SENTINEL_PASSWORD: optionalString,
  /** prefix of every BullMQ key, so several gateways can share one Redis */
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_-]+$/)
    .default('epjgw'),

  // --- clinics ------------------------------------------------------------------------------------------
  /** YAML or JSON file of the clinics served (docs: src/clinics/clinics-file-schema.ts); unset: the one clinic of the CLINIC_* settings */
  CLINICS_FILE: optionalString,

  // --- clinic identity --------------------------------------------------------------------------------
  /** the clinic's HER-id (communication party in the address register) */
  CLINIC_HER_ID: herId.default('8142987'),
  /** the clinic's organisation number */
  CLINIC_ORG_NUMBER: orgNumber.default('921543212'),
  /** the clinic's name as it appears in messages */
  CLINIC_NAME: z.string().min(1).default('Fjordvik legekontor AS'),

  // --- KITH messages ------------------------------------------------------------------------------------
  /** directory with the official XSD files; unset: only the gateway's own rules validate */
  KITH_SCHEMA_DIR: optionalString,
  /** largest XML message accepted, in bytes */
  KITH_MAX_BYTES: int(1024, 100 * 1024 * 1024).default(20 * 1024 * 1024),

  // --- certificates and message protection -----------------------------------------------------------------
  /** PEM files of the trusted CAs (Buypass, Commfides in production) */
  TRUST_CA_FILES: list.prefault(`${SAMPLE_CERTS}/ca.cert.pem`),
  /** the clinic's signing certificate and key (PEM) */
  CLINIC_SIGNING_CERT: z.string().default(`${SAMPLE_CERTS}/clinic-signing.cert.pem`),
  CLINIC_SIGNING_KEY: z.string().default(`${SAMPLE_CERTS}/clinic-signing.key.pem`),
  /** the clinic's encryption certificate and key (PEM) */
  CLINIC_ENCRYPTION_CERT: z.string().default(`${SAMPLE_CERTS}/clinic-encryption.cert.pem`),
  CLINIC_ENCRYPTION_KEY: z.string().default(`${SAMPLE_CERTS}/clinic-encryption.key.pem`),
  /** the previous encryption certificate and key, accepted for decryption during a rollover */
  CLINIC_PREVIOUS_ENCRYPTION_CERT: optionalString,
  CLINIC_PREVIOUS_ENCRYPTION_KEY: optionalString,
  /** the next signing and encryption pairs, installed ahead of a rollover (docs/trust.md "Rolling over a certificate") */
  CLINIC_NEXT_SIGNING_CERT: optionalString,
  CLINIC_NEXT_SIGNING_KEY: optionalString,
  CLINIC_NEXT_ENCRYPTION_CERT: optionalString,
  CLINIC_NEXT_ENCRYPTION_KEY: optionalString,
  /** certificate-policy OIDs that mark an enterprise certificate (empty: the built-in list) */
  CERT_POLICY_OIDS: list.prefault(''),
  /** hours between CRL refreshes at most */
  CRL_REFRESH_HOURS: z.coerce.number().positive().max(168).default(6),
  /** hours a cached CRL keeps serving while the CRL host is unreachable */
  REVOCATION_SOFT_FAIL_HOURS: z.coerce.number().min(0).max(720).default(24),
  /** web proxy (`http://host:port`) for CRL and OCSP fetches; unset: HTTP_PROXY/NO_PROXY from the environment */
  REVOCATION_HTTP_PROXY: z.preprocess((v) => (v === '' ? undefined : v), z.url({ protocol: /^https?$/, error: 'an http:// or https:// proxy URL' }).optional()),
  /** milliseconds a CRL or OCSP fetch may take before the CA counts as unreachable */
  REVOCATION_TIMEOUT_MS: int(500, 120_000).default(10_000),
  /** refuse messages encrypted with DES or 3DES */
  CMS_REJECT_3DES: bool.default(true),
  /** days before certificate expiry at which a warning goes out */
  CERT_WARN_DAYS: list
    .pipe(z.array(z.string().transform(Number).pipe(z.number().int().min(1).max(3650))))
    .refine((a) => a.length > 0, 'comma-separated whole numbers of days')
    .prefault('30,14,7,1'),

  // --- queues -----------------------------------------------------------------------------------------------
  /** keys that seal job payloads in Redis, `id:base64(32 bytes),…`, newest first; unset in demo: made under DATA_DIR */
  JOB_ENCRYPTION_KEYS: optionalString,
  /** attempts to send one outbound message before it goes to the dead-letter queue */
  OUTBOUND_ATTEMPTS: int(1, 100).default(8),
  /** first retry delay and the cap, in milliseconds (exponential with jitter in between) */
  RETRY_BASE_MS: int(10, 3_600_000).default(2_000),
  RETRY_CAP_MS: int(10, 86_400_000).default(300_000),
  /** how often NHN is asked for unread messages, in milliseconds */
  POLL_INTERVAL_MS: int(10, 3_600_000).default(5_000),
  /** the longest a quiet mailbox waits between polls as it backs off, ms; unset: POLL_INTERVAL_MS in demo mode, 60000 in production */
  POLL_MAX_INTERVAL_MS: int(10, 3_600_000).optional(),
  /** polls of NHN running at once, over all the clinics of one process */
  POLL_CONCURRENCY: int(1, 256).default(8),
  /** how long a process holds a clinic's mailbox without renewing before another takes it over, ms */
  POLL_LEASE_TTL_MS: int(1_000, 600_000).default(6_000),
  /** seconds an answer whose earlier send may have reached NHN (its process died before noting NHN's answer) waits for the receiver's AppRec before it is sent again */
  OUTBOUND_UNCERTAIN_WAIT_S: int(1, 86_400).default(120),
  /** hours to wait for the AppRec of a sent message before reporting "no AppRec" */
  APPREC_DEADLINE_HOURS: z.coerce.number().positive().max(720).default(24),

  // --- EPJ side ---------------------------------------------------------------------------------------------
  /** how citizen messages reach the EPJ: folder (inbox/outbox folders), webhook (POST), pull (GET /v1/inbox) */
  EPJ_DELIVERY: z.enum(['folder', 'webhook', 'pull']).default('folder'),
  /** folder delivery: where messages for the EPJ are written (default DATA_DIR/epj/inbox) */
  EPJ_INBOX_DIR: optionalString,
  /** folder delivery: where the EPJ drops its answers (default DATA_DIR/epj/outbox) */
  EPJ_OUTBOX_DIR: optionalString,
  /** webhook delivery: the EPJ's URL and the secret that signs each POST */
  EPJ_WEBHOOK_URL: optionalString.pipe(z.url().optional()),
  EPJ_WEBHOOK_SECRET: optionalString,

  // --- service gate, notifications, audit ----------------------------------------------------------------
  /** where gate events go besides the log and the dashboard: `name=url,…` (the office, the IT provider) */
  NOTIFY_WEBHOOKS: list.pipe(z.array(z.string().regex(/^[\w.-]+=https?:\/\/\S+$/, 'name=http(s)://… pairs'))).prefault(''),
  /** signs the notification webhooks (HMAC-SHA256 over `<timestamp>.<body>`, like the EPJ webhook); unset: unsigned */
  NOTIFY_WEBHOOK_SECRET: optionalString.pipe(z.string().min(16, 'a secret of 16 characters or more').optional()),
  /** tries of one notification to one recipient before it is dead-lettered (exponential backoff from 5 s) */
  NOTIFY_ATTEMPTS: int(1, 100).default(12),
  /** hours between reminders while a service stays warned or closed; 0: no reminders */
  NOTIFY_REMINDER_HOURS: int(0, 24 * 30).default(24),
  /** hours a missing contact person in the address register warns before the services close */
  AR_GRACE_CONTACT_PERSON_H: int(0, 24 * 90).default(24 * 14),
  /** hours a service missing from the address register warns before that service closes */
  AR_GRACE_SERVICE_H: int(0, 24 * 90).default(24 * 7),
  /** the language of the texts people read: nb (Norwegian bokmål) or en */
  NOTIFY_LANGUAGE: z.enum(['nb', 'en']).default('nb'),
  /** the SMTP server notifications are mailed through; unset: no e-mail (in demo mode: the SMTP stand-in) */
  SMTP_HOST: optionalString,
  SMTP_PORT: int(1, 65_535).default(587),
  /** tls: TLS from the start (465); starttls: the upgrade is required (587); none: plain (a local relay only) */
  SMTP_SECURITY: z.enum(['tls', 'starttls', 'none']).default('starttls'),
  SMTP_USER: optionalString,
  SMTP_PASSWORD: optionalString,
  SMTP_FROM: z
    .string()
    .regex(/^[^\s@<>]+@[^\s@<>]+$|^[^<>]*<[^\s@<>]+@[^\s@<>]+>$/, 'an e-mail address, or Name <address>')
    .default('epj-gateway@localhost'),
  /** port of the demo's SMTP stand-in (when SMTP_HOST is unset in demo mode) */
  SMTP_STAND_IN_PORT: int(0, 65_535).default(8025),
  /** PEM file of the CA(s) the SMTP server's certificate is checked against (an internal relay's private CA); unset: the system's CAs */
  SMTP_CA_FILE: optionalString,
  /** how often, in seconds, the certificate and address-register watchers run */
  GATE_CHECK_INTERVAL_S: int(5, 86_400).default(300),
  /** how often, in seconds, the watchers run while an outage (the address register unreachable) holds the gate */
  GATE_RETRY_INTERVAL_S: int(1, 3_600).default(15),
  /** days the audit log is kept */
  AUDIT_RETENTION_DAYS: int(1, 3650).default(365),

  // --- NHN message service -------------------------------------------------------------------------------------
  /** base URL of NHN's message service; unset in demo mode: the built-in simulator */
  MSH_BASE_URL: optionalString.pipe(z.url().optional()),
  /** HelseID token endpoint; unset in demo mode: the simulator's */
  HELSEID_TOKEN_URL: optionalString.pipe(z.url().optional()),
  /** the gateway's HelseID client id */
  HELSEID_CLIENT_ID: z.string().min(1).default('epj-gateway-demo'),
  /** the scope asked for the message service */
  HELSEID_SCOPE: z.string().min(1).default('nhn:msh/api'),
  /** HelseID scope for the address register's REST API (AR_API=rest) */
  AR_HELSEID_SCOPE: z.string().min(1).default('nhn:communicationparty/read'),
  /** timeout of one call to the message service, in milliseconds */
  MSH_TIMEOUT_MS: int(100, 600_000).default(30_000),
  /**
   * how business documents are protected on the way: `cms` signs each with the clinic's enterprise
   * certificate and encrypts it to the receiver's (end to end; default in demo mode), `none` leaves it
   * to NHN's message service (HelseID + TLS; NHN encrypts for ebXML receivers itself; default in production)
   */
  MESSAGE_PROTECTION: z.enum(['cms', 'none']).optional(),
  /**
   * how messages travel to and from NHN: `rest` (NHN's message service, polled) or `amqp` (NHN's
   * service bus, AMQP 1.0, as Helsenorge.Messaging speaks it; pushed, and the synchronous processes)
   */
  TRANSPORT: z.enum(['rest', 'amqp']).default('rest'),
  /** the service bus (TRANSPORT=amqp): amqp:// or amqps://user:password@host:port; unset in demo mode: a broker the demo supervises under DATA_DIR */
  AMQP_URL: optionalString.pipe(z.url({ protocol: /^amqps?$/, error: 'an amqp:// or amqps:// URL' }).optional()),
  /** RabbitMQ's address form: v1 (`/exchange/<AMQP_EXCHANGE>/<queue>` to send, `/amq/queue/<queue>` to receive; what Helsenorge.Messaging 7 sends) or v2 (`/queues/<queue>`) */
  AMQP_ADDRESS_FORM: z.enum(['v1', 'v2']).default('v1'),
  /** the exchange v1 addresses publish to (routing key: the queue name) */
  AMQP_EXCHANGE: z.string().min(1).default('DigitalDialog'),
  /** failures of one received message before it is moved to the receiving HER-id's `_dl` queue */
  AMQP_MAX_TRIES: int(1, 1000).default(10),
  /** NHN's CPPA register, REST API v2 (agreements and profiles); the service bus takes each receiver's queue and the cpaId from it. Unset in production: queues `<HER-id>_async`, no cpaId; in demo mode the AR stand-in's /cppa/v2 */
  CPPA_URL: optionalString.pipe(z.url({ protocol: /^https?$/, error: 'an http(s) URL' }).optional()),
  /** scope asked of HelseID for the CPPA register (DPoP-bound) */
  CPPA_HELSEID_SCOPE: z.string().min(1).default('nhn:cppa/access-with-dpop'),
  /** seconds an agreement or profile (or the lack of one) is used from Redis before the register is asked again */
  CPPA_CACHE_TTL_S: int(1, 86_400).default(300),
  /** free slots the EPJ published (PUT /v1/free-slots) older than this are not offered: HentLedigeTimer is answered with an error instead */
  FREE_SLOTS_MAX_AGE_S: int(60, 30 * 24 * 3600).default(24 * 3600),
  /** where the gateway asks the EPJ for its free slots when those published are missing or older than FREE_SLOTS_MAX_AGE_S (signed with EPJ_WEBHOOK_SECRET); unset: it does not ask */
  FREE_SLOTS_WEBHOOK_URL: optionalString.pipe(z.url({ protocol: /^https?$/ }).optional()),
  /** how long the EPJ is given to answer that call (the citizen waits 15 s in all) */
  FREE_SLOTS_WEBHOOK_TIMEOUT_MS: int(100, 10_000).default(5_000),
  /** the most free slots offered in one SvarLedigeTimer (the earliest ahead) */
  FREE_SLOTS_LIMIT: int(1, 500).default(60),

  // --- the office's worklist: citizen requests awaiting an answer -------------------------------------------
  /** days an unanswered citizen request stays answerable (its record and sealed document kept); once answered, the usual 90 days */
  REQUEST_RETENTION_DAYS: int(1, 3650).default(365),
  /** working days (Monday to Friday) a request may wait per service before the office is told, `service:days,…`; services left out keep their default */
  REQUEST_AGE_LIMITS: list
    .pipe(
      z.array(
        z.string().regex(/^(appointment|prescription-renewal|e-consultation|office-contact):\d{1,3}$/, 'service:working-days pairs, e.g. office-contact:2'),
      ),
    )
    .transform((pairs) => ({ ...DEFAULT_REQUEST_AGE_LIMITS, ...Object.fromEntries(pairs.map((p) => [p.split(':')[0]!, Number(p.split(':')[1])])) }))
    .prefault(''),

  // --- the communication test (Dialog_Innbygger_Test) ---------------------------------------------------------
  /** Helsenorge's HER-id: the receiver of the messages the office starts, of digital-status checks and of the clinic's communication test */
  HELSENORGE_HER_ID: z
    .string()
    .regex(/^\d{1,9}$/, 'a HER-id (digits)')
    .default('8093244'),
  /** seconds between the periodic communication tests of each clinic; 0: none (only on demand) */
  COMMTEST_PROBE_INTERVAL_S: int(0, 7 * 24 * 3600).default(0),

  // --- simulator (demo) ---------------------------------------------------------------------------------------
  /** TCP port of the NHN simulator (`epj-gateway simulator`, the demo); `send --as-citizen` asks it when MSH_BASE_URL is unset */
  SIMULATOR_PORT: int(0, 65535).default(8091),

  // --- address register ----------------------------------------------------------------------------------------
  /** URL of NHN's address register (SOAP: the BasicHttpBinding endpoint, …/v1/AR/Basic; REST: the API's base URL); unset in demo mode: the AR stand-in */
  AR_URL: optionalString.pipe(z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' }).optional()),
  /** which of NHN's address-register APIs AR_URL is: soap (Adresseregisteret web service) or rest (communication-party API, HelseID) */
  AR_API: z.enum(['soap', 'rest']).default('soap'),
  /** basic-auth user and password of the SOAP address register (given by NHN) */
  AR_USERNAME: optionalString,
  AR_PASSWORD: optionalString,
  /** milliseconds one address-register call may take before AR counts as unreachable */
  AR_TIMEOUT_MS: int(100, 120_000).default(10_000),
  /** seconds a looked-up entry is used from the Redis cache before AR is asked again */
  AR_CACHE_TTL_S: int(1, 604_800).default(3_600),
  /** seconds since its lookup a cached entry still serves while AR is unreachable; past it, lookups fail */
  AR_STALE_LIMIT_S: int(0, 2_592_000).default(86_400),
  /** TCP port of the AR stand-in the demo starts when AR_URL is unset (demo mode only) */
  AR_STAND_IN_PORT: int(0, 65535).default(8092),

  // --- messages the office starts (Dialog_Innbygger_Timer, Dialog_Innbygger_Digitalbruker) -----------------
  /** milliseconds a message sent with onlyIfDigitalUser waits for Helsenorge's StatusSvar before it is refused */
  DIGITAL_STATUS_TIMEOUT_MS: int(100, 120_000).default(15_000),
  // --- retention (docs/operations.md, "Retention and purge"); days, fractions allowed -------------------------
  /** message state and history (the record operators and the EPJ read by MsgId) after its last change */
  RETENTION_MESSAGES_DAYS: days.default(90),
  /** a received request's sealed document once it is answered (an unanswered request keeps it as long as its record) */
  RETENTION_DOCUMENTS_DAYS: days.default(30),
  /** dead letters (their sealed document with them), counted from the dead-lettering */
  RETENTION_DEAD_LETTERS_DAYS: days.default(30),
  /** completed and failed jobs of the inbound, EPJ-delivery and outbound queues */
  RETENTION_JOBS_DAYS: days.default(7),
  /** finished AppRec tracking: the tracking queue's done jobs and the service bus's sent/AppRec notes */
  RETENTION_APPREC_TRACKING_DAYS: days.default(30),
  /** a patient's delivery-order keys, once every message of theirs is delivered and none changed for this long */
  RETENTION_ORDER_KEYS_DAYS: days.default(90),
  /** gate notifications listed on the dashboard and their delivery jobs */
  RETENTION_NOTIFICATIONS_DAYS: days.default(90),
  /** files of the EPJ inbox folder (and its status/ answers) of messages delivered this long ago */
  RETENTION_INBOX_FILES_DAYS: days.default(14),
  /** the outbox folder's done/ and error/ files */
  RETENTION_OUTBOX_FILES_DAYS: days.default(30),
  /** how often each clinic's clean-up runs, in minutes (one replica per run: a lease in Redis) */
  RETENTION_INTERVAL_MIN: z.coerce
    .number()
    .min(0.01)
    .max(24 * 60)
    .default(60),
  // --- operator accounts ------------------------------------------------------------------------------------------
  /** the role of OPS_TOKEN's account (`ops`): viewer, operator or admin */
  OPS_TOKEN_ROLE: z.enum(['viewer', 'operator', 'admin']).default('operator'),
  /** YAML or JSON file of named operator accounts (`operators: [{ name, role, tokenSha256 }]`); unset: OPS_TOKEN's account, and in demo mode the demo's viewer and admin */
  OPERATORS_FILE: optionalString,

  // --- OpenID Connect login for the dashboard ----------------------------------------------------------------------
  /** the identity provider's issuer URL (discovery at <issuer>/.well-known/openid-configuration); unset: no OpenID Connect login */
  OIDC_ISSUER: optionalString.pipe(z.url({ protocol: /^https?$/, error: 'an http(s) URL' }).optional()),
  /** the client registered for the gateway at the provider */
  OIDC_CLIENT_ID: optionalString,
  /** its secret (client_secret_basic); unset: a public client, PKCE alone */
  OIDC_CLIENT_SECRET: optionalString,
  /** the callback registered at the provider, https://<gateway>/ops/oidc/callback; unset: made from the request's Host (set it behind a proxy) */
  OIDC_REDIRECT_URL: optionalString.pipe(z.url({ protocol: /^https?$/, error: 'an http(s) URL' }).optional()),
  /** scopes asked for */
  OIDC_SCOPES: z.string().min(1).default('openid profile email'),
  /** the claim holding the user's roles or groups (a dotted path for nested claims, e.g. realm_access.roles) */
  OIDC_ROLE_CLAIM: z.string().min(1).default('roles'),
  /** claim value -> operator role, `value=role,…` (e.g. `gw-admins=admin,gw-drift=operator`); the highest matching role counts, none: no login */
  OIDC_ROLE_MAP: list
    .pipe(
      z.array(z.string().regex(/^.+=(viewer|operator|admin)$/, 'claim value=role pairs, roles viewer, operator or admin')).transform((pairs) =>
        pairs.map((p) => {
          const i = p.lastIndexOf('=');
          return { value: p.slice(0, i).trim(), role: p.slice(i + 1) as 'viewer' | 'operator' | 'admin' };
        }),
      ),
    )
    .prefault(''),
  /** the claim that names the person in the audit log (falls back to email, then sub) */
  OIDC_NAME_CLAIM: z.string().min(1).default('preferred_username'),
});

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = Record<string, string | undefined>;

/**
 * The settings that describe one clinic. With CLINICS_FILE each clinic sets them in the file, so the
 * environment must not: a value there would silently do nothing.
 */
export const PER_CLINIC_SETTINGS = [
  'CLINIC_HER_ID',
  'CLINIC_ORG_NUMBER',
  'CLINIC_NAME',
  'CLINIC_SIGNING_CERT',
  'CLINIC_SIGNING_KEY',
  'CLINIC_ENCRYPTION_CERT',
  'CLINIC_ENCRYPTION_KEY',
  'CLINIC_PREVIOUS_ENCRYPTION_CERT',
  'CLINIC_PREVIOUS_ENCRYPTION_KEY',
  'CLINIC_NEXT_SIGNING_CERT',
  'CLINIC_NEXT_SIGNING_KEY',
  'CLINIC_NEXT_ENCRYPTION_CERT',
  'CLINIC_NEXT_ENCRYPTION_KEY',
  'EPJ_TOKENS',
  'EPJ_DELIVERY',
  'EPJ_INBOX_DIR',
  'EPJ_OUTBOX_DIR',
  'EPJ_WEBHOOK_URL',
  'EPJ_WEBHOOK_SECRET',
] as const satisfies readonly (keyof Config)[];

/** A bad setting: one line naming it and what was expected. */
export class ConfigError extends Error {
  constructor(
    readonly setting: string,
    reason: string,
  ) {
    super(`Setting ${setting}: ${reason}`);
    this.name = 'ConfigError';
  }
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError('CONFIG_FILE', `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    /* reported below */
  }
  throw new ConfigError('CONFIG_FILE', `${file} must hold one JSON object of SETTING: value`);
}

/** Reads, validates and checks every setting; throws ConfigError on the first bad one. */
export function loadConfig(env: ConfigInput = process.env): Config {
  const fromFile = env.CONFIG_FILE ? readConfigFile(env.CONFIG_FILE) : {};
  const input: Record<string, unknown> = { ...fromFile };
  for (const key of Object.keys(configSchema.shape)) {
    const value = env[key];
    if (value !== undefined) input[key] = value;
  }
  const result = configSchema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const setting = String(issue.path[0] ?? 'configuration');
    const got = input[setting];
    const shown = got === undefined || /TOKEN|KEY|PASSWORD/.test(setting) ? '' : ` (got ${JSON.stringify(got)})`;
    throw new ConfigError(setting, `${issue.message}${shown}`);
  }
  const config = result.data;
  if (config.CLINICS_FILE) {
    // the clinics file's loader (src/clinics/clinics-file.ts) checks each clinic's own settings
    const ignored = PER_CLINIC_SETTINGS.find((key) => input[key] !== undefined);
    if (ignored)
      throw new ConfigError(
        ignored,
        'is set per clinic in CLINICS_FILE; remove it here, or unset CLINICS_FILE to serve the one clinic of the CLINIC_* settings',
      );
  } else {
    checkClinicSettings(config);
  }
  checkSmtpSettings(config);
  if (config.GATEWAY_MODE === 'production') refuseDemoParts(config);
  if (config.OIDC_ISSUER && !config.OIDC_CLIENT_ID)
    throw new ConfigError('OIDC_CLIENT_ID', 'OpenID Connect login (OIDC_ISSUER) needs the client id registered at the provider');
  if (config.OIDC_ISSUER && config.OIDC_ROLE_MAP.length === 0)
    throw new ConfigError('OIDC_ROLE_MAP', 'OpenID Connect login needs at least one claim value=role pair, or nobody could log in');
  return config;
}

/** The checks of the SMTP settings the schema cannot make alone, at start, so a mail is not first found undeliverable when a clinic closes. */
export function checkSmtpSettings(config: Config): void {
  if (!config.SMTP_HOST) {
    if (config.SMTP_CA_FILE) throw new ConfigError('SMTP_CA_FILE', 'is set, but SMTP_HOST is not: there is no SMTP server to check');
    return;
  }
  if (!/^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$|^\[?[0-9A-Fa-f:.]+\]?$/.test(config.SMTP_HOST))
    throw new ConfigError('SMTP_HOST', `a host name or IP address, without scheme or port (got ${JSON.stringify(config.SMTP_HOST)}; the port is SMTP_PORT)`);
  if (config.SMTP_SECURITY === 'starttls' && config.SMTP_PORT === 465)
    throw new ConfigError('SMTP_SECURITY', 'port 465 speaks TLS from the first byte: set SMTP_SECURITY=tls (or SMTP_PORT=587 for STARTTLS)');
  if (config.SMTP_SECURITY === 'tls' && (config.SMTP_PORT === 587 || config.SMTP_PORT === 25))
    throw new ConfigError('SMTP_SECURITY', `port ${config.SMTP_PORT} starts in plain text and upgrades: set SMTP_SECURITY=starttls (or SMTP_PORT=465 for TLS)`);
  if (config.SMTP_CA_FILE) {
    if (config.SMTP_SECURITY === 'none') throw new ConfigError('SMTP_CA_FILE', 'is set, but SMTP_SECURITY=none uses no TLS: set starttls or tls');
    let pem: string;
    try {
      pem = readFileSync(config.SMTP_CA_FILE, 'utf8');
    } catch (err) {
      throw new ConfigError('SMTP_CA_FILE', `cannot read ${config.SMTP_CA_FILE} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    if (blocks.length === 0) throw new ConfigError('SMTP_CA_FILE', `${config.SMTP_CA_FILE} holds no PEM certificate`);
    for (const block of blocks)
      try {
        new X509Certificate(block);
      } catch {
        throw new ConfigError('SMTP_CA_FILE', `${config.SMTP_CA_FILE} holds a certificate that cannot be read`);
      }
  }
  if (config.GATEWAY_MODE === 'production' && /@localhost>?$/.test(config.SMTP_FROM))
    throw new ConfigError('SMTP_FROM', "production mode mails from an address of the deployment's own domain, not @localhost");
}

/** The checks of one clinic's own settings that the schema cannot make alone; run for every clinic of the clinics file too. */
export function checkClinicSettings(config: Config): void {
  if (config.EPJ_DELIVERY === 'webhook' && !(config.EPJ_WEBHOOK_URL && config.EPJ_WEBHOOK_SECRET && config.EPJ_WEBHOOK_SECRET.length >= 16))
    throw new ConfigError('EPJ_WEBHOOK_URL', 'webhook delivery needs EPJ_WEBHOOK_URL and an EPJ_WEBHOOK_SECRET of 16 characters or more');
  if (config.FREE_SLOTS_WEBHOOK_URL && !(config.EPJ_WEBHOOK_SECRET && config.EPJ_WEBHOOK_SECRET.length >= 16))
    throw new ConfigError('FREE_SLOTS_WEBHOOK_URL', 'the call for free slots is signed: set EPJ_WEBHOOK_SECRET (16 characters or more)');
  if (config.SMTP_USER !== undefined && config.SMTP_PASSWORD === undefined) throw new ConfigError('SMTP_PASSWORD', 'SMTP_USER is set: give its password too');
  if (config.SMTP_HOST && config.SMTP_SECURITY === 'none' && config.SMTP_USER !== undefined)
    throw new ConfigError('SMTP_SECURITY', 'a password is never sent over plain SMTP: use starttls or tls');
  checkNextPairs(config);
  if (config.GATEWAY_MODE === 'production') refuseDemoClinicParts(config);
}

/** A next pair (a rollover's successor) is a certificate and its key, both or neither. */
function checkNextPairs(config: Config): void {
  for (const role of ['SIGNING', 'ENCRYPTION'] as const) {
    const cert = config[`CLINIC_NEXT_${role}_CERT`];
    const key = config[`CLINIC_NEXT_${role}_KEY`];
    if (cert !== undefined && key === undefined) throw new ConfigError(`CLINIC_NEXT_${role}_KEY`, `CLINIC_NEXT_${role}_CERT is set: give its key too`);
    if (key !== undefined && cert === undefined) throw new ConfigError(`CLINIC_NEXT_${role}_CERT`, `CLINIC_NEXT_${role}_KEY is set: give its certificate too`);
  }
}

/** The settings that name a clinic's certificate and key files (every slot). */
export const CLINIC_KEY_FILES = [
  'CLINIC_SIGNING_CERT',
  'CLINIC_SIGNING_KEY',
  'CLINIC_ENCRYPTION_CERT',
  'CLINIC_ENCRYPTION_KEY',
  'CLINIC_PREVIOUS_ENCRYPTION_CERT',
  'CLINIC_PREVIOUS_ENCRYPTION_KEY',
  'CLINIC_NEXT_SIGNING_CERT',
  'CLINIC_NEXT_SIGNING_KEY',
  'CLINIC_NEXT_ENCRYPTION_CERT',
  'CLINIC_NEXT_ENCRYPTION_KEY',
] as const;
const isSample = (p: string | undefined) => p !== undefined && path.normalize(p).split(path.sep).includes(SAMPLE_CERTS);

/** One clinic's demo parts: the demo EPJ tokens (`demo-token`, and the demo's further clinics' `demo-token-2`, …) and the sample certificates. */
function refuseDemoClinicParts(config: Config): void {
  if (config.EPJ_TOKENS.some((t) => DEMO_EPJ_TOKENS.includes(`${t.client}:${t.token}`) || /^demo-token(-\d+)?$/.test(t.token)))
    throw new ConfigError('EPJ_TOKENS', "production mode refuses the demo token; set your EPJ clients' own tokens");
  for (const key of CLINIC_KEY_FILES) {
    if (isSample(config[key])) throw new ConfigError(key, "production mode refuses the sample certificates; set the clinic's own");
  }
}

/** The deployment's demo parts, shared by every clinic. */
function refuseDemoParts(config: Config): void {
  if (config.OPS_TOKEN === DEMO_OPS_TOKEN) throw new ConfigError('OPS_TOKEN', 'production mode refuses the demo token; set a secret of your own');
  if (config.TRUST_CA_FILES.some(isSample))
    throw new ConfigError('TRUST_CA_FILES', 'production mode refuses the sample CA; set the Buypass and Commfides CA files');
  if (!config.MSH_BASE_URL) throw new ConfigError('MSH_BASE_URL', "production mode needs NHN's message service URL (the simulator is for the demo)");
  if (!config.JOB_ENCRYPTION_KEYS)
    throw new ConfigError('JOB_ENCRYPTION_KEYS', 'production mode needs keys of its own to seal queued messages (openssl rand -base64 32)');
  if (!config.HELSEID_TOKEN_URL) throw new ConfigError('HELSEID_TOKEN_URL', 'production mode needs the HelseID token endpoint');
  if (!config.AR_URL) throw new ConfigError('AR_URL', "production mode needs NHN's address register URL (the stand-in is for the demo)");
  if (config.OIDC_ISSUER?.startsWith('http:')) throw new ConfigError('OIDC_ISSUER', 'production mode needs an https:// issuer');
}

/** HelseID's token endpoint: HELSEID_TOKEN_URL, or the one beside NHN's message service; undefined without either. */
export function helseIdTokenUrlOf(config: Pick<Config, 'HELSEID_TOKEN_URL' | 'MSH_BASE_URL'>): string | undefined {
  return config.HELSEID_TOKEN_URL ?? (config.MSH_BASE_URL ? `${config.MSH_BASE_URL.replace(/\/+$/, '')}/connect/token` : undefined);
}

/** MESSAGE_PROTECTION as it applies: `cms` in demo mode unless set, `none` in production unless set. */
export function messageProtectionOf(config: Pick<Config, 'MESSAGE_PROTECTION' | 'GATEWAY_MODE'>): 'cms' | 'none' {
  return config.MESSAGE_PROTECTION ?? (config.GATEWAY_MODE === 'demo' ? 'cms' : 'none');
}
