/**
 * The clinic's own signing and encryption certificates, judged for the certificate watcher: one
 * CertificateCheck per role, with every fault. A certificate or key file that is not there (or not
 * readable as one) is the fault `missing`, never a crash of the watcher.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Config } from '../config.js';
import { validateCertificate } from './certificate-validation.js';
import { parseCertificate, type CertificateRole, type EnterpriseCertificate } from './enterprise-certificate.js';
import type { Trust } from './trust-from-config.js';

/** What the trust layer says of one certificate; `faults` are its codes (`expired`, `revoked`, …). */
export interface CertificateCheck {
  role: CertificateRole;
  serial: string;
  notAfter: string;
  expiresInDays: number;
  faults: string[];
  /** for the operations page: SEID profile, organisation number, what the revocation check said */
  profile?: string | null;
  orgNumber?: string | null;
  revocation?: string;
  /** a rollover's other certificate (not in use): the next one before the switch, the old one after it */
  slot?: 'next' | 'old';
}

export type ClinicCertificateSettings = Pick<
  Config,
  'CLINIC_ORG_NUMBER' | 'CLINIC_SIGNING_CERT' | 'CLINIC_SIGNING_KEY' | 'CLINIC_ENCRYPTION_CERT' | 'CLINIC_ENCRYPTION_KEY'
>;

export interface ClinicCertificateDeps {
  trust: Pick<Trust, 'trustStore' | 'revocation' | 'policyOids'>;
  now?: () => Date;
}

export async function checkClinicCertificates(config: ClinicCertificateSettings, deps: ClinicCertificateDeps): Promise<CertificateCheck[]> {
  return checkPairs(
    [
      { role: 'signing', cert: config.CLINIC_SIGNING_CERT, key: config.CLINIC_SIGNING_KEY },
      { role: 'encryption', cert: config.CLINIC_ENCRYPTION_CERT, key: config.CLINIC_ENCRYPTION_KEY },
    ],
    config.CLINIC_ORG_NUMBER,
    deps,
  );
}

/** A rollover's other pairs (the next ones, or the old ones after the switch), judged as the ones in use are. */
export async function checkOtherCertificates(
  other: Partial<Record<CertificateRole, { cert: string; key: string }>>,
  slot: 'next' | 'old',
  orgNumber: string,
  deps: ClinicCertificateDeps,
): Promise<CertificateCheck[]> {
  const pairs = (['signing', 'encryption'] as const).flatMap((role) => (other[role] ? [{ role, ...other[role] }] : []));
  return (await checkPairs(pairs, orgNumber, deps)).map((c) => ({ ...c, slot }));
}

async function checkPairs(
  roles: Array<{ role: CertificateRole; cert: string; key: string }>,
  orgNumber: string,
  deps: ClinicCertificateDeps,
): Promise<CertificateCheck[]> {
  const checks: CertificateCheck[] = [];
  for (const { role, cert: certFile, key: keyFile } of roles) {
    const cert = readCertificate(certFile, deps.trust.policyOids);
    if (!cert || !existsSync(keyFile)) {
      checks.push({ role, serial: cert?.serial ?? '', notAfter: cert?.notAfter.toISOString() ?? '', expiresInDays: 0, faults: ['missing'] });
      continue;
    }
    const now = deps.now?.() ?? new Date();
    const result = await validateCertificate(cert, {
      role,
      expectedOrgNumber: orgNumber,
      trustStore: deps.trust.trustStore,
      revocation: deps.trust.revocation,
      now,
    });
    checks.push({
      role,
      serial: cert.serial,
      notAfter: cert.notAfter.toISOString(),
      expiresInDays: result.expiresInDays,
      faults: result.errors,
      profile: cert.profile,
      orgNumber: cert.orgNumber,
      revocation: result.revocation ? `${result.revocation.state}${result.revocation.source ? ` (${result.revocation.source})` : ''}` : 'not checked',
    });
  }
  return checks;
}

function readCertificate(file: string, policyOids: readonly string[]): EnterpriseCertificate | null {
  try {
    return parseCertificate(readFileSync(file), { policyOids });
  } catch {
    return null;
  }
}
