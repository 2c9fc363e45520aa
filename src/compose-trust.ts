import { X509Certificate } from 'node:crypto';
import type { Config } from './config.js';
import { isGatewayError } from './errors.js';
import type { Logger } from './logging.js';
import type { AddressRegister } from './registry/address-register.js';
import { certificateErrorOf, validateCertificate } from './trust/certificate-validation.js';
import { ClinicProtection } from './trust/clinic-keys.js';
import type { CounterpartyCertificates } from './trust/counterparty-protection.js';
import { parseCertificate } from './trust/enterprise-certificate.js';
import type { SignerCheck } from './trust/message-protection.js';
import { trustFromConfig, type Trust } from './trust/trust-from-config.js';
import type { Redis } from 'ioredis';

/**
 * The trust side of the gateway, put together from the settings: the trust store and revocation
 * checker, the clinic's own keys (re-read on demand), and the counterparties' certificates as the
 * address register publishes them, each judged before it is used.
 */

export interface TrustSide {
  trust: Trust;
  protection: ClinicProtection;
  counterparties: CounterpartyCertificates;
}

/** A party the register does not know has no certificate; a register that cannot be reached is thrown (the message waits). */
async function certificateFrom(lookup: () => Promise<{ pem: string } | undefined>): Promise<X509Certificate | undefined> {
  try {
    const found = await lookup();
    return found ? new X509Certificate(found.pem) : undefined;
  } catch (err) {
    if (isGatewayError(err) && err.code === 'AR_HER_ID_UNKNOWN') return undefined;
    throw err;
  }
}

export function composeTrust(config: Config, deps: { redis: Redis; register: AddressRegister; logger: Logger }): TrustSide {
  const trust = trustFromConfig(config, { redis: deps.redis, redisPrefix: `${config.QUEUE_PREFIX}:crl:`, log: deps.logger });
  const judge = (role: 'signing' | 'encryption', whose: string) => async (cert: X509Certificate) => {
    const parsed = parseCertificate(Buffer.from(cert.raw), { policyOids: trust.policyOids });
    const result = await validateCertificate(parsed, { role, trustStore: trust.trustStore, revocation: trust.revocation });
    const err = certificateErrorOf(result, whose);
    if (err) throw err;
  };
  const signerCheck: SignerCheck = judge('signing', "the sender's signing certificate");
  const checkEncryption = judge('encryption', "the receiver's encryption certificate");

  const counterparties: CounterpartyCertificates = {
    signingCertificateOf: (herId) => certificateFrom(() => deps.register.getCertificateForValidatingSignature(String(herId))),
    encryptionCertificateOf: async (herId) => {
      const cert = await certificateFrom(() => deps.register.getCertificateForEncryption(String(herId)));
      if (cert) await checkEncryption(cert);
      return cert;
    },
  };
  return { trust, protection: new ClinicProtection(config, signerCheck), counterparties };
}
