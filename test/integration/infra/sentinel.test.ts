import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { buildInfrastructure } from '../../../src/compose/infrastructure.js';
import { loadConfig } from '../../../src/config.js';
import { connectRedis, httpConnectionOptions, waitForReplicas, workerConnectionOptions } from '../../../src/infra/redis.js';
import { RECOVERY, WorkerSupervisor } from '../../../src/pipeline/worker-supervisor.js';
import { eventually } from '../../helpers/eventually.js';
import { captureLogger } from '../../helpers/logger.js';
import { sentinelAvailable, startSentinelGroup, type SentinelGroup } from '../../helpers/redis-sentinel.js';
import { tempDir } from '../../helpers/tmp.js';

/**
 * Redis through Sentinel with real processes: a primary, a replica and three sentinels. The
 * fail-over case SIGKILLs the primary while producers add jobs on the gateway's fail-fast
 * connection and a supervised worker takes them on its waiting connection, as in the gateway.
 *
 * What "accepted" means here: add() resolved AND `WAIT 1` saw a replica hold it. Replication is
 * asynchronous; a job the primary acknowledged in the last instant before it died, and no replica
 * had yet, is gone with it, and no client can tell. The test counts those apart (at most one per
 * producer, the add in flight at the kill) and requires every replicated job, and every job added
 * after the promotion, to be processed.
 */
