import assert from 'node:assert/strict';
import net from 'node:net';
import { runCli } from '../../helpers/cli.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';
import { tempDir } from '../../helpers/tmp.js';

/** Holds a free port on 127.0.0.1 the way another process would. */
async function holdPort(): Promise<{ port: number; release: () => Promise<void> }> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return { port, release: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('epj-gateway serve: a port another process holds', () => {
  let redis: TestRedis;
  before(async () => {
    redis = await startTestRedis();
  });
  after(() => redis.stop());

  for (const setting of ['PORT', 'SIMULATOR_PORT', 'AR_STAND_IN_PORT', 'SMTP_STAND_IN_PORT']) {
    it(`${setting} taken: one line naming ${setting} and what to do, exit 2`, async () => {
      const held = await holdPort();
      try {
        const result = await runCli(['serve'], {
          REDIS_URL: redis.url,
          DATA_DIR: tempDir('port-in-use'),
          QUEUE_PREFIX: `piu${setting.length}`,
          LOG_LEVEL: 'silent',
          [setting]: String(held.port),
        });
        assert.equal(result.code, 2, result.stderr);
        assert.match(result.stderr, new RegExp(`^epj-gateway: ${setting}: port ${held.port} on 127\\.0\\.0\\.1 is already in use`, 'm'));
        assert.match(result.stderr, new RegExp(`set ${setting} to a free port`));
        assert.doesNotMatch(result.stderr, /EADDRINUSE|\n\s+at /, 'no raw error or stack');
      } finally {
        await held.release();
      }
    });
  }
});
