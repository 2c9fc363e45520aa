import assert from 'node:assert/strict';
import type { Job } from 'bullmq';
import { inboundProcessor, type InboundDeps, type InboundJobData } from '../../../src/pipeline/inbound.js';
import { createLogger } from '../../../src/logging.js';

/**
 * Found by `npm run chaos`: a redis-server SIGKILL between the AppRec going to NHN and the job's
 * note of it failed the job, and the next attempt sent the AppRec again (two AppRecs for one
 * citizen message). The note now waits for Redis; the AppRec goes once.
 */
/**
 * The inbound job's parts for a message judged Avvist, each NHN call noted in `calls`; `created`:
 * whether this attempt made the record (false: an earlier attempt did); `appRecAtNhn`: what NHN's
 * status says of the clinic's AppRec, when asked.
 */
function rejectingDeps(calls: string[], created: boolean, appRecAtNhn?: boolean): InboundDeps {
  return {
    transport: {
      getMessage: async () => ({ isAppRec: false, senderHerId: 8093244 }),
      getBusinessDocument: async () => Buffer.from('<MsgHead/>'),
      getStatus: async () => {
        calls.push('getStatus');
        return [{ receiverHerId: 8142987, transportDeliveryState: 'Acknowledged', appRecStatus: appRecAtNhn ? 'Avvist' : null }];
      },
      sendAppRec: async () => void calls.push('sendAppRec'),
      markRead: async () => void calls.push('markRead'),
    },
    protection: { unprotect: async (document: Buffer) => ({ document }) },
    judge: () => ({ accepted: false, msgId: 'm-1', appRecStatus: 'Avvist', errors: [{ errorCode: 'T01', details: 'not well-formed' }] }),
    gate: { isOpen: () => true },
    store: { create: async () => ({ created }), addHistory: async () => undefined },
    audit: { record: async () => undefined },
    logger: createLogger('silent'),
  } as unknown as InboundDeps;
}

describe('inbound: the AppRec is sent once when Redis goes away right after it', () => {
  it('waits for Redis to note it, and does not fail the job', async () => {
    const calls: string[] = [];
    const deps = rejectingDeps(calls, true);
    let failures = 2;
    const job = {
      data: { nhnMessageId: 'n-1', receiverHerId: 8142987 } as InboundJobData,
      timestamp: 0,
      updateData: async function (this: { data: InboundJobData }, data: InboundJobData) {
        if (failures-- > 0) throw new Error("Stream isn't writeable and enableOfflineQueue options is false");
        this.data = data;
      },
    };
    assert.equal(await inboundProcessor(deps)(job as unknown as Job<InboundJobData>), 'rejected');
    assert.deepEqual(calls, ['sendAppRec', 'markRead']);
    assert.equal(job.data.appRecSent, true);
  });

  describe('a job repeated after its process died between the AppRec and the note of it', () => {
    const repeat = async (appRecAtNhn: boolean) => {
      const calls: string[] = [];
      // the record is there: an earlier attempt of this job made it
      const deps = rejectingDeps(calls, false, appRecAtNhn);
      const job = {
        data: { nhnMessageId: 'n-1', receiverHerId: 8142987 } as InboundJobData,
        timestamp: 0,
        updateData: async function (this: { data: InboundJobData }, data: InboundJobData) {
          this.data = data;
        },
      };
      assert.equal(await inboundProcessor(deps)(job as unknown as Job<InboundJobData>), 'rejected');
      return { calls, noted: job.data.appRecSent };
    };

    it("asks NHN's status first and, when the clinic's AppRec is there, does not send a second", async () => {
      assert.deepEqual(await repeat(true), { calls: ['getStatus', 'markRead'], noted: true });
    });

    it('sends it when NHN has none', async () => {
      assert.deepEqual(await repeat(false), { calls: ['getStatus', 'sendAppRec', 'markRead'], noted: true });
    });
  });
});
