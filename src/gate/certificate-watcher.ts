import type { Metrics } from '../metrics.js';
import type { CertificateCheck } from '../trust/clinic-certificates.js';
import type { Notifier } from './notifier.js';
import type { ServiceGate } from './service-gate.js';

/**
 * Checks the clinic's own enterprise certificates (signing and encryption) at start-up and on a
 * schedule, and tells the gate: every validation fault closes the gateway (the clinic cannot sign
 * or decrypt under an invalid identity); a certificate that expires within the warning window
 * puts it in warning. Expiry warnings are notified once per certificate and threshold (30, 14, 7,
 * 1 days by default), across processes and restarts.
 */

const FAULT_WORDS: Record<string, string> = {
  missing: 'is missing: install it and its key where the settings point',
  expired: 'has expired: order a new enterprise certificate from Buypass or Commfides and install it',
  'not-yet-valid': 'is not valid yet: check the clock, or install the certificate that is valid now',
  'wrong-usage': 'has the wrong key usage for its role: install the certificate meant for this role',
  'untrusted-chain': 'is not issued by a trusted CA: install the certificate from Buypass or Commfides and its chain',
  revoked: 'is revoked: order a new enterprise certificate at once',
  'revocation-unknown': "could not be checked for revocation for too long: check access to the CA's CRL and OCSP service",
  'org-number-mismatch': "belongs to another organisation number than the clinic's: install the clinic's own certificate",
};

/**
 * A rollover's other certificate is not in use, so its faults warn rather than close: the next one
 * must be put right before the switch (which refuses it meanwhile); the old one is retired anyway.
 */
function otherSlotReasons(c: CertificateCheck, slot: 'next' | 'old') {
  const after = slot === 'next' ? 'It is not in use yet: install a valid successor before the switch.' : 'It is no longer in use: retire it.';
  return c.faults.map((fault) => ({
    code: `rollover-${slot}-${fault}`,
    severity: 'warning' as const,
    scope: 'all' as const,
    message: `The ${slot} ${c.role} certificate (serial ${c.serial || 'unknown'}) ${FAULT_WORDS[fault] ?? `failed its check (${fault})`}. ${after}`,
  }));
}

export interface CertificateWatcherDeps {
  check: () => Promise<CertificateCheck[]>;
  gate: Pick<ServiceGate, 'report'>;
  notifier: Pick<Notifier, 'notify'>;
  warnDays: number[];
  clinic: { herId: string; orgNumber: string; name: string };
  metrics?: Pick<Metrics, 'setCertificateExpiry'>;
}

export async function checkCertificates(deps: CertificateWatcherDeps): Promise<CertificateCheck[]> {
  const checks = await deps.check();
  const maxWarn = Math.max(...deps.warnDays);
  const reasons = [];
  for (const c of checks) {
    if (c.slot) {
      reasons.push(...otherSlotReasons(c, c.slot));
      continue;
    }
    deps.metrics?.setCertificateExpiry(c.role, c.expiresInDays);
    for (const fault of c.faults) {
      reasons.push({
        code: fault,
        severity: 'closed' as const,
        scope: 'all' as const,
        message: `The ${c.role} certificate (serial ${c.serial}) ${FAULT_WORDS[fault] ?? `failed its check (${fault})`}.`,
      });
    }
    if (c.faults.length === 0 && c.expiresInDays <= maxWarn) {
      reasons.push({
        code: 'expires-in-days',
        severity: 'warning' as const,
        scope: 'all' as const,
        message: `The ${c.role} certificate (serial ${c.serial}) expires in ${c.expiresInDays} days (${c.notAfter}): order its successor now.`,
      });
      // The smallest threshold the remaining days fall under: one warning per threshold.
      const threshold = [...deps.warnDays].sort((a, b) => a - b).find((d) => c.expiresInDays <= d)!;
      await deps.notifier.notify({
        id: `cert-expiry:${c.role}:${c.serial}:${threshold}`,
        kind: 'certificate-expiry-warning',
        title: `The ${c.role} certificate of ${deps.clinic.name} expires in ${c.expiresInDays} days`,
        text: `Serial ${c.serial} expires ${c.notAfter}. Order a new enterprise certificate and install it before then, or NHN and the gateway will close the clinic's services.`,
        clinic: deps.clinic,
        details: { role: c.role, serial: c.serial, notAfter: c.notAfter, threshold },
        at: new Date().toISOString(),
      });
    }
  }
  await deps.gate.report('certificate', reasons);
  return checks;
}
