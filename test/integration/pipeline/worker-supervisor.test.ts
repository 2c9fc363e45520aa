import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue, Worker } from 'bullmq';
import { connectRedis, httpConnectionOptions, workerConnectionOptions } from '../../src/infra/redis.js';
import { WorkerSupervisor } from '../../src/pipeline/worker-supervisor.js';
import { captureLogger } from '../helpers/logger.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';

describe('worker supervisor', () => {
  let server: TestRedis;
  before(async () => {
    server = await startTestRedis();
  });
  after(() => server.stop());

  it('keeps processing after Redis goes away and comes back', async () => {
    const { logger } = captureLogger();
    const done: string[] = [];
    const supervisor = new WorkerSupervisor({ logger, checkIntervalMs: 200 });
    const workerRedis = await connectRedis(server.url, workerConnectionOptions());
    supervisor.add('probe', () => new Worker('probe', async (job) => void done.push(job.name), { connection: workerRedis, prefix: 't1' }));
    const queueRedis = await connectRedis(server.url, workerConnectionOptions());
    const queue = new Queue('probe', { connection: queueRedis, prefix: 't1' });
    try {
      await queue.add('before', {});
      while (!done.includes('before')) await sleep(20);
      await server.kill();
      await sleep(1_500);
      await server.start();
      await queue.add('after', {});
      const end = Date.now() + 15_000;
      while (!done.includes('after') && Date.now() < end) await sleep(50);
      assert.ok(done.includes('after'), 'the job added after the Redis restart was processed');
    } finally {
      await supervisor.close(2_000);
      await queue.close();
      workerRedis.disconnect();
      queueRedis.disconnect();
    }
  });

  it('recreates a worker whose loop has stopped', async () => {
    const { logger, lines } = captureLogger();
    const recreated: string[] = [];
    const supervisor = new WorkerSupervisor({ logger, checkIntervalMs: 60_000, onRecreate: (n) => recreated.push(n) });
    const connection = await connectRedis(server.url, workerConnectionOptions());
    const first = supervisor.add('probe', () => new Worker('probe2', async () => 'ok', { connection, prefix: 't2' }));
    try {
      assert.deepEqual(await supervisor.check(), [], 'a healthy worker is left alone');
      // What BullMQ's pitfall looks like from outside: the loop has ended, nobody closed it.
      (first as unknown as { running: boolean }).running = false;
      assert.deepEqual(await supervisor.check(), ['probe']);
      assert.notEqual(supervisor.get('probe'), first);
      assert.ok(supervisor.get('probe')!.isRunning() || (await sleep(200), supervisor.get('probe')!.isRunning()));
      assert.deepEqual(recreated, ['probe']);
      assert.ok(lines().some((l) => String(l.msg).includes('recreating')));
    } finally {
      await supervisor.close(2_000);
      connection.disconnect();
    }
  });

  it('forces a worker whose job outlives the deadline, leaving the job in Redis', async () => {
    const { logger } = captureLogger();
    const supervisor = new WorkerSupervisor({ logger });
    const connection = await connectRedis(server.url, workerConnectionOptions());
    const queueRedis = await connectRedis(server.url, httpConnectionOptions());
    const queue = new Queue('slow', { connection: queueRedis, prefix: 't3' });
    let started = false;
    // The job never ends: had it ended after its worker was forced and its connection dropped,
    // BullMQ would retry moving it to finished without pause and starve the rest of the run.
    supervisor.add(
      'slow',
      () =>
        new Worker(
          'slow',
          async () => {
            started = true;
            await new Promise(() => undefined);
          },
          { connection, prefix: 't3' },
        ),
    );
    try {
      const job = await queue.add('long', {});
      while (!started) await sleep(20);
      const t0 = Date.now();
      const { forced } = await supervisor.close(300);
      assert.deepEqual(forced, ['slow']);
      assert.ok(Date.now() - t0 < 2_500);
      const state = await queue.getJobState(job.id!);
      assert.equal(state, 'active', 'the job is still in Redis and will be handed out again when its lock lapses');
    } finally {
      await queue.close();
      connection.disconnect();
      queueRedis.disconnect();
    }
  });
});
