import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { ConfigError, type Config } from '../config.js';
import type { Logger } from '../logging.js';
import type { AddressRegister } from '../ports/address-register.js';
import { CachedAddressRegister, type RegisterLookups } from './cached-register.js';
import { auditOwnEntry, type OwnEntryAudit } from './own-entry-audit.js';
import { RestAddressRegister, type RestRegisterOptions } from './rest-client.js';
import { SoapAddressRegister } from './soap-client.js';

/**
 * The address register the settings describe: SOAP or REST at AR_URL, behind the Redis cache.
 * In demo mode without AR_URL the demo starts its stand-in and hands its addresses over.
 */

export type RegisterSettings = Pick<
  Config,
  | 'GATEWAY_MODE'
  | 'AR_URL'
  | 'AR_API'
  | 'AR_USERNAME'
  | 'AR_PASSWORD'
  | 'AR_TIMEOUT_MS'
  | 'AR_CACHE_TTL_S'
  | 'AR_STALE_LIMIT_S'
  | 'AR_STAND_IN_PORT'
  | 'QUEUE_PREFIX'
>;

/** What the composition root hands over: another address (the demo's stand-in), and HelseID for AR_API=rest. */
export interface RegisterWiring {
  /** where the register answers when AR_URL is unset: SOAP endpoint and REST base URL */
  address?: { soapUrl: string; restUrl: string };
  /** a token for scope nhn:communicationparty/read */
  accessToken?: () => Promise<string>;
  /** the DPoP key the token is bound to (HelseID's DpopKey) */
  dpop?: RestRegisterOptions['dpop'];
}

/** The adapter AR_API names, at AR_URL or else the stand-in's address. */
export function addressRegisterAdapter(config: RegisterSettings, options: RegisterWiring = {}): AddressRegister {
  const url = config.AR_URL ?? (config.AR_API === 'rest' ? options.address?.restUrl : options.address?.soapUrl);
  if (!url) throw new ConfigError('AR_URL', "set NHN's address register URL (in demo mode, leave it unset for the stand-in)");
  if (config.AR_API === 'rest') {
    const accessToken = options.accessToken ?? (config.AR_URL ? undefined : async () => 'stand-in');
    if (!accessToken)
      throw new ConfigError('AR_API', "the REST address register needs the clinic's HelseID client (HELSEID_TOKEN_URL or MSH_BASE_URL); or use AR_API=soap");
    return new RestAddressRegister({ baseUrl: url, accessToken, timeoutMs: config.AR_TIMEOUT_MS, ...(options.dpop ? { dpop: options.dpop } : {}) });
  }
  return new SoapAddressRegister({
    url,
    timeoutMs: config.AR_TIMEOUT_MS,
    ...(config.AR_USERNAME !== undefined ? { username: config.AR_USERNAME, password: config.AR_PASSWORD ?? '' } : {}),
  });
}

/** The cached register every part of the gateway shares. */
export function createAddressRegister(config: RegisterSettings, redis: Redis, logger?: Logger, options: RegisterWiring = {}): CachedAddressRegister {
  return new CachedAddressRegister(addressRegisterAdapter(config, options), redis, {
    prefix: config.QUEUE_PREFIX,
    ttlS: config.AR_CACHE_TTL_S,
    staleLimitS: config.AR_STALE_LIMIT_S,
    ...(logger ? { logger } : {}),
  });
}

export type AuditSettings = Pick<Config, 'CLINIC_HER_ID' | 'CLINIC_ORG_NUMBER' | 'CLINIC_SIGNING_CERT' | 'CLINIC_ENCRYPTION_CERT' | 'CERT_WARN_DAYS'>;

function readHeld(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined; // a missing certificate file is the certificate watcher's fault to report
  }
}

/** A rollover in progress as files: per use, the certificate file besides the one in use. */
export interface RolloverFiles {
  phase: 'installed' | 'switched';
  other: Partial<Record<'signing' | 'encryption', string>>;
}

/** The own-entry audit as the register watcher calls it; the held certificates are read afresh each time. */
export function ownEntryAuditor(config: AuditSettings, register: RegisterLookups, rollover?: RolloverFiles): () => Promise<OwnEntryAudit> {
  return () => {
    const signing = readHeld(config.CLINIC_SIGNING_CERT);
    const encryption = readHeld(config.CLINIC_ENCRYPTION_CERT);
    const otherSigning = rollover?.other.signing ? readHeld(rollover.other.signing) : undefined;
    const otherEncryption = rollover?.other.encryption ? readHeld(rollover.other.encryption) : undefined;
    return auditOwnEntry({
      register,
      clinic: { herId: config.CLINIC_HER_ID, orgNumber: config.CLINIC_ORG_NUMBER },
      held: { ...(signing ? { signing } : {}), ...(encryption ? { encryption } : {}) },
      warnDays: Math.max(...config.CERT_WARN_DAYS),
      ...(rollover
        ? {
            rollover: {
              phase: rollover.phase,
              other: { ...(otherSigning ? { signing: otherSigning } : {}), ...(otherEncryption ? { encryption: otherEncryption } : {}) },
            },
          }
        : {}),
    });
  };
}
