import type { Config } from '../config.js';
import type { CredentialSource } from '../trust/credential-source.js';

/**
 * A clinic the gateway serves: who it is, and its effective settings — the deployment's settings
 * with the clinic's own fields and overrides laid over them — so every builder that takes a Config
 * builds this clinic's part unchanged. A single clinic configured from the environment is a fleet
 * of one.
 */
export interface Clinic {
  herId: string;
  /** the HER-ids of its GPs and services under it that it receives for */
  subHerIds: string[];
  orgNumber: string;
  name: string;
  settings: Config;
  /** where its certificates and keys come from; PEM pairs are also in `settings` (CLINIC_*_CERT/KEY) */
  credentials: ClinicCredentials;
  /** HelseID: a key of its own (a file) when the client is not registered with the signing certificate */
  helseIdKeyFile?: string;
  /** HelseID: the key of its own that takes over at a rollover's switch (clinics file `helseId.nextKey`) */
  helseIdNextKeyFile?: string;
  /** people told by e-mail about its gate (besides the NOTIFY_WEBHOOKS in `settings`) */
  contacts: ClinicContacts;
  /** the settings the clinic overrides (their values are in `settings`) */
  overridden: OverridableSetting[];
}

export interface ClinicCredentials {
  signing: CredentialSource;
  encryption: CredentialSource;
  /** the previous encryption pair, still accepted for decryption during a rollover */
  previousEncryption?: CredentialSource;
  /** the successors installed ahead of a rollover; they take over at the switch (docs/trust.md) */
  next?: NextCredentials;
}

export interface NextCredentials {
  signing?: CredentialSource;
  encryption?: CredentialSource;
}

export interface ClinicContacts {
  office?: string;
  itProvider?: string;
  epjVendor?: string;
  /** the language of each role's mails where it is not NOTIFY_LANGUAGE */
  languages?: Partial<Record<ContactRole, 'nb' | 'en'>>;
}

export type ContactRole = 'office' | 'itProvider' | 'epjVendor';

/**
 * The settings a clinic may set for itself. Everything else is the deployment's: the process,
 * HTTP, Redis, the trust anchors, NHN's and the register's addresses, the job keys and the schemas
 * are built once for all clinics.
 */
export const OVERRIDABLE_SETTINGS = [
  'CERT_WARN_DAYS',
  'CMS_REJECT_3DES',
  'MESSAGE_PROTECTION',
  'KITH_MAX_BYTES',
  'POLL_INTERVAL_MS',
  'OUTBOUND_ATTEMPTS',
  'RETRY_BASE_MS',
  'RETRY_CAP_MS',
  'APPREC_DEADLINE_HOURS',
  'GATE_CHECK_INTERVAL_S',
  'AUDIT_RETENTION_DAYS',
  'MSH_TIMEOUT_MS',
  'AR_TIMEOUT_MS',
  'AR_CACHE_TTL_S',
  'AR_STALE_LIMIT_S',
  'FREE_SLOTS_MAX_AGE_S',
  'FREE_SLOTS_LIMIT',
  'FREE_SLOTS_WEBHOOK_URL',
  'FREE_SLOTS_WEBHOOK_TIMEOUT_MS',
  // retention: a clinic may keep its data shorter or longer than the deployment's default
  'RETENTION_MESSAGES_DAYS',
  'RETENTION_DOCUMENTS_DAYS',
  'RETENTION_DEAD_LETTERS_DAYS',
  'RETENTION_JOBS_DAYS',
  'RETENTION_APPREC_TRACKING_DAYS',
  'RETENTION_ORDER_KEYS_DAYS',
  'RETENTION_NOTIFICATIONS_DAYS',
  'RETENTION_INBOX_FILES_DAYS',
  'RETENTION_OUTBOX_FILES_DAYS',
] as const satisfies readonly (keyof Config)[];

export type OverridableSetting = (typeof OVERRIDABLE_SETTINGS)[number];

/** Every HER-id the clinic receives for: its own first, then those under it. */
export function herIdsOf(clinic: Pick<Clinic, 'herId' | 'subHerIds'>): string[] {
  return [clinic.herId, ...clinic.subHerIds];
}

/** The one clinic the CLINIC_* settings describe, as today: a fleet of one. */
export function clinicFromSettings(config: Config): Clinic {
  const previous =
    config.CLINIC_PREVIOUS_ENCRYPTION_CERT && config.CLINIC_PREVIOUS_ENCRYPTION_KEY
      ? { previousEncryption: { kind: 'pem', cert: config.CLINIC_PREVIOUS_ENCRYPTION_CERT, key: config.CLINIC_PREVIOUS_ENCRYPTION_KEY } as const }
      : {};
  const pem = (cert: string | undefined, key: string | undefined) => (cert && key ? ({ kind: 'pem', cert, key } as const) : undefined);
  const nextSigning = pem(config.CLINIC_NEXT_SIGNING_CERT, config.CLINIC_NEXT_SIGNING_KEY);
  const nextEncryption = pem(config.CLINIC_NEXT_ENCRYPTION_CERT, config.CLINIC_NEXT_ENCRYPTION_KEY);
  const next =
    nextSigning || nextEncryption
      ? { next: { ...(nextSigning ? { signing: nextSigning } : {}), ...(nextEncryption ? { encryption: nextEncryption } : {}) } }
      : {};
  return {
    herId: config.CLINIC_HER_ID,
    subHerIds: [],
    orgNumber: config.CLINIC_ORG_NUMBER,
    name: config.CLINIC_NAME,
    settings: config,
    credentials: {
      signing: { kind: 'pem', cert: config.CLINIC_SIGNING_CERT, key: config.CLINIC_SIGNING_KEY },
      encryption: { kind: 'pem', cert: config.CLINIC_ENCRYPTION_CERT, key: config.CLINIC_ENCRYPTION_KEY },
      ...previous,
      ...next,
    },
    contacts: {},
    overridden: [],
  };
}
