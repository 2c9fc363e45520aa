import type { Notification } from '../gate/notifier.js';
import type { RegisterChange } from '../registry/own-entry-audit.js';

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

/** What to do when HelseID refuses the client, by its OAuth error. */
const HELSEID_FIX_NB: Record<string, string> = {
  invalid_client:
    'Kontroller i HelseID selvbetjening at virksomhetssertifikatet (signering) som meldingstjeneren bruker, er registrert på klienten (HELSEID_CLIENT_ID), og at det ikke er utløpt eller trukket tilbake.',
  unauthorized_client: 'Klienten har ikke lov til å hente token slik: kontroller klientens innstillinger og tilganger i HelseID selvbetjening.',
  invalid_grant: 'HelseID godtar ikke tildelingen: kontroller klientens innstillinger i HelseID selvbetjening og at klokken på serveren går riktig.',
  invalid_scope:
    'Klienten har ikke tilgang til det den ber om (HELSEID_SCOPE): gi klienten tilgang til Norsk helsenetts meldingstjener og Adresseregisteret i HelseID selvbetjening.',
  other: 'Kontroller klientens registrering og tilganger i HelseID selvbetjening.',
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

/** The fields of the clinic's address-register entry, as told when one changes. */
export const REGISTER_FIELDS_NB: Record<RegisterChange['field'], string> = {
  herId: 'HER-id',
  orgNumber: 'Organisasjonsnummer',
  name: 'Navn',
  contactPerson: 'Kontaktperson',
  signingCertificate: 'Virksomhetssertifikat (signering)',
  encryptionCertificate: 'Virksomhetssertifikat (kryptering)',
  services: 'Tjenester',
};

const changeLines = (changes: RegisterChange[], labels: Record<RegisterChange['field'], string>) =>
  changes.map((c) => `• ${labels[c.field]}: ${c.before} → ${c.after}`).join('\n');

/** The notice for NHN's customer centre of a change of the clinic's address-register entry (Norwegian: NHN reads it). */
export function nhnNoticeOfRegisterChange(clinic: Notification['clinic'], at: string, changes: RegisterChange[]): string {
  return [
    `Til: Norsk helsenett, kundesenter (kundesenter@nhn.no)`,
    `Melding om endret oppføring i Adresseregisteret`,
    ``,
    `Virksomhet: ${clinic.name}, organisasjonsnummer ${clinic.orgNumber}, HER-id ${clinic.herId}`,
    `Endret (sett av meldingstjeneren): ${at}`,
    `Endringer:`,
    changeLines(changes, REGISTER_FIELDS_NB),
    ``,
    `Kontoret har oppdatert oppføringen og melder fra om endringen, slik vilkårene for digital dialog med fastlegen krever.`,
  ].join('\n');
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

const changes = (d: Record<string, unknown>): RegisterChange[] => (Array.isArray(d.changes) ? (d.changes as RegisterChange[]) : []);

function norwegian(n: Notification): Rendered {
  const d = n.details ?? {};
  const clinic = `${n.clinic.name} (HER-id ${n.clinic.herId})`;
  const scope = SERVICE_NB[str(d.scope)] ?? str(d.scope, 'tjenesten');
  const reasons = Array.isArray(d.reasons) ? (d.reasons as string[]) : [];
  const fixes = reasons.map((r) => `• ${reasonNb(r)}`).join('\n');
  // the whole clinic, or one service by name
  const what = d.scope === 'gateway' ? 'Alle tjenestene' : `Tjenesten ${scope}`;
  // bokmål agreement: "alle tjenestene er åpne … før de stenges", "tjenesten er åpen … før den stenges"
  const [open, it] = d.scope === 'gateway' ? ['åpne', 'de'] : ['åpen', 'den'];
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
          : `${what} er stengt for ${clinic}. Innbyggerne kan ikke sende nye henvendelser for ${it} før ${it} er åpnet igjen.`,
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
          `${what} for ${clinic} har fått varsel om en ny feil som må rettes før ${it} stenges.`,
          `Hva må gjøres:\n${fixes}`,
        ]);
      return done(`Varsel: ${what.toLowerCase()} for ${n.clinic.name} må rettes`, [
        `${what} for ${clinic} er ${open}, men noe må rettes før ${it} stenges.`,
        `Hva må gjøres:\n${fixes || '• Se driftsoversikten.'}`,
      ]);
    case 'gate-opened':
      return done(`${what} er ${open} igjen for ${n.clinic.name}`, [`${what} for ${clinic} er ${open} igjen. Meldinger som ventet, sendes nå.`]);
    case 'request-overdue': {
      const days = str(d.limitWorkingDays);
      const service = SERVICE_NB[str(d.service)] ?? str(d.service);
      const received = str(d.receivedAt);
      const receivedText = received ? new Date(received).toLocaleString('nb-NO', { timeZone: 'Europe/Oslo', dateStyle: 'short', timeStyle: 'short' }) : '';
      return done(`En henvendelse om ${service} har ventet på svar i ${days} arbeidsdager hos ${n.clinic.name}`, [
        `En henvendelse fra en innbygger om ${service} til ${clinic}, mottatt ${receivedText}, er ikke besvart etter ${days} arbeidsdager.`,
        `Finn den i arbeidslisten i journalsystemet (meldings-ID ${str(d.msgId)}) og svar innbyggeren, eller be innbyggeren ta kontakt på annen måte.`,
        'Dette varselet sendes én gang for hver henvendelse. Fristene per tjeneste settes i innstillingen REQUEST_AGE_LIMITS.',
      ]);
    }
    case 'register-changed':
      return done(`Oppføringen i Adresseregisteret er endret for ${n.clinic.name}`, [
        `Oppføringen til ${clinic} i Adresseregisteret er endret:\n${changeLines(changes(d), REGISTER_FIELDS_NB)}`,
        'Er endringen riktig, trenger kontoret ikke gjøre mer: driftsleverandøren har fått en melding til Norsk helsenetts kundesenter og sender den videre. Er den ikke riktig, rett oppføringen via driftsleverandøren eller EPJ-leverandøren.',
      ]);
    case 'helseid-refused':
      return done(`HelseID avviser klienten til ${n.clinic.name}`, [
        `HelseID avviser meldingstjenerens klient for ${clinic}: feilkode ${str(d.oauthError)}${d.description ? ` («${str(d.description)}»)` : ''}. Uten token fra HelseID hentes og sendes ingen meldinger hos Norsk helsenett; meldingene venter i køen.`,
        `Hva må gjøres:\n• ${HELSEID_FIX_NB[str(d.oauthError)] ?? HELSEID_FIX_NB.other}`,
      ]);
    case 'helseid-accepted':
      return done(`HelseID godtar klienten til ${n.clinic.name} igjen`, [
        `HelseID utsteder igjen token til meldingstjenerens klient for ${clinic} (avvist før med feilkode ${str(d.refusedFor)}). Meldinger som ventet, sendes og hentes nå.`,
      ]);
    case 'nhn-notice': {
      const about =
        d.about === 'opened' ? 'tjeneste åpnet igjen' : d.about === 'register-changed' ? 'oppføringen i Adresseregisteret er endret' : 'tjeneste stengt';
      return done(`Melding til Norsk helsenett: ${about} for ${n.clinic.name}`, [
        'Denne meldingen skal videresendes til Norsk helsenetts kundesenter (via driftsleverandøren eller EPJ-leverandøren, ikke direkte fra kontoret).',
        n.text,
      ]);
    }
  }
}

