import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { GatewayError } from '../errors.js';
import { CmsEnvelope, type CmsKeys, type SignerCheck } from './cms-envelope.js';
import { rolloverSlots, type RolloverSlots } from './rollover-slots.js';

/**
 * The clinic's own certificates and keys, read from the files the settings name. Read again on
 * demand (a certificate replaced on disk, or swapped by the demo), so a fix takes effect without
 * a restart; the envelope in use is always the one made from the latest read.
 */

export interface ClinicKeySettings {
  CLINIC_SIGNING_CERT: string;
  CLINIC_SIGNING_KEY: string;
  CLINIC_ENCRYPTION_CERT: string;
  CLINIC_ENCRYPTION_KEY: string;
  CLINIC_PREVIOUS_ENCRYPTION_CERT?: string | undefined;
  CLINIC_PREVIOUS_ENCRYPTION_KEY?: string | undefined;
  CLINIC_NEXT_SIGNING_CERT?: string | undefined;
  CLINIC_NEXT_SIGNING_KEY?: string | undefined;
  CLINIC_NEXT_ENCRYPTION_CERT?: string | undefined;
  CLINIC_NEXT_ENCRYPTION_KEY?: string | undefined;
  CMS_REJECT_3DES: boolean;
}

/** One X.509 certificate, PEM or DER; CERT_UNREADABLE naming the file otherwise. */
export function readCertificate(file: string): X509Certificate {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new GatewayError('CERT_UNREADABLE', `(${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  try {
    return new X509Certificate(bytes);
  } catch {
    throw new GatewayError('CERT_UNREADABLE', `(${file})`);
  }
}

/** An unencrypted PKCS#8/PKCS#1 key, PEM or DER; checked against its certificate when one is given. */
export function readPrivateKey(file: string, certificate?: X509Certificate): KeyObject {
  let key: KeyObject;
  try {
    const bytes = readFileSync(file);
    key = bytes.includes('-----BEGIN') ? createPrivateKey(bytes) : createPrivateKey({ key: bytes, format: 'der', type: 'pkcs8' });
  } catch {
    throw new GatewayError('KEY_UNREADABLE', `(${file})`);
  }
  if (certificate && !certificate.checkPrivateKey(key)) throw new GatewayError('KEY_CERT_MISMATCH', `(${file})`);
  return key;
}

/**
 * The clinic's keys as CMS uses them. Messages open with the encryption key in use, the previous
 * one, and during a rollover the other one (`slots.other`: the next before the switch, the old one
 * after it), each tried where the recipient info names its certificate. Outbound is signed with
 * the signing pair in use, or the other one when the address register publishes that one.
 */
export function readClinicKeys(settings: ClinicKeySettings, options: { signWithOther?: boolean; switched?: boolean } = {}): CmsKeys {
  const slots = rolloverSlots(settings, options.switched ?? false);
  const inUse = slots.inUse;
  const pair = (cert: string, key: string) => {
    const certificate = readCertificate(cert);
    return { certificate, key: readPrivateKey(key, certificate) };
  };
  const decryption = [pair(inUse.CLINIC_ENCRYPTION_CERT, inUse.CLINIC_ENCRYPTION_KEY)];
  if (inUse.CLINIC_PREVIOUS_ENCRYPTION_CERT && inUse.CLINIC_PREVIOUS_ENCRYPTION_KEY)
    decryption.push(pair(inUse.CLINIC_PREVIOUS_ENCRYPTION_CERT, inUse.CLINIC_PREVIOUS_ENCRYPTION_KEY));
  if (slots.other.encryption) decryption.push(pair(slots.other.encryption.cert, slots.other.encryption.key));
  const otherSigning = slots.other.signing ? pair(slots.other.signing.cert, slots.other.signing.key) : undefined;
  const signing = options.signWithOther && otherSigning ? otherSigning : pair(inUse.CLINIC_SIGNING_CERT, inUse.CLINIC_SIGNING_KEY);
  return { signing, decryption, rejectWeakCiphers: settings.CMS_REJECT_3DES };
}

/** Holds the CMS envelope made from the clinic's current files; `reload()` after a change. */
export class ClinicKeys {
  private current: CmsEnvelope;
  private switched = false;
  private signWithOther = false;

  constructor(
    private settings: ClinicKeySettings,
    private readonly signerCheck?: SignerCheck,
  ) {
    this.current = new CmsEnvelope(readClinicKeys(settings), signerCheck);
  }

  get(): CmsEnvelope {
    return this.current;
  }

  /** the files in use (after a rollover's switch: the next ones in the current slots) */
  settingsNow(): ClinicKeySettings {
    return { ...rolloverSlots(this.settings, this.switched).inUse };
  }

  /** the files as configured, and the rollover's slots: what is in use, the other pair, the phase */
  slotsNow(): RolloverSlots<ClinicKeySettings> & { configured: ClinicKeySettings; signingWithOther: boolean } {
    return {
      ...rolloverSlots(this.settings, this.switched),
      configured: { ...this.settings },
      signingWithOther: this.signWithOther && this.switchable('signing'),
    };
  }

  /** Reads the files again (optionally other files); keeps the old envelope when they are unreadable. */
  reload(settings: Partial<ClinicKeySettings> = {}): void {
    const next = { ...this.settings, ...settings };
    this.current = new CmsEnvelope(readClinicKeys(next, { switched: this.switched, signWithOther: this.signWithOther }), this.signerCheck);
    this.settings = next;
  }

  /**
   * A rollover's state: `switched` puts the next pairs in use (the old ones stay open for
   * decryption), `signWithOther` signs with the other pair because the address register publishes
   * it. Unchanged state reads nothing.
   */
  useRollover(state: { switched?: boolean; signWithOther?: boolean }): void {
    const switched = state.switched ?? this.switched;
    const signWithOther = state.signWithOther ?? this.signWithOther;
    if (switched === this.switched && signWithOther === this.signWithOther) return;
    this.current = new CmsEnvelope(readClinicKeys(this.settings, { switched, signWithOther }), this.signerCheck);
    this.switched = switched;
    this.signWithOther = signWithOther;
  }

  private switchable(role: 'signing' | 'encryption'): boolean {
    return rolloverSlots(this.settings, this.switched).other[role] !== undefined;
  }
}
