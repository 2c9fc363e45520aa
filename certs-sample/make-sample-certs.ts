/**
 * Makes the sample CA, the enterprise certificates for every validation case, the CA's CRL and the
 * clinic's PKCS#12 file. TEST MATERIAL ONLY: the keys are public in the repository.
 *
 * Dates and serial numbers are fixed, so a regeneration means the same thing (only the keys
 * differ), and the valid certificates outlive the test suite (2025-01-01 .. 2045-01-01).
 *
 *   npm run certs:sample            writes into certs-sample/
 *   tsx certs-sample/make-sample-certs.ts DIR
 *   tsx certs-sample/make-sample-certs.ts --missing [DIR]   only the leaves whose files are missing,
 *                                   issued by the CA already there (the others stay as they are)
 */
import { createHash, createPublicKey, generateKeyPairSync, webcrypto } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as asn1js from 'asn1js';
import forge from 'node-forge';
import * as pkijs from 'pkijs';

/** The sample certificate policy (under the ITU "example" arc 2.999): marks a sample enterprise certificate. */
export const SAMPLE_POLICY_OID = '2.999.4711.1.1';
export const SAMPLE_CRL_URL = 'http://crl.sample-ca.test/ca.crl';
export const SAMPLE_OCSP_URL = 'http://ocsp.sample-ca.test/';
const UNTRUSTED_CRL_URL = 'http://crl.untrusted.sample-ca.test/untrusted-ca.crl';
const UNTRUSTED_OCSP_URL = 'http://ocsp.untrusted.sample-ca.test/';

const VALID_FROM = new Date('2025-01-01T00:00:00Z');
const VALID_TO = new Date('2045-01-01T00:00:00Z');
const CRL_THIS_UPDATE = new Date('2025-06-01T00:00:00Z');
const REVOKED_AT = new Date('2025-05-01T00:00:00Z');

const CLINIC = { name: 'Fjordvik legekontor AS', org: '921543212' };
/** The demo's further clinics (demo/clinics.yaml): invented names, valid organisation numbers. */
export const CLINIC2 = { name: 'Nordlys legesenter AS', org: '913876547' };
export const CLINIC3 = { name: 'Bakkevik fastlegekontor AS', org: '924681357' };
const HELSENORGE = { name: 'Norsk helsenett SF (demo)', org: '998877660' };
const OTHER_ORG = '974760673';

type Usage = 'signing' | 'encryption' | 'encipherment-only';
type Profile = 'SEID1' | 'SEID2';

export interface Issued {
  cert: forge.pki.Certificate;
  key: forge.pki.rsa.PrivateKey;
  pkcs8Pem: string;
}

export interface LeafSpec {
  name: string;
  issuer: 'ca' | 'untrusted-ca';
  party: { name: string; org: string };
  profile: Profile;
  usage: Usage;
  from?: Date;
  to?: Date;
}

const LEAVES: LeafSpec[] = [
  { name: 'clinic-signing', issuer: 'ca', party: CLINIC, profile: 'SEID2', usage: 'signing' },
  { name: 'clinic-encryption', issuer: 'ca', party: CLINIC, profile: 'SEID2', usage: 'encryption' },
  { name: 'clinic-signing-seid1', issuer: 'ca', party: CLINIC, profile: 'SEID1', usage: 'signing' },
  { name: 'clinic-encryption-seid1', issuer: 'ca', party: CLINIC, profile: 'SEID1', usage: 'encryption' },
  { name: 'clinic-encryption-next', issuer: 'ca', party: CLINIC, profile: 'SEID2', usage: 'encryption' },
  { name: 'clinic-signing-next', issuer: 'ca', party: CLINIC, profile: 'SEID2', usage: 'signing' },
  {
    name: 'clinic-signing-expired',
    issuer: 'ca',
    party: CLINIC,
    profile: 'SEID2',
    usage: 'signing',
    from: new Date('2020-01-01T00:00:00Z'),
    to: new Date('2021-01-01T00:00:00Z'),
  },
  {
    name: 'clinic-encryption-expired',
    issuer: 'ca',
    party: CLINIC,
    profile: 'SEID2',
    usage: 'encryption',
    from: new Date('2020-01-01T00:00:00Z'),
    to: new Date('2021-01-01T00:00:00Z'),
  },
  {
    name: 'clinic-signing-not-yet-valid',
    issuer: 'ca',
    party: CLINIC,
    profile: 'SEID2',
    usage: 'signing',
    from: new Date('2090-01-01T00:00:00Z'),
    to: new Date('2095-01-01T00:00:00Z'),
  },
  { name: 'clinic-signing-wrong-usage', issuer: 'ca', party: CLINIC, profile: 'SEID2', usage: 'encipherment-only' },
  { name: 'clinic-signing-revoked', issuer: 'ca', party: CLINIC, profile: 'SEID2', usage: 'signing' },
  { name: 'clinic-signing-untrusted', issuer: 'untrusted-ca', party: CLINIC, profile: 'SEID2', usage: 'signing' },
  { name: 'clinic-signing-wrong-org', issuer: 'ca', party: { name: CLINIC.name, org: OTHER_ORG }, profile: 'SEID2', usage: 'signing' },
  { name: 'helsenorge-signing', issuer: 'ca', party: HELSENORGE, profile: 'SEID2', usage: 'signing' },
  { name: 'helsenorge-encryption', issuer: 'ca', party: HELSENORGE, profile: 'SEID2', usage: 'encryption' },
  { name: 'clinic2-signing', issuer: 'ca', party: CLINIC2, profile: 'SEID2', usage: 'signing' },
  { name: 'clinic2-encryption', issuer: 'ca', party: CLINIC2, profile: 'SEID2', usage: 'encryption' },
  { name: 'clinic3-signing', issuer: 'ca', party: CLINIC3, profile: 'SEID2', usage: 'signing' },
  { name: 'clinic3-encryption', issuer: 'ca', party: CLINIC3, profile: 'SEID2', usage: 'encryption' },
];

