/**
 * Judges an enterprise certificate for one use and names every fault at once, so the person who
 * must act sees the whole list (an expired certificate from the wrong organisation is two jobs).
 */
import { GatewayError } from '../errors.js';
import { expiresInDays as daysLeft, type CertificateRole, type EnterpriseCertificate } from './enterprise-certificate.js';
import type { RevocationChecker, RevocationStatus } from './revocation.js';
import type { TrustStore } from './trust-store.js';

export type CertificateFault =
  'missing' | 'not-yet-valid' | 'expired' | 'wrong-usage' | 'untrusted-chain' | 'revoked' | 'revocation-unknown' | 'org-number-mismatch';

export interface ValidationOptions {
  /** the use asked for; unset: the role the key usage gives, which must exist */
  role?: CertificateRole | undefined;
  /** the organisation the certificate must belong to (the clinic's, or the sender's AR entry) */
  expectedOrgNumber?: string | undefined;
  trustStore: TrustStore;
  /** unset: revocation is not checked */
  revocation?: Pick<RevocationChecker, 'check'> | null | undefined;
  now?: Date;
}

export interface CertificateValidation {
  status: 'valid' | 'invalid';
  errors: CertificateFault[];
  expiresInDays: number;
  /** what the revocation check said; `unavailable` means wait and retry, not a fault */
  revocation: RevocationStatus | null;
  /** why the chain is untrusted, for the operator */
  chainProblem?: string;
}

/** The key usage each role needs: nonRepudiation to sign (Norwegian profile), key or data encipherment to receive encrypted keys. */
export function fitsRole(cert: Pick<EnterpriseCertificate, 'keyUsage'>, role: CertificateRole): boolean {
  if (role === 'signing') return cert.keyUsage.includes('nonRepudiation');
  return cert.keyUsage.includes('keyEncipherment') || cert.keyUsage.includes('dataEncipherment');
}

export async function validateCertificate(cert: EnterpriseCertificate | null, options: ValidationOptions): Promise<CertificateValidation> {
  if (!cert) return { status: 'invalid', errors: ['missing'], expiresInDays: 0, revocation: null };
  const now = options.now ?? new Date();
  const errors: CertificateFault[] = [];

  if (now < cert.notBefore) errors.push('not-yet-valid');
  if (now > cert.notAfter) errors.push('expired');

  // A certificate outside the enterprise policies is not issued for this use at all.
  const role = options.role ?? cert.role;
  if (cert.profile === null || role === null || !fitsRole(cert, role)) errors.push('wrong-usage');

  const chain = options.trustStore.checkChain(cert.x509, now);
  if (!chain.trusted) errors.push('untrusted-chain');

  let revocation: RevocationStatus | null = null;
  if (chain.trusted && chain.issuer && options.revocation) {
    revocation = await options.revocation.check(cert, chain.issuer);
    if (revocation.state === 'revoked') errors.push('revoked');
    if (revocation.state === 'unknown') errors.push('revocation-unknown');
  }

  if (options.expectedOrgNumber !== undefined && cert.orgNumber !== options.expectedOrgNumber) errors.push('org-number-mismatch');

  return {
    status: errors.length === 0 ? 'valid' : 'invalid',
    errors,
    expiresInDays: daysLeft(cert, now),
    revocation,
    ...(chain.reason ? { chainProblem: chain.reason } : {}),
  };
}

/**
 * The error a message meets when its certificate fails: revoked is S03, any other fault S02. An
 * unreachable CA is never a rejection: past the soft-fail window it is CERT_REVOCATION_UNAVAILABLE,
 * and the message waits and is retried; inside it (`unavailable`) the certificate passes.
 */
export function certificateErrorOf(result: CertificateValidation, whose: string): GatewayError | null {
  if (result.errors.includes('revoked')) return new GatewayError('CERT_REVOKED', `(${whose})`, { faults: result.errors });
  const faults = result.errors.filter((e) => e !== 'revocation-unknown');
  if (faults.length > 0) return new GatewayError('CERT_INVALID', `(${whose}: ${faults.join(', ')})`, { faults: result.errors });
  if (result.errors.includes('revocation-unknown')) {
    return new GatewayError('CERT_REVOCATION_UNAVAILABLE', `(${whose}${result.revocation?.problem ? `: ${result.revocation.problem}` : ''})`, {
      faults: result.errors,
    });
  }
  return null;
}
