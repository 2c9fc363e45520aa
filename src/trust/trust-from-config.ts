/**
 * The trust layer as the settings describe it: the trust store, the revocation checker (with CRLs
 * kept in Redis when the gateway has one) and the enterprise policy list. Built once at start-up
 * and shared, so every check uses the same CRL cache.
 */
import type { Config } from '../config.js';
import type { Logger } from '../logging.js';
import { DEFAULT_ENTERPRISE_POLICY_OIDS } from './enterprise-certificate.js';
import { RevocationChecker, redisRevocationStore, type RevocationStore } from './revocation.js';
import { loadTrustStore, type TrustStore } from './trust-store.js';

export type TrustSettings = Pick<
  Config,
  'TRUST_CA_FILES' | 'CERT_POLICY_OIDS' | 'CRL_REFRESH_HOURS' | 'REVOCATION_SOFT_FAIL_HOURS' | 'REVOCATION_HTTP_PROXY' | 'REVOCATION_TIMEOUT_MS'
>;

export interface Trust {
  trustStore: TrustStore;
  revocation: RevocationChecker;
  policyOids: readonly string[];
}

export interface TrustDeps {
  /** the gateway's Redis (ioredis), to keep CRLs across restarts */
  redis?: Parameters<typeof redisRevocationStore>[0];
  /** the gateway's key prefix in Redis (QUEUE_PREFIX); the CRL keys are named in redis-keys.ts */
  keyPrefix?: string;
  log?: Pick<Logger, 'warn' | 'info'>;
  now?: () => Date;
}

export function trustFromConfig(config: TrustSettings, deps: TrustDeps = {}): Trust {
  const store: RevocationStore | undefined = deps.redis ? redisRevocationStore(deps.redis, deps.keyPrefix) : undefined;
  return {
    trustStore: loadTrustStore(config.TRUST_CA_FILES),
    revocation: new RevocationChecker({
      crlRefreshHours: config.CRL_REFRESH_HOURS,
      softFailHours: config.REVOCATION_SOFT_FAIL_HOURS,
      proxy: config.REVOCATION_HTTP_PROXY,
      timeoutMs: config.REVOCATION_TIMEOUT_MS,
      ...(store ? { store } : {}),
      ...(deps.log ? { log: deps.log } : {}),
      ...(deps.now ? { now: deps.now } : {}),
    }),
    policyOids: config.CERT_POLICY_OIDS.length > 0 ? config.CERT_POLICY_OIDS : DEFAULT_ENTERPRISE_POLICY_OIDS,
  };
}
