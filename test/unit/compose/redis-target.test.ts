import assert from 'node:assert/strict';
import { redisTargetOf } from '../../../src/compose/infrastructure.js';
import { ConfigError, loadConfig } from '../../../src/config.js';
import { describeRedisTarget } from '../../../src/infra/redis.js';

describe('Redis target from the settings', () => {
  it('takes Sentinel over REDIS_URL, with the default group name', () => {
    const target = redisTargetOf(loadConfig({ REDIS_SENTINELS: ' sentinel-1:26379, 10.0.0.2:26380 ,[::1]:26381', REDIS_URL: 'redis://other:6379' }));
    assert.deepEqual(target, {
      kind: 'sentinel',
      sentinels: [
        { host: 'sentinel-1', port: 26379 },
        { host: '10.0.0.2', port: 26380 },
        { host: '::1', port: 26381 },
      ],
      name: 'mymaster',
      password: undefined,
      sentinelPassword: undefined,
    });
    assert.equal(describeRedisTarget(target), 'primary "mymaster" through sentinels sentinel-1:26379, 10.0.0.2:26380, ::1:26381');
  });

  it('carries the group name and both passwords, and never shows a password', () => {
    const target = redisTargetOf(
      loadConfig({
        REDIS_SENTINELS: 's:26379',
        REDIS_SENTINEL_NAME: 'epj-redis',
        REDIS_PASSWORD: 'primary-secret',
        REDIS_SENTINEL_PASSWORD: 'sentinel-secret',
      }),
    );
    assert.ok(target?.kind === 'sentinel');
    assert.equal(target.name, 'epj-redis');
    assert.equal(target.password, 'primary-secret');
    assert.equal(target.sentinelPassword, 'sentinel-secret');
    assert.doesNotMatch(describeRedisTarget(target), /secret/);
    assert.equal(describeRedisTarget('redis://:url-secret@cache:6380'), 'cache:6380');
  });

  it('is the URL without sentinels, and nothing (a supervised redis-server) without either', () => {
    assert.deepEqual(redisTargetOf(loadConfig({ REDIS_URL: 'redis://cache:6379' })), { kind: 'url', url: 'redis://cache:6379' });
    assert.equal(redisTargetOf(loadConfig({})), undefined);
    assert.equal(redisTargetOf(loadConfig({ REDIS_SENTINELS: '' })), undefined);
  });

  for (const [value, setting] of [
    ['sentinel-1', 'REDIS_SENTINELS'],
    ['sentinel-1:0', 'REDIS_SENTINELS'],
    ['sentinel-1:70000', 'REDIS_SENTINELS'],
    ['a:1,b', 'REDIS_SENTINELS'],
  ] as const) {
    it(`refuses REDIS_SENTINELS=${value} with one line naming it`, () => {
      assert.throws(
        () => loadConfig({ REDIS_SENTINELS: value }),
        (err: unknown) => err instanceof ConfigError && err.setting === setting && /host:port/.test(err.message),
      );
    });
  }

  it('refuses a group name Sentinel could not hold', () => {
    assert.throws(
      () => loadConfig({ REDIS_SENTINELS: 's:26379', REDIS_SENTINEL_NAME: 'my master' }),
      (err: unknown) => err instanceof ConfigError && err.setting === 'REDIS_SENTINEL_NAME',
    );
  });
});
