import assert from 'node:assert/strict';
import { Queue, Worker } from 'bullmq';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectRedis, httpConnectionOptions, workerConnectionOptions } from '../../../src/infra/redis.js';
import { WorkerSupervisor } from '../../../src/pipeline/worker-supervisor.js';
import { closeQueues as closeAll, createQueues, queuesHaveWork } from '../../../src/pipeline/queues.js';
import { eventually } from '../../helpers/eventually.js';
import { captureLogger } from '../../helpers/logger.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';

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
      await eventually(() => done.includes('before'), 5_000, 'the first job processed');
      await server.kill();
      await eventually(() => workerRedis.status !== 'ready', 5_000, 'the worker connection to notice');
      await server.start();
      await queue.add('after', {});
      await eventually(() => done.includes('after'), 15_000, 'the job added after the Redis restart processed');
    } finally {
      await supervisor.close(2_000);
      await queue.close();
      workerRedis.disconnect();
      queueRedis.disconnect();
    }
  });

  it('recreates a worker whose loop has stopped, and leaves a paused one alone', async () => {
    const { logger, lines } = captureLogger();
    const recreated: string[] = [];
    const done: string[] = [];
    const supervisor = new WorkerSupervisor({ logger, checkIntervalMs: 60_000, onRecreate: (n) => recreated.push(n) });
    const connection = await connectRedis(server.url, workerConnectionOptions());
    const queueRedis = await connectRedis(server.url, httpConnectionOptions());
    const queue = new Queue('probe2', { connection: queueRedis, prefix: 't2' });
    const first = supervisor.add('probe', () => new Worker('probe2', async (job) => void done.push(job.name), { connection, prefix: 't2', drainDelay: 1 }))!;
    try {
      assert.deepEqual(await supervisor.check(), [], 'a healthy worker is left alone');
      await supervisor.pause('probe');
      await eventually(() => !first.isRunning(), 5_000, "BullMQ to end the paused worker's loop");
      assert.deepEqual(await supervisor.check(), [], 'a paused worker is left alone');
      supervisor.resume('probe');
      await eventually(() => first.isRunning(), 5_000, 'the worker running again');

      // What BullMQ's pitfall looks like from outside: the loop has ended, and not because the supervisor ended it.
      await first.close();
      assert.equal(first.isRunning(), false);
      assert.deepEqual(await supervisor.check(), ['probe']);
      assert.notEqual(supervisor.get('probe'), first);
      await eventually(() => supervisor.get('probe')!.isRunning(), 5_000, 'the new worker running');
      assert.deepEqual(recreated, ['probe']);
      assert.ok(lines().some((l) => String(l.msg).includes('recreating')));
      await queue.add('after-recreate', {});
      await eventually(() => done.includes('after-recreate'), 5_000, 'a job processed by the new worker');
    } finally {
      await supervisor.close(2_000);
      await queue.close();
      connection.disconnect();
      queueRedis.disconnect();
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
      await eventually(() => started, 5_000, 'the job started');
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

  it('puts an idle worker to sleep and wakes it for a job added here, elsewhere, or coming due', async () => {
    const { logger } = captureLogger();
    const done: string[] = [];
    const connection = await connectRedis(server.url, workerConnectionOptions());
    const queueRedis = await connectRedis(server.url, httpConnectionOptions());
    const queues = createQueues(queueRedis, 't4');
    const supervisor = new WorkerSupervisor({ logger, checkIntervalMs: 200, sleep: { idleMs: 300, hasWork: queuesHaveWork(queueRedis, queues) } });
    supervisor.add('inbound', () => new Worker('inbound', async (job) => void done.push(job.name), { connection, prefix: 't4', drainDelay: 1 }));
    queues.inbound.on('waiting', () => supervisor.wake('inbound'));
    // another process's queue object: its adds are not seen by this process's wake()
    const elsewhereRedis = await connectRedis(server.url, httpConnectionOptions());
    const elsewhere = createQueues(elsewhereRedis, 't4');
    try {
      await eventually(() => supervisor.awake() === 0, 2_000, 'an empty queue to start with no worker');
      assert.equal(supervisor.get('inbound'), undefined);

      await queues.inbound.add('here', {});
      assert.ok(supervisor.get('inbound'), 'a job added in this process starts the worker at once');
      await eventually(() => done.includes('here'), 5_000, 'the job processed');
      await eventually(() => supervisor.awake() === 0, 5_000, 'the idle worker to sleep');

      await elsewhere.inbound.add('elsewhere', {});
      await eventually(() => done.includes('elsewhere'), 5_000, "another process's job found by the check and processed");
      await eventually(() => supervisor.awake() === 0, 5_000, 'asleep again');

      await elsewhere.inbound.add('later', {}, { delay: 1_500 });
      await sleep(800);
      assert.equal(done.includes('later'), false);
      await eventually(() => done.includes('later'), 5_000, 'a delayed job processed once it came due');

      // a paused worker is not woken by work; resumed, it takes it
      await eventually(() => supervisor.awake() === 0, 5_000, 'asleep before the pause');
      await supervisor.pause('inbound');
      await elsewhere.inbound.add('while-paused', {});
      await sleep(600);
      assert.equal(done.includes('while-paused'), false, 'nothing taken while paused');
      supervisor.resume('inbound');
      await eventually(() => done.includes('while-paused'), 5_000, 'the job taken after resume');
    } finally {
      await supervisor.close(2_000);
      await closeAll(queues);
      await closeAll(elsewhere);
      connection.disconnect();
      queueRedis.disconnect();
      elsewhereRedis.disconnect();
    }
  });
});
