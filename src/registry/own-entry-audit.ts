import { X509Certificate } from 'node:crypto';
import { isGatewayError } from '../errors.js';
import { isOrganisationNumber } from '../domain/identifiers.js';
import { SERVICE_IDS, processesOf, type ServiceId } from '../domain/services.js';
import type { CertificateUse, Organization, RegisterCertificate } from '../ports/address-register.js';
import type { RegisterAnswer, RegisterLookups } from './cached-register.js';

/**
 * Every fault of the clinic's own entry in the address register, each with a code, a fix in words
 * and a severity: faults that make exchange impossible close the gate, a certificate about to
 * expire warns. NHN may close the service for a clinic whose AR data is missing or wrong; this is
 * how the clinic finds out first.
 */

export interface RegisterFault {
  code: string;
  /** set when the fault concerns one service only */
  service?: string;
  /** the fix, in words */
  message: string;
  severity: 'warning' | 'closed';
}

/** What the audit found, as the register watcher hands it to the gate. */
export interface RegisterAudit {
  faults: RegisterFault[];
  /** where the entry came from: the register now, or the cache because AR is unreachable */
  source: 'live' | 'stale-cache' | 'unavailable';
  /** when the cached entry was fetched (stale-cache) */
  fetchedAt?: string;
  /** the entry as the audit read it (an organisation's, read in full), for telling its changes */
  entry?: RegisterEntry;
}

/**
 * The clinic's entry as the register gives it, each field as one comparable text: what is told
 * when it changes (the register watcher keeps the last one seen). Register data only, no patient data.
 */
/** One field of the register entry that changed since it was last seen, as text. */
export interface RegisterChange {
  field: keyof RegisterEntry;
  before: string;
  after: string;
}

export interface RegisterEntry {
  herId: string;
  orgNumber: string;
  name: string;
  /** the active contact people, by name and HER-id */
  contactPerson: string;
  /** the published certificates, by serial number and expiry */
  signingCertificate: string;
  encryptionCertificate: string;
  /** the active services, by code */
  services: string;
}

export interface OwnEntryFault extends RegisterFault {
  /** set when the fault concerns one service only (a service not registered) */
  service?: ServiceId;
}

export interface OwnEntryAudit extends RegisterAudit {
  herId: string;
  faults: OwnEntryFault[];
  /** per use, which held certificate the register publishes: the one in use, the rollover's other one, or neither (unset: not asked) */
  published?: Partial<Record<CertificateUse, PublishedMatch>>;
}

export type PublishedMatch = 'in-use' | 'other' | 'neither';

/**
 * A certificate rollover in progress: per use, the certificate besides the one in use (the next
 * before the switch, the old one after it). The register may publish either without a closing;
 * a warning names the step still to do.
 */
export interface RolloverHeld {
  phase: 'installed' | 'switched';
  other: Partial<Record<CertificateUse, X509Certificate | Buffer | string>>;
}

export interface OwnEntryAuditDeps {
  register: RegisterLookups;
  clinic: { herId: string; orgNumber: string };
  /** the certificates the gateway holds (PEM or DER, or an X509Certificate); unset: not compared */
  held: Partial<Record<CertificateUse, X509Certificate | Buffer | string>>;
  /** days before expiry a published certificate warns (the largest of CERT_WARN_DAYS) */
  warnDays?: number;
  /** a rollover in progress (next pairs installed) */
  rollover?: RolloverHeld;
  now?: Date;
}

const DAY_MS = 86_400_000;
const UNAVAILABLE = new Set(['AR_UNREACHABLE', 'AR_SERVER_FAULT']);
const USE_WORDS: Record<CertificateUse, string> = { encryption: 'encryption', signing: 'signing' };
const SETTING: Record<CertificateUse, string> = { encryption: 'CLINIC_ENCRYPTION_CERT', signing: 'CLINIC_SIGNING_CERT' };

/** The organisation number an enterprise certificate carries: SEID 2 organizationIdentifier, SEID 1 serialNumber. */
export function orgNumberOfCertificate(cert: X509Certificate): string | undefined {
  return /organizationIdentifier=NTRNO-(\d{9})/.exec(cert.subject)?.[1] ?? /serialNumber=(\d{9})(?:\n|$)/.exec(cert.subject)?.[1];
}