const REVOKED = ['clinic-signing-revoked'];

/** A fixed, positive serial per name, so the CRL and tests can name certificates by serial across regenerations. */
export function serialFor(name: string): string {
  const h = createHash('sha256').update(`epj-gateway sample ${name}`).digest('hex').slice(0, 16);
  return (0x10 + (parseInt(h.slice(0, 2), 16) % 0x60)).toString(16) + h.slice(2);
}

type KeyPair = { key: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey; pkcs8Pem: string };

function newKey(): KeyPair {
  // Node's OpenSSL makes RSA keys in milliseconds; node-forge's pure-JS generation takes seconds each.
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return keyPairOf(privateKey, publicKey);
}

function keyPairOf(pkcs8Pem: string, publicKeyPem: string): KeyPair {
  return { key: forge.pki.privateKeyFromPem(pkcs8Pem), publicKey: forge.pki.publicKeyFromPem(publicKeyPem), pkcs8Pem };
}

/** An existing PKCS#8 PEM key, so a certificate can be issued anew for a key already published. */
export function keyPairFromPem(pkcs8Pem: string): KeyPair {
  const publicKeyPem = createPublicKey(pkcs8Pem).export({ type: 'spki', format: 'pem' }).toString();
  return keyPairOf(pkcs8Pem, publicKeyPem);
}

/** The sample CA as `makeSampleCertificates` wrote it into `dir`, to issue further leaves with. */
export function readSampleCa(dir: string): Issued {
  const pkcs8Pem = readFileSync(path.join(dir, 'ca.key.pem'), 'utf8');
  return { cert: forge.pki.certificateFromPem(readFileSync(path.join(dir, 'ca.cert.pem'), 'utf8')), key: forge.pki.privateKeyFromPem(pkcs8Pem), pkcs8Pem };
}

// @types/node-forge types valueTagClass as an asn1 class; forge reads it as the string type (UTF8 here).
const utf8 = forge.asn1.Type.UTF8 as unknown as forge.asn1.Class;
const { Class, Type, create, oidToDer } = forge.asn1;

function subjectFor(spec: LeafSpec): forge.pki.CertificateField[] {
  const role = spec.usage === 'encryption' ? 'kryptering' : 'signering';
  const attrs: forge.pki.CertificateField[] = [{ name: 'countryName', value: 'NO' }];
  attrs.push({ name: 'organizationName', value: spec.party.name, valueTagClass: utf8 });
  if (spec.profile === 'SEID2') attrs.push({ type: '2.5.4.97', value: `NTRNO-${spec.party.org}`, valueTagClass: utf8 });
  else attrs.push({ name: 'serialNumber', value: spec.party.org });
  attrs.push({ name: 'commonName', value: `${spec.party.name} (${role})`, valueTagClass: utf8 });
  return attrs;
}

function caSubject(cn: string): forge.pki.CertificateField[] {
  return [
    { name: 'countryName', value: 'NO' },
    { name: 'organizationName', value: 'epj-gateway test material', valueTagClass: utf8 },
    { name: 'commonName', value: cn, valueTagClass: utf8 },
  ];
}

