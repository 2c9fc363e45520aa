import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { certificateDer } from '../../../src/trust/enterprise-certificate.js';
import { runCli } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/tmp.js';
import { sample, startRevocationServer, type RevocationServer } from '../../helpers/revocation-server.js';

const KEYS = ['profile', 'orgNumber', 'orgName', 'issuer', 'serial', 'notBefore', 'notAfter', 'keyUsage', 'role', 'status', 'errors', 'expiresInDays'];
const file = (name: string) => `certs-sample/${name}.cert.pem`;

describe('cli: epj-gateway cert inspect', function () {
  this.timeout(60_000);
  let server: RevocationServer;
  let env: Record<string, string>;
  before(async () => {
    server = await startRevocationServer();
    // The CA's .test addresses reach the local server as they would reach the clinic's proxy.
    env = { REVOCATION_HTTP_PROXY: server.url, REVOCATION_TIMEOUT_MS: '3000', LOG_LEVEL: 'silent' };
  });
  after(() => server.close());

  const inspect = async (args: string[]) => {
    const r = await runCli(['cert', 'inspect', ...args], env);
    return { ...r, report: args.includes('--json') && r.stdout ? (JSON.parse(r.stdout) as Record<string, unknown>) : undefined };
  };

  it('--json prints the contract, keys in order; exit 0 for a valid signing certificate of the organisation', async () => {
    const { code, stdout, report } = await inspect([file('clinic-signing'), '--json', '--role', 'signing', '--org', '921543212']);
    assert.equal(code, 0);
    assert.equal(stdout.trim().split('\n').length, 1);
    assert.deepEqual(Object.keys(report!), KEYS);
    assert.equal(report!.profile, 'SEID2');
    assert.equal(report!.orgNumber, '921543212');
    assert.equal(report!.orgName, 'Fjordvik legekontor AS');
    assert.equal(report!.issuer, 'CN=epj-gateway Sample CA, O=epj-gateway test material, C=NO');
    assert.equal(report!.notAfter, '2045-01-01T00:00:00.000Z');
    assert.deepEqual(report!.keyUsage, ['digitalSignature', 'nonRepudiation']);
    assert.equal(report!.role, 'signing');
    assert.equal(report!.status, 'valid');
    assert.deepEqual(report!.errors, []);
    assert.equal(typeof report!.expiresInDays, 'number');
    assert.ok(server.requests.includes('GET http://crl.sample-ca.test/ca.crl'));
  });

  it('reads DER, and a SEID 1 certificate', async () => {
    const dir = tempDir('cert-cli');
    const der = path.join(dir, 'clinic-encryption-seid1.cer');
    writeFileSync(der, certificateDer(sample('clinic-encryption-seid1.cert.pem')));
    const { code, report } = await inspect([der, '--json', '--role', 'encryption']);
    assert.equal(code, 0);
    assert.equal(report!.profile, 'SEID1');
    assert.equal(report!.role, 'encryption');
  });

  it('exit 1 with the codes: revoked (CRL from the local CA), wrong role, other organisation, untrusted, expired', async () => {
    const cases: Array<[string[], string[]]> = [
      [[file('clinic-signing-revoked')], ['revoked']],
      [[file('clinic-signing'), '--role', 'encryption'], ['wrong-usage']],
      [[file('clinic-signing-wrong-org'), '--org', '921543212'], ['org-number-mismatch']],
      [[file('clinic-signing-untrusted')], ['untrusted-chain']],
      [[file('clinic-signing-expired'), '--role', 'signing'], ['expired']],
      [[file('clinic-signing-not-yet-valid')], ['not-yet-valid']],
      [['certs-sample/no-such.cert.pem'], ['missing']],
    ];
    for (const [args, errors] of cases) {
      const { code, report } = await inspect([...args, '--json']);
      assert.equal(code, 1, args.join(' '));
      assert.equal(report!.status, 'invalid');
      assert.deepEqual(report!.errors, errors, args.join(' '));
    }
  });

  it('without --json: a readable summary', async () => {
    const { code, stdout } = await inspect([file('clinic-signing-revoked')]);
    assert.equal(code, 1);
    assert.match(stdout, /^NOT valid: .*clinic-signing-revoked\.cert\.pem \(revoked\)$/m);
    assert.match(stdout, /organisation: Fjordvik legekontor AS \(921543212\)/);
    assert.match(stdout, /revocation: +REVOKED \(crl\)/);
  });

  it('usage errors exit 2; a file that is not a certificate exits 1 with CERT_UNREADABLE', async () => {
    assert.equal((await inspect([file('clinic-signing'), '--role', 'sealing'])).code, 2);
    assert.equal((await inspect([file('clinic-signing'), '--org', '12345'])).code, 2);
    const notCert = await inspect(['certs-sample/clinic-signing.key.pem']);
    assert.equal(notCert.code, 1);
    assert.match(notCert.stderr, /CERT_UNREADABLE/);
  });
});