describe('Redis through Sentinel (real redis-sentinel processes)', function () {
  this.timeout(180_000);
  let group: SentinelGroup;

  before(async function () {
    if (!sentinelAvailable()) {
      if (process.env.CI === 'true') throw new Error('redis-sentinel is missing; CI installs it with scripts/install-system-deps.sh');
      console.warn('    redis-sentinel is not installed (apt-get install -y redis-sentinel): skipping the Sentinel tests');
      this.skip();
    }
    group = await startSentinelGroup();
  });

  after(async () => {
    await group?.stop();
  });

  it('starts the infrastructure from REDIS_SENTINELS: no supervised redis-server, checks run against the primary', async () => {
    const { logger, text } = captureLogger('info');
    const infra = await buildInfrastructure(
      loadConfig({
        REDIS_SENTINELS: group.target.sentinels.map((s) => `${s.host}:${s.port}`).join(','),
        REDIS_SENTINEL_NAME: group.name,
        REDIS_URL: 'redis://127.0.0.1:1',
        DATA_DIR: tempDir('sentinel-infra'),
      }),
      logger,
    );
    try {
      assert.equal(infra.redisTarget.kind, 'sentinel');
      assert.equal(infra.redisUrl, undefined);
      assert.equal(infra.supervisedRedis, undefined);
      assert.match((await infra.redis.info('replication')).replace(/\r/g, ''), /^role:master$/m);
      assert.match((await infra.workerConnection.info('server')).replace(/\r/g, ''), new RegExp(`^tcp_port:${group.primaryPort}$`, 'm'));
      // The test primary keeps nothing on disk: the start-up check reached it and said so.
      assert.match(text(), /REDIS RISK: persistence is off/);
      assert.match(text(), /REDIS_URL is ignored/);
    } finally {
      await infra.workerConnection.quit();
      await infra.redis.quit();
    }
  });

  it('refuses to start, within its bound, when the sentinels know no such group', async () => {
    const started = Date.now();
    await assert.rejects(connectRedis({ ...group.target, name: 'no-such-group' }, httpConnectionOptions(), 1_500), /not ready within 1500 ms.*No such master/);
    assert.ok(Date.now() - started < 5_000);
  });

  it('loses no replicated job and keeps processing when the primary is SIGKILLed under load', async () => {
    const prefix = `sentinel${Math.random().toString(36).slice(2, 8)}`;
    const { logger } = captureLogger('warn');
    const http: Redis = await connectRedis(group.target, httpConnectionOptions());
    const waiting: Redis = await connectRedis(group.target, workerConnectionOptions());
    const queue = new Queue('probe', { connection: http, prefix });
    queue.on('error', () => undefined);
    const supervisor = new WorkerSupervisor({ logger });
    const concurrency = 4;
    const runs = new Map<string, number>();
    let promoted = false;
    let runsAfterPromotion = 0;
    supervisor.add('probe', () => {
      const worker = new Worker(
        'probe',
        async (job) => {
          await sleep(40);
          runs.set(job.id!, (runs.get(job.id!) ?? 0) + 1);
          if (promoted) runsAfterPromotion++;
        },
        { connection: waiting, prefix, concurrency, ...RECOVERY },
      );
      worker.on('error', () => undefined);
      return worker;
    });

    const confirmed = new Set<string>();
    const addedAfterPromotion = new Set<string>();
    const unconfirmed = new Set<string>();
    let refused = 0;
    let producing = true;
    let seq = 0;
    const lanes = 3;
    const producer = async (lane: number) => {
      while (producing) {
        const id = `m-${lane}-${seq++}`;
        const afterPromotion = promoted;
        try {
          await queue.add('probe', { n: seq }, { jobId: id });
        } catch {
          // The fail-fast connection: during the fail-over an add is refused at once (the EPJ gets 503 and retries).
          refused++;
          await sleep(50);
          continue;
        }
        if (afterPromotion) addedAfterPromotion.add(id);
        // After the fail-over the new primary has no replica left: WAIT answers 0 after its timeout.
        const replicas = await waitForReplicas(http, 1, 100).catch(() => 0);
        (replicas >= 1 ? confirmed : unconfirmed).add(id);
      }
    };

    try {
      const producers = Array.from({ length: lanes }, (_, lane) => producer(lane));
      await eventually(() => confirmed.size >= 100 && runs.size >= 30, 10_000, 'jobs flowing before the kill');
      // Slower workers than producers: the kill finds replicated jobs still waiting and some in hand.
      const beforeKill = confirmed.size;
      const backlogAtKill = [...confirmed].filter((id) => !runs.has(id)).length;
      const killedAt = Date.now();
      group.killPrimary();

      await eventually(
        async () => (await group.currentPrimaryPort()) === group.replicaPort,
        20_000,
        () => `the replica to be promoted\n${group.output()}`,
        100,
      );
      promoted = true;
      const failoverMs = Date.now() - killedAt;
      await eventually(() => addedAfterPromotion.size >= 20 && runsAfterPromotion >= 10, 15_000, 'adds and runs on the new primary');
      producing = false;
      await Promise.all(producers);

      const mustRun = [...confirmed, ...addedAfterPromotion];
      // The backlog left at the kill drains at the workers' pace, which depends on the machine: wait
      // while jobs keep running, and fail once none has run for 10 s with some still missing (lost).
      let lastCount = runs.size;
      let lastProgress = Date.now();
      await eventually(
        () => {
          if (runs.size > lastCount) [lastCount, lastProgress] = [runs.size, Date.now()];
          if (Date.now() - lastProgress > 10_000) throw new Error(`no job ran for 10 s; missing ${mustRun.filter((id) => !runs.has(id)).join(', ')}`);
          return mustRun.every((id) => runs.has(id));
        },
        120_000,
        () => `every accepted job to run; missing ${mustRun.filter((id) => !runs.has(id)).join(', ')}`,
        100,
      );
      const lostInWindow = [...unconfirmed].filter((id) => !addedAfterPromotion.has(id) && !runs.has(id));
      const duplicates = [...runs].filter(([, n]) => n > 1).map(([id]) => id);
      console.log(
        `      fail-over ${failoverMs} ms; ${beforeKill} replicated adds before the kill (${backlogAtKill} not yet run), ${addedAfterPromotion.size} on the new primary, ` +
          `${refused} refused during the fail-over, ${lostInWindow.length} acknowledged-but-unreplicated lost, ${duplicates.length} run twice`,
      );
      assert.ok(backlogAtKill >= 10, `the kill should find a backlog (${backlogAtKill})`);
      // Only the add in flight on each producer at the kill can be acknowledged and not replicated.
      assert.ok(lostInWindow.length <= lanes, `lost: ${lostInWindow.join(', ')}`);
      // A job can run again only if its completion died with the primary: at most the jobs in hand.
      assert.ok(duplicates.length <= concurrency, `ran twice: ${duplicates.join(', ')}`);
      const counts = await queue.getJobCounts('completed', 'failed', 'active', 'waiting');
      assert.equal(counts.failed, 0);
    } finally {
      producing = false;
      await supervisor.close(2_000);
      await queue.close().catch(() => undefined);
      http.disconnect();
      waiting.disconnect();
    }
  });
});
