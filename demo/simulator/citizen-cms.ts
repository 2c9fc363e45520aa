import type { X509Certificate } from 'node:crypto';
import { readCertificate, readPrivateKey } from '../../src/trust/clinic-keys.js';
import { CmsEnvelope } from '../../src/trust/cms-envelope.js';

/**
 * Helsenorge's end of an end-to-end protected exchange (MESSAGE_PROTECTION=cms): what the citizen
 * side sends is signed with Helsenorge's signing certificate and encrypted to the receiving clinic's;
 * what a clinic sends is decrypted with Helsenorge's key and verified against that clinic's signing
 * certificate. Faults are GatewayErrors carrying their AppRec code.
 */
export interface CitizenCms {
  /** `clinic`: the receiving clinic's certificates; what it lacks: the default clinic's (citizenCms files) */
  protect(document: Buffer, clinic?: Partial<ClinicCmsCertificates>): Buffer;
  /** `clinic`: the sending clinic's certificates; absent: the default clinic's */
  open(document: Buffer, clinic?: Partial<ClinicCmsCertificates>): Promise<Buffer>;
}

/** A clinic's public certificates as Helsenorge knows them from the address register. */
export interface ClinicCmsCertificates {
  signing: X509Certificate;
  encryption: X509Certificate;
}

export interface CitizenCmsFiles {
  helsenorgeSigningCert: string;
  helsenorgeSigningKey: string;
  helsenorgeEncryptionCert: string;
  helsenorgeEncryptionKey: string;
  /** the default clinic's certificates, for a simulator whose clinics bring none of their own */
  clinicSigningCert?: string;
  clinicEncryptionCert?: string;
}

export function citizenCms(files: CitizenCmsFiles): CitizenCms {
  const encryption = readCertificate(files.helsenorgeEncryptionCert);
  const envelope = new CmsEnvelope({
    signing: { certificate: readCertificate(files.helsenorgeSigningCert), key: readPrivateKey(files.helsenorgeSigningKey) },
    decryption: [{ certificate: encryption, key: readPrivateKey(files.helsenorgeEncryptionKey) }],
    rejectWeakCiphers: true,
  });
  const fallback: Partial<ClinicCmsCertificates> = {
    ...(files.clinicSigningCert ? { signing: readCertificate(files.clinicSigningCert) } : {}),
    ...(files.clinicEncryptionCert ? { encryption: readCertificate(files.clinicEncryptionCert) } : {}),
  };
  const certificate = (clinic: Partial<ClinicCmsCertificates> | undefined, use: keyof ClinicCmsCertificates): X509Certificate => {
    const found = clinic?.[use] ?? fallback[use];
    if (!found) throw new Error(`the simulator knows no ${use} certificate for this clinic: give the clinic its ${use}Cert`);
    return found;
  };
  return {
    protect: (document, clinic) => envelope.seal(document, certificate(clinic, 'encryption')),
    open: async (document, clinic) => (await envelope.open(document, certificate(clinic, 'signing'))).content,
  };
}
