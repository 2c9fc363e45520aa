import path from 'node:path';
import type { z } from 'zod';
import { checkClinicSettings, ConfigError, type Config } from '../config.js';
import { readDataFile } from '../data-file.js';
import type { CredentialSource } from '../trust/credential-source.js';
import { clinicFromSettings, OVERRIDABLE_SETTINGS, type Clinic, type ClinicContacts } from './clinic.js';
import { clinicsFileSchema, type ClinicEntry } from './clinics-file-schema.js';
import { findFleetConflict } from './fleet-conflicts.js';

/**
 * The clinics the deployment serves. With CLINICS_FILE set, exactly the file's clinics: the
 * environment's CLINIC_*, EPJ_* and token settings are then refused by loadConfig, so no clinic is
 * half from one place and half from the other. Without it, the one clinic of the CLINIC_* settings.
 *
 * Every fault is one line, ConfigError('CLINICS_FILE', …) (exit 2), naming the clinic and the
 * field: `clinic 8142987 (clinics[0]) epj.tokens[1].token: a token of 8 characters or more`.
 */
export function loadClinics(config: Config): Clinic[] {
  return config.CLINICS_FILE ? readClinicsFile(config.CLINICS_FILE, config) : [clinicFromSettings(config)];
}

export function readClinicsFile(file: string, config: Config): Clinic[] {
  const raw = readDataFile(file, 'CLINICS_FILE');
  if (raw === undefined || raw === null) throw new ConfigError('CLINICS_FILE', `${file} is empty; expected { clinics: [ … ] }`);
  return parseClinics(raw, config, path.dirname(path.resolve(file)));
}

/** The file's content (already parsed from YAML or JSON) as clinics; `baseDir` anchors the relative paths. */
export function parseClinics(raw: unknown, config: Config, baseDir: string): Clinic[] {
  const result = clinicsFileSchema.safeParse(raw);
  if (!result.success) throw new ConfigError('CLINICS_FILE', describeIssue(result.error.issues[0]!, raw));
  const clinics = result.data.clinics.map((entry) => clinicOfEntry(entry, config, baseDir));

  const conflict = findFleetConflict(clinics);
  if (conflict) throw new ConfigError('CLINICS_FILE', `${clinicLabel(clinics[conflict.index]!.herId, conflict.index)} ${conflict.field}: ${conflict.message}`);

  for (const [index, clinic] of clinics.entries()) {
    try {
      checkClinicSettings(clinic.settings);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      const field = fieldOfSetting(err.setting, result.data.clinics[index]!);
      throw new ConfigError('CLINICS_FILE', `${clinicLabel(clinic.herId, index)} ${field}: ${err.message.replace(/^Setting [A-Z_0-9]+: /, '')}`);
    }
  }
  return clinics;
}

/** One clinic of the file as the gateway runs it: its settings are the deployment's with its own laid over them. */
export function clinicOfEntry(entry: ClinicEntry, config: Config, baseDir: string): Clinic {
  const at = (p: string) => path.resolve(baseDir, p);
  const source = (c: CredentialSource): CredentialSource =>
    c.kind === 'pem' ? { kind: 'pem', cert: at(c.cert), key: at(c.key) } : { kind: 'pkcs12', file: at(c.file), password: c.password };
  // the Config keeps file names only: a PKCS#12 file is both the certificate and the key file
  const certOf = (c: CredentialSource) => (c.kind === 'pem' ? c.cert : c.file);
  const keyOf = (c: CredentialSource) => (c.kind === 'pem' ? c.key : c.file);

  const signing = source(entry.certificates.signing);
  const encryption = source(entry.certificates.encryption);
  const previous = entry.certificates.previousEncryption ? source(entry.certificates.previousEncryption) : undefined;
  const nextSigning = entry.certificates.next?.signing ? source(entry.certificates.next.signing) : undefined;
  const nextEncryption = entry.certificates.next?.encryption ? source(entry.certificates.next.encryption) : undefined;
  const clinicDir = path.join(config.DATA_DIR, 'epj', entry.herId);
  const overrides = entry.overrides ?? {};

  const settings: Config = {
    ...config,
    ...overrides,
    CLINIC_HER_ID: entry.herId,
    CLINIC_ORG_NUMBER: entry.orgNumber,
    CLINIC_NAME: entry.name,
    CLINIC_SIGNING_CERT: certOf(signing),
    CLINIC_SIGNING_KEY: keyOf(signing),
    CLINIC_ENCRYPTION_CERT: certOf(encryption),
    CLINIC_ENCRYPTION_KEY: keyOf(encryption),
    CLINIC_PREVIOUS_ENCRYPTION_CERT: previous && certOf(previous),
    CLINIC_PREVIOUS_ENCRYPTION_KEY: previous && keyOf(previous),
    CLINIC_NEXT_SIGNING_CERT: nextSigning && certOf(nextSigning),
    CLINIC_NEXT_SIGNING_KEY: nextSigning && keyOf(nextSigning),
    CLINIC_NEXT_ENCRYPTION_CERT: nextEncryption && certOf(nextEncryption),
    CLINIC_NEXT_ENCRYPTION_KEY: nextEncryption && keyOf(nextEncryption),
    HELSEID_CLIENT_ID: entry.helseId?.clientId ?? config.HELSEID_CLIENT_ID,
    EPJ_DELIVERY: entry.epj.delivery,
    EPJ_INBOX_DIR: entry.epj.inboxDir ? at(entry.epj.inboxDir) : path.join(clinicDir, 'inbox'),
    EPJ_OUTBOX_DIR: entry.epj.outboxDir ? at(entry.epj.outboxDir) : path.join(clinicDir, 'outbox'),
    EPJ_WEBHOOK_URL: entry.epj.webhookUrl,
    EPJ_WEBHOOK_SECRET: entry.epj.webhookSecret,
    EPJ_TOKENS: entry.epj.tokens.map((t) => ({ client: t.client, token: t.token })),
    // the deployment's webhooks (the IT provider's own channel) hear every clinic; the clinic's add to them
    NOTIFY_WEBHOOKS: [...config.NOTIFY_WEBHOOKS, ...(entry.notify?.webhooks ?? []).map((w) => `${w.name}=${w.url}`)],
  };
  const contacts = contactsOf(entry.notify);
  return {
    herId: entry.herId,
    subHerIds: entry.subHerIds,
    orgNumber: entry.orgNumber,
    name: entry.name,
    settings,
    credentials: {
      signing,
      encryption,
      ...(previous ? { previousEncryption: previous } : {}),
      ...(nextSigning || nextEncryption
        ? { next: { ...(nextSigning ? { signing: nextSigning } : {}), ...(nextEncryption ? { encryption: nextEncryption } : {}) } }
        : {}),
    },
    ...(entry.helseId?.key ? { helseIdKeyFile: at(entry.helseId.key) } : {}),
    ...(entry.helseId?.nextKey ? { helseIdNextKeyFile: at(entry.helseId.nextKey) } : {}),
    contacts,
    overridden: OVERRIDABLE_SETTINGS.filter((key) => key in overrides),
  };
}

