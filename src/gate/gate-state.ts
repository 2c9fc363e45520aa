/**
 * The service gate's rules, without I/O: from the reasons the watchers and the operator report,
 * the state of each service and of the gateway as a whole.
 *
 * open     — messages flow;
 * warning  — messages still flow, someone should act (a certificate expires soon, AR is reachable
 *            only from a stale cache);
 * closed   — the service's workers pause, the EPJ API answers 503, NHN keeps its messages.
 */

import { SERVICE_IDS, type ServiceId } from '../domain/services.js';

/** The gate has a state per Helsenorge service the clinic offers. */
export const GATED_SERVICES = SERVICE_IDS;
export type GatedService = ServiceId;

export type GateLevel = 'open' | 'warning' | 'closed';

export type ReasonSource = 'certificate' | 'address-register' | 'operator' | 'transport';

export interface GateReason {
  source: ReasonSource;
  /** a code a person can look up: `expired`, `revoked`, `no-contact-person`, `operator-closed`, … */
  code: string;
  severity: 'warning' | 'closed';
  /** the services it concerns; `all` for the clinic's identity (certificate, AR entry) */
  scope: GatedService | 'all';
  /** words a person can act on; ids only, no patient data */
  message: string;
  since: string;
  /** who reported it, for operator actions */
  by?: string;
  /** closed by the office: what citizens are answered meanwhile (Norwegian), and when it expects to open (YYYY-MM-DD) */
  autoAnswer?: string;
  expectedOpen?: string;
}

export interface ServiceGateState {
  state: GateLevel;
  reasons: GateReason[];
  since: string | undefined;
}

export interface GateSnapshot {
  gateway: ServiceGateState;
  services: Record<GatedService, ServiceGateState>;
}

const RANK: Record<GateLevel, number> = { open: 0, warning: 1, closed: 2 };

function levelOf(reasons: GateReason[]): GateLevel {
  let level: GateLevel = 'open';
  for (const r of reasons) if (RANK[r.severity] > RANK[level]) level = r.severity;
  return level;
}

export function reasonKey(r: Pick<GateReason, 'source' | 'code' | 'scope'>): string {
  return `${r.source}:${r.code}:${r.scope}`;
}

/** A state's `since` is the oldest of the reasons that set it. */
export function computeSnapshot(reasons: GateReason[]): GateSnapshot {
  const build = (applicable: GateReason[]): ServiceGateState => {
    const state = levelOf(applicable);
    const since = applicable
      .filter((r) => r.severity === state)
      .map((r) => r.since)
      .sort()[0];
    return { state, reasons: applicable, since: state === 'open' ? undefined : since };
  };
  const services = Object.fromEntries(GATED_SERVICES.map((s) => [s, build(reasons.filter((r) => r.scope === 'all' || r.scope === s))])) as Record<
    GatedService,
    ServiceGateState
  >;
  const levels = GATED_SERVICES.map((s) => services[s].state);
  // The gateway is closed when nothing can flow; in warning when anything is less than open.
  const gatewayLevel: GateLevel = levels.every((l) => l === 'closed') ? 'closed' : levels.some((l) => l !== 'open') ? 'warning' : 'open';
  const gateway: ServiceGateState = { state: gatewayLevel, reasons, since: gatewayLevel === 'open' ? undefined : reasons.map((r) => r.since).sort()[0] };
  return { gateway, services };
}

export function isGatedService(s: string): s is GatedService {
  return (GATED_SERVICES as readonly string[]).includes(s);
}
