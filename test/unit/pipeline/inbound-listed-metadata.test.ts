import assert from 'node:assert/strict';
import type { Job } from 'bullmq';
import { inboundProcessor, type InboundDeps, type InboundJobData } from '../../../src/pipeline/inbound.js';
import { InboundQueueSink } from '../../../src/pipeline/inbound-queue-sink.js';

/**
 * The unread list's metadata rides with the inbound job, so the worker does not ask NHN for it
 * again, and an AppRec listed as one is marked read without its document being fetched.
 */

const clock = { now: () => 1_000_000 };

function transportSpy() {
  const calls: string[] = [];
  return {
    calls,
    transport: {
      getMessage: async (id: string) => {
        calls.push(`getMessage ${id}`);
        return { isAppRec: true, senderHerId: 8093244 };
      },
      getBusinessDocument: async (id: string) => {
        calls.push(`getBusinessDocument ${id}`);
        return Buffer.from('<AppRec/>');
      },
      sendAppRec: async () => void calls.push('sendAppRec'),
      markRead: async (id: string, herId: number) => void calls.push(`markRead ${id} ${herId}`),
    },
  };
}

const job = (data: InboundJobData) => ({ data, timestamp: 0 }) as unknown as Job<InboundJobData>;

describe('inbound: the metadata the unread list gave', () => {
  it('goes into the job data with the message (ids and the AppRec flag only)', async () => {
    const added: { data: unknown; jobId?: string }[] = [];
    const sink = new InboundQueueSink({ add: async (_name, data, opts) => void added.push({ data, jobId: opts?.jobId }) as never }, clock);
    await sink.offer([
      { id: 'a', receiverHerId: '8142987', metadata: { isAppRec: false, senderHerId: 8093244, businessDocumentId: 'msg-1' } },
      { id: 'b', receiverHerId: '8142987' },
    ]);
    assert.deepEqual(added, [
      { data: { nhnMessageId: 'a', receiverHerId: 8142987, metadata: { isAppRec: false, senderHerId: 8093244, businessDocumentId: 'msg-1' } }, jobId: 'a' },
      { data: { nhnMessageId: 'b', receiverHerId: 8142987 }, jobId: 'b' },
    ]);
  });

  it('an AppRec listed as one is marked read without asking for its metadata or its document', async () => {
    const { calls, transport } = transportSpy();
    const process = inboundProcessor({ transport } as unknown as InboundDeps);
    const outcome = await process(job({ nhnMessageId: 'n1', receiverHerId: 8142987, metadata: { isAppRec: true, senderHerId: 8093244 } }));
    assert.equal(outcome, 'apprec-received');
    assert.deepEqual(calls, ['markRead n1 8142987']);
  });

  it('without listed metadata the job asks NHN for it, as before', async () => {
    const { calls, transport } = transportSpy();
    const process = inboundProcessor({ transport } as unknown as InboundDeps);
    assert.equal(await process(job({ nhnMessageId: 'n2', receiverHerId: 8142987 })), 'apprec-received');
    assert.deepEqual(calls.sort(), ['getBusinessDocument n2', 'getMessage n2', 'markRead n2 8142987']);
  });
});
