import assert from 'node:assert/strict';
import type { Job } from 'bullmq';
import { inboundProcessor, type InboundDeps, type InboundJobData } from '../../../src/pipeline/inbound.js';
import { createLogger } from '../../../src/logging.js';

/**
 * Found by `npm run chaos`: a replica killed after a citizen request was queued for the EPJ but before
 * its open request was recorded let the EPJ see (and answer) a request the gateway did not know: the
 * answer was refused with EPJ_REQUEST_UNKNOWN. The request is now recorded before it goes to the EPJ.
 */
describe('inbound: a request reaches the EPJ only once the gateway knows it', () => {
  const steps: string[] = [];
  const deps = (failAt?: string) =>
    ({
      transport: {
        getMessage: async () => ({ isAppRec: false, senderHerId: 8093244 }),
        getBusinessDocument: async () => Buffer.from('<MsgHead/>'),
        getStatus: async () => [],
        sendAppRec: async () => void steps.push('sendAppRec'),
        markRead: async () => void steps.push('markRead'),
      },
      protection: { unprotect: async (document: Buffer) => ({ document }) },
      judge: () => ({ accepted: true, msgId: 'm-1', service: 'office-contact', action: 'Foresporsel', appRecStatus: 'OK', errors: [] }),
      gate: { isOpen: () => true },
      crypto: { seal: () => ({ sealed: true }) },
      store: {
        putDocument: async () => void steps.push('document'),
        create: async () => {
          steps.push('record');
          return { created: true, record: { createdAt: new Date().toISOString() } };
        },
        addHistory: async () => undefined,
      },
      requests: {
        opened: async () => {
          if (failAt === 'opened') throw new Error('the process died here');
          steps.push('request opened');
        },
      },
      delivery: { add: async () => void steps.push('to the EPJ') },
      audit: { record: async () => undefined },
      logger: createLogger('silent'),
    }) as unknown as InboundDeps;
  const job = () =>
    ({
      data: { nhnMessageId: 'n-1', receiverHerId: 8142987 } as InboundJobData,
      timestamp: 0,
      updateData: async () => undefined,
    }) as unknown as Job<InboundJobData>;

  beforeEach(() => (steps.length = 0));

  it('records the message and opens the request before queueing it for the EPJ, and AppRecs after', async () => {
    assert.equal(await inboundProcessor(deps())(job()), 'accepted');
    assert.deepEqual(steps, ['document', 'record', 'request opened', 'to the EPJ', 'sendAppRec', 'markRead']);
  });

  it('a job cut short before its request is recorded has sent nothing to the EPJ', async () => {
    await assert.rejects(inboundProcessor(deps('opened'))(job()), /the process died here/);
    assert.deepEqual(steps, ['document', 'record']);
  });
});
