import type { Metrics } from '../metrics.js';
import type { RegisterAudit } from '../registry/own-entry-audit.js';
import type { ServiceGate } from './service-gate.js';
import { isGatedService, type GatedService } from './gate-state.js';

/**
 * Audits the clinic's own address-register entry on a schedule and tells the gate. Each fault
 * carries its own severity (a missing contact person closes, a certificate about to expire in AR
 * warns). When AR cannot be reached the audit runs on the cached entry and says so: a warning
 * while the cache is within its stale limit, closed past it.
 */

export async function checkRegister(deps: {
  audit: () => Promise<RegisterAudit>;
  gate: Pick<ServiceGate, 'report'>;
  metrics?: Pick<Metrics, 'setRegisterFaults'>;
}): Promise<RegisterAudit> {
  const result = await deps.audit();
  // A fault about one service (not registered in AR) closes that service only.
  const reasons: { code: string; severity: 'warning' | 'closed'; scope: GatedService | 'all'; message: string }[] = result.faults.map((f) => ({
    code: f.code,
    severity: f.severity,
    scope: f.service && isGatedService(f.service) ? f.service : 'all',
    message: f.message,
  }));
  if (result.source === 'stale-cache') {
    reasons.push({
      code: 'ar-stale',
      severity: 'warning',
      scope: 'all',
      message: `The address register cannot be reached; the clinic's entry is checked from the cache of ${result.fetchedAt ?? 'an earlier lookup'}. Check the connection to NHN's address register.`,
    });
  } else if (result.source === 'unavailable') {
    reasons.push({
      code: 'ar-unreachable',
      severity: 'closed',
      scope: 'all',
      message:
        "The address register has been unreachable past the stale limit, so the clinic's entry cannot be checked. Restore the connection to NHN's address register.",
    });
  }
  deps.metrics?.setRegisterFaults(reasons);
  await deps.gate.report('address-register', reasons);
  return result;
}