function certificatePolicies(oid: string) {
  const policy = create(Class.UNIVERSAL, Type.SEQUENCE, true, [create(Class.UNIVERSAL, Type.OID, false, oidToDer(oid).getBytes())]);
  return { id: '2.5.29.32', value: create(Class.UNIVERSAL, Type.SEQUENCE, true, [policy]) };
}

function authorityInfoAccess(ocspUrl: string) {
  const ocsp = create(Class.UNIVERSAL, Type.SEQUENCE, true, [
    create(Class.UNIVERSAL, Type.OID, false, oidToDer('1.3.6.1.5.5.7.48.1').getBytes()),
    create(Class.CONTEXT_SPECIFIC, 6, false, ocspUrl),
  ]);
  return { id: '1.3.6.1.5.5.7.1.1', value: create(Class.UNIVERSAL, Type.SEQUENCE, true, [ocsp]) };
}

const KEY_USAGE: Record<Usage, object> = {
  signing: { name: 'keyUsage', critical: true, nonRepudiation: true, digitalSignature: true },
  encryption: { name: 'keyUsage', critical: true, keyEncipherment: true, dataEncipherment: true },
  'encipherment-only': { name: 'keyUsage', critical: true, keyEncipherment: true },
};

function makeCa(cn: string, serialName: string): Issued {
  const { key, publicKey, pkcs8Pem } = newKey();
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = serialFor(serialName);
  cert.validity.notBefore = VALID_FROM;
  cert.validity.notAfter = VALID_TO;
  cert.setSubject(caSubject(cn));
  cert.setIssuer(caSubject(cn));
  cert.setExtensions([
    { name: 'basicConstraints', critical: true, cA: true },
    { name: 'keyUsage', critical: true, keyCertSign: true, cRLSign: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(key, forge.md.sha256.create());
  return { cert, key, pkcs8Pem };
}

/** A leaf certificate for `spec`; a new key unless one is given, the serial fixed by the name unless one is given. */
export function makeLeaf(
  spec: LeafSpec,
  issuer: Issued,
  urls: { crl: string; ocsp: string } = { crl: SAMPLE_CRL_URL, ocsp: SAMPLE_OCSP_URL },
  options: { keyPair?: KeyPair; serial?: string } = {},
): Issued {
  const { key, publicKey, pkcs8Pem } = options.keyPair ?? newKey();
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = options.serial ?? serialFor(spec.name);
  cert.validity.notBefore = spec.from ?? VALID_FROM;
  cert.validity.notAfter = spec.to ?? VALID_TO;
  cert.setSubject(subjectFor(spec));
  cert.setIssuer(issuer.cert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', critical: true, cA: false },
    KEY_USAGE[spec.usage],
    certificatePolicies(SAMPLE_POLICY_OID),
    { name: 'cRLDistributionPoints', altNames: [{ type: 6, value: urls.crl }] },
    authorityInfoAccess(urls.ocsp),
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: issuer.cert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(issuer.key, forge.md.sha256.create());
  return { cert, key, pkcs8Pem };
}

export interface CrlDates {
  thisUpdate: Date;
  nextUpdate: Date;
  revokedAt: Date;
}

/**
 * A CRL in the CA's name, signed with Node's webcrypto through pkijs (node-forge cannot make CRLs).
 * Tests call it too, with other dates or another key, to serve stale or forged lists.
 */
export async function makeCrl(
  ca: { certDer: Buffer; keyPem: string },
  revokedSerials: string[],
  dates: CrlDates = { thisUpdate: CRL_THIS_UPDATE, nextUpdate: VALID_TO, revokedAt: REVOKED_AT },
): Promise<Buffer> {
  const engine = new pkijs.CryptoEngine({ name: 'node', crypto: webcrypto });
  pkijs.setEngine('node', engine);
  const caCert = pkijs.Certificate.fromBER(ca.certDer);
  const time = (value: Date) => new pkijs.Time({ type: value.getUTCFullYear() < 2050 ? 0 : 1, value });
  const crl = new pkijs.CertificateRevocationList();
  crl.version = 1;
  crl.issuer = caCert.subject;
  crl.thisUpdate = time(dates.thisUpdate);
  crl.nextUpdate = time(dates.nextUpdate);
  if (revokedSerials.length > 0) {
    crl.revokedCertificates = revokedSerials.map(
      (hex) =>
        new pkijs.RevokedCertificate({ userCertificate: new asn1js.Integer({ valueHex: Buffer.from(hex, 'hex') }), revocationDate: time(dates.revokedAt) }),
    );
  }
  const ski = caCert.extensions?.find((e) => e.extnID === '2.5.29.14')?.parsedValue as asn1js.OctetString | undefined;
  crl.crlExtensions = new pkijs.Extensions({
    extensions: [
      ...(ski
        ? [
            new pkijs.Extension({
              extnID: '2.5.29.35',
              extnValue: new pkijs.AuthorityKeyIdentifier({ keyIdentifier: new asn1js.OctetString({ valueHex: ski.valueBlock.valueHexView }) })
                .toSchema()
                .toBER(false),
            }),
          ]
        : []),
      new pkijs.Extension({ extnID: '2.5.29.20', extnValue: new asn1js.Integer({ value: 1 }).toBER(false) }),
    ],
  });
  const der = Buffer.from(ca.keyPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  const key = await webcrypto.subtle.importKey('pkcs8', der, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign']);
  await crl.sign(key, 'SHA-256');
  return Buffer.from((crl.toSchema(true) as asn1js.Sequence).toBER(false));
}

function derOf(cert: forge.pki.Certificate): Buffer {
  return Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary');
}

function pemOf(der: Buffer, label: string): string {
  const lines = der
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n');
  return `-----BEGIN ${label}-----\n${lines}\n-----END ${label}-----\n`;
}

function writeIssued(dir: string, name: string, issued: Issued): void {
  writeFileSync(path.join(dir, `${name}.cert.pem`), forge.pki.certificateToPem(issued.cert));
  writeFileSync(path.join(dir, `${name}.key.pem`), issued.pkcs8Pem);
}

/**
 * Issues, with the CA already in `dir`, the leaves of the sample CA whose files are missing, and
 * touches nothing else: tests depend on the keys of the files there. How the demo's further
 * clinics got their certificates without a full regeneration.
 */
export function makeMissingLeaves(dir: string): string[] {
  const ca = readSampleCa(dir);
  const missing = LEAVES.filter((spec) => spec.issuer === 'ca' && !existsSync(path.join(dir, `${spec.name}.cert.pem`)));
  for (const spec of missing) writeIssued(dir, spec.name, makeLeaf(spec, ca));
  return missing.map((spec) => spec.name);
}

export async function makeSampleCertificates(dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const write = (name: string, issued: Issued) => writeIssued(dir, name, issued);
  const ca = makeCa('epj-gateway Sample CA', 'ca');
  const untrustedCa = makeCa('epj-gateway Untrusted Sample CA', 'untrusted-ca');
  write('ca', ca);
  write('untrusted-ca', untrustedCa);

  const leaves = new Map<string, Issued>();
  for (const spec of LEAVES) {
    const untrusted = spec.issuer === 'untrusted-ca';
    const issued = makeLeaf(
      spec,
      untrusted ? untrustedCa : ca,
      untrusted ? { crl: UNTRUSTED_CRL_URL, ocsp: UNTRUSTED_OCSP_URL } : { crl: SAMPLE_CRL_URL, ocsp: SAMPLE_OCSP_URL },
    );
    leaves.set(spec.name, issued);
    write(spec.name, issued);
  }

  const crl = await makeCrl({ certDer: derOf(ca.cert), keyPem: ca.pkcs8Pem }, REVOKED.map(serialFor));
  writeFileSync(path.join(dir, 'ca.crl.der'), crl);
  writeFileSync(path.join(dir, 'ca.crl.pem'), pemOf(crl, 'X509 CRL'));

  const signing = leaves.get('clinic-signing')!;
  const p12 = forge.pkcs12.toPkcs12Asn1(signing.key, [signing.cert, ca.cert], 'sample', { algorithm: 'aes256', friendlyName: 'clinic-signing' });
  writeFileSync(path.join(dir, 'clinic.p12'), Buffer.from(forge.asn1.toDer(p12).getBytes(), 'binary'));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const missingOnly = process.argv[2] === '--missing';
  const dir = process.argv[missingOnly ? 3 : 2] ?? path.dirname(fileURLToPath(import.meta.url));
  if (missingOnly) {
    const made = makeMissingLeaves(dir);
    console.log(made.length ? `issued ${made.join(', ')} in ${dir}` : `no leaf is missing in ${dir}`);
  } else {
    await makeSampleCertificates(dir);
    console.log(`sample certificates written to ${dir}`);
  }
}
