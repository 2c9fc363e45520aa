import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import forge from 'node-forge';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { certificateDer, DEFAULT_ENTERPRISE_POLICY_OIDS, expiresInDays, parseCertificate } from '../../../src/trust/enterprise-certificate.js';
import { readPkcs12 } from '../../../src/trust/pkcs12.js';
import { loadTrustStore, trustStoreOf } from '../../../src/trust/trust-store.js';
import { isGatewayError } from '../../../src/errors.js';
import { tempDir } from '../../helpers/tmp.js';
import { sample, SAMPLE_DIR } from '../../helpers/revocation-server.js';

const cert = (name: string) => parseCertificate(sample(`${name}.cert.pem`));

describe('trust/enterprise-certificate: reading enterprise certificates', () => {
  it('reads a SEID 2 certificate: organizationIdentifier NTRNO-, role by key usage, revocation addresses', () => {
    const c = cert('clinic-signing');
    assert.equal(c.profile, 'SEID2');
    assert.equal(c.orgNumber, '921543212');
    assert.equal(c.orgName, 'Fjordvik legekontor AS');
    assert.equal(c.issuer, 'CN=epj-gateway Sample CA, O=epj-gateway test material, C=NO');
    assert.match(c.serial, /^[0-9A-F]{16}$/);
    assert.equal(c.notBefore.toISOString(), '2025-01-01T00:00:00.000Z');
    assert.equal(c.notAfter.toISOString(), '2045-01-01T00:00:00.000Z');
    assert.deepEqual(c.keyUsage, ['digitalSignature', 'nonRepudiation']);
    assert.equal(c.role, 'signing');
    assert.deepEqual(c.policies, ['2.999.4711.1.1']);
    assert.deepEqual(c.crlUrls, ['http://crl.sample-ca.test/ca.crl']);
    assert.deepEqual(c.ocspUrls, ['http://ocsp.sample-ca.test/']);
    assert.equal(cert('clinic-encryption').role, 'encryption');
    assert.deepEqual(cert('clinic-encryption').keyUsage, ['keyEncipherment', 'dataEncipherment']);
  });

  it('reads a SEID 1 certificate: organisation number in the subject serialNumber', () => {
    const c = cert('clinic-encryption-seid1');
    assert.equal(c.profile, 'SEID1');
    assert.equal(c.orgNumber, '921543212');
    assert.equal(c.role, 'encryption');
    assert.equal(cert('clinic-signing-seid1').role, 'signing');
  });

  it('reads the Helsenorge side and the wrong-organisation certificate', () => {
    assert.equal(cert('helsenorge-signing').orgNumber, '998877660');
    assert.equal(cert('helsenorge-encryption').orgName, 'Norsk helsenett SF (demo)');
    assert.equal(cert('clinic-signing-wrong-org').orgNumber, '974760673');
  });

  it('is not an enterprise certificate outside the configured policies (profile null), and a CA is none', () => {
    assert.equal(parseCertificate(sample('clinic-signing.cert.pem'), { policyOids: ['2.16.578.1.26.1.3.2'] }).profile, null);
    assert.equal(cert('ca').profile, null);
    assert.equal(cert('ca').role, null);
    assert.ok(DEFAULT_ENTERPRISE_POLICY_OIDS.includes('2.16.578.1.26.1.3.2'), 'Buypass enterprise policy');
    assert.ok(DEFAULT_ENTERPRISE_POLICY_OIDS.includes('2.16.578.1.29.13.1.1.0'), 'Commfides enterprise policy');
  });

  it('reads DER as well as PEM, the same certificate', () => {
    const der = certificateDer(sample('clinic-signing.cert.pem'));
    assert.equal(der[0], 0x30);
    const fromDer = parseCertificate(der);
    assert.equal(fromDer.serial, cert('clinic-signing').serial);
    assert.equal(fromDer.profile, 'SEID2');
  });

  it('refuses what is not a certificate with CERT_UNREADABLE', () => {
    for (const bad of [Buffer.from('hello'), Buffer.from('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n'), sample('ca.crl.der')]) {
      assert.throws(
        () => parseCertificate(bad),
        (err) => isGatewayError(err) && err.code === 'CERT_UNREADABLE',
      );
    }
  });

  it('counts the days to expiry, negative once expired', () => {
    assert.equal(expiresInDays(cert('clinic-signing'), new Date('2044-12-02T00:00:00Z')), 30);
    assert.ok(expiresInDays(cert('clinic-signing-expired'), new Date('2026-01-01T00:00:00Z')) < 0);
  });
});

