import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { isGatewayError } from '../../../src/errors.js';
import { SupervisedRedis, isAlive as alive, pingRedis } from '../../../src/infra/supervised-redis.js';
import { eventually } from '../../helpers/eventually.js';

describe('supervised redis-server', () => {
  let dataDir: string;
  const aofHolds = (text: string) =>
    readdirSync(path.join(dataDir, 'redis'), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.aof'))
      .some((f) => readFileSync(path.join(dataDir, 'redis', f), 'utf8').includes(text));
  beforeEach(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'epjgw-supervised-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 }));

  it('starts on a free loopback port with append-only persistence and no eviction, and stops', async () => {
    const server = new SupervisedRedis({ dataDir });
    await server.start();
    const redis = new Redis(server.url);
    try {
      assert.deepEqual(await redis.config('GET', 'appendonly'), ['appendonly', 'yes']);
      assert.deepEqual(await redis.config('GET', 'appendfsync'), ['appendfsync', 'everysec']);
      assert.deepEqual(await redis.config('GET', 'maxmemory-policy'), ['maxmemory-policy', 'noeviction']);
      assert.deepEqual(await redis.config('GET', 'bind'), ['bind', '127.0.0.1']);
      assert.equal(await redis.config('GET', 'dir').then((r) => (r as string[])[1]), path.join(dataDir, 'redis'));
    } finally {
      redis.disconnect();
    }
    const pid = server.pid!;
    await server.stop();
    assert.equal(alive(pid), false);
    assert.equal(await pingRedis(server.port), false);
  });

  it('restarts a crashed server on the same port, with its data', async () => {
    const server = new SupervisedRedis({ dataDir });
    await server.start();
    const redis = new Redis(server.url);
    redis.on('error', () => undefined); // refused connects while the server is down are expected
    try {
      await redis.set('queued', 'kept');
      // A killed process loses only what it had not yet written to its AOF; waiting for the bytes is exact, a fixed wait is a guess.
      await eventually(() => aofHolds('kept'), 10_000, 'the write to reach the AOF');
      const firstPid = server.pid!;
      const restarted = new Promise((r) => server.once('restarted', r));
      process.kill(firstPid, 'SIGKILL');
      await restarted;
      assert.notEqual(server.pid, firstPid);
      await eventually(() => redis.status === 'ready', 10_000, 'the client to reconnect');
      assert.equal(await redis.get('queued'), 'kept');
    } finally {
      redis.disconnect();
      await server.stop();
    }
  });

  it('gives up clearly when the server keeps crashing', async () => {
    const server = new SupervisedRedis({ dataDir, maxRestarts: 0 });
    await server.start();
    const failed = new Promise<unknown>((r) => server.once('failed', r));
    process.kill(server.pid!, 'SIGKILL');
    assert.match(String(await failed), /stopped 1 times/);
    await server.stop();
  });

  it('ends a server a killed gateway left behind before starting its own', async () => {
    const first = new SupervisedRedis({ dataDir });
    await first.start();
    const orphan = first.pid!;
    // The gateway that owned it is gone: nothing supervises this server any more.
    (first as unknown as { stopping: boolean }).stopping = true;
    assert.equal(readFileSync(path.join(dataDir, 'redis', 'redis.pid'), 'utf8').trim(), String(orphan));
    const second = new SupervisedRedis({ dataDir });
    await second.start();
    await eventually(() => !alive(orphan), 10_000, 'the orphan redis-server to end');
    assert.equal(await pingRedis(second.port), true);
    await second.stop();
    assert.equal(existsSync(path.join(dataDir, 'redis', 'redis.pid')), false);
  });

  it('says how to fix a missing redis-server', async () => {
    const server = new SupervisedRedis({ dataDir, bin: 'redis-server-not-installed' });
    await assert.rejects(server.start(), (err: unknown) => {
      assert.ok(isGatewayError(err));
      assert.equal(err.code, 'REDIS_NOT_FOUND');
      assert.match(err.message, /apt-get install -y redis-server/);
      assert.match(err.message, /REDIS_URL/);
      return true;
    });
  });
});
