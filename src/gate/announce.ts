import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { AuditLog } from '../audit/audit-log.js';
import type { Config } from '../config.js';
import type { Logger } from '../logging.js';
import type { Metrics } from '../metrics.js';
import { GATED_SERVICES, type GateLevel, type GatedService, type ServiceGateState } from './gate-state.js';
import type { Notifier } from './notifier.js';
import type { GateReasonAdded, GateTransition, ServiceGate } from './service-gate.js';

const LEVEL_VALUE: Record<GateLevel, number> = { open: 0, warning: 1, closed: 2 };

type Clinic = Pick<Config, 'CLINIC_HER_ID' | 'CLINIC_ORG_NUMBER' | 'CLINIC_NAME'>;
const clinicOf = (c: Clinic) => ({ herId: c.CLINIC_HER_ID, orgNumber: c.CLINIC_ORG_NUMBER, name: c.CLINIC_NAME });

/**
 * Every gate transition becomes an audit entry and a notification (sent once, by the process that
 * saw it); the gauge epj_gateway_gate_state{clinic,service} shows the level (0 open, 1 warning,
 * 2 closed). The gauge reads the gate at scrape time rather than following transitions, because
 * only one process hears each transition and every replica is scraped.
 */
export function announceGateChanges(deps: {
  gate: ServiceGate;
  notifier: Notifier;
  audit: AuditLog;
  metrics: Pick<Metrics, 'observeGate'>;
  config: Clinic;
  logger: Logger;
}): void {
  const { gate, notifier, audit, metrics, config, logger } = deps;
  metrics.observeGate(() => {
    const snap = gate.current();
    const levels: Record<string, number> = { gateway: LEVEL_VALUE[snap.gateway.state] };
    for (const s of GATED_SERVICES) levels[s] = LEVEL_VALUE[snap.services[s].state];
    return levels;
  });

  const announce = (t: GateTransition, told: boolean) => {
    const reasons = t.reasons.filter((r) => t.to === 'open' || r.severity === t.to);
    const words = reasons.map((r) => `${r.code}: ${r.message}`).join('; ');
    const kind = t.to === 'closed' ? 'gate-closed' : t.to === 'open' ? 'gate-opened' : 'gate-warning';
    const title =
      t.to === 'open'
        ? `${t.scope} is open again at ${config.CLINIC_NAME}`
        : `${t.scope} is ${t.to === 'closed' ? 'CLOSED' : 'in warning'} at ${config.CLINIC_NAME}`;
    void Promise.all([
      audit.record({
        actor: 'system',
        action: 'gate.changed',
        ...(t.scope === 'gateway' ? {} : { service: t.scope }),
        outcome: t.to,
        details: { from: t.from, reasons: reasons.map((r) => r.code).join(',') },
      }),
      !told
        ? Promise.resolve(false)
        : notifier.notify({
            id: `gate:${t.scope}:${t.to}:${t.at}`,
            kind,
            title,
            text: t.to === 'open' ? 'Queued messages flow again.' : `${words}. Queued messages wait; nothing is lost.`,
            clinic: clinicOf(config),
            details: { scope: t.scope, from: t.from, to: t.to, reasons: reasons.map((r) => r.code) },
            at: t.at,
          }),
    ]).catch((err: unknown) => logger.error({ err: String(err) }, 'gate announcement failed'));
  };

  // The transitions of one change come together (one settle): each is audited, but people are told
  // once — the clinic-wide fault at the gateway's level, not again for each service it closes; a
  // service's own closing, not again as the gateway's warning that follows from it.
  const pending: GateTransition[] = [];
  const flush = () => {
    const group = pending.splice(0);
    const gateway = group.find((t) => t.scope === 'gateway');
    for (const t of group) announce(t, worthTelling(t, gateway));
  };
  gate.on('transition', (t: GateTransition) => {
    pending.push(t);
    if (pending.length === 1) queueMicrotask(flush);
  });

  // a new reason where the gate already was warned or closed: its own fix, told to those who must act
  gate.on('reason-added', (e: GateReasonAdded) => {
    void notifier
      .notify({
        id: `gate-reason:${e.scope}:${e.reason.source}:${e.reason.code}:${e.at}`,
        kind: e.state === 'closed' ? 'gate-closed' : 'gate-warning',
        title: `${e.scope} is still ${e.state === 'closed' ? 'CLOSED' : 'in warning'} at ${config.CLINIC_NAME}: a new reason`,
        text: `${e.reason.code}: ${e.reason.message}`,
        clinic: clinicOf(config),
        details: { scope: e.scope, from: e.state, to: e.state, reasons: [e.reason.code], added: e.reason.code },
        at: e.at,
      })
      .catch((err: unknown) => logger.error({ err: String(err) }, 'gate announcement failed'));
  });
}

