import assert from 'node:assert/strict';
import { MessageStore } from '../../../src/pipeline/message-store.js';
import { backoffDelay } from '../../../src/pipeline/retry.js';
import { useTestRedis } from '../../helpers/redis.js';

describe('message store', () => {
  const ctx = useTestRedis();

  it('creates a record once per MsgId and returns the first on a repeat', async () => {
    const store = new MessageStore(ctx.redis, 'ms1');
    const first = await store.create({ msgId: 'a', direction: 'outbound', service: 'office-contact', state: 'queued', contentHash: 'h1' });
    assert.equal(first.created, true);
    const again = await store.create({ msgId: 'a', direction: 'outbound', service: 'office-contact', state: 'queued', contentHash: 'h2' });
    assert.equal(again.created, false);
    assert.equal(again.record.contentHash, 'h1');
    const both = await Promise.all([1, 2, 3].map(() => store.create({ msgId: 'b', direction: 'inbound', service: 'appointment', state: 'received' })));
    assert.equal(both.filter((r) => r.created).length, 1, 'exactly one creator across concurrent callers');
  });

  it('updates state, removes cleared fields, and keeps the attempt history in order', async () => {
    const store = new MessageStore(ctx.redis, 'ms2');
    await store.create({ msgId: 'c', direction: 'outbound', service: 'e-consultation', state: 'queued' });
    await store.update('c', { state: 'waiting', waitingReason: 'NHN answered 503' });
    await store.addHistory('c', { event: 'send', outcome: 'retry', attempt: 1, reason: 'NHN answered 503' });
    await store.update('c', { state: 'apprec-ok', waitingReason: null, appRec: { status: 'OK', errors: [], receivedAt: 'now' } });
    await store.addHistory('c', { event: 'send', outcome: 'ok', attempt: 2 });
    const rec = await store.get('c');
    assert.equal(rec?.state, 'apprec-ok');
    assert.equal(rec?.waitingReason, undefined);
    assert.deepEqual(rec?.appRec, { status: 'OK', errors: [], receivedAt: 'now' });
    assert.deepEqual(
      (await store.history('c')).map((h) => h.outcome),
      ['retry', 'ok'],
    );
    assert.equal(await store.get('nope'), undefined);
  });
});

describe('retry backoff', () => {
  const policy = { attempts: 8, baseMs: 1_000, capMs: 60_000 };
  it('doubles per attempt within [half, all] of the ceiling, up to the cap', () => {
    assert.equal(
      backoffDelay(1, policy, () => 0),
      500,
    );
    assert.equal(
      backoffDelay(1, policy, () => 1),
      1_000,
    );
    assert.equal(
      backoffDelay(3, policy, () => 1),
      4_000,
    );
    assert.equal(
      backoffDelay(20, policy, () => 1),
      60_000,
    );
    assert.equal(
      backoffDelay(20, policy, () => 0),
      30_000,
    );
  });
});
