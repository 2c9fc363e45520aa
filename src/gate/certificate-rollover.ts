import type { Redis } from 'ioredis';
import { GatewayError } from '../errors.js';
import type { OwnEntryAudit, PublishedMatch } from '../registry/own-entry-audit.js';
import type { RolloverFiles } from '../registry/register-from-config.js';
import type { CertificateCheck } from '../trust/clinic-certificates.js';
import { readCertificate, type ClinicKeys } from '../trust/clinic-keys.js';
import { currentPairOf, nextPairOf, ROLLOVER_ROLES, type CertificateFiles, type RolloverPhase, type RolloverRole } from '../trust/rollover-slots.js';

/**
 * A clinic's certificate rollover, the steps in order: install the next pairs (the clinics file's
 * certificates.next), upload the next certificates to the address register, switch (one command or
 * API call, audited), retire the old pairs (the next ones move into the current slots of the file).
 * The gate stays open throughout: the register may publish the current or the next certificate,
 * messages to either open, outbound is signed with the one the register publishes.
 *
 * The switch is kept in Redis as the fingerprints of the next certificates switched to, so every
 * replica and every restart puts the same pairs in use (sync, on each gate check); it is cleared
 * once the clinics file no longer holds a next pair (retired).
 */

export type RegisterSays = 'current' | 'next' | 'neither' | 'unknown';
export type RolloverStep = 'install-next' | 'publish-next' | 'switch' | 'retire-current';

export interface CertificateView {
  serial: string;
  notAfter: string;
  faults: string[];
}

/** The printed contract of `epj-gateway cert rollover --json` and GET /ops/certificates/rollover. */
export interface RolloverState {
  clinic: string;
  phase: RolloverPhase;
  /** per role: the current slot and the next slot of the clinics file */
  installed: Record<RolloverRole, { current: CertificateView | null; next: CertificateView | null }>;
  /** per role: which of them the address register publishes */
  addressRegister: Record<RolloverRole, RegisterSays>;
  /** the signing certificate outbound messages are signed with */
  signingWith: 'current' | 'next';
  switched: { at: string; by: string } | null;
  steps: { step: RolloverStep; done: boolean }[];
  /** the step still to do; null when no rollover is in progress */
  nextStep: RolloverStep | null;
}

export interface CertificateRolloverDeps {
  herId: string;
  redis: Redis;
  /** redisKeys(prefix).rollover */
  key: string;
  keys: ClinicKeys;
  /** judges certificate pairs as the certificate watcher does (one check per role given) */
  judge: (pairs: Partial<Record<RolloverRole, CertificateFiles>>) => Promise<CertificateCheck[]>;
  /** the clinic's own entry, asked now */
  auditRegister: () => Promise<OwnEntryAudit>;
}

interface SwitchRecord {
  fingerprints: string;
  at: string;
  by: string;
}

export class CertificateRollover {
  /** what the register last published for signing, as a slot of the file */
  private registerSigning: 'current' | 'next' | undefined;

  constructor(private readonly deps: CertificateRolloverDeps) {}

  /** Puts the pairs in use that the switch (kept in Redis) says; clears a switch whose next pairs are retired. */
  async sync(): Promise<RolloverPhase> {
    const record = await this.record();
    const configured = this.deps.keys.slotsNow().configured;
    const hasNext = ROLLOVER_ROLES.some((role) => nextPairOf(configured, role));
    if (record && !hasNext) await this.deps.redis.del(this.deps.key);
    // what the register said belongs to the rollover it was said in, not to the next one
    if (!hasNext) this.registerSigning = undefined;
    const switched = hasNext && record !== undefined && record.fingerprints === this.nextFingerprints();
    this.apply(switched);
    return this.deps.keys.slotsNow().phase;
  }

  /** The files the register watcher compares the register's certificates with, besides the ones in use. */
  heldFiles(): RolloverFiles | undefined {
    const slots = this.deps.keys.slotsNow();
    if (slots.phase === 'none') return undefined;
    return {
      phase: slots.phase,
      other: Object.fromEntries(ROLLOVER_ROLES.flatMap((role) => (slots.other[role] ? [[role, slots.other[role].cert]] : []))),
    };
  }

  /** What the register publishes decides the signing certificate (when it publishes one of the two). */
  noteRegister(audit: OwnEntryAudit): void {
    const says = this.registerSays(audit.published?.signing);
    if (says === 'current' || says === 'next') this.registerSigning = says;
    this.apply(this.deps.keys.slotsNow().phase === 'switched');
  }