/** Whether people are told of a transition, given the gateway's transition in the same change. */
export function worthTelling(t: GateTransition, gateway: GateTransition | undefined): boolean {
  const clinicWide = (x: GateTransition) => x.reasons.some((r) => r.scope === 'all' && r.severity === x.to);
  if (t.scope === 'gateway') return t.to === 'open' ? t.from === 'closed' : clinicWide(t);
  if (!gateway || gateway.to !== t.to) return true;
  return t.to === 'open' ? gateway.from !== 'closed' : !t.reasons.filter((r) => r.severity === t.to).every((r) => r.scope === 'all');
}

/**
 * Reminders while a fault lasts: every `everyH` hours a warned or closed scope stays so, those who
 * must act are told again (the same levels as the first notice: a clinic-wide fault at the gateway's,
 * a service's own at the service's). Each reminder's id names its scope, state, since and number, so
 * it is sent once however many processes run this.
 */
export async function remindOfFaults(deps: {
  gate: Pick<ServiceGate, 'current'>;
  notifier: Pick<Notifier, 'notify'>;
  config: Clinic;
  everyH: number;
  now?: Date;
}): Promise<number> {
  if (deps.everyH <= 0) return 0;
  const now = (deps.now ?? new Date()).getTime();
  const snap = deps.gate.current();
  let sent = 0;
  const scopes: [GatedService | 'gateway', ServiceGateState][] = [
    ['gateway', snap.gateway],
    ...GATED_SERVICES.map((s) => [s, snap.services[s]] as [GatedService, ServiceGateState]),
  ];
  for (const [scope, view] of scopes) {
    if (view.state === 'open' || !view.since) continue;
    const reasons = view.reasons.filter((r) => r.severity === view.state);
    const clinicWide = reasons.some((r) => r.scope === 'all');
    // the gateway is reminded of clinic-wide faults only; a service of its own faults only; the office's
    // own closing (a holiday) is no fault to be reminded of
    if (scope === 'gateway' ? !clinicWide : reasons.every((r) => r.scope === 'all')) continue;
    if (reasons.every((r) => r.code === 'operator-closed')) continue;
    const n = Math.floor((now - Date.parse(view.since)) / (deps.everyH * 3600_000));
    if (n < 1) continue;
    const told = await deps.notifier.notify({
      id: `reminder:${scope}:${view.state}:${view.since}:${n}`,
      kind: view.state === 'closed' ? 'gate-closed' : 'gate-warning',
      title: `Reminder: ${scope} is still ${view.state === 'closed' ? 'CLOSED' : 'in warning'} at ${deps.config.CLINIC_NAME}`,
      text: reasons.map((r) => `${r.code}: ${r.message}`).join('; '),
      clinic: clinicOf(deps.config),
      details: { scope, from: view.state, to: view.state, reasons: reasons.map((r) => r.code), reminder: n, since: view.since },
      at: new Date(now).toISOString(),
    });
    if (told) sent++;
  }
  return sent;
}

/** NHN's customer centre, to whom the IT operations provider forwards the notice. */
export const NHN_CUSTOMER_CENTRE = 'kundesenter@nhn.no';

/**
 * NHN's terms require the clinic to tell NHN without delay when it closes one of its services. The
 * gateway writes the notice (a text to send to NHN's customer centre) under DATA_DIR/notices and
 * announces it to the office and the IT provider, who send it on.
 */
export async function noticeToNhn(
  deps: { config: Clinic & Pick<Config, 'DATA_DIR'>; notifier: Notifier },
  service: string,
  reason: string,
  operator: string,
): Promise<void> {
  const at = new Date().toISOString();
  const text = [
    `Til: Norsk helsenett, kundesenter (${NHN_CUSTOMER_CENTRE})`,
    `Melding om stengt tjeneste / Notice of closed service`,
    ``,
    `Virksomhet: ${deps.config.CLINIC_NAME}, organisasjonsnummer ${deps.config.CLINIC_ORG_NUMBER}, HER-id ${deps.config.CLINIC_HER_ID}`,
    `Tjeneste stengt / Service closed: ${service}`,
    `Stengt fra / Closed at: ${at}`,
    `Årsak / Reason: ${reason}`,
    `Stengt av / Closed by: ${operator}`,
    ``,
    `Meldinger for tjenesten venter hos Norsk helsenett og i kontorets kø til tjenesten åpnes igjen.`,
  ].join('\n');
  const dir = path.resolve(deps.config.DATA_DIR, 'notices');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `nhn-notice-${service}-${at.replace(/[:.]/g, '-')}.txt`);
  writeFileSync(file, `${text}\n`);
  await deps.notifier.notify({
    id: `nhn-notice:${service}:${at}`,
    kind: 'nhn-notice',
    title: `Notice for NHN: ${service} closed at ${deps.config.CLINIC_NAME}`,
    text,
    clinic: clinicOf(deps.config),
    details: { service, file },
    at,
  });
}
