/**
 * Code-list values the gateway writes and checks (Volven OIDs 2.16.578.1.12.4.1.1.<list>).
 * Only the values this product uses or must recognise are listed; a code list that is not
 * here is not checked value by value.
 */

export const CODE_LIST_OID_PREFIX = '2.16.578.1.12.4.1.1.';

export function codeListOid(list: string): string {
  return CODE_LIST_OID_PREFIX + list;
}

export interface CodeValue {
  readonly v: string;
  readonly dn: string;
}

/** 8258 Status for mottak av melding (AppRec/Status). */
export const APPREC_STATUS = {
  OK: { v: '1', dn: 'OK' },
  Avvist: { v: '2', dn: 'Avvist' },
  'OK, feil i delmelding': { v: '3', dn: 'OK, feil i delmelding' },
} as const satisfies Record<string, CodeValue>;

export type AppRecStatus = keyof typeof APPREC_STATUS;

export function appRecStatusFromCode(v: string): AppRecStatus | undefined {
  return (Object.keys(APPREC_STATUS) as AppRecStatus[]).find((k) => APPREC_STATUS[k].v === v);
}

/** 8221 Feilmeldinger for applikasjonskvittering – generelle. */
export const APPREC_ERROR_TEXT = {
  E10: 'Ugyldig meldingsidentifikator',
  E20: 'Lege finnes ikke',
  E21: 'Mottaker finnes ikke',
  E30: 'Pasientens fødselsnummer mangler',
  E31: 'Pasientens fødselsnummer er feil',
  E32: 'Pasientens navn mangler',
  E35: 'Pasienten finnes ikke i mottakersystemet',
  E36: 'Pasientopplysninger er utilstrekkelige',
  E53: 'Pasientens fødselsnummer eller D-nummer finnes ikke registrert i Folkeregisteret',
  E54: 'Pasientens fødselsnummer er ikke registrert i mottagersystemet',
  S01: 'Feil på signatur',
  S02: 'Ugyldig sertifikat',
  S03: 'Tilbaketrukket sertifikat',
  T01: "Ikke XML / ikke 'well formed' / uleselig",
  T02: 'XML validerer ikke',
  T10: 'Støtter ikke meldingsformatet',
  T99: 'Annen feil på format',
  X99: 'Annen feil',
} as const;

export type AppRecErrorCode = keyof typeof APPREC_ERROR_TEXT;

export function isAppRecErrorCode(v: string): v is AppRecErrorCode {
  return Object.hasOwn(APPREC_ERROR_TEXT, v);
}

/** Lists an AppRec Error may name: 8221 general errors, 8223 message-specific ones. */
export const APPREC_ERROR_LISTS = ['8221', '8223'] as const;

/** 8116 ID-type for personer (the ones a patient or professional can carry). */
export const PERSON_ID_TYPES = {
  FNR: 'Fødselsnummer',
  DNR: 'D-nummer',
  HNR: 'H-nummer',
  HPR: 'HPR-nummer',
  HER: 'HER-id',
  PNR: 'Passnummer',
  SEF: 'Svensk personnummer',
  DKF: 'Dansk personnummer',
  SSN: 'Social security number',
  FPN: 'Forsikringspolise nummer',
  UID: 'Utenlandsk identifikasjon',
  DUF: 'DUF-nummer',
  FHN: 'Felles hjelpenummer',
  XXX: 'Annet',
} as const;

export type PersonIdType = keyof typeof PERSON_ID_TYPES;

/** The person id types a patient of a citizen service must carry: Norwegian national ids. */
export const NATIONAL_ID_TYPES = ['FNR', 'DNR', 'HNR'] as const;
export type NationalIdType = (typeof NATIONAL_ID_TYPES)[number];

/** 9051 ID-typer for organisatoriske enheter (the two the gateway uses). */
export const ORGANISATION_ID_TYPES = { HER: 'HER-id', ENH: 'Organisasjonsnummeret i Enhetsregister' } as const;

/** 8114 Type dokumentreferanse (RefDoc/MsgType). */
export const REFDOC_TYPES = { A: 'Vedlegg', XML: 'XML-instans', REF: 'Referanse' } as const;

/**
 * Codes of the Helsenorge citizen dialog seen in Dialogmelding payloads. These lists are not
 * published as a whole, so only the values below are named and no value is refused for being
 * absent from them.
 */
export const DIFA_CODE_LISTS = {
  /** TypeForesp in a citizen's request. */
  '7601': { BA: 'Bestille attest', RF: 'Reseptfornying' },
  /** TemaKodet in the clinic's answer. */
  '7602': { '14': 'Resept er fornyet' },
  /** TypeForesp for a communication test. */
  '7603': { KT: 'Kommunikasjonstest' },
} as const satisfies Record<string, Record<string, string>>;

/** 7322 Tema for helsefaglig dialog (Notat/TemaKodet, Dialogmelding 1.1). */
export const DIALOG_THEME_7322 = {
  '6': 'Henvendelse om pasient',
  '7': 'Tilbakemelding på mottak av utskrivningsklar pasient',
  '8': 'Forespørsel om helseopplysninger',
  '9': 'Forespørsel om legemiddelopplysninger',
} as const;

/**
 * The code lists whose values the own rules check, by list number: only lists known here in
 * full, so that a valid value is never refused for being missing from a partial copy.
 */
export const CHECKED_CODE_LISTS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  '8116': PERSON_ID_TYPES,
  '8114': REFDOC_TYPES,
  '8221': APPREC_ERROR_TEXT,
};

/** The list number of an S attribute, given as an OID or (as some senders do) as the bare number. */
export function codeListNumber(s: string): string {
  return s.startsWith(CODE_LIST_OID_PREFIX) ? s.slice(CODE_LIST_OID_PREFIX.length) : s;
}
