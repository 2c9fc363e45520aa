import { z } from 'zod';
import { configSchema, type Config } from '../config.js';
import { isHerId, isOrganisationNumber } from '../domain/identifiers.js';
import { OVERRIDABLE_SETTINGS, type OverridableSetting } from './clinic.js';

/**
 * The clinics file (CLINICS_FILE), one schema. YAML or JSON:
 *
 *   clinics:
 *     - herId: 8142987
 *       subHerIds: [8142988]                # its GPs and services it receives for (optional)
 *       orgNumber: 921543212
 *       name: Fjordvik legekontor AS
 *       certificates:                       # PEM files, or one PKCS#12 file each: { p12: file, password: … }
 *         signing: { cert: signing.cert.pem, key: signing.key.pem }
 *         encryption: { p12: encryption.p12, password: … }
 *         previousEncryption: { cert: …, key: … }    # during a rollover (optional)
 *         next:                             # the successors, ahead of a rollover (optional; either or both)
 *           signing: { cert: …, key: … }
 *           encryption: { p12: …, password: … }
 *       helseId: { clientId: …, key: … }    # optional; default: HELSEID_CLIENT_ID, the signing key
 *                                           # (nextKey: the key of its own that takes over at the switch)
 *       epj:
 *         delivery: folder                  # folder | webhook | pull
 *         inboxDir: …                       # default DATA_DIR/epj/<herId>/inbox (outboxDir: …/outbox)
 *         webhookUrl: …                     # webhook: the EPJ's URL and its HMAC secret (16+ characters)
 *         webhookSecret: …
 *         tokens: [{ client: epj, token: … }]   # each token belongs to this clinic only
 *       notify:                             # optional
 *         webhooks: [{ name: office, url: https://… }]
 *         office: kontor@example.no         # e-mail addresses
 *         itProvider: drift@example.no
 *         epjVendor: support@example.no
 *         # or with the language its mails are written in (nb, the default NOTIFY_LANGUAGE, or en):
 *         # itProvider: { address: drift@example.no, language: en }
 *       overrides: { POLL_INTERVAL_MS: 10000 }   # only OVERRIDABLE_SETTINGS (src/clinics/clinic.ts)
 *
 * File paths are relative to the file's directory. Unknown fields are refused, so a misspelt one
 * is found at start-up rather than silently ignored.
 */

/** The reason a person reads; `missing` when the field is absent. */
const expecting = (what: string) => ({ error: (issue: { input?: unknown }) => (issue.input === undefined ? `missing: ${what}` : what) });

/** YAML reads an unquoted 8142987 as a number; an identifier is text of digits either way. */
const digitsText = (what: string, valid: (v: string) => boolean) =>
  z.preprocess((v) => (typeof v === 'number' && Number.isSafeInteger(v) ? String(v) : v), z.string(expecting(what)).refine(valid, what));

const herId = digitsText('a HER-id of digits', isHerId);
const orgNumber = digitsText('a nine-digit organisation number with a valid check digit', isOrganisationNumber);
const text = (what: string) => z.string(expecting(what)).trim().min(1, what);
const file = z.string(expecting('a file path')).trim().min(1, 'a file path');
const httpUrl = z.url({ protocol: /^https?$/, ...expecting('an http:// or https:// URL') });
const email = z.email(expecting('an e-mail address'));

/** PEM (or DER) files `{ cert, key }`, or one PKCS#12 file `{ p12, password }`. */
const credential = z
  .strictObject(
    { cert: file.optional(), key: file.optional(), p12: file.optional(), password: z.string(expecting('text')).optional() },
    expecting('{ cert, key } (PEM files) or { p12, password } (a PKCS#12 file)'),
  )
  .superRefine((c, ctx) => {
    const pem = c.cert !== undefined || c.key !== undefined;
    if (pem && c.p12 !== undefined) ctx.addIssue({ code: 'custom', message: 'either cert and key (PEM files) or p12 (a PKCS#12 file), not both' });
    else if (!pem && c.p12 === undefined) ctx.addIssue({ code: 'custom', message: 'cert and key (PEM files), or p12 (a PKCS#12 file) with its password' });
    else if (pem && c.cert === undefined) ctx.addIssue({ code: 'custom', path: ['cert'], message: 'missing: the certificate file of the key' });
    else if (pem && c.key === undefined) ctx.addIssue({ code: 'custom', path: ['key'], message: 'missing: the key file of the certificate' });
    else if (pem && c.password !== undefined)
      ctx.addIssue({ code: 'custom', path: ['password'], message: 'a password goes with p12 only (PEM keys are read unencrypted)' });
  })
  .transform((c) =>
    c.p12 !== undefined ? { kind: 'pkcs12' as const, file: c.p12, password: c.password } : { kind: 'pem' as const, cert: c.cert!, key: c.key! },
  );

