import type { Notification } from '../gate/notifier.js';

/**
 * Every text a person reads in a notification, in one place: Norwegian bokmål by default, English
 * on request per recipient. Each names the clinic, says what happened and what to do. Built from the
 * event's kind and details (codes, roles, dates) only: no patient data can reach a notification.
 */

export type Language = 'nb' | 'en';

export interface Rendered {
  subject: string;
  text: string;
  html: string;
}

const SERVICE_NB: Record<string, string> = {
  appointment: 'timebestilling',
  'prescription-renewal': 'reseptfornyelse',
  'e-consultation': 'e-konsultasjon',
  'office-contact': 'kontakt med legekontoret',
};

const ROLE_NB: Record<string, string> = { signing: 'signering', encryption: 'kryptering' };

/** What each reason code means for the office, and the fix, in Norwegian. */
export const REASONS_NB: Record<string, string> = {
  'expires-in-days': 'Virksomhetssertifikatet utløper snart. Bestill et nytt fra Buypass eller Commfides og installer det før det utløper.',
  missing: 'Virksomhetssertifikatet mangler. Installer sertifikatet og nøkkelen der innstillingene peker.',
  expired: 'Virksomhetssertifikatet er utløpt. Bestill et nytt fra Buypass eller Commfides og installer det.',
  'not-yet-valid': 'Virksomhetssertifikatet er ikke gyldig ennå. Kontroller klokken, eller installer sertifikatet som gjelder nå.',
  'wrong-usage': 'Sertifikatet har feil bruksområde. Installer sertifikatet som er laget for signering eller kryptering.',
  'untrusted-chain': 'Sertifikatet er ikke utstedt av en godkjent utsteder. Installer sertifikatet fra Buypass eller Commfides med kjeden.',
  revoked: 'Virksomhetssertifikatet er trukket tilbake. Bestill et nytt straks.',
  'revocation-unknown': 'Sertifikatets tilbaketrekkingsstatus har ikke kunnet sjekkes på lenge. Kontroller tilgangen til utstederens CRL/OCSP.',
  'org-number-mismatch': 'Sertifikatet tilhører et annet organisasjonsnummer enn legekontorets. Installer kontorets eget sertifikat.',
  'helseid-refused': 'HelseID avviser klienten. Kontroller at virksomhetssertifikatet er registrert på HelseID-klienten.',
  'ar-unreachable':
    'Adresseregisteret svarer ikke. Tjenestene holdes åpne på siste kjente oppføring i opptil grensen for gammel hurtigbuffer (AR_STALE_LIMIT_S, 24 timer som standard); vedvarer feilen, stenges de.',
  'ar-stale': 'Oppføringen i Adresseregisteret har ikke kunnet sjekkes innen grensen for gammel hurtigbuffer. Kontroller forbindelsen til Adresseregisteret.',
  'ar-her-id-unknown': 'HER-id finnes ikke i Adresseregisteret. Kontroller HER-id-en, eller be Norsk helsenett registrere kontoret.',
  'ar-access-refused': 'Adresseregisteret avviser tilgangen. Kontroller brukernavn og passord (eller HelseID-klienten) mot tilgangen Norsk helsenett har gitt.',
  'ar-her-id-inactive': 'Oppføringen i Adresseregisteret er ikke aktiv. Be Norsk helsenett aktivere den.',
  'ar-her-id-invalid': 'Oppføringen i Adresseregisteret er ikke gyldig som kommunikasjonspart. Oppdater oppføringen.',
  'ar-her-id-not-organization': 'HER-id-en er ikke en virksomhet i Adresseregisteret. Bruk virksomhetens HER-id.',
  'ar-org-number-missing': 'Organisasjonsnummeret mangler i Adresseregisteret. Oppdater oppføringen.',
  'ar-org-number-invalid': 'Organisasjonsnummeret i Adresseregisteret er ugyldig. Oppdater oppføringen.',
  'ar-org-number-mismatch': 'Organisasjonsnummeret i Adresseregisteret er et annet enn kontorets. Oppdater oppføringen eller innstillingen.',
  'ar-org-number-certificate-mismatch': 'Sertifikatet i Adresseregisteret tilhører et annet organisasjonsnummer. Oppdater sertifikatet i oppføringen.',
  'ar-contact-person-missing': 'Kontaktperson mangler i Adresseregisteret. Legg inn en kontaktperson for kontoret.',
  'ar-service-not-registered': 'Tjenesten er ikke registrert på kontoret i Adresseregisteret. Registrer tjenesten.',
  'operator-closed': 'Kontoret har selv stengt tjenesten.',
};