/** The people of the notify section: each role's address, and its language where one is given. */
function contactsOf(notify: ClinicEntry['notify']): ClinicContacts {
  const contacts: ClinicContacts = {};
  const languages: NonNullable<ClinicContacts['languages']> = {};
  for (const role of ['office', 'itProvider', 'epjVendor'] as const) {
    const c = notify?.[role];
    if (c === undefined) continue;
    contacts[role] = typeof c === 'string' ? c : c.address;
    if (typeof c !== 'string' && c.language) languages[role] = c.language;
  }
  return Object.keys(languages).length ? { ...contacts, languages } : contacts;
}

function clinicLabel(herId: unknown, index: number): string {
  const id = typeof herId === 'number' || typeof herId === 'string' ? String(herId) : '';
  return /^\d{1,10}$/.test(id) ? `clinic ${id} (clinics[${index}])` : `clinics[${index}]`;
}

/** `clinic 8142987 (clinics[0]) epj.tokens[1].token: a token of 8 characters or more` */
function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string {
  const [head, index, ...rest] = issue.path;
  let where: string;
  let fieldPath: PropertyKey[];
  if (head === 'clinics' && typeof index === 'number') {
    const entry = (raw as { clinics: { herId?: unknown }[] }).clinics[index];
    where = `${clinicLabel(entry?.herId, index)} `;
    fieldPath = rest;
  } else {
    where = '';
    fieldPath = issue.path;
  }
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    // name the unknown field itself, as the other faults do
    fieldPath = [...fieldPath, issue.keys[0]!];
    message = `not a field here${issue.keys.length > 1 ? ` (nor ${issue.keys.slice(1).join(', ')})` : ''}; check the spelling`;
  }
  const field = fieldPath.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i > 0 ? '.' : ''}${String(p)}`)).join('');
  return `${where}${field || 'the file'}: ${message}`;
}

/** Where a clinic's setting came from in the file, for the production checks' faults. */
function fieldOfSetting(setting: string, entry: ClinicEntry): string {
  const credential = (role: 'signing' | 'encryption' | 'previousEncryption', part: 'cert' | 'key') => {
    const c = entry.certificates[role];
    return `certificates.${role}.${c?.kind === 'pkcs12' ? 'p12' : part}`;
  };
  const next = (role: 'signing' | 'encryption', part: 'cert' | 'key') =>
    `certificates.next.${role}.${entry.certificates.next?.[role]?.kind === 'pkcs12' ? 'p12' : part}`;
  const fields: Record<string, string> = {
    EPJ_TOKENS: 'epj.tokens',
    EPJ_WEBHOOK_URL: 'epj.webhookUrl',
    CLINIC_SIGNING_CERT: credential('signing', 'cert'),
    CLINIC_SIGNING_KEY: credential('signing', 'key'),
    CLINIC_ENCRYPTION_CERT: credential('encryption', 'cert'),
    CLINIC_ENCRYPTION_KEY: credential('encryption', 'key'),
    CLINIC_PREVIOUS_ENCRYPTION_CERT: credential('previousEncryption', 'cert'),
    CLINIC_PREVIOUS_ENCRYPTION_KEY: credential('previousEncryption', 'key'),
    CLINIC_NEXT_SIGNING_CERT: next('signing', 'cert'),
    CLINIC_NEXT_SIGNING_KEY: next('signing', 'key'),
    CLINIC_NEXT_ENCRYPTION_CERT: next('encryption', 'cert'),
    CLINIC_NEXT_ENCRYPTION_KEY: next('encryption', 'key'),
  };
  return fields[setting] ?? setting;
}
