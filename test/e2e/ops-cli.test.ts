import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { runCli } from '../helpers/cli.js';
import { startTestGateway, type TestGateway as Gateway } from '../helpers/gateway.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';

describe('operator command line: dlq and audit against a running gateway', () => {
  let server: TestRedis;
  let gateway: Gateway;
  let url: string;
  const msgId = randomUUID();
  before(async () => {
    server = await startTestRedis();
    ({ gateway, url } = await startTestGateway(server.url));
    // A message that failed for good, as the outbound worker leaves it.
    await gateway.store.create({ msgId, direction: 'outbound', service: 'office-contact', state: 'dead-lettered', deadLetterReason: 'NHN answered 400' });
    await gateway.store.addHistory(msgId, { event: 'dead-letter', outcome: 'failed', attempt: 1, reason: 'NHN answered 400' });
    const sealed = gateway.crypto.seal({ xml: '<MsgHead/>', receiverHerId: 8093244 }, msgId);
    await gateway.queues['dead-letter'].add(
      'dead',
      { msgId, service: 'office-contact', sealed, reason: 'NHN answered 400', from: 'outbound-office-contact', at: new Date().toISOString() },
      { jobId: msgId },
    );
  });
  after(async () => {
    await gateway.shutdown('test over');
    await server.stop();
  });

  it('dlq list --json shows it with the reason', async () => {
    const res = await runCli(['dlq', 'list', '--json', '--url', url]);
    assert.equal(res.code, 0, res.stderr);
    const out = JSON.parse(res.stdout);
    assert.equal(out.ok, true);
    assert.deepEqual(
      out.deadLetters.map((d: { msgId: string; reason: string }) => [d.msgId, d.reason]),
      [[msgId, 'NHN answered 400']],
    );
  });

  it('dlq show prints its history; an unknown id exits 1 with the code', async () => {
    const res = await runCli(['dlq', 'show', msgId, '--url', url]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /dead-letter\s+failed\s+NHN answered 400/);
    const missing = await runCli(['dlq', 'show', 'no-such-id', '--json', '--url', url]);
    assert.equal(missing.code, 1);
    assert.equal(JSON.parse(missing.stdout).error.code, 'NOT_FOUND');
  });

  it('dlq replay puts it back on its queue with the same MsgId, and the audit log says who', async () => {
    const res = await runCli(['dlq', 'replay', msgId, '--json', '--url', url]);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(JSON.parse(res.stdout).replayed.msgId, msgId);
    assert.equal(await gateway.queues['outbound-office-contact'].getJobState(msgId), 'waiting');
    assert.equal((await gateway.store.get(msgId))?.state, 'queued');
    const audit = await runCli(['audit', 'export', '--since', '2020-01-01T00:00:00Z', '--url', url]);
    const entries = audit.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const replay = entries.find((e) => e.action === 'dead-letter.replay');
    assert.equal(replay.msgId, msgId);
    assert.match(replay.actor, /^ops@/); // OPS_TOKEN's account
  });

  it('a wrong token is refused with the code', async () => {
    const res = await runCli(['dlq', 'list', '--url', url, '--token', 'wrong-token']);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /AUTH_INVALID/);
  });
});
