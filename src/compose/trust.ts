import { X509Certificate } from 'node:crypto';
import { messageProtectionOf, type Config } from '../config.js';
import { isGatewayError } from '../errors.js';
import type { Logger } from '../logging.js';
import type { AddressRegister } from '../ports/address-register.js';
import { certificateErrorOf, validateCertificate } from '../trust/certificate-validation.js';
import { ClinicKeys } from '../trust/clinic-keys.js';
import { cmsProtection, type CounterpartyCertificates } from '../trust/cms-protection.js';
import { noProtection } from '../trust/no-protection.js';
import type { MessageProtection } from '../ports/message-protection.js';
import { parseCertificate } from '../trust/enterprise-certificate.js';
import type { SignerCheck } from '../trust/cms-envelope.js';
import { trustFromConfig, type Trust } from '../trust/trust-from-config.js';
import { checkClinicCertificates, checkOtherCertificates, type CertificateCheck, type ClinicCertificateSettings } from '../trust/clinic-certificates.js';
import type { Redis } from 'ioredis';

/**
 * The trust side of the gateway, put together from the settings: the trust store and revocation
 * checker, the clinic's own keys (re-read on demand), and the counterparties' certificates as the
 * address register publishes them, each judged before it is used.
 */

export interface TrustSide extends ClinicTrust {
  /** MESSAGE_PROTECTION: cms with those keys and the counterparties' certificates, or none */
  protection: MessageProtection;
  counterparties: CounterpartyCertificates;
}

/** A party the register does not know has no certificate; a register that cannot be reached is thrown (the message waits). */
const VERDICT_TTL_MS = 60_000;
const parsedPems = new Map<string, X509Certificate>();

async function certificateFrom(lookup: () => Promise<{ pem: string } | undefined>): Promise<X509Certificate | undefined> {
  try {
    const found = await lookup();
    if (!found) return undefined;
    let cert = parsedPems.get(found.pem);
    if (!cert) {
      if (parsedPems.size > 1_000) parsedPems.clear();
      cert = new X509Certificate(found.pem);
      parsedPems.set(found.pem, cert);
    }
    return cert;
  } catch (err) {
    if (isGatewayError(err) && err.code === 'AR_HER_ID_UNKNOWN') return undefined;
    throw err;
  }
}

/** The trust store, revocation checker and the clinic's own keys; the judges of counterparty certificates. */
export interface ClinicTrust {
  trust: Trust;
  /** the clinic's own keys, re-read on demand (a rollover, the demo's certificate switch) */
  keys: ClinicKeys;
  checkEncryption: (cert: X509Certificate) => Promise<void>;
}

export function buildTrust(config: Config, deps: { redis: Redis; logger: Logger }): ClinicTrust {
  const trust = trustFromConfig(config, { redis: deps.redis, keyPrefix: config.QUEUE_PREFIX, log: deps.logger });
  // A counterparty's certificate is judged once a minute at most, not on every message: the
  // verdict (dates, usage, chain, revocation from the cached CRL) does not change faster than that.
  const verdicts = new Map<string, { until: number; error: Error | null }>();
  const judge = (role: 'signing' | 'encryption', whose: string) => async (cert: X509Certificate) => {
    const key = `${role}:${cert.fingerprint256}`;
    const known = verdicts.get(key);
    if (known && known.until > Date.now()) {
      if (known.error) throw known.error;
      return;
    }
    const parsed = parseCertificate(Buffer.from(cert.raw), { policyOids: trust.policyOids });
    const result = await validateCertificate(parsed, { role, trustStore: trust.trustStore, revocation: trust.revocation });
    const err = certificateErrorOf(result, whose);
    // a verdict of "wait" (revocation status unavailable) is not kept: the next message asks again
    if (!err || err.code !== 'CERT_REVOCATION_UNAVAILABLE') verdicts.set(key, { until: Date.now() + VERDICT_TTL_MS, error: err });
    if (verdicts.size > 1_000) verdicts.clear();
    if (err) throw err;
  };
  const signerCheck: SignerCheck = judge('signing', "the sender's signing certificate");
  return { trust, keys: new ClinicKeys(config, signerCheck), checkEncryption: judge('encryption', "the receiver's encryption certificate") };
}

/** The counterparties' certificates as the register publishes them, and the message protection MESSAGE_PROTECTION names. */
export function buildProtection(config: Config, clinic: ClinicTrust, register: AddressRegister): TrustSide {
  const counterparties: CounterpartyCertificates = {
    signingCertificateOf: (herId) => certificateFrom(() => register.getCertificateForValidatingSignature(String(herId))),
    encryptionCertificateOf: async (herId) => {
      const cert = await certificateFrom(() => register.getCertificateForEncryption(String(herId)));
      if (cert) await clinic.checkEncryption(cert);
      return cert;
    },
  };
  const protection = messageProtectionOf(config) === 'cms' ? cmsProtection(() => clinic.keys.get(), counterparties) : noProtection;
  return { ...clinic, counterparties, protection };
}

/** The clinic's certificates as the operations page shows them: the watcher's checks, one row per role, words not codes. */
export async function clinicCertificateStatus(settings: ClinicCertificateSettings, trust: Trust): Promise<Record<string, string | number>[]> {
  const files = { signing: settings.CLINIC_SIGNING_CERT, encryption: settings.CLINIC_ENCRYPTION_CERT };
  return (await checkClinicCertificates(settings, { trust })).map((c) => certificateRow(c, files[c.role]));
}

/** A rollover's other certificates (the next ones, or the old ones after the switch) as rows of the same table: `signing (next)`. */
export async function otherCertificateStatus(keys: ClinicKeys, orgNumber: string, trust: Trust): Promise<Record<string, string | number>[]> {
  const slots = keys.slotsNow();
  if (slots.phase === 'none') return [];
  const slot = slots.phase === 'switched' ? 'old' : 'next';
  return (await checkOtherCertificates(slots.other, slot, orgNumber, { trust })).map((c) => ({
    ...certificateRow(c, slots.other[c.role]?.cert ?? ''),
    role: `${c.role} (${slot})`,
  }));
}

function certificateRow(c: CertificateCheck, file: string): Record<string, string | number> {
  return c.faults.includes('missing') && !c.serial
    ? { role: c.role, status: 'missing', faults: 'missing', file }
    : {
        role: c.role,
        status: c.faults.length > 0 ? 'invalid' : 'valid',
        profile: c.profile ?? 'not an enterprise certificate',
        orgNumber: c.orgNumber ?? '—',
        serial: c.serial,
        notAfter: c.notAfter.slice(0, 10),
        daysToExpiry: c.expiresInDays,
        revocation: c.revocation ?? 'not checked',
        faults: c.faults.length > 0 ? c.faults.join(', ') : 'none',
      };
}
