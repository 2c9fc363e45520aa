import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { FIXTURES_DIR } from '../../../demo/simulator/citizen.js';
import type { Simulator } from '../../../demo/simulator/server.js';
import { connectRedis, httpConnectionOptions } from '../../../src/infra/redis.js';
import { findAppRecTo, ReceivedAppRecs } from '../../../src/pipeline/received-apprecs.js';
import { noProtection } from '../../../src/trust/no-protection.js';
import type { MshClient } from '../../../adapters/transport/msh-client.js';
import { CLINIC_HER, HELSENORGE_HER, mshClientFor, startTestSimulator } from '../../helpers/nhn-setup.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';

/**
 * The AppRecs a clinic received, noted by id and time and opened only when a send's outcome is not
 * known: a real Redis, the simulator's inbox (Helsenorge's AppRecs to the clinic's answers), NHN's
 * business-document call for messages already read.
 */

const ANSWER = readFileSync(path.join(FIXTURES_DIR, 'office-contact/answer.xml'), 'utf8');

describe('received AppRecs: noted without fetching, opened to settle a send whose outcome is not known', () => {
  let server: TestRedis;
  let redis: Redis;
  let sim: Simulator;
  let msh: MshClient;

  before(async () => {
    server = await startTestRedis();
    redis = await connectRedis(server.url, httpConnectionOptions());
    sim = await startTestSimulator();
    msh = mshClientFor(sim);
  });
  after(async () => {
    redis.disconnect();
    await sim.close();
    await server.stop();
  });

  /** An answer sent to Helsenorge; its AppRec comes into the clinic's inbox, is noted and marked read. */
  async function answered(appRecs: ReceivedAppRecs): Promise<{ msgId: string; appRecId: string }> {
    const msgId = randomUUID();
    await msh.send({ msgId, document: Buffer.from(ANSWER.replace(/<MsgId>[^<]+<\/MsgId>/, `<MsgId>${msgId}</MsgId>`)), receiverHerId: HELSENORGE_HER });
    const [unread] = await msh.listUnread(CLINIC_HER);
    assert.ok(unread);
    await appRecs.note(unread.id);
    await msh.markRead(unread.id, CLINIC_HER);
    return { msgId, appRecId: unread.id };
  }

  it('finds the AppRec naming a MsgId, opening each AppRec once over several looks', async () => {
    const appRecs = new ReceivedAppRecs(redis, `ra-${randomUUID()}`);
    const deps = { appRecs, transport: msh, protection: noProtection };
    const since = Date.now() - 1_000;
    const first = await answered(appRecs);
    const opened = () => sim.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/business-document')).length;
    const before = opened();

    const none = await findAppRecTo(deps, randomUUID(), HELSENORGE_HER, since, []);
    assert.equal(none.found, undefined);
    assert.deepEqual(none.seen, [first.appRecId]);
    assert.equal(opened() - before, 1, 'read at NHN already, its document is still there');

    const second = await answered(appRecs);
    const found = await findAppRecTo(deps, second.msgId, HELSENORGE_HER, since, none.seen);
    assert.deepEqual(found.found, { nhnMessageId: second.appRecId, status: 'OK', errors: [] });
    assert.equal(opened() - before, 2, 'the one looked at before is not opened again');

    const earlier = await findAppRecTo(deps, first.msgId, HELSENORGE_HER, since, []);
    assert.equal(earlier.found?.nhnMessageId, first.appRecId);
    assert.equal((await findAppRecTo(deps, first.msgId, HELSENORGE_HER, Date.now() + 1_000, [])).found, undefined, 'only those since the time asked');
  });

  it('keeps a bounded window: old ones and those past the cap are let go, and the key expires', async () => {
    const prefix = `ra-${randomUUID()}`;
    const appRecs = new ReceivedAppRecs(redis, prefix, { ms: 60_000, max: 3 });
    const now = Date.now();
    await appRecs.note('old', now - 61_000);
    await appRecs.note('a', now - 3);
    await appRecs.note('b', now - 2);
    assert.deepEqual(await appRecs.since(0), ['a', 'b'], 'the one older than the window is gone');
    await appRecs.note('c', now - 1);
    await appRecs.note('d', now);
    assert.deepEqual(await appRecs.since(0), ['b', 'c', 'd'], 'no more than the cap');
    assert.deepEqual(await appRecs.since(now - 1), ['c', 'd']);
    const ttl = await redis.pttl(`${prefix}:apprec:received`);
    assert.ok(ttl > 0 && ttl <= 60_000, String(ttl));
  });
});
