import assert from 'node:assert/strict';
import { checkPersistence, connectRedis, httpConnectionOptions, workerConnectionOptions } from '../../../src/infra/redis.js';
import { eventually } from '../../helpers/eventually.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';

describe('Redis connections and persistence check', () => {
  let server: TestRedis;
  before(async () => {
    server = await startTestRedis();
  });
  after(() => server.stop());

  it('warns about an external Redis without persistence or with eviction', async () => {
    const redis = await connectRedis(server.url, workerConnectionOptions());
    try {
      let report = await checkPersistence(redis);
      assert.equal(report.appendOnly, false);
      assert.match(report.problems.join(), /persistence is off/);
      await redis.config('SET', 'maxmemory-policy', 'allkeys-lru');
      report = await checkPersistence(redis);
      assert.match(report.problems.join(), /allkeys-lru: BullMQ loses jobs under eviction/);
      await redis.config('SET', 'maxmemory-policy', 'noeviction');
      await redis.config('SET', 'appendonly', 'yes');
      report = await checkPersistence(redis);
      assert.deepEqual(report.problems, []);
    } finally {
      redis.disconnect();
    }
  });

  it('fails fast on the HTTP side when Redis is down, instead of hanging', async () => {
    const redis = await connectRedis(server.url, httpConnectionOptions());
    try {
      await server.kill();
      await eventually(() => redis.status !== 'ready', 5_000, 'the client to notice');
      const started = Date.now();
      await assert.rejects(redis.ping());
      assert.ok(Date.now() - started < 1_000, 'the command failed at once');
    } finally {
      redis.disconnect();
      await server.start();
    }
  });
});
