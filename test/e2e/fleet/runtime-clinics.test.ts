import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import request from 'supertest';
import { DEMO_CLINICS_FILE } from '../../../demo/compose-demo.js';
import { loadClinics } from '../../../src/clinics/clinics-file.js';
import { loadConfig } from '../../../src/config.js';
import { runCli } from '../../helpers/cli.js';
import { eventually } from '../../helpers/eventually.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';
import { startStack, type TestStack } from '../../helpers/stack.js';
import { tempDir } from '../../helpers/tmp.js';
import { demoEntries, type DemoEntry } from '../../helpers/demo-entries.js';

type Entry = DemoEntry;

describe('e2e: clinics added and removed at run time, the others undisturbed', function () {
  this.timeout(120_000);
  let redis: TestRedis;
  let stack: TestStack;
  let file: string;
  const entries = demoEntries();
  const [first, second, third] = [entries[0]!, entries[1]!, entries[2]!];
  const rows = async () => (await request(stack.url).get('/ops/clinics').set(stack.opsAuth).expect(200)).body as { herId: string }[];
  const fileHerIds = () => (yaml.load(readFileSync(file, 'utf8')) as { clinics: Entry[] }).clinics.map((c) => String(c.herId));
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  before(async () => {
    redis = await startTestRedis();
    file = path.join(tempDir('runtime-clinics'), 'clinics.yaml');
    writeFileSync(file, yaml.dump({ clinics: [first, second] }));
    // the simulator knows the third clinic too, as NHN would (with the certificates of its entry)
    const simulatorClinics = loadClinics({ ...loadConfig({ DATA_DIR: tempDir('sim') }), CLINICS_FILE: DEMO_CLINICS_FILE });
    stack = await startStack(redis.url, { CLINICS_FILE: file }, { simulatorClinics });
  });
  after(async () => {
    await stack?.stop();
    await redis?.stop();
  });

  it('POST /ops/clinics adds a clinic without a restart: served, in the file, its token works, its citizen messages arrive', async () => {
    assert.deepEqual((await rows()).map((r) => r.herId).sort(), ['8142987', '8143100']);
    await request(stack.url).get('/v1/whoami').set(bearer('demo-token-3')).expect(401);
    // managing clinics is an admin's: the demo's operator token is refused, naming the role
    const refused = await request(stack.url).post('/ops/clinics').set(stack.opsAuth).send(third).expect(403);
    assert.equal(refused.body.error.code, 'OPS_ADMIN_ROLE_REQUIRED');
    const added = await request(stack.url).post('/ops/clinics').set(stack.adminAuth).send(third).expect(201);
    assert.equal(added.body.herId, '8143200');
    assert.doesNotMatch(JSON.stringify(added.body), /demo-token-3/, 'no secret in the answer');
    assert.deepEqual(fileHerIds(), ['8142987', '8143100', '8143200']);
    assert.equal((await rows()).length, 3);
    await request(stack.url).get('/v1/whoami').set(bearer('demo-token-3')).expect(200);

    const sent = stack.simulator.citizen.sendFixture('office-contact/request.xml', { to: 8143200 });
    assert.equal((await stack.simulator.citizen.waitForAppRec(sent.id, 30_000))?.status, 'OK');
    const inbox = stack.composed.fleet.get('8143200')!.epj.inboxDir!;
    await eventually(() => existsSync(inbox) && readdirSync(inbox).some((f) => f.endsWith('.xml')), 15_000, "the request in the new clinic's inbox");

    const again = await request(stack.url).post('/ops/clinics').set(stack.adminAuth).send(third);
    assert.equal(again.status, 409);
    const clash = await request(stack.url)
      .post('/ops/clinics')
      .set(stack.adminAuth)
      .send({ ...third, herId: '8143300', epj: { delivery: 'folder', tokens: [{ client: 'x', token: 'demo-token' }] } });
    assert.equal(clash.status, 400, 'a token of another clinic: the file would not be valid');
    assert.deepEqual(fileHerIds(), ['8142987', '8143100', '8143200'], 'a refused entry leaves the file as it was');
  });

  it('removing a clinic with work in flight is refused; --force moves its unsent answers to the dead letters, audited; the first clinic keeps working', async () => {
    const sent = stack.simulator.citizen.sendFixture('e-consultation/request.xml', { to: 8143200 });
    assert.equal((await stack.simulator.citizen.waitForAppRec(sent.id, 30_000))?.status, 'OK');
    // an answer that cannot be sent yet: NHN refuses every post for now
    stack.simulator.faults.add({ kind: 'error', status: 503, count: 1_000, path: '/Messages', method: 'POST' });
    const answer = await request(stack.url)
      .post('/v1/messages')
      .set(bearer('demo-token-3'))
      .send({ service: 'e-consultation', inReplyTo: sent.businessDocumentId, text: 'Svar som venter.' })
      .expect(202);

    const busy = await runCli(['clinics', 'remove', '8143200', '--url', stack.url, '--token', 'demo-admin-token']);
    assert.notEqual(busy.code, 0);
    assert.match(busy.stderr + busy.stdout, /CLINIC_BUSY/);
    assert.equal((await rows()).length, 3, 'still served');

    const forced = await runCli(['clinics', 'remove', '8143200', '--force', '--json', '--url', stack.url, '--token', 'demo-admin-token']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal((JSON.parse(forced.stdout) as { movedToDeadLetters: number }).movedToDeadLetters, 1);
    stack.simulator.faults.clear();
    assert.deepEqual(fileHerIds(), ['8142987', '8143100']);
    await request(stack.url).get('/v1/whoami').set(bearer('demo-token-3')).expect(401);
    await request(stack.url)
      .get(`/v1/messages/${answer.body.msgId as string}`)
      .set(stack.epjAuth)
      .expect(404);
    const dead = await stack.composed.redis.keys(`${stack.composed.config.QUEUE_PREFIX}:8143200:dead-letter:*`);
    assert.ok(dead.length > 0, 'the dead letter kept under the clinic');
    await request(stack.url).get('/v1/whoami').set(stack.epjAuth).expect(200);
  });

  it('an edit of the clinics file by hand takes effect without a restart', async () => {
    writeFileSync(file, yaml.dump({ clinics: [first] }));
    await eventually(async () => (await rows()).length === 1, 15_000, 'the second clinic gone').catch((err: Error) => {
      throw new Error(
        `${err.message}\n${stack
          .logs()
          .split('\n')
          .filter((l) => /clinic/.test(l))
          .slice(-8)
          .join('\n')}`,
      );
    });
    await request(stack.url).get('/v1/whoami').set(bearer('demo-token-2')).expect(401);
    writeFileSync(file, yaml.dump({ clinics: [first, second] }));
    await eventually(async () => (await rows()).length === 2, 15_000, 'the second clinic back');
    await request(stack.url).get('/v1/whoami').set(bearer('demo-token-2')).expect(200);
  });
});
