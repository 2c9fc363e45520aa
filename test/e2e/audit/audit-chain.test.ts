import assert from 'node:assert/strict';
import request from 'supertest';
import { AuditLog } from '../../../src/audit/audit-log.js';
import { verifyChain, type ExportedEntry } from '../../../src/audit/audit-chain.js';
import { runCli } from '../../helpers/cli.js';
import { startTestGateway, type TestGateway as Gateway } from '../../helpers/gateway.js';
import type { Redis } from 'ioredis';
import { connectRedis, workerConnectionOptions } from '../../../src/infra/redis.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';

const MSG_ID = 'c0ffee00-0a7e-4c4e-9d7e-5c0a4bb1f017';

describe('tamper-evident audit log: a hash chain per clinic, verify and export', () => {
  // the gateway is shut down before its Redis stops (a gateway left reconnecting keeps the test process alive)
  const ctx = {} as { server: TestRedis; redis: Redis };
  let gateway: Gateway;
  let url: string;
  let key: string;
  const cli = (...args: string[]) => runCli(['audit', ...args, '--url', url, '--token', 'demo-ops-token']);
  const verify = async () => {
    const res = await cli('verify', '--json');
    return { code: res.code, report: JSON.parse(res.stdout) as { ok: boolean; checked: number; clinic: string; brokenAt?: { id: string; reason: string } } };
  };
  /** Redis streams cannot change an entry in place: whoever tampers rewrites the stream, as here. */
  const rewrite = async (change: (id: string, fields: string[]) => string[] | undefined) => {
    const all = (await ctx.redis.xrange(key, '-', '+')) as [string, string[]][];
    await ctx.redis.del(key);
    for (const [id, fields] of all) {
      const kept = change(id, fields);
      if (kept) await ctx.redis.xadd(key, id, ...kept);
    }
    return all;
  };
  const restore = async (all: [string, string[]][]) => {
    await ctx.redis.del(key);
    for (const [id, fields] of all) await ctx.redis.xadd(key, id, ...fields);
  };

  before(async () => {
    ctx.server = await startTestRedis();
    ctx.redis = await connectRedis(ctx.server.url, workerConnectionOptions());
    ({ gateway, url } = await startTestGateway(ctx.server.url));
    key = `${gateway.config.QUEUE_PREFIX}:audit`;
    // two writers on one log, as two gateway processes would be: the chain stays one line
    const other = new AuditLog(ctx.redis, gateway.config.QUEUE_PREFIX, 365);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? other : gateway.audit).record({ actor: 'system', action: 'message.delivered', msgId: `m-${i}`, service: 'office-contact', outcome: 'folder' }),
      ),
    );
    await gateway.audit.record({ actor: 'kari@10.0.0.7', action: 'gate.close', service: 'e-consultation', details: { reason: 'Ferie', n: 2, forced: false } });
  });
  after(async () => {
    await gateway.shutdown('test over');
    ctx.redis.disconnect();
    await ctx.server.stop();
  });

  it('every entry carries the hash of the one before it; the export is JSON lines with the clinic and the chain', async () => {
    const res = await cli('export');
    assert.equal(res.code, 0, res.stderr);
    const lines = res.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as ExportedEntry & { clinic: string });
    assert.equal(lines.length, 21);
    assert.ok(lines.every((l) => l.clinic === gateway.config.CLINIC_HER_ID && /^[0-9a-f]{64}$/.test(l.hash!) && /^[0-9a-f]{64}$/.test(l.prev!)));
    assert.equal(lines[0]!.prev, '0'.repeat(64), 'the first link starts from nothing');
    for (let i = 1; i < lines.length; i++) assert.equal(lines[i]!.prev, lines[i - 1]!.hash);
    assert.ok(verifyChain(lines).ok);
  });

  it('epj-gateway audit verify finds the chain intact', async () => {
    const text = await cli('verify');
    assert.equal(text.code, 0, text.stderr + text.stdout);
    assert.match(text.stdout, new RegExp(`audit chain of clinic ${gateway.config.CLINIC_HER_ID} intact: 21 entries`));
    const { code, report } = await verify();
    assert.equal(code, 0);
    assert.deepEqual([report.ok, report.checked], [true, 21]);
  });

  it('an entry edited in Redis is named as the first broken link', async () => {
    let edited = '';
    const original = await rewrite((id, fields) => {
      const i = fields.indexOf('msgId');
      if (fields[i + 1] !== 'm-7') return fields;
      edited = id;
      return fields.map((f, j) => (j === fields.indexOf('outcome') + 1 ? 'webhook' : f));
    });
    const { code, report } = await verify();
    assert.equal(code, 1);
    assert.equal(report.ok, false);
    assert.deepEqual(report.brokenAt && [report.brokenAt.id, report.brokenAt.reason], [edited, 'entry-changed']);
    const text = await cli('verify');
    assert.equal(text.code, 1);
    assert.match(text.stdout, new RegExp(`BROKEN at entry ${edited} \\(.*message\\.delivered\\): .*changed after it was written`));
    await restore(original);
    assert.equal((await verify()).code, 0, 'put back as it was, the chain holds again');
  });

  it('a removed entry is named at the entry after it; removed newest entries against the head', async () => {
    const all = (await ctx.redis.xrange(key, '-', '+')) as [string, string[]][];
    await ctx.redis.xdel(key, all[4]![0]);
    const gap = await verify();
    assert.deepEqual(gap.report.brokenAt && [gap.report.brokenAt.id, gap.report.brokenAt.reason], [all[5]![0], 'entry-missing-before']);
    await restore(all);
    assert.equal((await verify()).code, 0);

    await ctx.redis.xdel(key, all.at(-1)![0]);
    const tail = await verify();
    assert.deepEqual(tail.report.brokenAt && [tail.report.brokenAt.id, tail.report.brokenAt.reason], [all.at(-2)![0], 'newest-missing']);
    await restore(all);
    assert.equal((await verify()).code, 0);
  });

  it("looking at a message's history needs a reason and is audited: who, when, which MsgId, why (never a national id)", async () => {
    await gateway.store.create({ msgId: MSG_ID, direction: 'inbound', service: 'office-contact', state: 'delivered' });
    const refused = await request(url).get(`/ops/messages/${MSG_ID}`).set('Authorization', 'Bearer demo-viewer-token').expect(400);
    assert.equal(refused.body.error.code, 'ACCESS_REASON_REQUIRED');
    await request(url)
      .get(`/ops/messages/${MSG_ID}`)
      .query({ reason: 'Kontoret spør om svaret på henvendelse fra 13898910010' })
      .set('Authorization', 'Bearer demo-viewer-token')
      .expect(200);
    await request(url).get('/ops/messages/no-such-id').set('X-Access-Reason', 'Support case 4711').set('Authorization', 'Bearer demo-ops-token').expect(404);
    const viewed = (await gateway.audit.read()).filter((e) => e.action === 'message.history.viewed');
    assert.deepEqual(
      viewed.map((e) => [e.actor.split('@')[0], e.msgId, e.outcome, e.details?.reason]),
      [
        ['viewer', MSG_ID, 'shown', 'Kontoret spør om svaret på henvendelse fra [redacted]'],
        ['ops', 'no-such-id', 'not-found', 'Support case 4711'],
      ],
    );
    assert.ok(viewed.every((e) => Date.parse(e.at) > Date.now() - 60_000));
    assert.equal((await verify()).code, 0, 'the chain holds the new entries too');
  });
});
