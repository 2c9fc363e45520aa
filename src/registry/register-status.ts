import { Counter, Gauge, type Registry } from 'prom-client';
import { LOOKUP_OUTCOMES, type CachedAddressRegister } from './cached-register.js';

/**
 * How the address register is doing, for /readyz and /metrics. Not ready only when the last
 * lookup found AR unreachable with nothing cached to serve; a stale answer is still an answer
 * (the register watcher turns it into a warning on the gate).
 */

/** The register metrics of the process, one series set per clinic (label `clinic`, the HER-id). */
export interface AddressRegisterMetrics {
  add(clinic: string, register: CachedAddressRegister): void;
}

export function addressRegisterMetrics(registry: Registry): AddressRegisterMetrics {
  const registers = new Map<string, CachedAddressRegister>();
  new Gauge({
    name: 'epj_gateway_ar_stale',
    help: 'Whether the last address-register answer that needed AR was served stale from the cache: 1 yes, 0 no',
    labelNames: ['clinic'] as const,
    registers: [registry],
    collect() {
      for (const [clinic, register] of registers) this.set({ clinic }, register.status().stale ? 1 : 0);
    },
  });
  const lookups = new Counter({
    name: 'epj_gateway_ar_lookups_total',
    help: 'Address-register lookups by outcome: live, cache, stale, unavailable (AR unreachable, nothing to serve), refused (any other fault)',
    labelNames: ['clinic', 'outcome'] as const,
    registers: [registry],
  });
  return {
    add(clinic, register) {
      registers.set(clinic, register);
      for (const outcome of LOOKUP_OUTCOMES) lookups.inc({ clinic, outcome }, 0);
      register.observe((outcome) => lookups.inc({ clinic, outcome }));
    },
  };
}

/** A readiness source for /readyz (the shape of src/http/health.ts's ReadinessSource). */
export function addressRegisterReadiness(
  register: CachedAddressRegister,
  api: 'soap' | 'rest',
): {
  name: string;
  report(): { ready: boolean; [part: string]: unknown };
} {
  return {
    name: 'addressRegister',
    report() {
      const s = register.status();
      return {
        ready: !s.unavailable,
        api,
        reachable: s.reachable,
        stale: s.stale,
        ...(s.unreachableSince ? { unreachableSince: s.unreachableSince } : {}),
        ...(s.lastLiveAt ? { lastLiveAt: s.lastLiveAt } : {}),
        ...(s.lastError ? { lastError: s.lastError } : {}),
      };
    },
  };
}
