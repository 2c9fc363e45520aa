import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { freePort, pingRedis } from '../../src/infra/supervised-redis.js';
import { runCli, startCli } from '../helpers/cli.js';
import { eventually } from '../helpers/eventually.js';

/**
 * Stands in for a demo running on the same machine: the default ports (8080, 8091, 8092) are busy while a test runs
 * `serve`, so a listener that falls back to its default fails the test with EADDRINUSE instead of taking the demo's port.
 * A port that is busy already (the demo really is running) is just as good.
 */
async function holdDefaultPorts(): Promise<() => Promise<void>> {
  const servers = await Promise.all(
    [8080, 8091, 8092].map(
      (port) =>
        new Promise<net.Server | undefined>((resolve, reject) => {
          const server = net.createServer((socket) => socket.destroy());
          server.once('error', (err: NodeJS.ErrnoException) => (err.code === 'EADDRINUSE' ? resolve(undefined) : reject(err)));
          server.listen(port, () => resolve(server));
        }),
    ),
  );
  return async () => {
    await Promise.all(servers.filter((s) => s !== undefined).map((s) => new Promise<void>((r) => s.close(() => r()))));
  };
}

describe('epj-gateway serve (a real process)', () => {
  let dataDir: string;
  before(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'epjgw-serve-'));
  });
  after(() => rmSync(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 }));

  it('starts in demo mode with its own Redis, becomes ready, and exits 0 within 10 s of SIGTERM', async () => {
    const release = await holdDefaultPorts();
    let gw: ReturnType<typeof startCli> | undefined;
    try {
      const port = await freePort();
      gw = startCli(['serve'], { PORT: String(port), DATA_DIR: dataDir, REDIS_URL: '' });
      await eventually(
        () =>
          fetch(`http://127.0.0.1:${port}/readyz`).then(
            (r) => r.ok,
            () => false,
          ),
        20_000,
        () => `ready; output:\n${gw?.output()}`,
      );
      assert.match(gw.output(), /Bearer demo-token/, 'the demo prints its tokens');
      const redisPort = Number(/"port":(\d+)/.exec(gw.output())?.[1]);
      assert.ok(await pingRedis(redisPort), 'the supervised redis-server runs');
      assert.ok(existsSync(path.join(dataDir, 'redis', 'appendonlydir')), 'with its append-only files under DATA_DIR');
      const pid = Number(readFileSync(path.join(dataDir, 'redis', 'redis.pid'), 'utf8'));

      const t0 = Date.now();
      gw.child.kill('SIGTERM');
      const code = await gw.exited;
      assert.equal(code, 0);
      assert.ok(Date.now() - t0 < 10_000, `exited in ${Date.now() - t0} ms`);
      assert.match(gw.output(), /shut down cleanly/);
      assert.equal(await pingRedis(redisPort), false, 'the supervised redis-server was stopped');
      assert.throws(() => process.kill(pid, 0));
    } finally {
      if (gw?.child.exitCode === null) gw.child.kill('SIGKILL');
      await release();
    }
  });

  it('stops with one clear line naming a bad setting', async () => {
    const res = await runCli(['serve'], { PORT: 'eighty' });
    assert.equal(res.code, 2);
    assert.equal(res.stderr.trim(), 'epj-gateway: Setting PORT: a whole number from 0 to 65535 (got "eighty")');
  });

  it('stops at start on SMTP settings that cannot work, before any mail is due', async () => {
    const res = await runCli(['serve'], { SMTP_HOST: 'smtp.fjellnett-it.example', SMTP_PORT: '465' });
    assert.equal(res.code, 2);
    assert.equal(
      res.stderr.trim(),
      'epj-gateway: Setting SMTP_SECURITY: port 465 speaks TLS from the first byte: set SMTP_SECURITY=tls (or SMTP_PORT=587 for STARTTLS)',
    );
  });

  it('says how to fix it when there is no Redis at all, even while a demo holds the default ports', async () => {
    const release = await holdDefaultPorts();
    const res = await runCli(['serve'], { DATA_DIR: dataDir, REDIS_URL: '', REDIS_SERVER_BIN: 'no-such-redis-server' }).finally(release);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /install redis-server \(apt-get install -y redis-server\) or set REDIS_URL/);
    assert.equal(res.stderr.trim().split('\n').length, 1);
  });

  it('--help lists the commands', async () => {
    const res = await runCli(['--help']);
    assert.equal(res.code, 0);
    assert.match(res.stdout, /serve/);
  });
});
