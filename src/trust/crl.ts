/**
 * A certificate revocation list, read and trusted only after its signature verifies with the key
 * of the CA that issued the certificates it speaks of.
 */
import * as pkijs from 'pkijs';

export interface RevocationList {
  thisUpdate: Date;
  /** null: the CA gives no next update; the refresh interval alone decides */
  nextUpdate: Date | null;
  /** serials as normalised hex (see normaliseSerial) */
  revoked: ReadonlySet<string>;
  der: Buffer;
}

export class CrlError extends Error {}

/** Upper-case hex without leading zeros, so serials from certificates and CRLs compare equal. */
export function normaliseSerial(hex: string): string {
  return hex
    .replace(/[^0-9a-f]/gi, '')
    .replace(/^0+(?=.)/, '')
    .toUpperCase();
}

const PEM_CRL = /-----BEGIN X509 CRL-----([\s\S]*?)-----END X509 CRL-----/;

export async function readCrl(bytes: Buffer, issuer: pkijs.Certificate): Promise<RevocationList> {
  const pem = PEM_CRL.exec(bytes.subarray(0, 64).toString('latin1').startsWith('-----') ? bytes.toString('latin1') : '');
  const der = pem ? Buffer.from(pem[1]!.replace(/\s+/g, ''), 'base64') : bytes;
  let crl: pkijs.CertificateRevocationList;
  try {
    crl = pkijs.CertificateRevocationList.fromBER(der);
  } catch (err) {
    throw new CrlError(`not a CRL (${err instanceof Error ? err.message : String(err)})`);
  }
  // pkijs checks that the CRL's issuer name is the CA's subject before the signature.
  let verified: boolean;
  try {
    verified = await crl.verify({ issuerCertificate: issuer });
  } catch {
    verified = false;
  }
  if (!verified) throw new CrlError("its signature does not verify with the issuing CA's key");
  return {
    thisUpdate: crl.thisUpdate.value,
    nextUpdate: crl.nextUpdate?.value ?? null,
    revoked: new Set((crl.revokedCertificates ?? []).map((r) => normaliseSerial(Buffer.from(r.userCertificate.valueBlock.valueHexView).toString('hex')))),
    der,
  };
}
