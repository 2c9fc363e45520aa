import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import request from 'supertest';
import { FIXTURES_DIR } from '../../demo/simulator/citizen.js';
import { runCli } from '../helpers/cli.js';
import { eventually } from '../helpers/eventually.js';
import { findInRedis } from '../helpers/redis-dump.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';
import { startStack, type TestStack } from '../helpers/stack.js';

/**
 * Purge on request, end to end: citizen requests come in through the simulator, the clinic answers
 * (API and outbox folder), and a purge by MsgId or by patient leaves nothing of the messages in
 * Redis (every key and value scanned) or the EPJ folders; only the audit log names the MsgIds.
 */

const msgIdOf = (fixture: string) => /<MsgId>([^<]+)<\/MsgId>/.exec(readFileSync(path.join(FIXTURES_DIR, fixture), 'utf8'))![1]!;

/** Every file under the folders whose name or content holds a needle. */
function findInFolders(dirs: string[], needles: readonly string[]): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir)) {
      const file = path.join(dir, name);
      if (statSync(file).isDirectory()) walk(file);
      else {
        const text = readFileSync(file, 'utf8');
        for (const n of needles) if (text.includes(n) || name.includes(n)) found.push(`${n} in ${file}`);
      }
    }
  };
  for (const dir of dirs) walk(dir);
  return found;
}

