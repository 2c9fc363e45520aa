import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_DIR } from '../../helpers/cli.js';
import { eventually } from '../../helpers/eventually.js';
import { startTestRedis } from '../../helpers/redis.js';
import { tempDir } from '../../helpers/tmp.js';

/** Runs the command line from a directory holding only what the production image copies (no demo/, no certs-sample/). */
function runFrom(dir: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(dir, 'bin/epj-gateway.mjs'), ...args], {
      cwd: dir,
      env: { ...process.env, PORT: '0', SIMULATOR_PORT: '0', AR_STAND_IN_PORT: '0', SMTP_STAND_IN_PORT: '0', ...env },
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

describe('the production files alone (what the production image ships)', () => {
  let dir: string;
  before(() => {
    dir = tempDir('production-files');
    for (const part of ['bin', 'src', 'adapters', 'node_modules']) symlinkSync(path.join(PROJECT_DIR, part), path.join(dir, part));
    writeFileSync(path.join(dir, 'package.json'), readFileSync(path.join(PROJECT_DIR, 'package.json')));
  });

  it('the command line loads without demo/ and lists its commands', async () => {
    const { code, out } = await runFrom(dir, ['--help'], {});
    assert.equal(code, 0, out);
    assert.match(out, /serve/);
  });

  it('serve in production mode composes, listens and stops on SIGTERM, with NHN unreachable', async function () {
    this.timeout(60_000);
    // the clinic's own files: the sample pairs copied where production mode does not see a sample
    const certs = tempDir('production-certs');
    for (const name of ['ca.cert.pem', 'clinic-signing.cert.pem', 'clinic-signing.key.pem', 'clinic-encryption.cert.pem', 'clinic-encryption.key.pem'])
      copyFileSync(path.join(PROJECT_DIR, 'certs-sample', name), path.join(certs, name));
    const redis = await startTestRedis();
    try {
      const child = spawn(process.execPath, [path.join(dir, 'bin/epj-gateway.mjs'), 'serve'], {
        cwd: dir,
        env: {
          ...process.env,
          GATEWAY_MODE: 'production',
          PORT: '0',
          REDIS_URL: redis.url,
          DATA_DIR: tempDir('production-data'),
          EPJ_TOKENS: 'epj-a:0123456789abcdef',
          OPS_TOKEN: 'ops-0123456789abcdef',
          TRUST_CA_FILES: path.join(certs, 'ca.cert.pem'),
          CLINIC_SIGNING_CERT: path.join(certs, 'clinic-signing.cert.pem'),
          CLINIC_SIGNING_KEY: path.join(certs, 'clinic-signing.key.pem'),
          CLINIC_ENCRYPTION_CERT: path.join(certs, 'clinic-encryption.cert.pem'),
          CLINIC_ENCRYPTION_KEY: path.join(certs, 'clinic-encryption.key.pem'),
          MSH_BASE_URL: 'http://127.0.0.1:9',
          HELSEID_TOKEN_URL: 'http://127.0.0.1:9/connect/token',
          AR_URL: 'http://127.0.0.1:9/v1/AR/Basic',
          AR_TIMEOUT_MS: '500',
          MSH_TIMEOUT_MS: '500',
          REVOCATION_TIMEOUT_MS: '500',
          JOB_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
        },
      });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      await eventually(() => out.includes('epj-gateway is listening') || child.exitCode !== null, 30_000, 'the gateway to listen');
      assert.match(out, /epj-gateway is listening/, out);
      assert.doesNotMatch(out, /Cannot find module|ERR_MODULE_NOT_FOUND/);
      child.kill('SIGTERM');
      assert.equal(await exited, 0, out);
    } finally {
      await redis.stop();
    }
  });
});
