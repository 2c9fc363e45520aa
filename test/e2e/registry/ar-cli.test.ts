import assert from 'node:assert/strict';
import { freePort } from '../../../src/infra/supervised-redis.js';
import { startArStandIn, type ArStandIn } from '../../../demo/ar-stand-in/stand-in-server.js';
import { runCli, startCli } from '../../helpers/cli.js';
import { eventually } from '../../helpers/eventually.js';

describe('registry: epj-gateway ar check / ar lookup', () => {
  let standIn: ArStandIn;
  before(async () => {
    standIn = await startArStandIn({ credentials: { username: 'cli-user', password: 'cli-password' } });
  });
  after(() => standIn.close());

  const env = { GATEWAY_MODE: 'demo', AR_URL: '', AR_API: 'soap', LOG_LEVEL: 'silent' };
  const against = { ...env, AR_URL: '', AR_USERNAME: 'cli-user', AR_PASSWORD: 'cli-password' };

  it('demo mode without AR_URL and no demo running: checks against a stand-in of its own, clean, exit 0', async () => {
    const result = await runCli(['ar', 'check'], { ...env, AR_STAND_IN_PORT: String(await freePort()) });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /HER-id 8142987 \(live\): clean/);
  });

  it('--json lists each fault with code, severity and fix; exit 1', async () => {
    standIn.update('8142987', { people: [], organizationNumber: '974760673' });
    try {
      const result = await runCli(['ar', 'check', '--json'], { ...against, AR_URL: standIn.url });
      assert.equal(result.code, 1, result.stderr);
      const report = JSON.parse(result.stdout) as { herId: string; source: string; faults: { code: string; severity: string; message: string }[] };
      assert.equal(report.herId, '8142987');
      assert.equal(report.source, 'live');
      assert.deepEqual(report.faults.map((f) => f.code).sort(), ['ar-contact-person-missing', 'ar-org-number-certificate-mismatch', 'ar-org-number-mismatch']);
      assert.ok(report.faults.every((f) => f.severity === 'closed' && f.message.length > 40));
      const text = await runCli(['ar', 'check'], { ...against, AR_URL: standIn.url });
      assert.equal(text.code, 1);
      assert.match(text.stdout, /3 faults\n {2}closed {3}ar-/);
    } finally {
      standIn.update('8142987', {
        people: [{ herId: '8142989', name: 'Ingrid Kontorsen', title: 'Kontaktperson', active: true }],
        organizationNumber: '921543212',
      });
    }
  });

  it("demo mode: a running demo's stand-in (on AR_STAND_IN_PORT) is the one checked", async () => {
    const demo = await startArStandIn();
    try {
      demo.update('8142987', { active: false });
      const result = await runCli(['ar', 'check', '--json'], { ...env, AR_STAND_IN_PORT: new URL(demo.baseUrl).port });
      assert.equal(result.code, 1);
      assert.deepEqual(
        (JSON.parse(result.stdout) as { faults: { code: string }[] }).faults.map((f) => f.code),
        ['ar-her-id-inactive'],
      );
    } finally {
      await demo.close();
    }
  });

  it('AR unreachable: not clean (ar-unreachable), exit 1; wrong credentials: ar-access-refused', async () => {
    const down = await runCli(['ar', 'check', '--json'], { ...against, AR_URL: `http://127.0.0.1:${await freePort()}/v1/AR/Basic`, AR_TIMEOUT_MS: '1000' });
    assert.equal(down.code, 1);
    assert.deepEqual(JSON.parse(down.stdout), {
      herId: '8142987',
      source: 'unavailable',
      faults: [
        {
          code: 'ar-unreachable',
          severity: 'closed',
          message: "The address register could not be reached, so the clinic's entry was not checked. Check AR_URL and the network.",
        },
      ],
    });
    const refused = await runCli(['ar', 'check', '--json'], { ...against, AR_URL: standIn.url, AR_PASSWORD: 'wrong' });
    assert.equal(refused.code, 1);
    assert.equal((JSON.parse(refused.stdout) as { faults: { code: string }[] }).faults[0]!.code, 'ar-access-refused');
  });

  it('production mode without AR_URL: a usage error naming the setting, exit 2', async () => {
    const production = {
      GATEWAY_MODE: 'production',
      EPJ_TOKENS: 'epj:a-real-token-1',
      OPS_TOKEN: 'a-real-ops-token',
      CLINIC_SIGNING_CERT: '/etc/clinic/signing.pem',
      CLINIC_SIGNING_KEY: '/etc/clinic/signing.key',
      CLINIC_ENCRYPTION_CERT: '/etc/clinic/encryption.pem',
      CLINIC_ENCRYPTION_KEY: '/etc/clinic/encryption.key',
      TRUST_CA_FILES: '/etc/clinic/ca.pem',
      MSH_BASE_URL: 'https://msh.test',
      HELSEID_TOKEN_URL: 'https://helseid.test/connect/token',
      JOB_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
    };
    const result = await runCli(['ar', 'check'], { ...env, ...production });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /AR_URL/);
  });

  it('lookup: a party with its certificates (--json and text); unknown HER-id exit 1; not a HER-id exit 2', async () => {
    const json = await runCli(['ar', 'lookup', '8093244', '--json'], { ...against, AR_URL: standIn.url });
    assert.equal(json.code, 0, json.stderr);
    const entry = JSON.parse(json.stdout) as { name: string; parentHerId: string; certificates: { signing: { subject: string } } };
    assert.equal(entry.name, 'Helsenorge');
    assert.equal(entry.parentHerId, '8090001');
    assert.match(entry.certificates.signing.subject, /NTRNO-998877660/);
    const text = await runCli(['ar', 'lookup', '8142987'], { ...against, AR_URL: standIn.url });
    assert.equal(text.code, 0);
    assert.match(text.stdout, /organisation number 921543212/);
    assert.match(text.stdout, /service 8142993 DIALOG_INNBYGGER_EKONTAKT/);
    const unknown = await runCli(['ar', 'lookup', '999999'], { ...against, AR_URL: standIn.url });
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /AR_HER_ID_UNKNOWN/);
    assert.equal((await runCli(['ar', 'lookup', 'abc'], { ...against, AR_URL: standIn.url })).code, 2);
  });

  it('stand-in: runs the stand-in for testers until SIGTERM', async () => {
    const run = startCli(['ar', 'stand-in', '--port', '0', '--username', 'tester', '--password', 'tester-secret']);
    try {
      const url = (
        await eventually(
          () => /SOAP at (\S+)/.exec(run.output()),
          10_000,
          () => `the stand-in to print its URL:\n${run.output()}`,
        )
      )[1]!;
      const result = await runCli(['ar', 'check'], { ...env, AR_URL: url, AR_USERNAME: 'tester', AR_PASSWORD: 'tester-secret' });
      assert.equal(result.code, 0, result.stdout + result.stderr);
    } finally {
      run.child.kill('SIGTERM');
    }
    assert.equal(await run.exited, 0);
  });
});
