import assert from 'node:assert/strict';
import { AuditLog, REDACTED } from '../../../src/audit/audit-log.js';
import { runCli } from '../../helpers/cli.js';
import { startTestGateway, type TestGateway as Gateway } from '../../helpers/gateway.js';
import { useTestRedis } from '../../helpers/redis.js';

const DAY = 86_400_000;
// Synthetic national ids (month + 80) and an invented name: what must never be kept.
const PATIENT_ID = '13898910010';
const PATIENT_NAME = 'Kari Testesen';

describe('audit log: who did what, by id', () => {
  const ctx = useTestRedis();
  let n = 0;
  const freshLog = (retentionDays = 365) => new AuditLog(ctx.redis, `audit${++n}`, retentionDays);

  it('records message events by id, service and outcome, oldest first, with when', async () => {
    const log = freshLog();
    const before = Date.now();
    await log.record({
      actor: 'system',
      action: 'message.received',
      msgId: 'b6f7c1de-0a7e-4c4e-9d7e-5c0a4bb1f001',
      service: 'office-contact',
      outcome: 'accepted',
    });
    await log.record({ actor: 'operator@10.0.0.7', action: 'dead-letter.replay', msgId: 'b6f7c1de-0a7e-4c4e-9d7e-5c0a4bb1f002', service: 'appointment' });
    const entries = await log.read();
    assert.deepEqual(
      entries.map(({ id: _id, at: _at, prev: _prev, hash: _hash, ...rest }) => rest),
      [
        { actor: 'system', action: 'message.received', msgId: 'b6f7c1de-0a7e-4c4e-9d7e-5c0a4bb1f001', service: 'office-contact', outcome: 'accepted' },
        { actor: 'operator@10.0.0.7', action: 'dead-letter.replay', msgId: 'b6f7c1de-0a7e-4c4e-9d7e-5c0a4bb1f002', service: 'appointment' },
      ],
    );
    assert.ok(Date.parse(entries[0]!.at) >= before - 1);
  });

  it('never keeps a national id, in any field or any spelling', async () => {
    const log = freshLog();
    await log.record({
      actor: `epj:${PATIENT_ID}`,
      action: 'message.received',
      msgId: PATIENT_ID,
      outcome: `rejected:E31 patient ${PATIENT_ID.slice(0, 6)} ${PATIENT_ID.slice(6)}`,
      details: { reason: `asked for by 138989-10010`, nhnId: Number(PATIENT_ID), herId: 8142987, retried: true },
    });
    const [entry] = await log.read();
    assert.equal(entry!.actor, `epj:${REDACTED}`);
    assert.equal(entry!.msgId, REDACTED);
    assert.equal(entry!.outcome, `rejected:E31 patient ${REDACTED}`);
    assert.deepEqual(entry!.details, { reason: `asked for by ${REDACTED}`, nhnId: REDACTED, herId: 8142987, retried: true });
    // and not in Redis either, whatever reads the stream
    const raw = JSON.stringify(await ctx.redis.xrange(`audit${n}:audit`, '-', '+'));
    assert.doesNotMatch(raw, /13898|10010/);
  });

  it('drops details named like patient data and cuts long text, so no message text gets in', async () => {
    const log = freshLog();
    const letter = 'Hei, jeg har hatt vondt i halsen i tre uker og lurer på om jeg bør komme inn. '.repeat(10);
    await log.record({
      actor: 'system',
      action: 'gate.close',
      details: { text: 'Vondt i halsen', patientName: PATIENT_NAME, Name: PATIENT_NAME, reason: letter },
    });
    const [entry] = await log.read();
    assert.equal(entry!.details!.text, REDACTED);
    assert.equal(entry!.details!.patientName, REDACTED);
    assert.equal(entry!.details!.Name, REDACTED);
    assert.ok(String(entry!.details!.reason).length <= 301, 'long text is cut');
    assert.doesNotMatch(JSON.stringify(await ctx.redis.xrange(`audit${n}:audit`, '-', '+')), /Testesen|Vondt/);
  });

  it('trims entries older than the retention when it writes', async () => {
    const log = freshLog(30);
    const key = `audit${n}:audit`;
    // Entries written 40 and 10 days ago, as the stream would hold them.
    await ctx.redis.xadd(key, `${Date.now() - 40 * DAY}-0`, 'actor', 'system', 'action', 'old');
    await ctx.redis.xadd(key, `${Date.now() - 10 * DAY}-0`, 'actor', 'system', 'action', 'recent');
    await log.record({ actor: 'system', action: 'now' });
    assert.deepEqual(
      (await log.read()).map((e) => e.action),
      ['recent', 'now'],
    );
  });

  it('reads from a time on and pages after an entry', async () => {
    const log = freshLog();
    const key = `audit${n}:audit`;
    await ctx.redis.xadd(key, `${Date.now() - 2 * DAY}-0`, 'actor', 'system', 'action', 'two-days-ago');
    for (const action of ['a', 'b', 'c']) await log.record({ actor: 'system', action });
    const sinceYesterday = await log.read({ since: new Date(Date.now() - DAY) });
    assert.deepEqual(
      sinceYesterday.map((e) => e.action),
      ['a', 'b', 'c'],
    );
    const first = await log.read({ limit: 2 });
    const rest = await log.read({ after: first.at(-1)!.id });
    assert.deepEqual(
      [...first, ...rest].map((e) => e.action),
      ['two-days-ago', 'a', 'b', 'c'],
    );
  });

  describe('epj-gateway audit export', () => {
    let gateway: Gateway;
    let url: string;
    let cut: string;
    before(async () => {
      ({ gateway, url } = await startTestGateway(ctx.server.url));
      await gateway.audit.record({ actor: 'system', action: 'before-the-cut' });
      await new Promise((r) => setTimeout(r, 5));
      cut = new Date().toISOString();
      await new Promise((r) => setTimeout(r, 5));
      // More than one page of the operations API (1,000), so the command must follow the pages.
      const pipeline = ctx.redis.pipeline();
      const key = `${gateway.config.QUEUE_PREFIX}:audit`;
      for (let i = 0; i < 1_050; i++)
        pipeline.xadd(key, '*', 'actor', 'system', 'action', 'message.delivered', 'msgId', `m-${i}`, 'service', 'office-contact', 'outcome', 'folder');
      await pipeline.exec();
    });
    after(() => gateway.shutdown('test over'));

    it('prints every entry since the time as JSON lines, oldest first, across pages', async () => {
      const res = await runCli(['audit', 'export', '--since', cut, '--url', url, '--token', 'demo-ops-token']);
      assert.equal(res.code, 0, res.stderr);
      const lines = res.stdout.trim().split('\n');
      assert.equal(lines.length, 1_050);
      const entries = lines.map((l) => JSON.parse(l) as { id: string; at: string; action: string; msgId: string });
      assert.equal(entries[0]!.msgId, 'm-0');
      assert.equal(entries.at(-1)!.msgId, 'm-1049');
      assert.ok(entries.every((e) => e.action === 'message.delivered' && e.at >= cut.slice(0, 19)));
      assert.equal(new Set(entries.map((e) => e.id)).size, 1_050, 'no entry twice at a page boundary');
    });

    it('says what is wrong with a --since that is not a date, and exits 1', async () => {
      const res = await runCli(['audit', 'export', '--since', 'last tuesday', '--url', url, '--token', 'demo-ops-token']);
      assert.equal(res.code, 1);
      // a JSON line, like the entries, so a script reading the export sees the failure in-band
      const failure = JSON.parse(res.stdout) as { ok: boolean; error: { code: string; message: string } };
      assert.equal(failure.ok, false);
      assert.equal(failure.error.code, 'BODY_MALFORMED');
      assert.match(failure.error.message, /since must be an ISO date/);
    });

    it('refuses without the operator token', async () => {
      const res = await runCli(['audit', 'export', '--url', url, '--token', 'wrong-token']);
      assert.equal(res.code, 1);
      assert.equal((JSON.parse(res.stdout) as { ok: boolean }).ok, false);
      assert.doesNotMatch(res.stdout, /message\.delivered/);
    });
  });
});
