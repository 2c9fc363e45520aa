/**
 * An enterprise certificate (virksomhetssertifikat) as the gateway reads it: which profile (SEID 1
 * or SEID 2), which organisation, which role its key usage gives it, and where its revocation
 * status is published. Node's X509Certificate does the cryptography; pkijs reads the extensions
 * Node does not expose (key usage bits, policies, CRL distribution points, OCSP address).
 */
import { X509Certificate, type KeyObject } from 'node:crypto';
import * as pkijs from 'pkijs';
import { isOrganisationNumber } from '../domain/identifiers.js';
import { GatewayError } from '../errors.js';

export type SeidProfile = 'SEID1' | 'SEID2';
export type CertificateRole = 'signing' | 'encryption';
export type KeyUsageName =
  'digitalSignature' | 'nonRepudiation' | 'keyEncipherment' | 'dataEncipherment' | 'keyAgreement' | 'keyCertSign' | 'cRLSign' | 'encipherOnly' | 'decipherOnly';

/** Bit order of the KeyUsage BIT STRING (RFC 5280 4.2.1.3). */
const KEY_USAGE_BITS: KeyUsageName[] = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
];

/**
 * Policy OIDs of enterprise certificates: Buypass (production and its TEST4 environment, SEID 1 and
 * 2 share them), Commfides SEID 1 and SEID 2 (signing, encryption, authentication; production and
 * test), and the sample CA of certs-sample/.
 */
export const DEFAULT_ENTERPRISE_POLICY_OIDS: readonly string[] = [
  '2.16.578.1.26.1.3.2',
  '2.16.578.1.26.1.3.5',
  '2.16.578.1.26.1.0.3.2',
  '2.16.578.1.29.13.1.1.0',
  '2.16.578.1.29.13.200.1.0',
  '2.16.578.1.29.13.210.1.0',
  '2.16.578.1.29.13.220.1.0',
  '2.16.578.1.29.913.1.1.0',
  '2.16.578.1.29.913.200.1.0',
  '2.16.578.1.29.913.210.1.0',
  '2.16.578.1.29.913.220.1.0',
  '2.999.4711.1.1',
];

const OID = {
  organizationIdentifier: '2.5.4.97',
  serialNumber: '2.5.4.5',
  organizationName: '2.5.4.10',
  organizationalUnit: '2.5.4.11',
  commonName: '2.5.4.3',
  keyUsage: '2.5.29.15',
  certificatePolicies: '2.5.29.32',
  crlDistributionPoints: '2.5.29.31',
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
  ocsp: '1.3.6.1.5.5.7.48.1',
} as const;

const SHORT_NAMES: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.97': 'organizationIdentifier',
};

export interface EnterpriseCertificate {
  /** null: not an enterprise certificate by its policy or issuer */
  profile: SeidProfile | null;
  orgNumber: string | null;
  orgName: string | null;
  /** most specific first, e.g. `CN=Buypass Class 3 CA G2 ST Business, O=Buypass AS, C=NO` */
  subject: string;
  issuer: string;
  /** upper-case hex, as Node prints it */
  serial: string;
  notBefore: Date;
  notAfter: Date;
  keyUsage: KeyUsageName[];
  /** by key usage: nonRepudiation makes a signing certificate, key/data encipherment an encryption one */
  role: CertificateRole | null;
  policies: string[];
  crlUrls: string[];
  ocspUrls: string[];
  x509: X509Certificate;
  publicKey: KeyObject;
  der: Buffer;
  /** the pkijs form, for CRL and OCSP work */
  pki: pkijs.Certificate;
}

