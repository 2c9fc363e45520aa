import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PullInbox } from '../../../../adapters/epj/pull-inbox.js';
import { WebhookDelivery, signWebhook } from '../../../../adapters/epj/webhook.js';
import { JobCrypto } from '../../../../src/pipeline/job-crypto.js';
import { useTestRedis } from '../../../helpers/redis.js';

const message = { msgId: 'm-1', service: 'e-consultation', xml: '<MsgHead/>', receiverHerId: 8142987, receivedAt: '2026-11-25T10:00:00Z' };

describe('webhook delivery', () => {
  it('signs the body so the EPJ can check it, and treats only 2xx as delivery', async () => {
    const seen: { headers: http.IncomingHttpHeaders; body: string }[] = [];
    let status = 503;
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        seen.push({ headers: req.headers, body });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/epj`;
    try {
      const hook = new WebhookDelivery(url, 'a-secret-of-16-chars');
      await assert.rejects(hook.deliver(message), /the EPJ answered 503/);
      status = 204;
      await hook.deliver(message);
      const last = seen.at(-1)!;
      assert.equal(last.headers['idempotency-key'], 'm-1');
      const ts = String(last.headers['x-epj-gateway-timestamp']);
      assert.equal(last.headers['x-epj-gateway-signature'], signWebhook('a-secret-of-16-chars', ts, last.body));
      assert.deepEqual(JSON.parse(last.body), { type: 'message', ...message });
    } finally {
      server.close();
    }
  });
});

describe('pull inbox', () => {
  const ctx = useTestRedis();

  it('pages with a stable cursor, adds a MsgId once, and forgets what is acknowledged', async () => {
    const inbox = new PullInbox(ctx.redis, 'pi', new JobCrypto([{ id: 'k', key: randomBytes(32) }]));
    for (const id of ['a', 'b', 'c']) await inbox.deliver({ ...message, msgId: id });
    await inbox.deliver({ ...message, msgId: 'a' });
    const page1 = await inbox.list(undefined, 2);
    assert.deepEqual(
      page1.items.map((i) => i.msgId),
      ['a', 'b'],
    );
    assert.ok(page1.nextCursor);
    assert.equal(await inbox.ack('a'), true);
    assert.equal(await inbox.ack('a'), false);
    const page2 = await inbox.list(page1.nextCursor, 2);
    assert.deepEqual(
      page2.items.map((i) => i.msgId),
      ['c'],
    );
    assert.deepEqual(
      (await inbox.list(undefined, 10)).items.map((i) => i.msgId),
      ['b', 'c'],
    );
    const raw = JSON.stringify(await ctx.redis.hgetall('pi:epj-inbox:items'));
    assert.doesNotMatch(raw, /MsgHead/);
  });
});
