import type { KeyObject, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ERRORS, GatewayError } from '../errors.js';
import { readCertificate, readPrivateKey } from './clinic-keys.js';
import { readPkcs12 } from './pkcs12.js';

/**
 * Where one of the clinic's certificates and its key come from: a PEM (or DER) pair of files, or
 * one PKCS#12 file as Buypass and Commfides deliver them. Files are named, never copied; a
 * PKCS#12 password is held in memory only.
 */
export type CredentialSource = { kind: 'pem'; cert: string; key: string } | { kind: 'pkcs12'; file: string; password?: string | undefined };

export interface Credential {
  certificate: X509Certificate;
  key: KeyObject;
}

/** Reads a certificate and its key; CERT_UNREADABLE, KEY_UNREADABLE or KEY_CERT_MISMATCH naming the file otherwise. */
export function readCredential(source: CredentialSource): Credential {
  if (source.kind === 'pem') {
    const certificate = readCertificate(source.cert);
    return { certificate, key: readPrivateKey(source.key, certificate) };
  }
  let bytes: Buffer;
  try {
    bytes = readFileSync(source.file);
  } catch (err) {
    throw new GatewayError('KEY_UNREADABLE', `(${source.file}: ${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  try {
    const identity = readPkcs12(bytes, source.password ?? '');
    return { certificate: identity.certificate.x509, key: identity.privateKey };
  } catch (err) {
    // readPkcs12 names the fault but not the file, which is what the operator needs to find it
    if (err instanceof GatewayError) {
      const detail = err.message.slice(ERRORS[err.code].message.length).trim();
      throw new GatewayError(err.code, `(${source.file}${detail ? `: ${detail}` : ''})`, undefined, { cause: err });
    }
    throw err;
  }
}
