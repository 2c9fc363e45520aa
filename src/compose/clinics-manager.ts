import { readFileSync, renameSync, unlinkSync, unwatchFile, watchFile, writeFileSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import type { Clinic } from '../clinics/clinic.js';
import { readClinicsFile } from '../clinics/clinics-file.js';
import { clinicEntrySchema } from '../clinics/clinics-file-schema.js';
import { redactClinic, type RedactedClinic } from '../clinics/redact-clinic.js';
import { CLINIC_KEY_FILES, ConfigError, type Config } from '../config.js';
import { GatewayError } from '../errors.js';
import type { Logger } from '../logging.js';
import { readCredential } from '../trust/credential-source.js';
import type { Fleet } from './fleet.js';

/**
 * Clinics at run time. The clinics file stays the one source of truth: the operations API and the
 * CLI write it (atomically), and every process serving it watches it and applies the difference —
 * a new clinic added, a changed one rebuilt, a removed one stopped — without touching the others.
 * A clinic whose entry is gone but which still has work in flight keeps being served until its
 * queues drain (or an operator forces it out), so nothing is lost by editing the file.
 */
export class ClinicsManager {
  private applying: Promise<void> = Promise.resolve();
  private readonly signatures = new Map<string, string>();
  private watching = false;

  constructor(
    private readonly fleet: Fleet,
    private readonly config: Config,
    private readonly logger: Logger,
  ) {
    for (const c of fleet.list()) this.remember(c.clinic as Clinic);
    // the certificate slots are compared with the file as last read: the composition may lay
    // deployment settings over a clinic's (the demo does), which the file never holds
    try {
      if (config.CLINICS_FILE)
        for (const c of readClinicsFile(config.CLINICS_FILE, config)) this.signatures.set(`${c.herId}#outside-certificates`, signature(c, true));
    } catch {
      // a file with a fault is reported when it is applied
    }
  }

  private remember(clinic: Clinic): void {
    this.signatures.set(clinic.herId, signature(clinic));
    this.signatures.set(`${clinic.herId}#outside-certificates`, signature(clinic, true));
  }

  private get file(): string {
    if (!this.config.CLINICS_FILE) throw new GatewayError('CLINICS_READ_ONLY');
    return this.config.CLINICS_FILE;
  }

  /** Follows the file: a change made by hand, by this process or by another replica is applied here too. */
  watch(intervalMs = 2_000): void {
    if (!this.config.CLINICS_FILE || this.watching) return;
    this.watching = true;
    watchFile(this.config.CLINICS_FILE, { interval: intervalMs }, () => void this.reload().catch(() => undefined));
  }

  stop(): void {
    if (this.config.CLINICS_FILE && this.watching) unwatchFile(this.config.CLINICS_FILE);
    this.watching = false;
  }

  /** Reads the file and applies the difference; a file with a fault changes nothing (and says why). */
  reload(): Promise<void> {
    const next = this.applying.then(async () => {
      let clinics: Clinic[];
      try {
        clinics = readClinicsFile(this.file, this.config);
      } catch (err) {
        if (err instanceof ConfigError) {
          this.logger.error({ err: err.message }, 'clinics file not applied: it has a fault; the clinics served stay as they are');
          return;
        }
        throw err;
      }
      await this.apply(clinics);
    });
    this.applying = next.catch(() => undefined);
    return next;
  }

  private async apply(clinics: Clinic[]): Promise<void> {
    const wanted = new Map(clinics.map((c) => [c.herId, c]));
    const lastRead = new Map(clinics.map((c) => [c.herId, signature(c, true)]));
    for (const served of this.fleet.list()) {
      const herId = served.clinic.herId;
      const entry = wanted.get(herId);
      if (entry && signature(entry) === this.signatures.get(herId)) continue;
      // a certificate slot changed (a rollover's next pair installed or retired): new keys, nothing stopped
      if (entry && lastRead.get(herId) === this.signatures.get(`${herId}#outside-certificates`)) {
        try {
          served.trust.keys.reload(certificateFiles(entry.settings));
          this.remember(entry);
        } catch (err) {
          this.logger.error({ clinic: herId, err: (err as Error).message }, 'certificate files not applied: the keys in use stay as they are');
        }
        continue;
      }
      try {
        await this.fleet.remove(herId, { actor: 'clinics file' });
        this.signatures.delete(herId);
      } catch (err) {
        this.logger.warn({ clinic: herId, err: (err as Error).message }, 'clinic still has work in flight: served as before until its queues drain');
      }
    }
    for (const clinic of clinics) {
      if (this.fleet.get(clinic.herId)) continue;
      try {
        await this.fleet.add(clinic);
        this.remember(clinic);
      } catch (err) {
        this.logger.error({ clinic: clinic.herId, err: (err as Error).message }, 'clinic could not be added');
      }
    }
  }

  /** Adds a clinic's entry to the file and serves it; the entry is checked against the file first. */
  async add(raw: unknown): Promise<RedactedClinic> {
    const parsed = clinicEntrySchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new GatewayError('CLINIC_INVALID', `(${issue.path.join('.') || 'entry'}: ${issue.message})`);
    }
    const doc = this.readDoc();
    if (doc.clinics.some((c) => String((c as { herId?: unknown }).herId) === parsed.data.herId))
      throw new GatewayError('CLINIC_CONFLICT', `(HER-id ${parsed.data.herId} is in the clinics file already)`);
    const candidate = { ...doc, clinics: [...doc.clinics, raw] };
    this.writeChecked(candidate);
    await this.reload();
    const served = this.fleet.get(parsed.data.herId);
    if (!served) throw new GatewayError('CLINIC_CONFLICT', `(HER-id ${parsed.data.herId} could not be served; the log says why)`);
    return redactClinic(served.clinic as Clinic);
  }

  /** Stops serving a clinic (refused with work in flight unless forced), then takes its entry out of the file. */
  async remove(herId: string, options: { force?: boolean; actor: string }): Promise<{ movedToDeadLetters: number }> {
    const result = await this.fleet.remove(herId, options);
    this.signatures.delete(herId);
    const doc = this.readDoc();
    this.writeChecked({ ...doc, clinics: doc.clinics.filter((c) => String((c as { herId?: unknown }).herId) !== herId) }, true);
    return result;
  }

  /**
   * A rollover's first step: the next pairs (clinics-file credentials, `{ signing, encryption }`)
   * and optionally the HelseID key that takes over with them, written into the clinic's entry.
   */
  async installNext(herId: string, next: unknown, helseIdNextKey?: string): Promise<void> {
    this.readNext(next);
    await this.editEntry(herId, (entry) => {
      const certificates = entry.certificates as Record<string, unknown>;
      certificates.next = next;
      if (helseIdNextKey !== undefined) entry.helseId = { ...(entry.helseId as Record<string, unknown>), nextKey: helseIdNextKey };
    });
  }

  /**
   * A rollover's last step: the next pairs move into the current slots, the old encryption pair
   * becomes the previous one (messages already encrypted to it still open), the old signing pair
   * goes; the HelseID next key becomes its key.
   */
  async retire(herId: string): Promise<void> {
    await this.editEntry(herId, (entry) => {
      const certificates = entry.certificates as Record<string, unknown>;
      const next = (certificates.next ?? {}) as Record<string, unknown>;
      if (next.encryption) {
        certificates.previousEncryption = certificates.encryption;
        certificates.encryption = next.encryption;
      }
      if (next.signing) certificates.signing = next.signing;
      delete certificates.next;
      const helseId = entry.helseId as Record<string, unknown> | undefined;
      if (helseId?.nextKey !== undefined) {
        helseId.key = helseId.nextKey;
        delete helseId.nextKey;
      }
    });
  }

  /** Reads the next pairs before they are written, so a wrong file or a key of another certificate is refused with its code. */
  private readNext(next: unknown): void {
    const at = (p: unknown) => path.resolve(path.dirname(path.resolve(this.file)), String(p));
    if (!next || typeof next !== 'object') throw new GatewayError('CLINIC_INVALID', '(certificates.next: { signing, encryption })');
    for (const role of ['signing', 'encryption'] as const) {
      const c = (next as Record<string, Record<string, unknown> | undefined>)[role];
      if (!c || typeof c !== 'object') continue;
      const password = typeof c.password === 'string' ? c.password : undefined;
      readCredential(c.p12 !== undefined ? { kind: 'pkcs12', file: at(c.p12), password } : { kind: 'pem', cert: at(c.cert), key: at(c.key) });
    }
  }

  private async editEntry(herId: string, edit: (entry: Record<string, unknown>) => void): Promise<void> {
    const doc = this.readDoc();
    const entry = doc.clinics.find((c) => String((c as { herId?: unknown }).herId) === herId) as Record<string, unknown> | undefined;
    if (!entry) throw new GatewayError('CLINIC_UNKNOWN', `(HER-id ${herId} is not in the clinics file)`);
    edit(entry);
    this.writeChecked(doc);
    await this.reload();
  }

  private readDoc(): { clinics: unknown[] } & Record<string, unknown> {
    const text = readFileSync(this.file, 'utf8');
    const doc = (this.file.endsWith('.json') ? JSON.parse(text) : yaml.load(text, { schema: yaml.CORE_SCHEMA })) as { clinics?: unknown[] };
    return { ...doc, clinics: Array.isArray(doc.clinics) ? doc.clinics : [] };
  }

  /** Writes the file atomically once the whole of it reads as valid; an empty fleet is allowed only when removing. */
  private writeChecked(doc: { clinics: unknown[] }, allowEmpty = false): void {
    const file = this.file;
    const text = file.endsWith('.json') ? `${JSON.stringify(doc, null, 2)}\n` : yaml.dump(doc, { lineWidth: 160, noRefs: true });
    const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
    writeFileSync(temp, text, { mode: 0o600 });
    if (!(allowEmpty && doc.clinics.length === 0)) {
      try {
        readClinicsFile(temp, this.config);
      } catch (err) {
        unlinkSync(temp);
        throw new GatewayError('CLINIC_INVALID', `(${(err as Error).message.replace(/^Setting CLINICS_FILE: /, '').replace(temp, path.basename(file))})`);
      }
    }
    renameSync(temp, file);
  }
}

/** What makes a clinic the same clinic: every setting it runs with (held in memory only); or all but its certificate slots. */
function signature(clinic: Clinic, outsideCertificates = false): string {
  if (!outsideCertificates) return JSON.stringify({ settings: clinic.settings, subHerIds: clinic.subHerIds, credentials: clinic.credentials });
  const settings: Record<string, unknown> = { ...clinic.settings };
  for (const key of CERTIFICATE_SETTINGS) delete settings[key];
  return JSON.stringify({ settings, subHerIds: clinic.subHerIds });
}

/** The settings a clinic's keys are read from: a change of these alone is applied in place. */
const CERTIFICATE_SETTINGS = CLINIC_KEY_FILES;

function certificateFiles(settings: Config): Pick<Config, (typeof CERTIFICATE_SETTINGS)[number]> {
  return Object.fromEntries(CERTIFICATE_SETTINGS.map((key) => [key, settings[key]])) as Pick<Config, (typeof CERTIFICATE_SETTINGS)[number]>;
}
