import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'bullmq';
import { loadConfig } from '../../../src/config.js';
import { DeliveryOrder } from '../../../src/pipeline/epj-delivery.js';
import { redisKeys } from '../../../src/redis-keys.js';
import { RetentionJob } from '../../../src/retention/retention-job.js';
import { RETENTION_KINDS, retentionLimits } from '../../../src/retention/retention-policy.js';
import { startTestGateway, type TestGateway } from '../../helpers/gateway.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';
import { tempDir } from '../../helpers/tmp.js';

const DAY = 86_400_000;

describe('retention: the clean-up removes what is past its limit, never what still matters', () => {
  let server: TestRedis;
  let gateway: TestGateway;
  let url: string;
  const folders = { inboxDir: tempDir('inbox'), outboxDir: tempDir('outbox') };
  const ops = { authorization: 'Bearer demo-ops-token' };

  before(async () => {
    server = await startTestRedis();
    ({ gateway, url } = await startTestGateway(server.url, {
      EPJ_INBOX_DIR: folders.inboxDir,
      EPJ_OUTBOX_DIR: folders.outboxDir,
      RETENTION_INTERVAL_MIN: '1440',
    }));
  });
  after(async () => {
    await gateway.shutdown('test over');
    await server.stop();
  });

  const prefix = () => gateway.config.QUEUE_PREFIX;
  const keys = () => redisKeys(prefix());
  const job = () => gateway.retention;

  async function message(state: string, extra: Record<string, string> = {}, direction: 'inbound' | 'outbound' = 'outbound'): Promise<string> {
    const msgId = randomUUID();
    await gateway.store.create({ msgId, direction, service: 'office-contact', state: state as never });
    await gateway.store.addHistory(msgId, { event: 'test', outcome: 'info' });
    if (Object.keys(extra).length) await gateway.redis.hset(keys().message(msgId), extra);
    return msgId;
  }

  it('messages: a finished one goes after its limit; queued, waiting, sent (awaiting its AppRec) and received ones stay', async () => {
    const done = await message('apprec-ok');
    const dead = await message('dead-lettered');
    const kept = await Promise.all(['queued', 'waiting', 'sent'].map((s) => message(s)));
    kept.push(await message('received', {}, 'inbound'));
    const young = await message('delivered', {}, 'inbound');

    // nothing is old yet
    const first = await job().run();
    assert.equal(first.removed.messages, 0);
    assert.ok(await gateway.store.get(done));

    const report = await job().run(Date.now() + 91 * DAY);
    assert.ok(report.removed.messages >= 3, JSON.stringify(report));
    for (const id of [done, dead, young]) {
      assert.equal(await gateway.store.get(id), undefined);
      assert.equal(await gateway.redis.exists(keys().messageHistory(id)), 0);
    }
    for (const id of kept) assert.ok(await gateway.store.get(id), `${id} still matters`);
  });

  it("documents: an answered request's sealed document goes after its limit; an unanswered request keeps it", async () => {
    const answered = await message('delivered', { answeredBy: 'answer-1' }, 'inbound');
    const unanswered = await message('delivered', {}, 'inbound');
    for (const id of [answered, unanswered]) await gateway.store.putDocument(id, gateway.crypto.seal({ xml: '<x/>' }, id));

    const report = await job().run(Date.now() + 31 * DAY);
    assert.equal(report.removed.documents, 1);
    assert.equal(await gateway.store.hasDocument(answered), false);
    assert.equal(await gateway.store.hasDocument(unanswered), true);
    // the records themselves are younger than theirs
    assert.ok(await gateway.store.get(answered));
  });

  it('an unanswered citizen request stays answerable until REQUEST_RETENTION_DAYS from its receipt, past the messages limit', async () => {
    const receivedAt = new Date().toISOString();
    const open = await message('delivered', { receivedAt }, 'inbound');
    const answered = await message('delivered', { receivedAt, answeredBy: 'answer-2' }, 'inbound');
    await gateway.store.putDocument(open, gateway.crypto.seal({ xml: '<x/>' }, open));

    const report = await job().run(Date.now() + 200 * DAY);
    assert.ok(await gateway.store.get(open), 'the open request is kept past the 90 days of messages');
    assert.equal(await gateway.store.hasDocument(open), true);
    assert.equal(await gateway.store.get(answered), undefined, 'an answered one goes with the messages limit');
    assert.ok(report.removed.messages >= 1);

    await job().run(Date.now() + (gateway.config.REQUEST_RETENTION_DAYS + 1) * DAY);
    assert.equal(await gateway.store.get(open), undefined, 'past REQUEST_RETENTION_DAYS it goes too');
  });

  it('dead letters: one older than its limit goes; a younger one stays', async () => {
    const queue = gateway.queues['dead-letter'];
    const sealed = (id: string) => gateway.crypto.seal({ xml: '<MsgHead/>', receiverHerId: 1 }, id);
    const old = randomUUID();
    const young = randomUUID();
    const at = (daysAgo: number) => new Date(Date.now() - daysAgo * DAY).toISOString();
    for (const [id, when] of [
      [old, at(31)],
      [young, at(29)],
    ] as const)
      await queue.add(
        'dead',
        { msgId: id, service: 'office-contact', sealed: sealed(id), reason: 'NHN answered 400', from: 'outbound-office-contact', at: when },
        { jobId: id },
      );

    await gateway.store.create({ msgId: young, direction: 'outbound', service: 'office-contact', state: 'dead-lettered' });

    const report = await job().run();
    assert.equal(report.removed['dead-letters'], 1);
    assert.equal(await queue.getJob(old), undefined);
    assert.ok(await queue.getJob(young));
    // the record of a dead letter still kept stays with it, however old, so a replay finds it
    await job().run(Date.now() + 91 * DAY);
    assert.ok(await gateway.store.get(young));
    await queue.remove(young);
  });

  it('jobs and AppRec tracking: finished jobs go after their limit; a delayed tracking job (the AppRec still awaited) stays', async () => {
    const delivery = gateway.queues['epj-delivery'];
    await delivery.add('deliver', { msgId: 'done-job' }, { jobId: 'done-job' });
    const worker = new Worker('epj-delivery', async () => 'ok', { connection: gateway.workerConnection, prefix: prefix() });
    await new Promise<void>((resolve) => worker.on('completed', () => resolve()));
    await worker.close();
    const tracking = gateway.queues['apprec-tracking'];
    await tracking.add('track', { msgId: 'answered', nhnMessageId: 'n0', sentAt: new Date().toISOString() }, { jobId: 'answered' });
    const tracker = new Worker('apprec-tracking', async () => 'apprec-ok', { connection: gateway.workerConnection, prefix: prefix() });
    await new Promise<void>((resolve) => tracker.on('completed', () => resolve()));
    await tracker.close();
    await tracking.add('track', { msgId: 'awaited', nhnMessageId: 'n1', sentAt: new Date().toISOString() }, { jobId: 'awaited', delay: 60_000 });

    const soon = await job().run(Date.now() + 8 * DAY);
    assert.equal(soon.removed.jobs, 1);
    assert.equal(soon.removed['apprec-tracking'], 0, 'finished tracking is kept longer than other jobs');
    assert.equal(await delivery.getJob('done-job'), undefined);

    const later = await job().run(Date.now() + 31 * DAY);
    assert.equal(later.removed['apprec-tracking'], 1);
    assert.equal(await tracking.getJob('answered'), undefined);
    assert.equal(await tracking.getJobState('awaited'), 'delayed');
  });

  it("order keys: a patient's go once all their messages are delivered and old; a patient with one undelivered keeps them", async () => {
    const order = new DeliveryOrder(gateway.redis, prefix());
    const settled = await message('delivered', {}, 'inbound');
    const pending = await message('received', {}, 'inbound');
    await order.numberFor('patient-settled', settled);
    await order.markDeliveredAndNext('patient-settled', 1);
    await order.numberFor('patient-pending', pending);

    const report = await job().run(Date.now() + 91 * DAY);
    assert.equal(report.removed['order-keys'], 1);
    assert.equal(await gateway.redis.exists(...order.keysOf('patient-settled')), 0);
    assert.equal(await gateway.redis.exists(keys().deliveryOrder('patient-pending').counter), 1);
  });

  it('notifications and the audit log: entries older than their limits go', async () => {
    const old = { id: 'old', kind: 'gate-warning', at: new Date(Date.now() - 100 * DAY).toISOString() };
    const recent = { id: 'recent', kind: 'gate-warning', at: new Date().toISOString() };
    await gateway.redis.lpush(keys().notifications, JSON.stringify(old), JSON.stringify(recent));
    await gateway.redis.xadd(keys().audit, `${Date.now() - 400 * DAY}-0`, 'actor', 'system', 'action', 'old');
    // written as a quiet clinic's log would stand: nothing new written since (a write trims by itself)
    await gateway.redis.xadd(keys().audit, '*', 'actor', 'system', 'action', 'recent');

    const report = await job().run();
    assert.equal(report.removed.notifications, 1);
    assert.equal(report.removed.audit, 1);
    const left = (await gateway.redis.lrange(keys().notifications, 0, -1)).map((i) => JSON.parse(i).id);
    assert.deepEqual(left, ['recent']);
    assert.deepEqual(
      (await gateway.audit.read()).map((e) => e.action),
      ['recent'],
    );
  });

  it('folder files: inbox files of a delivered message and outbox done/ and error/ files go after their limits; others stay', async () => {
    const delivered = await message('delivered', {}, 'inbound');
    const inFlight = await message('received', {}, 'inbound');
    const old = (Date.now() - 40 * DAY) / 1000;
    const write = (file: string, text: string) => {
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, text);
      utimesSync(file, old, old);
      return file;
    };
    const inbox = [delivered, inFlight].map((id) => [
      write(path.join(folders.inboxDir, `${id}.xml`), '<x/>'),
      write(path.join(folders.inboxDir, `${id}.json`), JSON.stringify({ msgId: id })),
    ]);
    const done = write(path.join(folders.outboxDir, 'done', 'a.xml'), '<a/>');
    const error = write(path.join(folders.outboxDir, 'error', 'b.xml'), '<b/>');
    const waiting = write(path.join(folders.outboxDir, 'c.xml'), '<c/>');

    const report = await job().run();
    assert.equal(report.removed['inbox-files'], 2);
    assert.equal(report.removed['outbox-files'], 2);
    for (const f of inbox[0]!) assert.equal(existsSync(f), false);
    for (const f of inbox[1]!) assert.equal(existsSync(f), true, 'a message not yet delivered keeps its files');
    assert.equal(existsSync(done), false);
    assert.equal(existsSync(error), false);
    assert.equal(existsSync(waiting), true, 'a file the gateway has not taken yet stays');
  });

  it('is idempotent, meters what it removed by kind and clinic, and shows the table on GET /ops/retention', async () => {
    await message('apprec-ok');
    const far = Date.now() + 400 * DAY;
    const first = await job().run(far);
    assert.ok(first.removed.messages >= 1);
    const again = await job().run(far);
    for (const kind of RETENTION_KINDS) if (kind !== 'messages') assert.equal(again.removed[kind], 0, kind);
    assert.equal(again.removed.messages, 0);

    const metrics = await (await fetch(`${url}/metrics`)).text();
    assert.match(metrics, new RegExp(`epj_gateway_retention_removed_total\\{clinic="${gateway.config.CLINIC_HER_ID}",kind="messages"\\} \\d+`));

    const res = await fetch(`${url}/ops/retention`, { headers: ops });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { kinds: { kind: string; days: number; setting: string }[]; lastRun: { removed: Record<string, number> } };
    assert.deepEqual(
      body.kinds.map((k) => k.kind),
      [...RETENTION_KINDS],
    );
    assert.deepEqual(
      body.kinds.find((k) => k.kind === 'dead-letters'),
      { ...body.kinds.find((k) => k.kind === 'dead-letters'), days: 30, setting: 'RETENTION_DEAD_LETTERS_DAYS' },
    );
    assert.equal(body.lastRun.removed.messages, 0);
  });

  it('with short limits from the settings, a finished message goes within seconds', async () => {
    const short = loadConfig({ RETENTION_MESSAGES_DAYS: '0.00001' }); // under a second
    const quick = new RetentionJob({
      redis: gateway.redis,
      prefix: prefix(),
      queues: gateway.queues,
      store: gateway.store,
      folders,
      limits: retentionLimits(short),
      logger: gateway.logger,
    });
    const gone = await message('apprec-rejected');
    const waiting = await message('waiting');
    await new Promise((r) => setTimeout(r, 1_200));
    const report = await quick.run();
    assert.equal(report.removed.messages, 1);
    assert.equal(await gateway.store.get(gone), undefined);
    assert.ok(await gateway.store.get(waiting));
  });

  it('runs on one replica per interval: two clean-ups on a timer share a lease', async () => {
    let runs = 0;
    const replicas = [0, 1].map(() => {
      const j = new RetentionJob({
        redis: gateway.redis,
        prefix: prefix(),
        queues: gateway.queues,
        store: gateway.store,
        folders,
        limits: retentionLimits(gateway.config),
        logger: gateway.logger,
      });
      j.run = async () => {
        runs++;
        return { at: new Date().toISOString(), removed: {} as never };
      };
      return j.start(1_500, randomUUID());
    });
    await new Promise((r) => setTimeout(r, 3_300));
    for (const r of replicas) await r.stop();
    assert.equal(runs, 2, 'one run per interval, not one per replica');
  });
});