export interface ParseOptions {
  /** policy OIDs that mark an enterprise certificate; empty or absent: the built-in list */
  policyOids?: readonly string[];
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/;

/** The DER bytes of the first certificate in PEM text, or the bytes themselves when they are DER. */
export function certificateDer(input: Buffer | string): Buffer {
  const text = typeof input === 'string' ? input : input.toString('latin1');
  const pem = PEM_CERTIFICATE.exec(text);
  if (pem) return Buffer.from(pem[1]!.replace(/\s+/g, ''), 'base64');
  if (typeof input === 'string' || text.startsWith('-----BEGIN')) throw new GatewayError('CERT_UNREADABLE', 'No CERTIFICATE block in the PEM text.');
  return input;
}

/** Every certificate in PEM text (a CA bundle), in file order. */
export function certificatesInPem(text: string): Buffer[] {
  return [...text.matchAll(new RegExp(PEM_CERTIFICATE.source, 'g'))].map((m) => Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'));
}

export function parseCertificate(input: Buffer | string, options: ParseOptions = {}): EnterpriseCertificate {
  const der = certificateDer(input);
  let x509: X509Certificate;
  let pki: pkijs.Certificate;
  try {
    x509 = new X509Certificate(der);
    pki = pkijs.Certificate.fromBER(der);
  } catch (err) {
    throw new GatewayError('CERT_UNREADABLE', 'The bytes are not a DER-encoded X.509 certificate.', undefined, { cause: err });
  }
  return describe(x509, pki, der, options);
}

function describe(x509: X509Certificate, pki: pkijs.Certificate, der: Buffer, options: ParseOptions): EnterpriseCertificate {
  const subject = attributesOf(pki.subject);
  const issuer = attributesOf(pki.issuer);
  const extensions = new Map((pki.extensions ?? []).map((e) => [e.extnID, e]));
  const keyUsage = keyUsageOf(extensions.get(OID.keyUsage));
  const policies = policiesOf(extensions.get(OID.certificatePolicies));
  const policyOids = options.policyOids && options.policyOids.length > 0 ? options.policyOids : DEFAULT_ENTERPRISE_POLICY_OIDS;

  const orgId = first(subject, OID.organizationIdentifier);
  const issuerOrgId = first(issuer, OID.organizationIdentifier);
  const orgNumber = orgNumberOf(subject);
  const enterprise = policies.some((p) => policyOids.includes(p)) || issuerOrgId?.startsWith('NTRNO') === true;
  let profile: SeidProfile | null = null;
  if (enterprise) {
    if (orgId?.startsWith('NTRNO') || issuerOrgId?.startsWith('NTRNO')) profile = 'SEID2';
    else if (orgNumber) profile = 'SEID1';
  }
  return {
    profile,
    orgNumber,
    orgName: first(subject, OID.organizationName) ?? first(subject, OID.commonName) ?? null,
    subject: displayName(subject),
    issuer: displayName(issuer),
    serial: x509.serialNumber.toUpperCase(),
    notBefore: new Date(x509.validFrom),
    notAfter: new Date(x509.validTo),
    keyUsage,
    role: keyUsage.includes('nonRepudiation') ? 'signing' : keyUsage.includes('keyEncipherment') || keyUsage.includes('dataEncipherment') ? 'encryption' : null,
    policies,
    crlUrls: crlUrlsOf(extensions.get(OID.crlDistributionPoints)),
    ocspUrls: ocspUrlsOf(extensions.get(OID.authorityInfoAccess)),
    x509,
    publicKey: x509.publicKey,
    der,
    pki,
  };
}

type Attributes = Array<{ type: string; value: string }>;

function attributesOf(name: pkijs.RelativeDistinguishedNames): Attributes {
  return name.typesAndValues.map((tv) => ({
    type: tv.type,
    value: String((tv.value as { valueBlock: { value: string | undefined } }).valueBlock.value ?? ''),
  }));
}

function first(attrs: Attributes, type: string): string | undefined {
  return attrs.find((a) => a.type === type)?.value;
}

function displayName(attrs: Attributes): string {
  return [...attrs]
    .reverse()
    .map((a) => `${SHORT_NAMES[a.type] ?? a.type}=${a.value}`)
    .join(', ');
}

/** organizationIdentifier `NTRNO-…` (SEID 2), serialNumber (SEID 1), or an OU that ends in the number (older profiles). */
function orgNumberOf(subject: Attributes): string | null {
  const orgId = /^NTRNO-(\d{9})$/.exec(first(subject, OID.organizationIdentifier) ?? '');
  if (orgId) return orgId[1]!;
  const serial = first(subject, OID.serialNumber)?.trim();
  if (serial && /^\d{9}$/.test(serial)) return serial;
  for (const ou of subject.filter((a) => a.type === OID.organizationalUnit || a.type === OID.organizationName)) {
    const m = /(\d{3}) ?(\d{3}) ?(\d{3})\s*$/.exec(ou.value);
    if (m && isOrganisationNumber(m.slice(1).join(''))) return m.slice(1).join('');
  }
  return null;
}

function keyUsageOf(ext: pkijs.Extension | undefined): KeyUsageName[] {
  const bits = (ext?.parsedValue as { valueBlock?: { valueHexView?: Uint8Array } } | undefined)?.valueBlock?.valueHexView;
  if (!bits) return [];
  return KEY_USAGE_BITS.filter((_, i) => ((bits[i >> 3] ?? 0) & (0x80 >> (i & 7))) !== 0);
}

function policiesOf(ext: pkijs.Extension | undefined): string[] {
  const parsed = ext?.parsedValue as pkijs.CertificatePolicies | undefined;
  return parsed?.certificatePolicies?.map((p) => p.policyIdentifier) ?? [];
}

const URI = 6;

function crlUrlsOf(ext: pkijs.Extension | undefined): string[] {
  const parsed = ext?.parsedValue as pkijs.CRLDistributionPoints | undefined;
  const urls: string[] = [];
  for (const point of parsed?.distributionPoints ?? []) {
    if (!Array.isArray(point.distributionPoint)) continue;
    for (const name of point.distributionPoint) if (name.type === URI) urls.push(String(name.value));
  }
  return urls;
}

function ocspUrlsOf(ext: pkijs.Extension | undefined): string[] {
  const parsed = ext?.parsedValue as pkijs.InfoAccess | undefined;
  return (parsed?.accessDescriptions ?? [])
    .filter((d) => d.accessMethod === OID.ocsp && d.accessLocation.type === URI)
    .map((d) => String(d.accessLocation.value));
}

/** Days from `now` to notAfter, rounded down; negative once expired. */
export function expiresInDays(cert: Pick<EnterpriseCertificate, 'notAfter'>, now: Date): number {
  return Math.floor((cert.notAfter.getTime() - now.getTime()) / 86_400_000);
}
