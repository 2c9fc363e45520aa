import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue, Worker } from 'bullmq';
import request from 'supertest';
import { connectRedis, workerConnectionOptions } from '../../src/infra/redis.js';
import { eventually } from '../helpers/eventually.js';
import { startTestGateway } from '../helpers/gateway.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';

describe('graceful shutdown', () => {
  let server: TestRedis;
  before(async () => {
    server = await startTestRedis();
  });
  after(() => server.stop());

  it('lets the job in hand finish, keeps waiting jobs queued, and stops taking requests first', async () => {
    const paused: string[] = [];
    const probe = { name: 'probe-poller', pause: async () => void paused.push('probe-poller') };
    const { gateway, url, logs } = await startTestGateway(server.url, { SHUTDOWN_DEADLINE_MS: '5000' }, { pollers: [probe] });
    const prefix = gateway.config.QUEUE_PREFIX;
    const workerRedis = await connectRedis(gateway.redisTarget, workerConnectionOptions());
    const finished: string[] = [];
    let inHand = false;
    gateway.workers.add(
      'outbound-office-contact',
      () =>
        new Worker(
          'outbound-office-contact',
          async (job) => {
            inHand = true;
            await sleep(700);
            finished.push(job.id!);
          },
          { connection: workerRedis, prefix, concurrency: 1 },
        ),
    );

    const first = await gateway.queues['outbound-office-contact'].add('send', {}, { jobId: 'm-1' });
    await eventually(() => inHand, 5_000, 'the first job in hand');
    await gateway.queues['outbound-office-contact'].add('send', {}, { jobId: 'm-2' });

    const shutdown = gateway.shutdown('test');
    await eventually(
      () =>
        request(url)
          .get('/healthz')
          .then(
            () => false,
            () => true,
          ),
      5_000,
      'the listener closed',
    );
    assert.deepEqual(finished, [], 'the listener closed first, while the job was still in hand');
    await shutdown;

    assert.deepEqual(finished, [first.id], 'the job in hand completed; the waiting one was not started');
    assert.deepEqual(paused, ['probe-poller']);
    const order = logs()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l).msg as string)
      .filter((m) => m.startsWith('shut'));
    assert.deepEqual(order, [
      'shutting down: no new requests',
      'shutting down: pollers paused',
      'shutting down: workers finished the jobs in hand',
      'shut down cleanly',
    ]);
    workerRedis.disconnect();

    const check = new Queue('outbound-office-contact', { connection: { url: server.url }, prefix });
    assert.equal(await check.getJobState('m-1'), 'completed');
    assert.equal(await check.getJobState('m-2'), 'waiting', 'nothing lost: the second job waits for the next start');
    await check.obliterate({ force: true });
    await check.close();
  });
});
