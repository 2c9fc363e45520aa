import { readFileSync, renameSync, unlinkSync, unwatchFile, watchFile, writeFileSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import type { Clinic } from '../clinics/clinic.js';
import { readClinicsFile } from '../clinics/clinics-file.js';
import { clinicEntrySchema } from '../clinics/clinics-file-schema.js';
import { redactClinic, type RedactedClinic } from '../clinics/redact-clinic.js';
import { ConfigError, type Config } from '../config.js';
import { GatewayError } from '../errors.js';
import type { Logger } from '../logging.js';
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
    for (const c of fleet.list()) this.signatures.set(c.clinic.herId, signature(c.clinic as Clinic));
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
    for (const served of this.fleet.list()) {
      const herId = served.clinic.herId;
      const entry = wanted.get(herId);
      if (entry && signature(entry) === this.signatures.get(herId)) continue;
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
        this.signatures.set(clinic.herId, signature(clinic));
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

/** What makes a clinic the same clinic: every setting it runs with (held in memory only). */
function signature(clinic: Clinic): string {
  return JSON.stringify({ settings: clinic.settings, subHerIds: clinic.subHerIds, credentials: clinic.credentials });
}