  async state(audit?: OwnEntryAudit): Promise<RolloverState> {
    const register = audit ?? (await this.deps.auditRegister().catch(() => undefined));
    if (register) this.noteRegister(register);
    const slots = this.deps.keys.slotsNow();
    const configured = slots.configured;
    const view = (c: CheckedPair) => (c ? { serial: c.serial, notAfter: c.notAfter, faults: c.faults } : null);
    const installed = {} as RolloverState['installed'];
    const addressRegister = {} as RolloverState['addressRegister'];
    for (const role of ROLLOVER_ROLES) {
      const next = nextPairOf(configured, role);
      const [current] = await this.deps.judge({ [role]: currentPairOf(configured, role) });
      const [nextCheck] = next ? await this.deps.judge({ [role]: next }) : [];
      installed[role] = { current: view(current), next: view(nextCheck) };
      addressRegister[role] = register?.published?.[role] ? this.registerSays(register.published[role]) : 'unknown';
    }
    const record = slots.phase === 'switched' ? await this.record() : undefined;
    const rolesWithNext = ROLLOVER_ROLES.filter((role) => nextPairOf(configured, role));
    const steps: RolloverState['steps'] = [
      { step: 'install-next', done: slots.phase !== 'none' },
      { step: 'publish-next', done: rolesWithNext.length > 0 && rolesWithNext.every((role) => addressRegister[role] === 'next') },
      { step: 'switch', done: slots.phase === 'switched' },
      { step: 'retire-current', done: false },
    ];
    return {
      clinic: this.deps.herId,
      phase: slots.phase,
      installed,
      addressRegister,
      signingWith: this.signingWith(),
      switched: record ? { at: record.at, by: record.by } : null,
      steps,
      nextStep: slots.phase === 'none' ? null : (steps.find((s) => !s.done)?.step ?? null),
    };
  }

  /**
   * The switch: refused without a next pair, with a next certificate that fails its checks, or
   * while the register does not publish the next certificates (counterparties would encrypt to
   * the old key and verify against the old certificate only).
   */
  async switch(by: string): Promise<RolloverState> {
    await this.sync();
    const slots = this.deps.keys.slotsNow();
    if (slots.phase === 'none') throw new GatewayError('ROLLOVER_NO_NEXT');
    if (slots.phase === 'switched') throw new GatewayError('ROLLOVER_ALREADY_SWITCHED');
    const faulty = (await this.deps.judge(slots.other)).filter((c) => c.faults.length > 0);
    if (faulty.length > 0) throw new GatewayError('ROLLOVER_NEXT_INVALID', `(${faulty.map((c) => `${c.role}: ${c.faults.join(', ')}`).join('; ')})`);
    const audit = await this.deps.auditRegister();
    const notPublished = ROLLOVER_ROLES.filter((role) => slots.other[role] && this.registerSays(audit.published?.[role]) !== 'next');
    if (notPublished.length > 0)
      throw new GatewayError(
        'ROLLOVER_NOT_PUBLISHED',
        `(${notPublished.map((role) => `${role}: the register publishes ${describe(this.registerSays(audit.published?.[role]))}`).join('; ')})`,
      );
    const record: SwitchRecord = { fingerprints: this.nextFingerprints(), at: new Date().toISOString(), by };
    await this.deps.redis.hset(this.deps.key, { ...record });
    this.registerSigning = 'next';
    this.apply(true);
    // asked again: what the register publishes now reads against the pairs now in use
    return this.state();
  }

  private apply(switched: boolean): void {
    // the register's word, when it publishes one of the two; otherwise the current until the switch, then the next
    const wanted = this.registerSigning ?? (switched ? 'next' : 'current');
    this.deps.keys.useRollover({ switched, signWithOther: switched ? wanted === 'current' : wanted === 'next' });
  }

  private signingWith(): 'current' | 'next' {
    const slots = this.deps.keys.slotsNow();
    const inUse = slots.phase === 'switched' ? 'next' : 'current';
    return slots.signingWithOther ? (inUse === 'next' ? 'current' : 'next') : inUse;
  }

  /** The register's match (relative to the pair in use) as a slot of the file. */
  private registerSays(match: PublishedMatch | undefined): RegisterSays {
    if (!match) return 'unknown';
    if (match === 'neither') return 'neither';
    const switched = this.deps.keys.slotsNow().phase === 'switched';
    return (match === 'in-use') === !switched ? 'current' : 'next';
  }

  private nextFingerprints(): string {
    const configured = this.deps.keys.slotsNow().configured;
    const prints: Record<string, string> = {};
    for (const role of ROLLOVER_ROLES) {
      const next = nextPairOf(configured, role);
      if (next) prints[role] = fingerprintOf(next.cert);
    }
    return JSON.stringify(prints);
  }

  private async record(): Promise<SwitchRecord | undefined> {
    const raw = await this.deps.redis.hgetall(this.deps.key);
    return raw.fingerprints && raw.at && raw.by ? { fingerprints: raw.fingerprints, at: raw.at, by: raw.by } : undefined;
  }
}

type CheckedPair = CertificateCheck | undefined;

const describe = (says: RegisterSays) =>
  says === 'current'
    ? 'the current certificate'
    : says === 'neither'
      ? 'neither certificate'
      : says === 'unknown'
        ? 'nothing the gateway could read'
        : 'the next';

function fingerprintOf(file: string): string {
  try {
    return readCertificate(file).fingerprint256;
  } catch {
    return 'unreadable';
  }
}
