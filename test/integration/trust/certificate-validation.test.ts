import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import path from 'node:path';
import { certificateErrorOf, validateCertificate, type ValidationOptions } from '../../../src/trust/certificate-validation.js';
import { checkClinicCertificates } from '../../../src/trust/clinic-certificates.js';
import { parseCertificate } from '../../../src/trust/enterprise-certificate.js';
import { RevocationChecker } from '../../../src/trust/revocation.js';
import { trustFromConfig } from '../../../src/trust/trust-from-config.js';
import { loadTrustStore } from '../../../src/trust/trust-store.js';
import { loadConfig } from '../../../src/config.js';
import { tempDir } from '../../helpers/tmp.js';
import { sample, SAMPLE_DIR, startRevocationServer, type RevocationServer } from '../../helpers/revocation-server.js';

const NOW = new Date('2026-03-01T12:00:00Z');
const CLINIC_ORG = '921543212';
const trustStore = loadTrustStore([`${SAMPLE_DIR}/ca.cert.pem`]);
const cert = (name: string) => parseCertificate(sample(`${name}.cert.pem`));

describe('trust/certificate-validation: every fault, all at once', () => {
  let server: RevocationServer;
  let revocation: RevocationChecker;
  const options = (extra: Partial<ValidationOptions> = {}): ValidationOptions => ({ trustStore, revocation, now: NOW, ...extra });

  beforeEach(async () => {
    server = await startRevocationServer();
    server.clock = () => NOW;
    revocation = new RevocationChecker({ crlRefreshHours: 6, softFailHours: 24, proxy: server.url, timeoutMs: 2000, now: () => NOW });
  });
  afterEach(() => server.close());

  it("valid: the clinic's certificates in both profiles, for their roles and organisation", async () => {
    for (const [name, role] of [
      ['clinic-signing', 'signing'],
      ['clinic-encryption', 'encryption'],
      ['clinic-signing-seid1', 'signing'],
      ['clinic-encryption-seid1', 'encryption'],
      ['clinic-encryption-next', 'encryption'],
    ] as const) {
      const result = await validateCertificate(cert(name), options({ role, expectedOrgNumber: CLINIC_ORG }));
      assert.deepEqual(result.errors, [], name);
      assert.equal(result.status, 'valid');
      assert.equal(result.expiresInDays, 6880);
      assert.deepEqual(result.revocation, { state: 'good', source: 'crl' });
    }
  });

  it('not-yet-valid and expired', async () => {
    assert.deepEqual((await validateCertificate(cert('clinic-signing-not-yet-valid'), options({ role: 'signing' }))).errors, ['not-yet-valid']);
    const expired = await validateCertificate(cert('clinic-signing-expired'), options({ role: 'signing' }));
    assert.deepEqual(expired.errors, ['expired']);
    assert.ok(expired.expiresInDays < 0);
    assert.deepEqual((await validateCertificate(cert('clinic-encryption-expired'), options({ role: 'encryption' }))).errors, ['expired']);
  });

  it('wrong-usage: a certificate in the other role, one without nonRepudiation, one outside the enterprise policies', async () => {
    assert.deepEqual((await validateCertificate(cert('clinic-signing-wrong-usage'), options({ role: 'signing' }))).errors, ['wrong-usage']);
    assert.deepEqual((await validateCertificate(cert('clinic-encryption'), options({ role: 'signing' }))).errors, ['wrong-usage']);
    assert.deepEqual((await validateCertificate(cert('clinic-signing'), options({ role: 'encryption' }))).errors, ['wrong-usage']);
    const notEnterprise = parseCertificate(sample('clinic-signing.cert.pem'), { policyOids: ['2.16.578.1.26.1.3.2'] });
    assert.deepEqual((await validateCertificate(notEnterprise, options({ role: 'signing' }))).errors, ['wrong-usage']);
  });

  it('untrusted-chain: issued by a CA outside the trust store (and no revocation asked of it)', async () => {
    const result = await validateCertificate(cert('clinic-signing-untrusted'), options({ role: 'signing', expectedOrgNumber: CLINIC_ORG }));
    assert.deepEqual(result.errors, ['untrusted-chain']);
    assert.match(result.chainProblem ?? '', /not in the trust store/);
    assert.equal(result.revocation, null);
    assert.deepEqual(server.requests, []);
  });

  it('revoked: by the CRL, and by OCSP when the CRL cannot be had', async () => {
    const byCrl = await validateCertificate(cert('clinic-signing-revoked'), options({ role: 'signing' }));
    assert.deepEqual(byCrl.errors, ['revoked']);
    assert.equal(byCrl.revocation?.source, 'crl');
    server.crls.clear();
    const fresh = new RevocationChecker({ crlRefreshHours: 6, softFailHours: 24, proxy: server.url, timeoutMs: 2000, now: () => NOW });
    const byOcsp = await validateCertificate(cert('clinic-signing-revoked'), options({ role: 'signing', revocation: fresh }));
    assert.deepEqual(byOcsp.errors, ['revoked']);
    assert.equal(byOcsp.revocation?.source, 'ocsp');
  });

  it('revocation-unknown only past the soft-fail window; inside it the certificate stays valid, status unavailable', async () => {
    server.up = false;
    const inside = await validateCertificate(cert('clinic-signing'), options({ role: 'signing' }));
    assert.equal(inside.status, 'valid');
    assert.equal(inside.revocation?.state, 'unavailable');
    const strict = new RevocationChecker({ crlRefreshHours: 6, softFailHours: 0, proxy: server.url, timeoutMs: 2000, now: () => NOW });
    const past = await validateCertificate(cert('clinic-signing'), options({ role: 'signing', revocation: strict }));
    assert.deepEqual(past.errors, ['revocation-unknown']);
  });

  it("org-number-mismatch: another organisation's certificate, or the right one checked against another number", async () => {
    assert.deepEqual((await validateCertificate(cert('clinic-signing-wrong-org'), options({ role: 'signing', expectedOrgNumber: CLINIC_ORG }))).errors, [
      'org-number-mismatch',
    ]);
    assert.deepEqual((await validateCertificate(cert('helsenorge-signing'), options({ role: 'signing', expectedOrgNumber: '998877660' }))).errors, []);
    assert.deepEqual((await validateCertificate(cert('helsenorge-signing'), options({ role: 'signing', expectedOrgNumber: CLINIC_ORG }))).errors, [
      'org-number-mismatch',
    ]);
  });

  it('missing: no certificate at all', async () => {
    assert.deepEqual(await validateCertificate(null, options()), { status: 'invalid', errors: ['missing'], expiresInDays: 0, revocation: null });
  });

  it('names every fault of one certificate together', async () => {
    const result = await validateCertificate(cert('clinic-signing-expired'), options({ role: 'encryption', expectedOrgNumber: '974760673' }));
    assert.deepEqual(result.errors, ['expired', 'wrong-usage', 'org-number-mismatch']);
    const untrusted = await validateCertificate(
      cert('clinic-signing-untrusted'),
      options({ role: 'encryption', expectedOrgNumber: '974760673', now: new Date('2050-01-01T00:00:00Z') }),
    );
    assert.deepEqual(untrusted.errors, ['expired', 'wrong-usage', 'untrusted-chain', 'org-number-mismatch']);
  });

  it('maps to the error a message meets: revoked S03, other faults S02, unreachable CA waits, inside the window passes', async () => {
    const revoked = certificateErrorOf(
      await validateCertificate(cert('clinic-signing-revoked'), options({ role: 'signing' })),
      "the sender's signing certificate",
    );
    assert.deepEqual([revoked?.code, revoked?.appRec], ['CERT_REVOKED', 'S03']);
    const invalid = certificateErrorOf(
      await validateCertificate(cert('clinic-signing-expired'), options({ role: 'signing', expectedOrgNumber: CLINIC_ORG })),
      'sender',
    );
    assert.deepEqual([invalid?.code, invalid?.appRec], ['CERT_INVALID', 'S02']);
    assert.match(invalid!.message, /\(sender: expired\)/);
    server.up = false;
    assert.equal(certificateErrorOf(await validateCertificate(cert('clinic-signing'), options({ role: 'signing' })), 'sender'), null);
    const strict = new RevocationChecker({ crlRefreshHours: 6, softFailHours: 0, proxy: server.url, timeoutMs: 2000, now: () => NOW });
    const waits = certificateErrorOf(await validateCertificate(cert('clinic-signing'), options({ role: 'signing', revocation: strict })), 'sender');
    assert.deepEqual([waits?.code, waits?.status, waits?.appRec], ['CERT_REVOCATION_UNAVAILABLE', 503, undefined]);
  });

  it('without a role asked, the key usage decides; without a revocation checker none is asked', async () => {
    assert.equal((await validateCertificate(cert('clinic-encryption'), { trustStore, now: NOW })).status, 'valid');
    assert.deepEqual((await validateCertificate(cert('ca'), { trustStore, now: NOW })).errors, ['wrong-usage']);
    assert.deepEqual(server.requests, []);
  });
});

