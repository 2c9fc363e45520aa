import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PROJECT_DIR } from '../helpers/cli.js';
import { useTestRedis } from '../helpers/redis.js';
import { tempDir } from '../helpers/tmp.js';

const CHILD = fileURLToPath(new URL('../helpers/failed-start-child.ts', import.meta.url));

/**
 * A clinic whose start fails half-way (Redis gone while its core is built) stops what it had
 * started: a failed start must end the process, not leave its workers and subscriptions running in
 * a process that never listens.
 */
describe('a start that fails half-way', function () {
  this.timeout(60_000);
  const ctx = useTestRedis();

  it("stops the clinic's parts again, so the process ends by itself", async () => {
    const child = spawn(process.execPath, ['--import', './bin/register.mjs', CHILD], {
      cwd: PROJECT_DIR,
      env: {
        ...process.env,
        REDIS_URL: ctx.server.url,
        DATA_DIR: tempDir('data'),
        QUEUE_PREFIX: `t${Math.random().toString(36).slice(2, 8)}`,
        LOG_LEVEL: 'silent',
      },
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const outcome = await Promise.race([exited.then((code) => ({ code })), new Promise<'lingering'>((r) => setTimeout(() => r('lingering'), 20_000))]);
    if (outcome === 'lingering') child.kill('SIGKILL');
    assert.match(output, /failed: /);
    assert.match(output, /closed/);
    assert.deepEqual(outcome, { code: 0 }, `the process was still running 20 s after its start failed:\n${output}`);
  });
});