/** The successors installed ahead of a rollover: the signing pair, the encryption pair, or both. */
const nextCredentials = z
  .strictObject({ signing: credential.optional(), encryption: credential.optional() }, expecting('{ signing, encryption } (the next pairs)'))
  .refine((n) => n.signing !== undefined || n.encryption !== undefined, 'the next signing or encryption pair (or both); leave out next when none is installed');

const epjToken = z.strictObject(
  { client: text('a client name'), token: z.string(expecting('a token of 8 characters or more')).trim().min(8, 'a token of 8 characters or more') },
  expecting('{ client, token }'),
);

const epj = z
  .strictObject(
    {
      delivery: z.enum(['folder', 'webhook', 'pull'], expecting('folder, webhook or pull')),
      inboxDir: file.optional(),
      outboxDir: file.optional(),
      webhookUrl: httpUrl.optional(),
      webhookSecret: z.string(expecting('text')).optional(),
      tokens: z.array(epjToken, expecting('a list of { client, token }')).min(1, 'at least one { client, token }'),
    },
    expecting('{ delivery, tokens, … }'),
  )
  .superRefine((e, ctx) => {
    if (e.delivery !== 'webhook') return;
    if (!e.webhookUrl) ctx.addIssue({ code: 'custom', path: ['webhookUrl'], message: "missing: webhook delivery needs the EPJ's URL" });
    else if (!e.webhookSecret || e.webhookSecret.length < 16)
      ctx.addIssue({ code: 'custom', path: ['webhookSecret'], message: 'webhook delivery needs a secret of 16 characters or more' });
  });

/** A person told by e-mail: an address, or `{ address, language }` for mails in another language than NOTIFY_LANGUAGE. */
const contact = z.union(
  [email, z.strictObject({ address: email, language: z.enum(['nb', 'en'], expecting('nb or en')).optional() }, expecting('{ address, language }'))],
  expecting('an e-mail address, or { address, language: nb | en }'),
);

const notify = z.strictObject(
  {
    webhooks: z
      .array(
        z.strictObject(
          { name: z.string(expecting('a name')).regex(/^[\w.-]+$/, 'a name of letters, digits, ".", "_" and "-"'), url: httpUrl },
          expecting('{ name, url }'),
        ),
        expecting('a list of { name, url }'),
      )
      .optional(),
    office: contact.optional(),
    itProvider: contact.optional(),
    epjVendor: contact.optional(),
  },
  expecting('{ webhooks, office, itProvider, epjVendor }'),
);

/** A setting's value as the environment would give it, so an override means what the setting means. */
function asSettingText(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(String).join(',');
  return typeof v === 'number' || typeof v === 'boolean' ? String(v) : v;
}

const overrides = z.record(z.string(), z.unknown(), expecting('{ SETTING: value }')).transform((raw, ctx) => {
  const out: Partial<Config> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (!(OVERRIDABLE_SETTINGS as readonly string[]).includes(key)) {
      ctx.addIssue({ code: 'custom', path: [key], message: `not a setting a clinic may override (those are ${OVERRIDABLE_SETTINGS.join(', ')})` });
      continue;
    }
    const parsed = configSchema.shape[key as OverridableSetting].safeParse(asSettingText(value));
    if (parsed.success) Object.assign(out, { [key]: parsed.data });
    else ctx.addIssue({ code: 'custom', path: [key], message: parsed.error.issues[0]?.message ?? 'not a valid value' });
  }
  return out;
});

export const clinicEntrySchema = z.strictObject(
  {
    herId,
    subHerIds: z.array(herId, expecting('a list of HER-ids')).default([]),
    orgNumber,
    name: text("the clinic's name"),
    certificates: z.strictObject(
      { signing: credential, encryption: credential, previousEncryption: credential.optional(), next: nextCredentials.optional() },
      expecting('{ signing, encryption, previousEncryption, next }'),
    ),
    helseId: z
      .strictObject({ clientId: text('a HelseID client id'), key: file.optional(), nextKey: file.optional() }, expecting('{ clientId, key, nextKey }'))
      .optional(),
    epj,
    notify: notify.optional(),
    overrides: overrides.optional(),
  },
  expecting('a clinic: { herId, orgNumber, name, certificates, epj, … }'),
);

export const clinicsFileSchema = z.strictObject(
  { clinics: z.array(clinicEntrySchema, expecting('a list of clinics')).min(1, 'at least one clinic') },
  expecting('{ clinics: [ … ] }'),
);

export type ClinicEntry = z.infer<typeof clinicEntrySchema>;
export type ClinicsFile = z.infer<typeof clinicsFileSchema>;
