import type { Config } from '../config.js';
import { NHN_CUSTOMER_CENTRE } from './announce.js';
import type { GatedService } from './gate-state.js';
import type { Notifier } from './notifier.js';
import type { ServiceGate } from './service-gate.js';

type Clinic = Pick<Config, 'CLINIC_HER_ID' | 'CLINIC_ORG_NUMBER' | 'CLINIC_NAME'>;

/**
 * NHN's terms ask the office to tell NHN when it opens a service it closed, as when it closed it:
 * the office opening its own closing drafts the notice for NHN's customer centre and sends it to the
 * IT operations provider, who forwards it. Opens the service and returns whether it was the office's
 * closing; the notice's id names the closing, so a second opening of the same closing tells nothing.
 */
export async function openAndNoticeNhn(
  deps: { config: Clinic; notifier: Pick<Notifier, 'notify'>; gate: Pick<ServiceGate, 'reasons' | 'openByOperator'> },
  service: GatedService,
  operator: string,
): Promise<boolean> {
  const closing = (await deps.gate.reasons()).find((r) => r.source === 'operator' && r.code === 'operator-closed' && r.scope === service);
  await deps.gate.openByOperator(service);
  if (!closing) return false;
  const at = new Date().toISOString();
  const { CLINIC_NAME: name, CLINIC_ORG_NUMBER: orgNumber, CLINIC_HER_ID: herId } = deps.config;
  const text = [
    `Til: Norsk helsenett, kundesenter (${NHN_CUSTOMER_CENTRE})`,
    `Melding om åpnet tjeneste / Notice of reopened service`,
    ``,
    `Virksomhet: ${name}, organisasjonsnummer ${orgNumber}, HER-id ${herId}`,
    `Tjeneste åpnet / Service opened: ${service}`,
    `Åpnet fra / Opened at: ${at}`,
    `Stengt fra / Closed since: ${closing.since}`,
    `Åpnet av / Opened by: ${operator}`,
  ].join('\n');
  await deps.notifier.notify({
    id: `nhn-notice:opened:${service}:${closing.since}`,
    kind: 'nhn-notice',
    title: `Notice for NHN: ${service} open again at ${name}`,
    text,
    clinic: { herId, orgNumber, name },
    details: { about: 'opened', service, closedSince: closing.since, customerCentre: NHN_CUSTOMER_CENTRE },
    at,
  });
  return true;
}