function x509(c: X509Certificate | Buffer | string | undefined): X509Certificate | undefined {
  if (c === undefined) return undefined;
  try {
    return c instanceof X509Certificate ? c : new X509Certificate(c);
  } catch {
    return undefined; // an unreadable certificate is the certificate watcher's fault to report
  }
}

function samePublicKey(a: X509Certificate, b: X509Certificate): boolean {
  const der = (c: X509Certificate) => c.publicKey.export({ type: 'spki', format: 'der' });
  return der(a).equals(der(b));
}

class Unavailable extends Error {}

export async function auditOwnEntry(deps: OwnEntryAuditDeps): Promise<OwnEntryAudit> {
  const { herId, orgNumber } = deps.clinic;
  const now = deps.now ?? new Date();
  const faults: OwnEntryFault[] = [];
  const published: Partial<Record<CertificateUse, PublishedMatch>> = {};
  const staleAt: string[] = [];
  const closed = (code: string, message: string, service?: ServiceId) => faults.push({ code, severity: 'closed', message, ...(service ? { service } : {}) });

  const ask = async <T>(lookup: () => Promise<RegisterAnswer<T>>): Promise<T> => {
    try {
      const answer = await lookup();
      if (answer.source === 'stale') staleAt.push(answer.fetchedAt);
      return answer.value;
    } catch (err) {
      if (isGatewayError(err) && UNAVAILABLE.has(err.code)) throw new Unavailable();
      throw err;
    }
  };
  const result = (source: OwnEntryAudit['source']): OwnEntryAudit => ({
    herId,
    faults,
    ...(Object.keys(published).length > 0 ? { published } : {}),
    source: source === 'live' && staleAt.length ? 'stale-cache' : source,
    ...(staleAt.length ? { fetchedAt: staleAt.sort()[0] } : {}),
  });

  try {
    let party;
    try {
      party = await ask(() => deps.register.communicationParty(herId));
    } catch (err) {
      if (!isGatewayError(err)) throw err;
      if (err.code === 'AR_HER_ID_UNKNOWN') {
        closed(
          'ar-her-id-unknown',
          `The address register has no entry with the clinic's HER-id ${herId}. Set CLINIC_HER_ID to the HER-id NHN gave the clinic, or have the clinic registered in the address register.`,
        );
        return result('live');
      }
      if (err.code === 'AR_AUTH_REFUSED') {
        closed('ar-access-refused', `The address register refused the gateway's credentials, so the clinic's entry cannot be checked. ${err.message}`);
        return result('unavailable');
      }
      throw err;
    }
    if (!party.active)
      closed(
        'ar-her-id-inactive',
        `The clinic's entry (HER-id ${herId}) is inactive in the address register. Ask NHN's customer centre to activate it, or set CLINIC_HER_ID to the clinic's active HER-id.`,
      );
    const validTo = party.valid?.to ? Date.parse(party.valid.to) : undefined;
    const validFrom = party.valid?.from ? Date.parse(party.valid.from) : undefined;
    if (!party.isValid || (validTo !== undefined && validTo < now.getTime()) || (validFrom !== undefined && validFrom > now.getTime()))
      closed(
        'ar-her-id-invalid',
        `The address register does not count HER-id ${herId} as a valid communication party${validTo !== undefined && validTo < now.getTime() ? ` (its validity ended ${party.valid!.to})` : ''}. Ask NHN's customer centre to make the entry valid again.`,
      );
    if (party.type !== 'Organization') {
      closed(
        'ar-her-id-not-organization',
        `HER-id ${herId} is a ${party.type} in the address register, not the clinic's organisation entry. Set CLINIC_HER_ID to the clinic's own (organisation) HER-id.`,
      );
      await auditCertificates(deps, ask, faults, published, now);
      return result('live');
    }
    const org = await ask(() => deps.register.organization(herId));
    auditOrganisation(org, orgNumber, x509(deps.held.signing) ?? x509(deps.held.encryption), closed);
    auditServices(org, closed);
    const seen = await auditCertificates(deps, ask, faults, published, now);
    return { ...result('live'), entry: entryOf(org, seen) };
  } catch (err) {
    if (err instanceof Unavailable) return result('unavailable');
    throw err;
  }
}

