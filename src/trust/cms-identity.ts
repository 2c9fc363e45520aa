import type { X509Certificate } from 'node:crypto';
import { children, DerError, expectTag, octets, oidOf, readOne, TAG, type Tlv } from './der.js';

/**
 * How CMS names a certificate: by its issuer's name and its serial number (IssuerAndSerialNumber),
 * or by its subject key identifier. Read once per certificate from its DER and kept.
 */

export const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  envelopedData: '1.2.840.113549.1.7.3',
  rsaEncryption: '1.2.840.113549.1.1.1',
  rsaOaep: '1.2.840.113549.1.1.7',
  sha1WithRsa: '1.2.840.113549.1.1.5',
  sha256WithRsa: '1.2.840.113549.1.1.11',
  sha384WithRsa: '1.2.840.113549.1.1.12',
  sha512WithRsa: '1.2.840.113549.1.1.13',
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  aes128Cbc: '2.16.840.1.101.3.4.1.2',
  aes192Cbc: '2.16.840.1.101.3.4.1.22',
  aes256Cbc: '2.16.840.1.101.3.4.1.42',
  desEde3Cbc: '1.2.840.113549.3.7',
  desCbc: '1.3.14.3.2.7',
  rc2Cbc: '1.2.840.113549.3.2',
  attrContentType: '1.2.840.113549.1.9.3',
  attrMessageDigest: '1.2.840.113549.1.9.4',
  attrSigningTime: '1.2.840.113549.1.9.5',
  subjectKeyIdentifier: '2.5.29.14',
} as const;

export const DIGEST_BY_OID: Record<string, string> = {
  [OID.sha1]: 'sha1',
  [OID.sha256]: 'sha256',
  [OID.sha384]: 'sha384',
  [OID.sha512]: 'sha512',
};

export interface CertificateIdentity {
  /** the issuer Name, DER, as it stands in the certificate */
  issuer: Uint8Array;
  /** the serial number INTEGER's contents octets */
  serial: Uint8Array;
  subjectKeyId?: Uint8Array;
}

const identities = new WeakMap<X509Certificate, CertificateIdentity>();

export function identityOf(cert: X509Certificate): CertificateIdentity {
  let id = identities.get(cert);
  if (!id) {
    id = readIdentity(cert.raw);
    identities.set(cert, id);
  }
  return id;
}

function readIdentity(der: Uint8Array): CertificateIdentity {
  const tbs = children(expectTag(children(readOne(der))[0], TAG.SEQUENCE, 'tbsCertificate'));
  let i = tbs[0]?.tag === 0xa0 ? 1 : 0; // [0] version
  const serial = expectTag(tbs[i++], TAG.INTEGER, 'serialNumber').value;
  i++; // signature algorithm
  const issuer = expectTag(tbs[i], TAG.SEQUENCE, 'issuer').raw;
  const extensions = tbs.find((t) => t.tag === 0xa3);
  return { issuer, serial, ...(extensions ? { subjectKeyId: subjectKeyIdOf(extensions) } : {}) };
}

function subjectKeyIdOf(extensions: Tlv): Uint8Array | undefined {
  for (const ext of children(expectTag(children(extensions)[0], TAG.SEQUENCE, 'extensions'))) {
    const parts = children(ext);
    if (oidOf(parts[0]!) !== OID.subjectKeyIdentifier) continue;
    return octets(readOne(octets(parts[parts.length - 1]!)));
  }
  return undefined;
}

/** Does a SignerIdentifier / RecipientIdentifier (`sid`/`rid`) name this certificate? */
export function namesCertificate(identifier: Tlv, cert: X509Certificate): boolean {
  const id = identityOf(cert);
  if (identifier.tag === TAG.SEQUENCE) {
    const [issuer, serial] = children(identifier);
    if (!issuer || !serial) throw new DerError('IssuerAndSerialNumber needs issuer and serial');
    return Buffer.from(issuer.raw).equals(id.issuer) && Buffer.from(serial.value).equals(id.serial);
  }
  if (identifier.tag === 0x80 || identifier.tag === 0xa0) return id.subjectKeyId !== undefined && Buffer.from(octets(identifier)).equals(id.subjectKeyId);
  return false;
}

/** How an identifier reads in an error message: the serial in hex. */
export function describeIdentifier(identifier: Tlv): string {
  if (identifier.tag === TAG.SEQUENCE) return `serial ${Buffer.from(children(identifier)[1]?.value ?? []).toString('hex')}`;
  return `key id ${Buffer.from(octets(identifier)).toString('hex')}`;
}
