/**
 * A certificate rollover's slots, without I/O. A clinic may hold a next signing pair, a next
 * encryption pair, or both, beside the ones in use. Until the switch the current pairs are in use
 * and the next ones are "the other"; after it the next pairs are in use and the old ones are the
 * other, kept until the provider retires them by moving the next pairs into the current slots of
 * the clinics file (docs/trust.md, "Rolling over a certificate").
 */

export type RolloverRole = 'signing' | 'encryption';
export const ROLLOVER_ROLES: readonly RolloverRole[] = ['signing', 'encryption'];

/** none: no next pair installed; installed: next pairs wait for the switch; switched: the next pairs are in use */
export type RolloverPhase = 'none' | 'installed' | 'switched';

/** The certificate and key files of the current and next slots. */
export interface RolloverFileSettings {
  CLINIC_SIGNING_CERT: string;
  CLINIC_SIGNING_KEY: string;
  CLINIC_ENCRYPTION_CERT: string;
  CLINIC_ENCRYPTION_KEY: string;
  CLINIC_NEXT_SIGNING_CERT?: string | undefined;
  CLINIC_NEXT_SIGNING_KEY?: string | undefined;
  CLINIC_NEXT_ENCRYPTION_CERT?: string | undefined;
  CLINIC_NEXT_ENCRYPTION_KEY?: string | undefined;
}

export interface CertificateFiles {
  cert: string;
  key: string;
}

export interface RolloverSlots<S extends RolloverFileSettings = RolloverFileSettings> {
  phase: RolloverPhase;
  /** the files in use; no next pair in them */
  inUse: S;
  /** per role: the pair besides the one in use (the next before the switch, the old one after it) */
  other: Partial<Record<RolloverRole, CertificateFiles>>;
}

/** The next pair of a role as configured, if both files are named. */
export function nextPairOf(settings: RolloverFileSettings, role: RolloverRole): CertificateFiles | undefined {
  const cert = role === 'signing' ? settings.CLINIC_NEXT_SIGNING_CERT : settings.CLINIC_NEXT_ENCRYPTION_CERT;
  const key = role === 'signing' ? settings.CLINIC_NEXT_SIGNING_KEY : settings.CLINIC_NEXT_ENCRYPTION_KEY;
  return cert && key ? { cert, key } : undefined;
}

export function currentPairOf(settings: RolloverFileSettings, role: RolloverRole): CertificateFiles {
  return role === 'signing'
    ? { cert: settings.CLINIC_SIGNING_CERT, key: settings.CLINIC_SIGNING_KEY }
    : { cert: settings.CLINIC_ENCRYPTION_CERT, key: settings.CLINIC_ENCRYPTION_KEY };
}

export function rolloverSlots<S extends RolloverFileSettings>(settings: S, switched: boolean): RolloverSlots<S> {
  const next = { signing: nextPairOf(settings, 'signing'), encryption: nextPairOf(settings, 'encryption') };
  const inUse: S = {
    ...settings,
    CLINIC_NEXT_SIGNING_CERT: undefined,
    CLINIC_NEXT_SIGNING_KEY: undefined,
    CLINIC_NEXT_ENCRYPTION_CERT: undefined,
    CLINIC_NEXT_ENCRYPTION_KEY: undefined,
  };
  const other: Partial<Record<RolloverRole, CertificateFiles>> = {};
  if (!next.signing && !next.encryption) return { phase: 'none', inUse, other };
  for (const role of ROLLOVER_ROLES) {
    const pair = next[role];
    if (!pair) continue;
    if (!switched) {
      other[role] = pair;
      continue;
    }
    other[role] = currentPairOf(settings, role);
    if (role === 'signing') Object.assign(inUse, { CLINIC_SIGNING_CERT: pair.cert, CLINIC_SIGNING_KEY: pair.key });
    else Object.assign(inUse, { CLINIC_ENCRYPTION_CERT: pair.cert, CLINIC_ENCRYPTION_KEY: pair.key });
  }
  return { phase: switched ? 'switched' : 'installed', inUse, other };
}
