import assert from 'node:assert/strict';
import { InboundQueueSink } from '../../../src/pipeline/inbound-queue-sink.js';
import { PollScheduler } from '../../../src/pipeline/poll-scheduler.js';
import { PollingInboundSource } from '../../../src/pipeline/polling-inbound-source.js';
import type { UnreadMessage } from '../../../src/ports/transport.js';
import { FakeLeases, FakeTime } from '../../helpers/poll-fakes.js';

function setup() {
  const time = new FakeTime();
  const scheduler = new PollScheduler({
    clock: time,
    timer: time,
    leases: new FakeLeases(),
    intervalMs: 1_000,
    maxIntervalMs: 8_000,
    concurrency: 2,
    random: () => 0,
  });
  const source = new PollingInboundSource(scheduler);
  /** NHN's unread lists by receiver HER-id, and the calls made to them */
  const unread = new Map<number, UnreadMessage[]>();
  const listed: number[] = [];
  let fault: Error | undefined;
  const mailbox = {
    listUnread: async (herId: number) => {
      listed.push(herId);
      if (fault) throw fault;
      return unread.get(herId) ?? [];
    },
  };
  const jobs: { name: string; data: unknown; jobId: string | undefined }[] = [];
  const queue = {
    add: async (name: string, data: unknown, opts?: { jobId?: string }) => {
      jobs.push({ name, data, jobId: opts?.jobId });
      return undefined as never;
    },
  };
  let open = true;
  source.add({ herId: '1001', receiverHerIds: ['1001', '1002'], mailbox, sink: new InboundQueueSink(queue, time), mayTake: () => open });
  return { time, source, unread, listed, jobs, setFault: (e?: Error) => (fault = e), close: (v: boolean) => (open = !v) };
}

describe('polling inbound source: each clinic read with its own transport, queued once', () => {
  it("reads every mailbox of the clinic and queues each message once, with NHN's id as the job id", async () => {
    const s = setup();
    s.unread.set(1001, [{ id: 'nhn-a', receiverHerId: 1001 }]);
    s.unread.set(1002, [{ id: 'nhn-b' }]);
    s.source.start();
    await s.time.advance(0);
    assert.deepEqual(s.listed, [1001, 1002]);
    assert.deepEqual(s.jobs, [
      { name: 'receive', data: { nhnMessageId: 'nhn-a', receiverHerId: 1001 }, jobId: 'nhn-a' },
      { name: 'receive', data: { nhnMessageId: 'nhn-b', receiverHerId: 1002 }, jobId: 'nhn-b' },
    ]);
    assert.ok(s.source.status('1001')?.lastSuccessAt);

    // still unread at NHN (their jobs have not marked them read yet): not offered to Redis again, and the clinic backs off
    await s.time.advance(1_000);
    assert.equal(s.jobs.length, 2);
    assert.equal(s.listed.length, 4);
    await s.time.advance(1_999);
    assert.equal(s.listed.length, 4, 'backed off after a poll with nothing new');

    // after a while they are offered again: the job id keeps that harmless
    await s.time.advance(30_000);
    assert.ok(s.jobs.length > 2);
    await s.source.pause();
  });

  it('leaves the mailboxes alone while the gate is closed, and reports a fault', async () => {
    const s = setup();
    s.close(true);
    s.source.start();
    await s.time.advance(5_000);
    assert.deepEqual(s.listed, []);
    s.close(false);
    s.setFault(new Error('NHN answered 503'));
    await s.time.advance(1_000);
    assert.equal(s.source.status('1001')?.lastError, 'NHN answered 503');
    assert.equal(s.jobs.length, 0);
    await s.source.remove('1001');
    assert.equal(s.source.status('1001'), undefined);
    await s.source.pause();
  });
});
