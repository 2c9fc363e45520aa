import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import request from 'supertest';
import type { RolloverState } from '../../../src/gate/certificate-rollover.js';
import { PROJECT_DIR, runCli } from '../../helpers/cli.js';
import { eventually } from '../../helpers/eventually.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';
import { startStack, type TestStack } from '../../helpers/stack.js';
import { tempDir } from '../../helpers/tmp.js';
import { demoEntries } from '../../helpers/demo-entries.js';

type Entry = Record<string, unknown> & { herId: string; certificates: Record<string, unknown> };

/**
 * The rollover's install and retire steps write the clinics file, and the gateway loads the
 * change in place: the clinic is not stopped and rebuilt (its parts are the same objects), its
 * citizen messages keep being answered, the other clinic is untouched.
 */
describe('e2e: a rollover installed and retired through the clinics file, applied in place', function () {
  this.timeout(120_000);
  let redis: TestRedis;
  let stack: TestStack;
  let file: string;
  const sample = (name: string) => path.join(PROJECT_DIR, 'certs-sample', name);

  before(async () => {
    redis = await startTestRedis();
    file = path.join(tempDir('rollover-clinics'), 'clinics.yaml');
    writeFileSync(file, yaml.dump({ clinics: demoEntries().slice(0, 2) }));
    stack = await startStack(redis.url, { CLINICS_FILE: file, AR_CACHE_TTL_S: '1' });
  });
  after(async () => {
    await stack?.stop();
    await redis?.stop();
  });

  const herId = '8142987';
  const entry = () => (yaml.load(readFileSync(file, 'utf8')) as { clinics: Entry[] }).clinics.find((c) => String(c.herId) === herId)!;
  const cli = (...args: string[]) =>
    runCli(['cert', 'rollover', '--clinic', herId, '--json', '--url', stack.url, '--token', stack.opsAuth.authorization.slice(7), ...args]);
  const answeredOk = async () => {
    const sent = stack.simulator.citizen.sendFixture('office-contact/request.xml');
    assert.equal((await stack.simulator.citizen.waitForAppRec(sent.id, 20_000))?.status, 'OK');
  };
  const gateOf = async (clinic: string) => (await request(stack.url).get(`/ops/gate?clinic=${clinic}`).set(stack.opsAuth).expect(200)).body;

  it('--install writes the next pair into the entry and loads it in place; a wrong key is refused with its code', async () => {
    const parts = stack.composed.fleet.get(herId);
    const wrong = await cli('--install', '--encryption-cert', sample('clinic-encryption-next.cert.pem'), '--encryption-key', sample('clinic-signing.key.pem'));
    assert.equal(wrong.code, 1);
    assert.equal(JSON.parse(wrong.stdout).error.code, 'KEY_CERT_MISMATCH');
    assert.equal(entry().certificates.next, undefined, 'nothing written');

    const installed = await cli(
      '--install',
      '--encryption-cert',
      sample('clinic-encryption-next.cert.pem'),
      '--encryption-key',
      sample('clinic-encryption-next.key.pem'),
    );
    assert.equal(installed.code, 0, installed.stdout + installed.stderr);
    const state = JSON.parse(installed.stdout) as RolloverState;
    assert.equal(state.phase, 'installed');
    assert.equal(state.nextStep, 'publish-next');
    assert.deepEqual(entry().certificates.next, {
      encryption: { cert: sample('clinic-encryption-next.cert.pem'), key: sample('clinic-encryption-next.key.pem') },
    });
    assert.equal(stack.composed.fleet.get(herId), parts, 'the clinic was not rebuilt');
    assert.equal((await gateOf(herId)).gateway.state, 'warning');
    assert.equal((await gateOf('8143100')).gateway.state, 'open', 'the other clinic is untouched');
    await answeredOk();
  });

  it('published, switched, retired: the entry holds the new pair as current and the old as previous; open again; messages answered throughout', async () => {
    stack.standIn.update(herId, { certificates: { encryption: 'certs-sample/clinic-encryption-next.cert.pem' } });
    await eventually(
      async () => {
        const res = await request(stack.url).post(`/ops/gate/recheck?clinic=${herId}`).set(stack.opsAuth).expect(200);
        return res.body.gateway.reasons.some((r: { code: string }) => r.code === 'ar-encryption-certificate-rollover-switch');
      },
      15_000,
      'the switch step',
      100,
    );
    const retiredEarly = await cli('--retire');
    assert.equal(JSON.parse(retiredEarly.stdout).error.code, 'ROLLOVER_NOT_SWITCHED');
    const switched = await cli('--switch');
    assert.equal(JSON.parse(switched.stdout).phase, 'switched', switched.stdout);
    await answeredOk();

    const retired = await cli('--retire');
    assert.equal(retired.code, 0, retired.stdout + retired.stderr);
    assert.equal(JSON.parse(retired.stdout).phase, 'none');
    const certificates = entry().certificates;
    assert.equal(certificates.next, undefined);
    assert.deepEqual(certificates.encryption, { cert: sample('clinic-encryption-next.cert.pem'), key: sample('clinic-encryption-next.key.pem') });
    assert.match(JSON.stringify(certificates.previousEncryption), /clinic-encryption\.cert\.pem/);
    await eventually(async () => (await gateOf(herId)).gateway.state === 'open', 15_000, 'the gate open');
    await answeredOk(); // Helsenorge's side still encrypts to the old certificate: the previous key opens it
  });
});
