import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../../helpers/cli.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';
import { startStack, type TestStack } from '../../helpers/stack.js';
import { tempDir } from '../../helpers/tmp.js';

describe('epj-gateway clinics: check a file offline, list and show a running fleet', function () {
  this.timeout(120_000);
  let redis: TestRedis;
  let stack: TestStack;
  before(async () => {
    redis = await startTestRedis();
    stack = await startStack(redis.url, {}, { fleet: true });
  });
  after(async () => {
    await stack?.stop();
    await redis?.stop();
  });

  it('check: the demo file is clean (exit 0); a bad one names the clinic and field (exit 2); a missing key file is a fault (exit 1)', async () => {
    const good = await runCli(['clinics', 'check', 'demo/clinics.yaml', '--json']);
    assert.equal(good.code, 0, good.stderr);
    const body = JSON.parse(good.stdout) as { ok: boolean; clinics: { clinic: { herId: string } }[] };
    assert.equal(body.ok, true);
    assert.deepEqual(
      body.clinics.map((c) => c.clinic.herId),
      ['8142987', '8143100', '8143200'],
    );
    assert.doesNotMatch(good.stdout, /demo-token/, 'tokens never shown');

    const dir = tempDir('clinics-check');
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(bad, 'clinics:\n  - herId: "8142987"\n    name: Uten org\n');
    const refused = await runCli(['clinics', 'check', bad]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /clinic 8142987 \(clinics\[0\]\) orgNumber/);

    const missingKey = path.join(dir, 'missing-key.yaml');
    const project = path.resolve('certs-sample');
    writeFileSync(
      missingKey,
      [
        'clinics:',
        "  - herId: '8142987'",
        "    orgNumber: '921543212'",
        '    name: Fjordvik legekontor AS',
        '    certificates:',
        `      signing: { cert: ${project}/clinic-signing.cert.pem, key: ${dir}/no-such.key.pem }`,
        `      encryption: { cert: ${project}/clinic-encryption.cert.pem, key: ${project}/clinic-encryption.key.pem }`,
        '    epj: { delivery: folder, tokens: [{ client: epj, token: a-long-enough-token }] }',
      ].join('\n'),
    );
    const fault = await runCli(['clinics', 'check', missingKey]);
    assert.equal(fault.code, 1, fault.stderr);
    assert.match(fault.stdout, /certificates\.signing/);

    // a rollover's next pair is read too: a key of another certificate is named with its code
    const wrongNext = path.join(dir, 'wrong-next.yaml');
    writeFileSync(
      wrongNext,
      readFileSync(missingKey, 'utf8')
        .replace(`${dir}/no-such.key.pem`, `${project}/clinic-signing.key.pem`)
        .replace(
          '    epj:',
          `      next: { encryption: { cert: ${project}/clinic-encryption-next.cert.pem, key: ${project}/clinic-encryption.key.pem } }\n    epj:`,
        ),
    );
    const nextFault = await runCli(['clinics', 'check', wrongNext]);
    assert.equal(nextFault.code, 1, nextFault.stdout + nextFault.stderr);
    assert.match(nextFault.stdout, /certificates\.next\.encryption: .*KEY_CERT_MISMATCH|certificates\.next\.encryption: The private key does not belong/);
  });

  it('list and show against the running gateway: one row per clinic, worst first; an unknown clinic exits 1 with the code', async () => {
    const target = ['--url', stack.url, '--token', 'demo-ops-token'];
    const list = await runCli(['clinics', 'list', '--json', ...target]);
    assert.equal(list.code, 0, list.stderr);
    const rows = JSON.parse(list.stdout) as { herId: string; gate: { state: string } }[];
    assert.equal(rows.length, 3);
    assert.equal(rows[0]!.herId, '8143200', 'the clinic in warning first');
    const text = await runCli(['clinics', 'list', ...target]);
    assert.match(text.stdout, /Bakkevik fastlegekontor AS\s+warning/);
    const show = await runCli(['clinics', 'show', '8143100', ...target]);
    assert.equal(show.code, 0);
    assert.match(show.stdout, /^Nordlys legesenter AS \(HER-id 8143100, org 913876547\): open/m);
    const unknown = await runCli(['clinics', 'show', '999999', ...target]);
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr + unknown.stdout, /CLINIC_UNKNOWN/);
    const gate = await runCli(['demo', 'expire-certificate', '--clinic', '8143100', '--json', ...target]);
    assert.equal(gate.code, 0, gate.stderr);
    const after = JSON.parse((await runCli(['clinics', 'list', '--json', ...target])).stdout) as { herId: string; gate: { state: string } }[];
    assert.equal(after.find((r) => r.herId === '8143100')!.gate.state, 'closed');
    assert.equal(after.find((r) => r.herId === '8142987')!.gate.state, 'open', 'the first clinic untouched');
    assert.equal((await runCli(['demo', 'restore-certificate', '--clinic', '8143100', ...target])).code, 0);
  });
});
