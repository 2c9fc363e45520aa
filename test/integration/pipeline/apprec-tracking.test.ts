import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { addTrackingWorker, trackingProcessor } from '../../../src/pipeline/apprec-tracking.js';
import type { AppRecInfo } from '../../../src/ports/transport.js';
import { MessageStore, type MessageState } from '../../../src/pipeline/message-store.js';
import { connectRedis, workerConnectionOptions } from '../../../src/infra/redis.js';
import { WorkerSupervisor } from '../../../src/pipeline/worker-supervisor.js';
import { captureLogger } from '../../helpers/logger.js';
import { eventually } from '../../helpers/eventually.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';

describe('AppRec tracking', () => {
  let server: TestRedis;
  let redis: Redis;
  let queue: Queue;
  let store: MessageStore;
  let supervisor: WorkerSupervisor;
  const answers = new Map<string, AppRecInfo[][]>();
  const told: [string, MessageState][] = [];

  before(async () => {
    server = await startTestRedis();
    redis = await connectRedis(server.url, workerConnectionOptions());
    store = new MessageStore(redis, 'tr');
    queue = new Queue('apprec-tracking', { connection: redis, prefix: 'tr' });
    supervisor = new WorkerSupervisor({ logger: captureLogger().logger });
    addTrackingWorker(
      supervisor,
      { connection: redis, prefix: 'tr' },
      trackingProcessor({
        store,
        getAppRecInfo: async (id) => answers.get(id)?.shift() ?? [{ receiverHerId: 8093244, appRecStatus: null }],
        onOutcome: async (msgId, state) => void told.push([msgId, state]),
        deadlineMs: 1_500,
        firstPollMs: 50,
        maxPollMs: 200,
        logger: captureLogger().logger,
      }),
    );
  });
  after(async () => {
    await supervisor.close(2_000);
    redis.disconnect();
    await server.stop();
  });

  async function track(script: AppRecInfo[][]): Promise<string> {
    const msgId = randomUUID();
    answers.set(`nhn-${msgId}`, script);
    await store.create({ msgId, direction: 'outbound', service: 'office-contact', state: 'sent' });
    await queue.add('track', { msgId, nhnMessageId: `nhn-${msgId}`, sentAt: new Date().toISOString() }, { jobId: msgId });
    return msgId;
  }
  async function outcome(msgId: string): Promise<MessageState> {
    const [, state] = await eventually(() => told.find(([m]) => m === msgId), 5_000, `an outcome for ${msgId}`);
    return state;
  }

  it('waits for the AppRec and records OK', async () => {
    const pending = { receiverHerId: 8093244, appRecStatus: null };
    const msgId = await track([[pending], [pending], [{ receiverHerId: 8093244, appRecStatus: 'OK', appRecErrorList: [] }]]);
    assert.equal(await outcome(msgId), 'apprec-ok');
    assert.equal((await store.get(msgId))?.appRec?.status, 'OK');
  });

  it('records a rejection with its 8221 codes, even when another receiver said OK', async () => {
    const msgId = await track([
      [
        { receiverHerId: 1, appRecStatus: 'OK', appRecErrorList: [] },
        { receiverHerId: 2, appRecStatus: 'Avvist', appRecErrorList: [{ errorCode: 'E10', details: 'Ugyldig meldingsidentifikator' }] },
      ],
    ]);
    assert.equal(await outcome(msgId), 'apprec-rejected');
    assert.deepEqual((await store.get(msgId))?.appRec?.errors, [{ code: 'E10', description: 'Ugyldig meldingsidentifikator' }]);
  });

  it('gives up at the deadline with "no AppRec"', async () => {
    const msgId = await track([]);
    assert.equal(await outcome(msgId), 'apprec-missing');
    const history = await store.history(msgId);
    assert.equal(history.at(-1)?.reason, 'no AppRec before the deadline');
  });
});