describe('trust/pkcs12: the clinic key and certificate from a .p12 file', () => {
  it('reads certs-sample/clinic.p12 (node-forge made): the certificate that matches the key, the CA beside it', () => {
    const id = readPkcs12(sample('clinic.p12'), 'sample');
    assert.equal(id.certificate.serial, cert('clinic-signing').serial);
    assert.equal(id.privateKey.asymmetricKeyType, 'rsa');
    assert.deepEqual(
      id.chain.map((c) => c.subject),
      ['CN=epj-gateway Sample CA, O=epj-gateway test material, C=NO'],
    );
  });

  it('reads a PKCS#12 file made by openssl (AES-256, PBKDF2) with the CA first in the file', () => {
    const dir = tempDir('p12');
    const out = path.join(dir, 'clinic.p12');
    execFileSync('openssl', [
      'pkcs12',
      '-export',
      '-out',
      out,
      '-passout',
      'pass:sample',
      '-inkey',
      `${SAMPLE_DIR}/clinic-encryption.key.pem`,
      '-in',
      `${SAMPLE_DIR}/clinic-encryption.cert.pem`,
      '-certfile',
      `${SAMPLE_DIR}/ca.cert.pem`,
    ]);
    const id = readPkcs12(readFileSync(out), 'sample');
    assert.equal(id.certificate.serial, cert('clinic-encryption').serial);
    assert.equal(id.certificate.role, 'encryption');
  });

  it('a wrong password is KEY_UNREADABLE', () => {
    assert.throws(
      () => readPkcs12(sample('clinic.p12'), 'wrong'),
      (err) => isGatewayError(err) && err.code === 'KEY_UNREADABLE',
    );
  });
});

describe('trust/trust-store', () => {
  it('loads TRUST_CA_FILES and finds the issuer by name and signature', () => {
    const store = loadTrustStore([`${SAMPLE_DIR}/ca.cert.pem`]);
    const now = new Date('2026-01-01T00:00:00Z');
    assert.equal(store.checkChain(cert('clinic-signing').x509, now).trusted, true);
    const untrusted = store.checkChain(cert('clinic-signing-untrusted').x509, now);
    assert.equal(untrusted.trusted, false);
    assert.match(untrusted.reason ?? '', /not in the trust store/);
  });

  it('a CA with the same name but another key does not make the certificate trusted', () => {
    const impostor = selfSignedLike(sample('ca.cert.pem'));
    const check = trustStoreOf([impostor]).checkChain(cert('clinic-signing').x509, new Date('2026-01-01T00:00:00Z'));
    assert.equal(check.trusted, false);
    assert.match(check.reason ?? '', /signature does not verify/);
  });

  it('refuses a file that is not a CA certificate with TRUST_STORE_INVALID', () => {
    for (const files of [[`${SAMPLE_DIR}/clinic-signing.cert.pem`], [`${SAMPLE_DIR}/nothing-here.pem`], []]) {
      assert.throws(
        () => loadTrustStore(files),
        (err) => isGatewayError(err) && err.code === 'TRUST_STORE_INVALID',
      );
    }
  });
});

/** A self-signed CA certificate with the given CA's name and extensions, on a fresh key. */
function selfSignedLike(caPem: Buffer): string {
  const original = forge.pki.certificateFromPem(caPem.toString());
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const key = forge.pki.privateKeyFromPem(privateKey);
  const impostor = forge.pki.createCertificate();
  impostor.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  impostor.serialNumber = '01';
  impostor.validity = original.validity;
  impostor.setSubject(original.subject.attributes);
  impostor.setIssuer(original.subject.attributes);
  impostor.setExtensions([{ name: 'basicConstraints', critical: true, cA: true }]);
  impostor.sign(key, forge.md.sha256.create());
  return forge.pki.certificateToPem(impostor);
}