const SERVICE_EN: Record<string, string> = {
  appointment: 'appointments',
  'prescription-renewal': 'prescription renewal',
  'e-consultation': 'e-consultation',
  'office-contact': 'contact with the office',
};

/** What each reason code means for the office, and the fix, in English. */
export const REASONS_EN: Record<string, string> = {
  'expires-in-days': 'The enterprise certificate expires soon. Order a new one from Buypass or Commfides and install it before it expires.',
  missing: 'The enterprise certificate is missing. Install the certificate and its key where the settings point.',
  expired: 'The enterprise certificate has expired. Order a new one from Buypass or Commfides and install it.',
  'not-yet-valid': 'The enterprise certificate is not valid yet. Check the clock, or install the certificate valid now.',
  'wrong-usage': 'The certificate has the wrong key usage. Install the certificate made for signing or for encryption.',
  'untrusted-chain': 'The certificate is not issued by an accepted issuer. Install the certificate from Buypass or Commfides with its chain.',
  revoked: 'The enterprise certificate has been revoked. Order a new one at once.',
  'revocation-unknown': "The certificate's revocation status has not been checked for long. Check access to the issuer's CRL/OCSP.",
  'org-number-mismatch': "The certificate belongs to another organisation number than the office's. Install the office's own certificate.",
  'helseid-refused': 'HelseID refuses the client. Check that the enterprise certificate is registered on the HelseID client.',
  'ar-unreachable':
    'The address register does not answer. The services are kept open on the last known entry for up to the stale-cache limit (AR_STALE_LIMIT_S, 24 hours by default); if it lasts, they close.',
  'ar-stale': "The clinic's address-register entry could not be checked within the stale-cache limit. Check the connection to the address register.",
  'ar-her-id-unknown': 'The HER-id is not in the address register. Check the HER-id, or ask Norsk helsenett to register the office.',
  'ar-access-refused': 'The address register refuses access. Check the user name and password (or the HelseID client) against the access Norsk helsenett gave.',
  'ar-her-id-inactive': "The clinic's address-register entry is inactive. Ask Norsk helsenett to activate it.",
  'ar-her-id-invalid': "The clinic's address-register entry is not valid as a communication party. Update the entry.",
  'ar-her-id-not-organization': "The HER-id is not an organisation in the address register. Use the organisation's HER-id.",
  'ar-org-number-missing': 'The organisation number is missing in the address register. Update the entry.',
  'ar-org-number-invalid': 'The organisation number in the address register is invalid. Update the entry.',
  'ar-org-number-mismatch': "The organisation number in the address register differs from the office's. Update the entry or the setting.",
  'ar-org-number-certificate-mismatch': 'The certificate in the address register belongs to another organisation number. Update the certificate in the entry.',
  'ar-contact-person-missing': 'The contact person is missing in the address register. Register a contact person for the office.',
  'ar-service-not-registered': 'The service is not registered for the office in the address register. Register the service.',
  'operator-closed': 'The office closed the service itself.',
};

