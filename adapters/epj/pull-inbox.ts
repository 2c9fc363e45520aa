import type { Redis } from 'ioredis';
import type { JobCrypto, SealedPayload } from '../../src/pipeline/job-crypto.js';
import type { EpjDelivery, EpjDeliveryPort } from '../../src/ports/epj-delivery.js';
import type { PulledMessage, PullInboxPort } from '../../src/ports/pull-inbox.js';
import { redisKeys } from '../../src/redis-keys.js';

/**
 * For EPJs that fetch instead of receiving: messages wait in a Redis stream (sealed) until the EPJ
 * acknowledges them. The stream id is the cursor, so paging is stable while messages are
 * acknowledged; a message is added once per MsgId.
 */
export class PullInbox implements EpjDeliveryPort, PullInboxPort {
  readonly name = 'pull';
  private readonly stream: string;
  private readonly items: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly crypto: JobCrypto,
  ) {
    const keys = redisKeys(prefix);
    this.stream = keys.pullInboxStream;
    this.items = keys.pullInboxItems;
  }

  async deliver(m: EpjDelivery): Promise<void> {
    const sealed = JSON.stringify(this.crypto.seal(m, m.msgId));
    if ((await this.redis.hsetnx(this.items, m.msgId, sealed)) === 0) return;
    await this.redis.xadd(this.stream, '*', 'msgId', m.msgId);
  }

  /** Unacknowledged messages after the cursor, oldest first. */
  async list(cursor: string | undefined, limit: number): Promise<{ items: PulledMessage[]; nextCursor?: string }> {
    const entries = (await this.redis.xrange(this.stream, cursor ? `(${cursor}` : '-', '+', 'COUNT', limit)) as [string, string[]][];
    const items: PulledMessage[] = [];
    for (const [id, fields] of entries) {
      const msgId = fields[1]!;
      const sealed = await this.redis.hget(this.items, msgId);
      if (sealed) items.push({ ...this.crypto.open<EpjDelivery>(JSON.parse(sealed) as SealedPayload, msgId), cursor: id });
    }
    const last = entries.at(-1)?.[0];
    return { items, ...(entries.length === limit && last ? { nextCursor: last } : {}) };
  }

  /** Idempotent: true when the message was waiting. */
  async ack(msgId: string): Promise<boolean> {
    const removed = await this.redis.hdel(this.items, msgId);
    if (removed) {
      // The stream entry goes too; scanning is bounded by the unacknowledged messages.
      const entries = (await this.redis.xrange(this.stream, '-', '+')) as [string, string[]][];
      const ids = entries.filter(([, f]) => f[1] === msgId).map(([id]) => id);
      if (ids.length) await this.redis.xdel(this.stream, ...ids);
    }
    return removed === 1;
  }
}
