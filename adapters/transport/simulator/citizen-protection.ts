import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { MessageProtection } from '../../../src/trust/message-protection.js';

/**
 * Helsenorge's end of an end-to-end protected exchange (MESSAGE_PROTECTION=cms): what the citizen
 * side sends is signed with Helsenorge's signing certificate and encrypted to the clinic's; what the
 * clinic sends is decrypted with Helsenorge's key and verified against the clinic's signing
 * certificate. Faults are GatewayErrors carrying their AppRec code.
 */
export interface CitizenProtection {
  protect(document: Buffer): Buffer;
  open(document: Buffer): Promise<Buffer>;
}

export interface CitizenProtectionFiles {
  helsenorgeSigningCert: string;
  helsenorgeSigningKey: string;
  helsenorgeEncryptionCert: string;
  helsenorgeEncryptionKey: string;
  clinicSigningCert: string;
  clinicEncryptionCert: string;
}

export function citizenProtection(files: CitizenProtectionFiles): CitizenProtection {
  const cert = (file: string) => new X509Certificate(readFileSync(file));
  const key = (file: string) => createPrivateKey(readFileSync(file));
  const encryption = cert(files.helsenorgeEncryptionCert);
  const protection = new MessageProtection({
    signing: { certificate: cert(files.helsenorgeSigningCert), key: key(files.helsenorgeSigningKey) },
    decryption: [{ certificate: encryption, key: key(files.helsenorgeEncryptionKey) }],
    rejectWeakCiphers: true,
  });
  const clinicSigning = cert(files.clinicSigningCert);
  const clinicEncryption = cert(files.clinicEncryptionCert);
  return {
    protect: (document) => protection.protect(document, clinicEncryption),
    open: async (document) => (await protection.unprotect(document, clinicSigning)).content,
  };
}