function reasonEn(code: string): string {
  if (REASONS_EN[code]) return REASONS_EN[code];
  if (code.startsWith('ar-') && code.includes('-certificate-'))
    return 'The certificate the address register publishes for the office is not the one the office uses. Update the certificate in the address register.';
  return `Fault with code ${code}: see the operations overview.`;
}

const REGISTER_FIELDS_EN: Record<RegisterChange['field'], string> = {
  herId: 'HER-id',
  orgNumber: 'Organisation number',
  name: 'Name',
  contactPerson: 'Contact person',
  signingCertificate: 'Enterprise certificate (signing)',
  encryptionCertificate: 'Enterprise certificate (encryption)',
  services: 'Services',
};

const HELSEID_FIX_EN: Record<string, string> = {
  invalid_client:
    'Check in HelseID self-service that the enterprise certificate (signing) the gateway uses is registered on the client (HELSEID_CLIENT_ID), and that it has not expired or been revoked.',
  unauthorized_client: "The client may not fetch tokens this way: check the client's settings and grants in HelseID self-service.",
  invalid_grant: "HelseID does not accept the grant: check the client's settings in HelseID self-service and that the server's clock is right.",
  invalid_scope:
    "The client has no access to what it asks for (HELSEID_SCOPE): give it access to Norsk helsenett's message service and the address register in HelseID self-service.",
  other: "Check the client's registration and grants in HelseID self-service.",
};

const FORWARD_EN =
  "Forward this notice to Norsk helsenett's customer centre (through the IT operations provider or the EPJ vendor, not directly from the office). The notice itself is in Norwegian, for NHN:";