/**
 * The step a rollover still needs, from its phase and what the register publishes; undefined when
 * the register publishes neither certificate (that closes). Before the switch: publish the next
 * certificate, then switch; after it: publish the new one if the register still has the old, then
 * retire the old one.
 */
function rolloverStep(phase: RolloverHeld['phase'], match: PublishedMatch, use: CertificateUse, herId: string): { code: string; message: string } | undefined {
  const words = USE_WORDS[use];
  const switchCommand = `epj-gateway cert rollover --clinic ${herId} --switch`;
  const retireCommand = `epj-gateway cert rollover --clinic ${herId} --retire`;
  if (match === 'neither') return undefined;
  const registerHasNext = (phase === 'installed') === (match === 'other');
  if (!registerHasNext)
    return {
      code: 'publish-next',
      message: `Certificate rollover: the address register still publishes the ${phase === 'installed' ? 'current' : 'old'} ${words} certificate. Step left: upload the next ${words} certificate to the address register${phase === 'installed' ? `, then switch (${switchCommand})` : ''}. Messages to either certificate open meanwhile.`,
    };
  if (phase === 'installed')
    return {
      code: 'switch',
      message: `Certificate rollover: the address register publishes the next ${words} certificate. Step left: switch to the next certificates (${switchCommand}). Outbound is signed with the certificate the register publishes; messages to either certificate open.`,
    };
  return {
    code: 'retire',
    message: `Certificate rollover: switched, and the address register publishes the new ${words} certificate. Step left: retire the old certificate (${retireCommand}, or move certificates.next into the current slots of the clinics file).`,
  };
}

function auditOrganisation(org: Organization, configured: string, held: X509Certificate | undefined, closed: (code: string, message: string) => void): void {
  const n = org.organizationNumber;
  if (!n)
    closed(
      'ar-org-number-missing',
      `The clinic's entry has no organisation number. Ask NHN's customer centre to add organisation number ${configured} to HER-id ${org.herId}.`,
    );
  else if (!isOrganisationNumber(n))
    closed(
      'ar-org-number-invalid',
      `The clinic's entry has organisation number ${n}, which fails the mod-11 check of Enhetsregisteret. Ask NHN's customer centre to correct it to ${configured}.`,
    );
  else {
    if (n !== configured)
      closed(
        'ar-org-number-mismatch',
        `The address register gives organisation number ${n}, the gateway is set up with ${configured} (CLINIC_ORG_NUMBER). Correct whichever is wrong: the entry through NHN's customer centre, or the setting.`,
      );
    const certOrg = held ? orgNumberOfCertificate(held) : undefined;
    if (certOrg && certOrg !== n)
      closed(
        'ar-org-number-certificate-mismatch',
        `The address register gives organisation number ${n}, the clinic's enterprise certificate is issued to ${certOrg}. Install the certificate issued to the clinic's organisation, or have the entry corrected.`,
      );
  }
  if (!org.people.some((p) => p.active))
    closed(
      'ar-contact-person-missing',
      `The clinic's entry lists no contact person. NHN's terms require one in the office: register a contact person for HER-id ${org.herId} with NHN's customer centre.`,
    );
}

function auditServices(org: Organization, closed: (code: string, message: string, service: ServiceId) => void): void {
  const codes = new Set(org.services.filter((s) => s.active && s.code).map((s) => s.code!.value));
  for (const service of SERVICE_IDS) {
    const accepted = processesOf(service).map((p) => p.msgType);
    if (codes.has(service) || accepted.some((t) => codes.has(t))) continue;
    closed(
      'ar-service-not-registered',
      `The gateway offers ${service}, but the clinic's entry has no active service for it (code ${accepted.join(' or ')}). Register the service for HER-id ${org.herId} with NHN, or stop offering it.`,
      service,
    );
  }
}