describe('trust/clinic-certificates: the check the certificate watcher runs', () => {
  let server: RevocationServer;
  before(async () => {
    server = await startRevocationServer();
  });
  after(() => server.close());

  const trust = () => trustFromConfig(loadConfig({ REVOCATION_HTTP_PROXY: server.url, REVOCATION_TIMEOUT_MS: '2000' }));

  it('the demo settings: both certificates valid, no faults', async () => {
    const checks = await checkClinicCertificates(loadConfig({}), { trust: trust() });
    assert.deepEqual(
      checks.map((c) => [c.role, c.faults]),
      [
        ['signing', []],
        ['encryption', []],
      ],
    );
    assert.equal(checks[0]!.serial, cert('clinic-signing').serial);
    assert.equal(checks[0]!.notAfter, '2045-01-01T00:00:00.000Z');
    assert.ok(checks[0]!.expiresInDays > 6000);
  });

  it('faults per role: a revoked signing certificate, a missing encryption key, another organisation', async () => {
    const dir = tempDir('clinic-certs');
    copyFileSync(`${SAMPLE_DIR}/clinic-encryption.cert.pem`, path.join(dir, 'enc.cert.pem'));
    const config = loadConfig({
      CLINIC_SIGNING_CERT: `${SAMPLE_DIR}/clinic-signing-revoked.cert.pem`,
      CLINIC_SIGNING_KEY: `${SAMPLE_DIR}/clinic-signing-revoked.key.pem`,
      CLINIC_ENCRYPTION_CERT: path.join(dir, 'enc.cert.pem'),
      CLINIC_ENCRYPTION_KEY: path.join(dir, 'enc.key.pem'),
    });
    const checks = await checkClinicCertificates(config, { trust: trust() });
    assert.deepEqual(
      checks.map((c) => [c.role, c.faults]),
      [
        ['signing', ['revoked']],
        ['encryption', ['missing']],
      ],
    );
    const other = await checkClinicCertificates(loadConfig({ CLINIC_ORG_NUMBER: '974760673' }), { trust: trust() });
    assert.deepEqual(
      other.map((c) => c.faults),
      [['org-number-mismatch'], ['org-number-mismatch']],
    );
  });

  it('a certificate file that is not there is missing', async () => {
    const checks = await checkClinicCertificates(loadConfig({ CLINIC_SIGNING_CERT: '/nonexistent/clinic.pem' }), { trust: trust() });
    assert.deepEqual(checks[0], { role: 'signing', serial: '', notAfter: '', expiresInDays: 0, faults: ['missing'] });
  });
});
