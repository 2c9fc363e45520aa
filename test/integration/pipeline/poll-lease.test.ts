import assert from 'node:assert/strict';
import type { Redis } from 'ioredis';
import { connectRedis, workerConnectionOptions } from '../../../src/infra/redis.js';
import { systemClock } from '../../../src/infra/system-clock.js';
import { PollLeases, type ClinicLeases } from '../../../src/pipeline/poll-lease.js';
import { PollScheduler } from '../../../src/pipeline/poll-scheduler.js';
import { redisKeys } from '../../../src/redis-keys.js';
import { eventually } from '../../helpers/eventually.js';
import { useTestRedis } from '../../helpers/redis.js';

const PREFIX = 'epjgw-test';
const INTERVAL_MS = 100;
const TTL_MS = 1_500;

describe('poll leases across replicas (real Redis)', () => {
  const ctx = useTestRedis();
  const connections: Redis[] = [];
  const replicaConnection = async () => {
    const redis = await connectRedis(ctx.server.url, workerConnectionOptions());
    connections.push(redis);
    return redis;
  };
  afterEach(async () => {
    for (const c of connections.splice(0)) c.disconnect();
    await ctx.redis.flushall();
  });

  it('takes with NX, renews and releases only while it is the owner', async () => {
    const a = new PollLeases(await replicaConnection(), PREFIX, 'replica-a', TTL_MS);
    const b = new PollLeases(await replicaConnection(), PREFIX, 'replica-b', TTL_MS);
    assert.equal(await a.take('1001'), true);
    assert.equal(await b.take('1001'), false);
    assert.equal(await b.renew('1001'), false);
    await b.release('1001');
    assert.equal(await a.holder('1001'), 'replica-a', "another owner's release leaves the lease alone");
    assert.equal(await a.renew('1001'), true);
    assert.ok((await ctx.redis.pttl(redisKeys(PREFIX).pollLease('1001'))) > TTL_MS - 200);
    await a.release('1001');
    assert.equal(await a.holder('1001'), null);
    assert.equal(await a.renew('1001'), false, 'a released lease is not renewed back into being');

    assert.deepEqual([...(await b.hold(['1001', '1002'], new Set()))].sort(), ['1001', '1002']);
    assert.deepEqual([...(await a.hold(['1001', '1002', '1003'], new Set()))], ['1003']);
    assert.equal(await ctx.redis.get(`${PREFIX}:1003:poll-lease`), 'replica-a', 'the HER-id follows the deployment prefix');
  });

  it('two replicas over 20 clinics: one poller per clinic, a dead replica taken over within seconds, no double polling', async function () {
    this.timeout(30_000);
    const herIds = Array.from({ length: 20 }, (_, i) => String(8_000_000 + i));
    /** every poll: which replica, which clinic, when */
    const polls: { owner: string; herId: string; at: number }[] = [];

    const replica = async (owner: string) => {
      const real = new PollLeases(await replicaConnection(), PREFIX, owner, TTL_MS);
      let dead = false;
      // kill -9: no more polls, renewals or releases; its leases just run out
      const leases: ClinicLeases = {
        ttlMs: real.ttlMs,
        hold: (ids, held) => (dead ? Promise.reject(new Error('dead')) : real.hold(ids, held)),
        release: (herId) => (dead ? Promise.resolve() : real.release(herId)),
      };
      const scheduler = new PollScheduler({ clock: systemClock, leases, intervalMs: INTERVAL_MS, maxIntervalMs: INTERVAL_MS, concurrency: 4 });
      const add = (ids: string[]) => {
        for (const herId of ids)
          scheduler.add({
            herId,
            poll: async () => {
              polls.push({ owner, herId, at: Date.now() });
              return { taken: 1 };
            },
          });
      };
      const held = () => herIds.filter((h) => scheduler.status(h)?.held);
      const kill = async () => {
        dead = true;
        await scheduler.pause();
      };
      return { owner, scheduler, add, held, kill };
    };

    const a = await replica('replica-a');
    const b = await replica('replica-b');
    // Each replica first learns of half the clinics, so each takes its half; then both know all 20.
    a.add(herIds.slice(0, 10));
    b.add(herIds.slice(10));
    a.scheduler.start();
    b.scheduler.start();
    await eventually(
      () => a.held().length === 10 && b.held().length === 10,
      5_000,
      () => `a split: a ${a.held().length}, b ${b.held().length}`,
    );
    a.add(herIds.slice(10));
    b.add(herIds.slice(0, 10));

    // a few lease rounds with both alive: every clinic stays with exactly one replica
    const seen = polls.length;
    await eventually(() => polls.length >= seen + 20 * 10, 10_000, 'ten polls per clinic');
    const holders = await Promise.all(herIds.map((h) => ctx.redis.get(redisKeys(PREFIX).pollLease(h))));
    assert.deepEqual(holders, [...Array(10).fill('replica-a'), ...Array(10).fill('replica-b')]);
    assert.deepEqual(a.held(), herIds.slice(0, 10));
    assert.deepEqual(b.held(), herIds.slice(10));

    const killedAt = Date.now();
    await a.kill();
    await eventually(
      () => b.held().length === 20,
      10_000,
      () => `b to take a's clinics (holds ${b.held().length})`,
    );
    const tookOverMs = Date.now() - killedAt;
    assert.ok(tookOverMs < TTL_MS + 2_000, `taken over in ${tookOverMs} ms`);
    await eventually(() => herIds.every((h) => polls.some((p) => p.herId === h && p.owner === 'replica-b' && p.at > killedAt)), 5_000, "b polling a's clinics");
    await b.scheduler.pause();

    // No double polling: one replica polls a clinic at most once per interval, and so do two.
    for (const herId of herIds) {
      const times = polls.filter((p) => p.herId === herId).map((p) => p.at);
      for (let i = 1; i < times.length; i++) {
        const gap = times[i]! - times[i - 1]!;
        assert.ok(gap >= INTERVAL_MS - 10, `clinic ${herId} polled twice within ${gap} ms`);
      }
      const before = polls.filter((p) => p.herId === herId && p.at <= killedAt);
      assert.equal(new Set(before.map((p) => p.owner)).size, 1, `clinic ${herId} polled by one replica while both were alive`);
    }
    const spanMs = Math.max(...polls.map((p) => p.at)) - Math.min(...polls.map((p) => p.at));
    assert.ok(polls.length <= herIds.length * (spanMs / INTERVAL_MS + 1), `${polls.length} polls in ${spanMs} ms: no more than one replica makes`);
  });
});
