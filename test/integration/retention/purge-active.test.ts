import assert from 'node:assert/strict';
import { Worker } from 'bullmq';
import { DeliveryOrder } from '../../../src/pipeline/epj-delivery.js';
import { Purger } from '../../../src/retention/purge.js';
import { startTestGateway, type TestGateway } from '../../helpers/gateway.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';
import { tempDir } from '../../helpers/tmp.js';

describe('purge and a job a worker is running: waited for, or refused with PURGE_BUSY, never removed from under it', () => {
  let server: TestRedis;
  let gateway: TestGateway;
  before(async () => {
    server = await startTestRedis();
    ({ gateway } = await startTestGateway(server.url, { RETENTION_INTERVAL_MIN: '1440' }));
  });
  after(async () => {
    await gateway.shutdown('test over');
    await server.stop();
  });

  const purger = (activeWaitMs: number) =>
    new Purger({
      redis: gateway.redis,
      prefix: gateway.config.QUEUE_PREFIX,
      queues: gateway.queues,
      store: gateway.store,
      order: new DeliveryOrder(gateway.redis, gateway.config.QUEUE_PREFIX),
      crypto: gateway.crypto,
      audit: gateway.audit,
      folders: { outboxDir: tempDir('outbox') },
      logger: gateway.logger,
      allowSyntheticIds: true,
      activeWaitMs,
    });

  /** A delivery worker that holds its job until released. */
  async function busyWith(msgId: string): Promise<{ release: () => void; worker: Worker }> {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    const worker = new Worker(
      'epj-delivery',
      async () => {
        started();
        await held;
        return 'delivered';
      },
      { connection: gateway.workerConnection, prefix: gateway.config.QUEUE_PREFIX },
    );
    await gateway.queues['epj-delivery'].add('deliver', { msgId }, { jobId: msgId });
    await running;
    return { release, worker };
  }

  it('a job finished within the wait is removed after it', async () => {
    const { release, worker } = await busyWith('busy-then-done');
    setTimeout(release, 300);
    const purged = await purger(5_000).purgeMessage('busy-then-done', 'operator@test', 'test');
    assert.deepEqual(purged.jobs, ['epj-delivery']);
    assert.deepEqual(purged.cancelled, [], 'it was running, not waiting: nothing cancelled');
    assert.equal(await gateway.queues['epj-delivery'].getJob('busy-then-done'), undefined);
    await worker.close();
  });

  it('a job still running after the wait: PURGE_BUSY, and the job is left to its worker', async () => {
    const { release, worker } = await busyWith('still-busy');
    await assert.rejects(purger(300).purgeMessage('still-busy', 'operator@test', 'test'), { code: 'PURGE_BUSY', status: 409 });
    assert.equal(await gateway.queues['epj-delivery'].getJobState('still-busy'), 'active');
    release();
    await worker.close();
  });
});
