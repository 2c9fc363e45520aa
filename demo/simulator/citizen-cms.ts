import { readCertificate, readPrivateKey } from '../../src/trust/clinic-keys.js';
import { CmsEnvelope } from '../../src/trust/cms-envelope.js';

/**
 * Helsenorge's end of an end-to-end protected exchange (MESSAGE_PROTECTION=cms): what the citizen
 * side sends is signed with Helsenorge's signing certificate and encrypted to the clinic's; what the
 * clinic sends is decrypted with Helsenorge's key and verified against the clinic's signing
 * certificate. Faults are GatewayErrors carrying their AppRec code.
 */
export interface CitizenCms {
  protect(document: Buffer): Buffer;
  open(document: Buffer): Promise<Buffer>;
}

export interface CitizenCmsFiles {
  helsenorgeSigningCert: string;
  helsenorgeSigningKey: string;
  helsenorgeEncryptionCert: string;
  helsenorgeEncryptionKey: string;
  clinicSigningCert: string;
  clinicEncryptionCert: string;
}

export function citizenCms(files: CitizenCmsFiles): CitizenCms {
  const encryption = readCertificate(files.helsenorgeEncryptionCert);
  const envelope = new CmsEnvelope({
    signing: { certificate: readCertificate(files.helsenorgeSigningCert), key: readPrivateKey(files.helsenorgeSigningKey) },
    decryption: [{ certificate: encryption, key: readPrivateKey(files.helsenorgeEncryptionKey) }],
    rejectWeakCiphers: true,
  });
  const clinicSigning = readCertificate(files.clinicSigningCert);
  const clinicEncryption = readCertificate(files.clinicEncryptionCert);
  return {
    protect: (document) => envelope.seal(document, clinicEncryption),
    open: async (document) => (await envelope.open(document, clinicSigning)).content,
  };
}
