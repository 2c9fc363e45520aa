import type { Metrics } from '../metrics.js';
import type { RegisterAudit } from '../registry/own-entry-audit.js';
import type { ServiceGate } from './service-gate.js';
import { announceRegisterChange } from './register-changes.js';
import { isGatedService, type GatedService } from './gate-state.js';

/**
 * Audits the clinic's own address-register entry on a schedule and tells the gate. Each fault
 * carries its own severity (a wrong certificate closes, a certificate about to expire in AR warns); a
 * data fault the office can put right (the contact person, a service) warns for its grace period
 * first, as NHN does, and closes after it. When AR cannot be reached the audit runs on the cached entry and says so: a warning
 * while the cache is within its stale limit, closed past it.
 */

/**
 * Faults of the register data the office can put right, which NHN warns about before it closes: how
 * long each stays a warning (hours) before it closes. A wrong certificate or HER-id closes at once.
 */
export interface RegisterGrace {
  contactPersonH: number;
  serviceH: number;
}

const GRACE_OF: Record<string, keyof RegisterGrace> = {
  'ar-contact-person-missing': 'contactPersonH',
  'ar-service-not-registered': 'serviceH',
};

export async function checkRegister(deps: {
  audit: () => Promise<RegisterAudit>;
  gate: Pick<ServiceGate, 'report'> & Partial<Pick<ServiceGate, 'reasons'>>;
  metrics?: Pick<Metrics, 'setRegisterFaults'>;
  grace?: RegisterGrace;
  now?: () => Date;
  /** tells a change of the entry against the one last seen (src/gate/register-changes.ts) */
  changes?: Omit<Parameters<typeof announceRegisterChange>[0], 'now'>;
}): Promise<RegisterAudit> {
  const result = await deps.audit();
  // a fault in its grace period warns; it closes when the period is over (counted from when first seen)
  const seen =
    deps.grace && deps.gate.reasons
      ? new Map((await deps.gate.reasons()).filter((r) => r.source === 'address-register').map((r) => [`${r.code}:${r.scope}`, r.since]))
      : undefined;
  const now = (deps.now ?? (() => new Date()))().getTime();
  // A fault about one service (not registered in AR) closes that service only.
  const reasons: { code: string; severity: 'warning' | 'closed'; scope: GatedService | 'all'; message: string }[] = result.faults.map((f) => {
    const scope = f.service && isGatedService(f.service) ? f.service : 'all';
    const graceH = deps.grace && GRACE_OF[f.code] ? deps.grace[GRACE_OF[f.code]!] : undefined;
    if (graceH === undefined || f.severity !== 'closed') return { code: f.code, severity: f.severity, scope, message: f.message };
    const since = Date.parse(seen?.get(`${f.code}:${scope}`) ?? new Date(now).toISOString());
    const closesAt = since + graceH * 3600_000;
    if (now >= closesAt) return { code: f.code, severity: 'closed' as const, scope, message: f.message };
    return {
      code: f.code,
      severity: 'warning' as const,
      scope,
      message: `${f.message} The service closes at ${new Date(closesAt).toISOString()} unless this is put right (a grace of ${graceH} hours).`,
    };
  });
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
  // after the gate has its reasons (a failure to tell cannot hold them up); only an entry read from
  // the register now: a cached one is no news
  if (deps.changes && result.entry && result.source === 'live')
    await announceRegisterChange({ ...deps.changes, ...(deps.now ? { now: deps.now } : {}) }, result.entry);
  return result;
}