/** A certificate rollover's steps (docs/trust.md): the step still to do, for the office and its IT operations provider. */
const ROLLOVER_STEPS_NB: Record<string, (role: string) => string> = {
  'publish-next': (role) =>
    `Sertifikatbytte pågår: Adresseregisteret publiserer ennå ikke det nye sertifikatet for ${role}. Neste steg: last opp det nye sertifikatet for ${role} til Adresseregisteret. Meldinger kryptert til både gammelt og nytt sertifikat åpnes i mellomtiden.`,
  switch: (role) =>
    `Sertifikatbytte pågår: Adresseregisteret publiserer det nye sertifikatet for ${role}. Neste steg: bytt til de nye sertifikatene (epj-gateway cert rollover --switch).`,
  retire: (role) =>
    `Sertifikatbytte pågår: meldingstjeneren bruker de nye sertifikatene, og Adresseregisteret publiserer det nye for ${role}. Neste steg: fjern det gamle sertifikatet (epj-gateway cert rollover --retire).`,
};

function rolloverReasonNb(code: string): string | undefined {
  const step = /^ar-(signing|encryption)-certificate-rollover-(.+)$/.exec(code);
  if (step) return ROLLOVER_STEPS_NB[step[2]!]?.(ROLE_NB[step[1]!]!);
  const slot = /^rollover-(next|old)-(.+)$/.exec(code);
  if (slot)
    return slot[1] === 'next'
      ? `Det nye virksomhetssertifikatet som skal tas i bruk, har en feil (${slot[2]}). Installer et gyldig sertifikat før byttet.`
      : `Det gamle virksomhetssertifikatet, som ikke lenger brukes, har en feil (${slot[2]}). Fjern det (epj-gateway cert rollover --retire).`;
  return undefined;
}

function reasonNb(code: string): string {
  if (REASONS_NB[code]) return REASONS_NB[code];
  const rollover = rolloverReasonNb(code);
  if (rollover) return rollover;
  if (code.startsWith('ar-') && code.includes('-certificate-'))
    return 'Sertifikatet som Adresseregisteret publiserer for kontoret, stemmer ikke med det kontoret bruker. Oppdater sertifikatet i Adresseregisteret.';
  return `Feil med kode ${code}: se driftsoversikten.`;
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

function html(subject: string, paragraphs: string[]): string {
  return `<!doctype html><html><body style="font-family:sans-serif"><h2>${esc(subject)}</h2>${paragraphs.map((p) => `<p>${esc(p).replace(/\n/g, '<br>')}</p>`).join('')}</body></html>`;
}

function done(subject: string, paragraphs: string[]): Rendered {
  return { subject, text: `${paragraphs.join('\n\n')}\n`, html: html(subject, paragraphs) };
}

/** A detail as text: strings and numbers only (details carry codes, roles and dates, nothing else). */
const str = (v: unknown, otherwise = ''): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : otherwise);