async function auditCertificates(
  deps: OwnEntryAuditDeps,
  ask: <T>(lookup: () => Promise<RegisterAnswer<T>>) => Promise<T>,
  faults: OwnEntryFault[],
  matches: Partial<Record<CertificateUse, PublishedMatch>>,
  now: Date,
): Promise<Record<CertificateUse, string>> {
  const herId = deps.clinic.herId;
  const warnDays = deps.warnDays ?? 30;
  const seen: Record<CertificateUse, string> = { encryption: 'none', signing: 'none' };
  for (const use of ['encryption', 'signing'] as const) {
    const published: RegisterCertificate | null = await ask(() =>
      use === 'encryption' ? deps.register.encryptionCertificate(herId) : deps.register.signingCertificate(herId),
    );
    const shown = published ? x509(published.pem) : undefined;
    if (published) seen[use] = shown ? `serial ${shown.serialNumber}, valid to ${new Date(shown.validTo).toISOString().slice(0, 10)}` : 'unreadable';
    const words = USE_WORDS[use];
    const fault = (kind: string, severity: 'closed' | 'warning', message: string) => faults.push({ code: `ar-${use}-certificate-${kind}`, severity, message });
    if (!published) {
      fault(
        'missing',
        'closed',
        `The address register publishes no ${words} certificate for HER-id ${herId}. Upload the clinic's ${words} certificate (the one in ${SETTING[use]}) to the address register.`,
      );
      continue;
    }
    const cert = x509(published.pem);
    if (!cert) {
      fault(
        'missing',
        'closed',
        `The ${words} certificate the address register publishes for HER-id ${herId} cannot be read. Upload the clinic's ${words} certificate again.`,
      );
      continue;
    }
    const held = x509(deps.held[use]);
    const other = x509(deps.rollover?.other[use]);
    const match: PublishedMatch = held && samePublicKey(held, cert) ? 'in-use' : other && samePublicKey(other, cert) ? 'other' : 'neither';
    matches[use] = match;
    if (held && other && deps.rollover) {
      const step = rolloverStep(deps.rollover.phase, match, use, herId);
      if (step) fault(`rollover-${step.code}`, 'warning', step.message);
      else
        fault(
          'mismatch',
          'closed',
          `The ${words} certificate in the address register is neither the current nor the next one the gateway holds (a rollover is in progress): counterparties would ${use === 'encryption' ? 'encrypt to a key the gateway does not have' : "reject the gateway's signatures"}. Upload the next ${words} certificate to the address register.`,
        );
    } else if (held && match !== 'in-use')
      fault(
        'mismatch',
        'closed',
        `The ${words} certificate in the address register is not the one the gateway holds (${SETTING[use]}): counterparties would ${use === 'encryption' ? 'encrypt to a key the gateway does not have' : "reject the gateway's signatures"}. Upload the held certificate to the address register, or install the published one with its key.`,
      );
    const validTo = Date.parse(cert.validTo);
    const daysLeft = (validTo - now.getTime()) / DAY_MS;
    if (daysLeft <= 0)
      fault(
        'expired',
        'closed',
        `The ${words} certificate published in the address register expired ${new Date(validTo).toISOString().slice(0, 10)}. Order a new enterprise certificate and upload it to the address register.`,
      );
    else if (daysLeft <= warnDays)
      fault(
        'expiring',
        'warning',
        `The ${words} certificate published in the address register expires ${new Date(validTo).toISOString().slice(0, 10)} (in ${Math.ceil(daysLeft)} days). Order its successor now and upload it to the address register before then.`,
      );
  }
  return seen;
}

function entryOf(org: Organization, published: Record<CertificateUse, string>): RegisterEntry {
  const listed = (items: string[]) => items.sort().join(', ') || 'none';
  return {
    herId: String(org.herId),
    orgNumber: org.organizationNumber ?? 'none',
    name: org.name,
    contactPerson: listed(org.people.filter((p) => p.active).map((p) => `${p.name} (HER-id ${p.herId})`)),
    signingCertificate: published.signing,
    encryptionCertificate: published.encryption,
    services: listed(org.services.filter((s) => s.active).map((s) => s.code?.value ?? s.name)),
  };
}
