import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { FolderInbox } from '../../../adapters/epj/folder-inbox.js';
import { AuditLog } from '../../../src/audit/audit-log.js';
import { DeliveryOrder, addDeliveryWorker, deliveryProcessor, promoteDueDeliveries } from '../../../src/pipeline/epj-delivery.js';
import type { DeliveryJobData, SealedDelivery } from '../../../src/pipeline/delivery-job.js';
import { JobCrypto } from '../../../src/pipeline/job-crypto.js';
import { MessageStore } from '../../../src/pipeline/message-store.js';
import type { EpjDelivery, EpjDeliveryPort } from '../../../src/ports/epj-delivery.js';
import { connectRedis, workerConnectionOptions } from '../../../src/infra/redis.js';
import { WorkerSupervisor } from '../../../src/pipeline/worker-supervisor.js';
import { eventually } from '../../helpers/eventually.js';
import { captureLogger } from '../../helpers/logger.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';
import { tempDir } from '../../helpers/tmp.js';

describe('EPJ delivery: once each, in order per patient', () => {
  let server: TestRedis;
  let redis: Redis;
  let queue: Queue<DeliveryJobData>;
  let supervisor: WorkerSupervisor;
  let order: DeliveryOrder;
  const crypto = new JobCrypto([{ id: 'k', key: randomBytes(32) }]);
  const inboxDir = tempDir('inbox');
  const folder = new FolderInbox(inboxDir);
  const delivered: string[] = [];
  /** msgIds whose first delivery attempt fails (the EPJ side is briefly unavailable) */
  const failOnce = new Set<string>();
  const port: EpjDeliveryPort = {
    name: 'folder',
    async deliver(m: EpjDelivery) {
      if (failOnce.delete(m.msgId)) throw new Error('disk full');
      await folder.deliver(m);
      delivered.push(m.msgId);
    },
  };

  before(async () => {
    server = await startTestRedis();
    redis = await connectRedis(server.url, workerConnectionOptions());
    queue = new Queue('epj-delivery', { connection: redis, prefix: 'dl' });
    order = new DeliveryOrder(redis, 'dl');
    const store = new MessageStore(redis, 'dl');
    supervisor = new WorkerSupervisor({ logger: captureLogger().logger });
    addDeliveryWorker(
      supervisor,
      { connection: redis, prefix: 'dl', concurrency: 4 },
      deliveryProcessor({ port, order, store, crypto, audit: new AuditLog(redis, 'dl', 30), logger: captureLogger().logger, orderWaitMs: 50 }),
    );
  });
  after(async () => {
    await supervisor.close(2_000);
    redis.disconnect();
    await server.stop();
  });

  async function enqueue(patient: string, msgId = randomUUID()): Promise<string> {
    const patientRef = crypto.pseudonym(patient);
    const sequence = await order.numberFor(patientRef, msgId);
    const sealed = crypto.seal(
      { xml: `<MsgHead><MsgId>${msgId}</MsgId></MsgHead>`, receiverHerId: 8142987, receivedAt: new Date().toISOString() } satisfies SealedDelivery,
      msgId,
    );
    await queue.add(
      'deliver',
      { msgId, service: 'office-contact', sealed, patientRef, sequence },
      { jobId: msgId, attempts: 20, backoff: { type: 'fixed', delay: 100 } },
    );
    return msgId;
  }

  it('gives each MsgId one number, however often it is asked', async () => {
    const ref = crypto.pseudonym('13896997245');
    assert.equal(await order.numberFor(ref, 'a'), 1);
    assert.equal(await order.numberFor(ref, 'a'), 1);
    assert.equal(await order.numberFor(ref, 'b'), 2);
    assert.doesNotMatch(ref, /13896997245/);
  });

  it("keeps a patient's order when an earlier message has to be retried, and lets others pass", async () => {
    const first = await enqueue('patient-A');
    failOnce.add(first);
    const second = await enqueue('patient-A');
    const third = await enqueue('patient-A');
    const other = await enqueue('patient-B');
    await eventually(
      () => [first, second, third, other].every((m) => delivered.includes(m)),
      5_000,
      () => `all four delivered; delivered: ${delivered.join(', ')}`,
    );
    const a = delivered.filter((m) => [first, second, third].includes(m));
    assert.deepEqual(a, [first, second, third]);
    assert.ok(delivered.indexOf(other) < delivered.indexOf(first), 'patient B did not wait for patient A');
  });

  it("starts a patient's next message as soon as the one before it is delivered, not after its wait", async () => {
    // a wait of a minute: only the promotion can deliver the second message within the test
    const q = new Queue<DeliveryJobData>('epj-delivery', { connection: redis, prefix: 'dp' });
    const o = new DeliveryOrder(redis, 'dp');
    const workers = new WorkerSupervisor({ logger: captureLogger().logger });
    addDeliveryWorker(
      workers,
      { connection: redis, prefix: 'dp', concurrency: 4 },
      deliveryProcessor({
        port,
        order: o,
        store: new MessageStore(redis, 'dp'),
        crypto,
        audit: new AuditLog(redis, 'dp', 30),
        logger: captureLogger().logger,
        orderWaitMs: 60_000,
        promote: async (msgId) => {
          const job = await q.getJob(msgId);
          if (job && (await job.isDelayed())) await job.promote();
        },
      }),
    );
    const add = async (msgId: string, sequence: number) => {
      const sealed = crypto.seal(
        { xml: `<MsgHead><MsgId>${msgId}</MsgId></MsgHead>`, receiverHerId: 8142987, receivedAt: new Date().toISOString() } satisfies SealedDelivery,
        msgId,
      );
      await q.add('deliver', { msgId, service: 'office-contact', sealed, patientRef: ref, sequence }, { jobId: msgId, attempts: 5 });
    };
    const ref = crypto.pseudonym('patient-D');
    const [first, second] = [randomUUID(), randomUUID()];
    try {
      // the second message is numbered and queued first: it has to wait for the first
      assert.equal(await o.numberFor(ref, first), 1);
      assert.equal(await o.numberFor(ref, second), 2);
      assert.equal(await o.msgIdOf(ref, 2), second);
      await add(second, 2);
      await eventually(async () => (await q.getJob(second))?.isDelayed(), 5_000, 'the second message waiting its turn');
      await add(first, 1);
      await eventually(
        () => delivered.includes(first) && delivered.includes(second),
        10_000,
        () => `both delivered; delivered: ${delivered.join(', ')}`,
      );
      assert.ok(delivered.indexOf(first) < delivered.indexOf(second), 'in order');
    } finally {
      await workers.close(2_000);
      await q.close();
    }
  });

  it('takes up at start a set-aside message whose turn came while no gateway ran, and leaves one still waiting', async () => {
    const q = new Queue<DeliveryJobData>('epj-delivery', { connection: redis, prefix: 'ds' });
    const o = new DeliveryOrder(redis, 'ds');
    const ref = crypto.pseudonym('patient-S');
    const [first, second, third] = [randomUUID(), randomUUID(), randomUUID()];
    try {
      for (const id of [first, second, third]) await o.numberFor(ref, id);
      // the first was delivered and the process died before promoting the second; both later ones wait a minute
      await o.markDeliveredAndNext(ref, 1);
      for (const [id, sequence] of [
        [second, 2],
        [third, 3],
      ] as const) {
        await q.add('deliver', { msgId: id, service: 'office-contact', sealed: crypto.seal({}, id), patientRef: ref, sequence }, { jobId: id, delay: 60_000 });
      }
      const promote = (msgId: string) => new Job(q, 'deliver', {}, {}, msgId).promote();
      assert.equal(await promoteDueDeliveries(() => q.getDelayed(), o, promote), 1);
      assert.equal(await q.getJobState(second), 'waiting');
      assert.equal(await q.getJobState(third), 'delayed');
    } finally {
      await q.obliterate({ force: true });
      await q.close();
    }
  });

  it('writes the XML and its sidecar atomically, once per MsgId', async () => {
    const msgId = await enqueue('patient-C');
    await eventually(
      () => delivered.includes(msgId),
      5_000,
      () => `${msgId} delivered`,
    );
    await folder.deliver({ msgId, service: 'office-contact', xml: '<changed/>', receiverHerId: 1, receivedAt: 'x' });
    assert.match(readFileSync(path.join(inboxDir, `${msgId}.xml`), 'utf8'), new RegExp(msgId));
    const sidecar = JSON.parse(readFileSync(path.join(inboxDir, `${msgId}.json`), 'utf8'));
    assert.equal(sidecar.service, 'office-contact');
    assert.equal(sidecar.xmlFile, `${msgId}.xml`);
    assert.equal(sidecar.xml, undefined);
    assert.deepEqual(
      readdirSync(inboxDir).filter((f) => f.includes('.tmp')),
      [],
    );
  });
});