const ADMIN = { authorization: 'Bearer demo-admin-token' };
describe('e2e: purge on request leaves nothing of the message behind', function () {
  this.timeout(120_000);
  let server: TestRedis;
  let stack: TestStack;
  let redis: Redis;

  before(async () => {
    server = await startTestRedis();
    stack = await startStack(server.url, { OUTBOUND_ATTEMPTS: '50' });
    redis = new Redis(server.url);
  });
  after(async () => {
    redis?.disconnect();
    await stack?.stop();
    await server?.stop();
  });

  const stateOf = async (msgId: string) =>
    (await request(stack.url).get(`/ops/messages/${msgId}`).query({ reason: 'purge test' }).set(stack.opsAuth)).body as { state?: string; answeredBy?: string };
  const audit = async () =>
    (await request(stack.url).get('/ops/audit').set(stack.opsAuth)).text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { action: string; actor: string; msgId?: string; details?: Record<string, unknown> });
  /** What a scan finds outside the audit log, which keeps ids by design. */
  const leftovers = async (needles: string[]) => [
    ...(await findInRedis(redis, needles)).filter((hit) => !hit.endsWith(':audit')),
    ...findInFolders([stack.inboxDir!, stack.outboxDir], needles),
  ];
  async function receive(fixture: string): Promise<string> {
    const sent = stack.simulator.citizen.sendFixture(fixture);
    assert.equal((await stack.simulator.citizen.waitForAppRec(sent.id, 15_000))?.status, 'OK');
    const msgId = msgIdOf(fixture);
    await eventually(() => existsSync(path.join(stack.inboxDir!, `${msgId}.json`)), 15_000, 'the request in the EPJ inbox');
    return msgId;
  }

  it('purge --patient: the request and its answer (through the outbox folder) go from every queue, key and folder', async () => {
    const request1 = await receive('office-contact/request.xml');
    const answer = msgIdOf('office-contact/answer.xml');
    copyFileSync(path.join(FIXTURES_DIR, 'office-contact/answer.xml'), path.join(stack.outboxDir, 'answer.xml'));
    await eventually(async () => (await stateOf(answer)).state === 'apprec-ok', 30_000, 'the answer sent and its AppRec OK');
    assert.equal((await stateOf(request1)).answeredBy, answer, 'the request knows its answer');
    const needles = [request1, answer, '02919010099', 'Fjelltopp', 'legeattest', 'Attesten ligger klar'];
    assert.notDeepEqual(await leftovers(needles), [], 'the scan finds the messages before the purge');

    const res = await runCli(
      ['purge', '--patient', '-', '--reason', 'Pasienten er død (02919010099)', '--json', '--url', stack.url],
      { OPS_TOKEN: 'demo-admin-token' },
      '02919010099\n',
    );
    assert.equal(res.code, 0, res.stderr);
    const out = JSON.parse(res.stdout) as { ok: boolean; messages: { msgId: string; found: boolean; files: string[] }[] };
    assert.equal(out.ok, true);
    assert.deepEqual(out.messages.map((m) => m.msgId).sort(), [request1, answer].sort());
    assert.ok(out.messages.every((m) => m.found));
    assert.ok(out.messages.find((m) => m.msgId === request1)!.files.some((f) => f.endsWith('.xml')));

    assert.deepEqual(await leftovers(needles), []);
    const entry = (await audit()).find((e) => e.action === 'patient.purge');
    assert.ok(entry, 'the purge is audited');
    assert.match(entry.actor, /^admin@/); // the account the token stands for
    assert.equal(entry.details?.reason, 'Pasienten er død ([redacted])', 'the reason is kept, the national id in it redacted');
    assert.equal(entry.details?.messages, 2);
    const each = (await audit()).filter((e) => e.action === 'message.purge' && e.details?.byPatient === true);
    assert.deepEqual(each.map((e) => e.msgId).sort(), [request1, answer].sort(), 'each MsgId purged is named in the audit log');
    assert.equal(JSON.stringify(await audit()).includes('02919010099'), false);
  });

  it('DELETE /ops/messages/{msgId}: an answer waiting to be sent is cancelled, never sent; purge --msg-id removes its request', async () => {
    const request2 = await receive('e-consultation/request.xml');
    stack.simulator.faults.add({ kind: 'error', status: 503, count: 1_000, path: '/Messages', method: 'POST' });
    const text = 'Vi ringer deg i morgen klokken ti.';
    const submitted = await request(stack.url).post('/v1/messages').set(stack.epjAuth).send({ service: 'e-consultation', inReplyTo: request2, text });
    assert.equal(submitted.status, 202, JSON.stringify(submitted.body));
    const answer = submitted.body.msgId as string;
    await eventually(async () => (await stateOf(answer)).state === 'waiting', 30_000, 'the answer waiting for NHN');

    const missing = await request(stack.url).delete(`/ops/messages/${answer}`).set(ADMIN).send({});
    assert.equal(missing.status, 400);
    assert.equal(missing.body.error.code, 'PURGE_REASON_REQUIRED');

    const purged = await request(stack.url).delete(`/ops/messages/${answer}`).set(ADMIN).send({ reason: 'consent withdrawn' });
    assert.equal(purged.status, 200, JSON.stringify(purged.body));
    assert.deepEqual(purged.body.purged.cancelled, ['outbound-e-consultation']);
    stack.simulator.faults.clear();
    await new Promise((r) => setTimeout(r, 3_000));
    assert.equal(
      stack.simulator.citizen.answers().some((a) => a.msgId === answer),
      false,
      'the cancelled answer never reached the citizen',
    );
    assert.deepEqual(await leftovers([answer, text]), []);
    assert.equal((await stateOf(request2)).answeredBy, 'purged');

    const cli = await runCli(['purge', '--msg-id', request2, '--reason', 'consent withdrawn', '--url', stack.url], { OPS_TOKEN: 'demo-admin-token' });
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, new RegExp(`^purged ${request2}: \\d+ job\\(s\\)`));
    assert.deepEqual(await leftovers([request2, '07900110051', 'Prøvesen']), []);
    const entries = (await audit()).filter((e) => e.action === 'message.purge' && !e.details?.byPatient);
    assert.deepEqual(
      entries.map((e) => [e.msgId, e.details?.reason]),
      [
        [answer, 'consent withdrawn'],
        [request2, 'consent withdrawn'],
      ],
    );
  });

  it('refuses a patient purge without a valid national id, and one without --msg-id or --patient', async () => {
    // a purge is the admin's: an operator is told the role it needs
    const operator = await request(stack.url).delete('/ops/patients').set(stack.opsAuth).send({ nationalId: '02919010099', reason: 'test' });
    assert.equal(operator.status, 403);
    assert.equal(operator.body.error.code, 'OPS_ADMIN_ROLE_REQUIRED');
    const res = await request(stack.url).delete('/ops/patients').set(ADMIN).send({ nationalId: '12345678901', reason: 'test' });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'PURGE_PATIENT_ID_INVALID');
    assert.equal(JSON.stringify(await audit()).includes('12345678901'), false);
    const cli = await runCli(['purge', '--reason', 'x', '--url', stack.url], { OPS_TOKEN: 'demo-admin-token' });
    assert.equal(cli.code, 2);
  });
});
