import assert from 'node:assert/strict';
import type { Redis } from 'ioredis';
import { connectRedis, workerConnectionOptions } from '../../../src/infra/redis.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';

/**
 * Counts the writes a connection's socket hands to the system: a Writable calls its `_write` for
 * one chunk, or `_writev` once for all that waited while it was corked.
 */
function countWrites(redis: Redis): () => number {
  let writes = 0;
  const count = () => {
    const socket = redis.stream as unknown as { _write: (...a: unknown[]) => unknown; _writev: (...a: unknown[]) => unknown };
    for (const name of ['_write', '_writev'] as const) {
      const original = socket[name];
      socket[name] = function (this: unknown, ...a: unknown[]) {
        writes++;
        return original.apply(this, a);
      };
    }
  };
  count();
  redis.on('connect', count);
  return () => writes;
}

describe('the gateway’s Redis connections', () => {
  let server: TestRedis;
  before(async () => (server = await startTestRedis()));
  after(async () => await server.stop());

  /** A gateway connection with its writes counted, closed after `use`. */
  async function withConnection(use: (redis: Redis, writes: () => number) => Promise<void>): Promise<void> {
    const redis = await connectRedis(server.url, workerConnectionOptions());
    try {
      await use(redis, countWrites(redis));
    } finally {
      redis.disconnect();
    }
  }

  it('send the commands of one turn of the event loop in one write, each answered as before', () =>
    withConnection(async (redis, writes) => {
      await redis.set('k', '0');
      const before = writes();
      const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 ? redis.incr('k') : redis.get('k'))));
      // 200 commands: one write each without corking; corked per turn, one or two
      assert.ok(writes() - before <= 5, `${writes() - before} writes`);
      assert.equal(answers[1], 1);
      assert.equal(answers[198], '99');
      assert.equal(answers[199], 100);
      // a command issued after an await goes out in its own turn, not held back
      assert.equal(await redis.get('k'), '100');
      // and after a reconnect (a new socket) too
      redis.disconnect(true);
      await new Promise((r) => redis.once('ready', r));
      const again = writes();
      await Promise.all(Array.from({ length: 50 }, () => redis.incr('k')));
      assert.ok(writes() - again <= 5, `${writes() - again} writes after the reconnect`);
      assert.equal(await redis.get('k'), '150');
    }));

  it('send the commands of several callbacks of one turn together, and hold none back past it', () =>
    withConnection(async (redis, writes) => {
      await redis.set('t', '0');
      const before = writes();
      // 20 timers due at once run in one timers phase, each its own callback
      const answers = await Promise.all(
        Array.from({ length: 20 }, () => new Promise<number>((resolve, reject) => setTimeout(() => void redis.incr('t').then(resolve, reject), 0))),
      );
      assert.deepEqual(
        answers.sort((a, b) => a - b),
        Array.from({ length: 20 }, (_, i) => i + 1),
      );
      assert.ok(writes() - before <= 3, `${writes() - before} writes for 20 callbacks`);
      // a command issued in the check phase itself goes out on the next turn, without other traffic
      const fromImmediate = await new Promise((resolve, reject) => setImmediate(() => void redis.get('t').then(resolve, reject)));
      assert.equal(fromImmediate, '20');
    }));
});
