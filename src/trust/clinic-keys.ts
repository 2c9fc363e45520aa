import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { GatewayError } from '../errors.js';
import { CmsEnvelope, type CmsKeys, type SignerCheck } from './cms-envelope.js';

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

export function readClinicKeys(settings: ClinicKeySettings): CmsKeys {
  const signing = readCertificate(settings.CLINIC_SIGNING_CERT);
  const encryption = readCertificate(settings.CLINIC_ENCRYPTION_CERT);
  const decryption = [{ certificate: encryption, key: readPrivateKey(settings.CLINIC_ENCRYPTION_KEY, encryption) }];
  if (settings.CLINIC_PREVIOUS_ENCRYPTION_CERT && settings.CLINIC_PREVIOUS_ENCRYPTION_KEY) {
    const previous = readCertificate(settings.CLINIC_PREVIOUS_ENCRYPTION_CERT);
    decryption.push({ certificate: previous, key: readPrivateKey(settings.CLINIC_PREVIOUS_ENCRYPTION_KEY, previous) });
  }
  return {
    signing: { certificate: signing, key: readPrivateKey(settings.CLINIC_SIGNING_KEY, signing) },
    decryption,
    rejectWeakCiphers: settings.CMS_REJECT_3DES,
  };
}

/** Holds the CMS envelope made from the clinic's current files; `reload()` after a change. */
export class ClinicKeys {
  private current: CmsEnvelope;

  constructor(
    private settings: ClinicKeySettings,
    private readonly signerCheck?: SignerCheck,
  ) {
    this.current = new CmsEnvelope(readClinicKeys(settings), signerCheck);
  }

  get(): CmsEnvelope {
    return this.current;
  }

  /** the files the envelope in use was read from */
  settingsNow(): ClinicKeySettings {
    return { ...this.settings };
  }

  /** Reads the files again (optionally other files); keeps the old envelope when they are unreadable. */
  reload(settings: Partial<ClinicKeySettings> = {}): void {
    const next = { ...this.settings, ...settings };
    this.current = new CmsEnvelope(readClinicKeys(next), this.signerCheck);
    this.settings = next;
  }
}