function norwegian(n: Notification): Rendered {
  const d = n.details ?? {};
  const clinic = `${n.clinic.name} (HER-id ${n.clinic.herId})`;
  const scope = SERVICE_NB[str(d.scope)] ?? str(d.scope, 'tjenesten');
  const reasons = Array.isArray(d.reasons) ? (d.reasons as string[]) : [];
  const fixes = reasons.map((r) => `• ${reasonNb(r)}`).join('\n');
  // the whole clinic, or one service by name
  const what = d.scope === 'gateway' ? 'Alle tjenestene' : `Tjenesten ${scope}`;
  const footer = 'Meldinger som venter, går ikke tapt: de ligger i køen og sendes når tjenesten er åpen igjen.';
  switch (n.kind) {
    case 'certificate-expiry-warning': {
      const role = ROLE_NB[str(d.role)] ?? str(d.role);
      const days = Math.max(0, Math.ceil((Date.parse(str(d.notAfter)) - Date.parse(n.at)) / 86_400_000));
      return done(`Virksomhetssertifikatet (${role}) for ${n.clinic.name} utløper om ${days} dager`, [
        `Virksomhetssertifikatet (${role}) for ${clinic} utløper om ${days} dager (${str(d.notAfter)}, serienummer ${str(d.serial)}).`,
        'Bestill et nytt virksomhetssertifikat fra Buypass eller Commfides og installer det før denne datoen. Ellers stenger Norsk helsenett og meldingstjeneren kontorets tjenester på Helsenorge.',
      ]);
    }
    case 'gate-closed': {
      if (d.reminder)
        return done(`Påminnelse: ${what.toLowerCase()} er fortsatt stengt for ${n.clinic.name}`, [
          `${what} for ${clinic} har vært stengt siden ${str(d.since)}.`,
          `Hva må gjøres:\n${fixes || '• Se driftsoversikten.'}`,
          footer,
        ]);
      if (d.added)
        return done(`Ny feil: ${what.toLowerCase()} er fortsatt stengt for ${n.clinic.name}`, [
          `${what} for ${clinic} er fortsatt stengt, og en ny feil er funnet som også må rettes.`,
          `Hva må gjøres:\n${fixes}`,
          footer,
        ]);
      const byOffice = reasons.length > 0 && reasons.every((r) => r === 'operator-closed');
      return done(`${what} er stengt for ${n.clinic.name}`, [
        byOffice
          ? `${what} er stengt av kontoret for ${clinic}. Innbyggere som skriver, får kontorets autosvar med en gang, og henvendelsene leveres til journalsystemet merket at de kom mens tjenesten var stengt.`
          : `${what} er stengt for ${clinic}. Innbyggerne kan ikke sende nye henvendelser for den før den er åpnet igjen.`,
        ...(byOffice ? [] : [`Hva må gjøres:\n${fixes || '• Se driftsoversikten.'}`]),
        footer,
      ]);
    }
    case 'gate-warning':
      // a rollover's step is no fault: the services stay open while the provider takes the next step
      if (reasons.length > 0 && reasons.every((r) => rolloverReasonNb(r) !== undefined))
        return done(`Sertifikatbytte for ${n.clinic.name}: neste steg`, [
          `Bytte av virksomhetssertifikat pågår for ${clinic}. Tjenestene er åpne, og ingen meldinger går tapt.`,
          `Hva må gjøres:\n${fixes}`,
        ]);
      if (d.reminder)
        return done(`Påminnelse: ${what.toLowerCase()} for ${n.clinic.name} må fortsatt rettes`, [
          `${what} for ${clinic} har hatt varsel siden ${str(d.since)} og stenges om feilen ikke rettes.`,
          `Hva må gjøres:\n${fixes || '• Se driftsoversikten.'}`,
        ]);
      if (d.added)
        return done(`Ny feil: ${what.toLowerCase()} for ${n.clinic.name} må rettes`, [
          `${what} for ${clinic} har fått varsel om en ny feil som må rettes før den stenges.`,
          `Hva må gjøres:\n${fixes}`,
        ]);
      return done(`Varsel: ${what.toLowerCase()} for ${n.clinic.name} må rettes`, [
        `${what} for ${clinic} er åpen, men noe må rettes før den stenges.`,
        `Hva må gjøres:\n${fixes || '• Se driftsoversikten.'}`,
      ]);
    case 'gate-opened':
      return done(`${what} er åpen igjen for ${n.clinic.name}`, [`${what} for ${clinic} er åpen igjen. Meldinger som ventet, sendes nå.`]);
    case 'nhn-notice':
      return done(`Melding til Norsk helsenett: tjeneste stengt for ${n.clinic.name}`, [
        'Denne meldingen skal videresendes til Norsk helsenetts kundesenter (via driftsleverandøren eller EPJ-leverandøren, ikke direkte fra kontoret).',
        n.text,
      ]);
  }
}

function english(n: Notification): Rendered {
  return done(n.title, [n.text, `Clinic: ${n.clinic.name}, HER-id ${n.clinic.herId}, organisation number ${n.clinic.orgNumber}.`]);
}

export function render(n: Notification, language: Language = 'nb'): Rendered {
  return language === 'en' ? english(n) : norwegian(n);
}