function english(n: Notification): Rendered {
  const d = n.details ?? {};
  const clinic = `${n.clinic.name} (HER-id ${n.clinic.herId})`;
  const scope = SERVICE_EN[str(d.scope)] ?? str(d.scope, 'the service');
  const reasons = Array.isArray(d.reasons) ? (d.reasons as string[]) : [];
  const fixes = reasons.map((r) => `• ${reasonEn(r)}`).join('\n') || '• See the operations overview.';
  const what = d.scope === 'gateway' ? 'All services' : `The service ${scope}`;
  const whatLower = d.scope === 'gateway' ? 'all services' : `the service ${scope}`;
  const [are, have, it] = d.scope === 'gateway' ? ['are', 'have', 'they close'] : ['is', 'has', 'it closes'];
  const footer = 'Waiting messages are not lost: they stay in the queue and are sent when the service is open again.';
  switch (n.kind) {
    case 'certificate-expiry-warning': {
      const role = str(d.role);
      const days = Math.max(0, Math.ceil((Date.parse(str(d.notAfter)) - Date.parse(n.at)) / 86_400_000));
      return done(`The enterprise certificate (${role}) of ${n.clinic.name} expires in ${days} days`, [
        `The enterprise certificate (${role}) of ${clinic} expires in ${days} days (${str(d.notAfter)}, serial number ${str(d.serial)}).`,
        "Order a new enterprise certificate from Buypass or Commfides and install it before that date. Otherwise Norsk helsenett and the gateway close the office's services on Helsenorge.",
      ]);
    }
    case 'gate-closed': {
      if (d.reminder)
        return done(`Reminder: ${whatLower} still closed at ${n.clinic.name}`, [
          `${what} of ${clinic} ${have} been closed since ${str(d.since)}.`,
          `What to do:\n${fixes}`,
          footer,
        ]);
      if (d.added)
        return done(`New fault: ${whatLower} still closed at ${n.clinic.name}`, [
          `${what} of ${clinic} ${are} still closed, and a new fault has been found that must be put right too.`,
          `What to do:\n${fixes}`,
          footer,
        ]);
      const byOffice = reasons.length > 0 && reasons.every((r) => r === 'operator-closed');
      return done(`${what} closed at ${n.clinic.name}`, [
        byOffice
          ? `${what} of ${clinic} ${are} closed by the office. Citizens who write get the office's auto-answer at once, and their requests reach the EPJ marked as arrived while closed.`
          : `${what} of ${clinic} ${are} closed. Citizens cannot send new requests until the office's services are open again.`,
        ...(byOffice ? [] : [`What to do:\n${fixes}`]),
        footer,
      ]);
    }
    case 'gate-warning':
      if (d.reminder)
        return done(`Reminder: ${whatLower} at ${n.clinic.name} must still be put right`, [
          `${what} of ${clinic} ${have} been in warning since ${str(d.since)}; ${it} unless the fault is put right.`,
          `What to do:\n${fixes}`,
        ]);
      if (d.added)
        return done(`New fault: ${whatLower} at ${n.clinic.name} must be put right`, [
          `${what} of ${clinic} got a warning of a new fault that must be put right before ${it}.`,
          `What to do:\n${fixes}`,
        ]);
      return done(`Warning: ${whatLower} at ${n.clinic.name} must be put right`, [
        `${what} of ${clinic} ${are} open, but something must be put right before ${it}.`,
        `What to do:\n${fixes}`,
      ]);
    case 'gate-opened':
      return done(`${what} open again at ${n.clinic.name}`, [`${what} of ${clinic} ${are} open again. Waiting messages are sent now.`]);
    case 'request-overdue': {
      const days = str(d.limitWorkingDays);
      const service = SERVICE_EN[str(d.service)] ?? str(d.service);
      return done(`A request about ${service} has waited ${days} working days for its answer at ${n.clinic.name}`, [
        `A citizen's request about ${service} to ${clinic}, received ${str(d.receivedAt)}, is not answered after ${days} working days.`,
        `Find it in the EPJ's worklist (MsgId ${str(d.msgId)}) and answer the citizen, or ask the citizen to get in touch another way.`,
        'This notice is sent once per request. The limits per service are set in REQUEST_AGE_LIMITS.',
      ]);
    }
    case 'register-changed':
      return done(`The address-register entry of ${n.clinic.name} changed`, [
        `The entry of ${clinic} in the address register changed:\n${changeLines(changes(d), REGISTER_FIELDS_EN)}`,
        "If the change is right, the office need do nothing more: the IT operations provider got a notice for Norsk helsenett's customer centre and forwards it. If it is wrong, have the entry corrected through the IT operations provider or the EPJ vendor.",
      ]);
    case 'helseid-refused':
      return done(`HelseID refuses the client of ${n.clinic.name}`, [
        `HelseID refuses the gateway's client for ${clinic}: error ${str(d.oauthError)}${d.description ? ` ("${str(d.description)}")` : ''}. Without a HelseID token nothing is fetched from or sent to Norsk helsenett; messages wait in the queue.`,
        `What to do:\n• ${HELSEID_FIX_EN[str(d.oauthError)] ?? HELSEID_FIX_EN.other}`,
      ]);
    case 'helseid-accepted':
      return done(`HelseID accepts the client of ${n.clinic.name} again`, [
        `HelseID issues tokens to the gateway's client for ${clinic} again (refused before with error ${str(d.refusedFor)}). Waiting messages are sent and fetched now.`,
      ]);
    case 'nhn-notice':
      return done(
        d.about === 'register-changed'
          ? `Notice for Norsk helsenett: the address-register entry of ${n.clinic.name} changed`
          : d.about === 'opened'
            ? `Notice for Norsk helsenett: a service open again at ${n.clinic.name}`
            : `Notice for Norsk helsenett: a service closed at ${n.clinic.name}`,
        [FORWARD_EN, n.text],
      );
  }
}

export function render(n: Notification, language: Language = 'nb'): Rendered {
  return language === 'en' ? english(n) : norwegian(n);
}
