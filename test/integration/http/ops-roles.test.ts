import assert from 'node:assert/strict';
import request from 'supertest';
import { runCli } from '../../helpers/cli.js';
import { startTestGateway, type TestGateway as Gateway } from '../../helpers/gateway.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';

const VIEWER = { Authorization: 'Bearer demo-viewer-token' };
const OPERATOR = { Authorization: 'Bearer demo-ops-token' };
const ADMIN = { Authorization: 'Bearer demo-admin-token' };

describe('operations API: named operator accounts and their roles', () => {
  let server: TestRedis;
  let gateway: Gateway;
  let url: string;
  before(async () => {
    server = await startTestRedis();
    ({ gateway, url } = await startTestGateway(server.url));
  });
  after(async () => {
    await gateway.shutdown('test over');
    await server.stop();
  });

  it('the demo has a viewer, an operator (demo-ops-token) and an admin; whoami names the account', async () => {
    for (const [auth, name, role] of [
      [VIEWER, 'viewer', 'viewer'],
      [OPERATOR, 'ops', 'operator'],
      [ADMIN, 'admin', 'admin'],
    ] as const) {
      const me = await request(url).get('/ops/whoami').set(auth).expect(200);
      assert.deepEqual(me.body, { name, role, via: 'token' });
    }
    await request(url).get('/ops/whoami').set('Authorization', 'Bearer not-a-token-at-all').expect(401);
  });

  it('a viewer reads status, waiting messages, dead letters and the gate, but closing a service is refused with the role it needs', async () => {
    for (const p of ['/ops/status', '/ops/waiting', '/ops/dead-letters', '/ops/gate']) await request(url).get(p).set(VIEWER).expect(200);
    const refused = await request(url).post('/ops/gate/e-consultation/close').set(VIEWER).send({ reason: 'Ferie' }).expect(403);
    assert.equal(refused.body.error.code, 'OPS_OPERATOR_ROLE_REQUIRED');
    assert.equal(refused.body.error.details.requiredRole, 'operator');
    assert.match(refused.body.error.message, /viewer has the role viewer/);
    assert.equal(gateway.gate.current().services['e-consultation'].state, 'open', 'nothing was closed');
    for (const [method, p] of [
      ['post', '/ops/dead-letters/m-1/replay'],
      ['post', '/ops/gate/recheck'],
      ['post', '/ops/notifications/resend'],
    ] as const)
      assert.equal((await request(url)[method](p).set(VIEWER).send({})).body.error.code, 'OPS_OPERATOR_ROLE_REQUIRED', p);
    const audit = await request(url).get('/ops/audit').set(VIEWER).expect(403);
    assert.equal(audit.body.error.code, 'OPS_OPERATOR_ROLE_REQUIRED');
  });

  it('an operator closes and opens, but managing accounts needs an admin', async () => {
    await request(url).post('/ops/gate/e-consultation/close').set(OPERATOR).send({ reason: 'Legen er borte' }).expect(200);
    await request(url).post('/ops/gate/e-consultation/open').set(OPERATOR).expect(200);
    const refused = await request(url).post('/ops/operators').set(OPERATOR).send({ name: 'per', role: 'viewer' }).expect(403);
    assert.equal(refused.body.error.code, 'OPS_ADMIN_ROLE_REQUIRED');
    assert.equal(refused.body.error.details.requiredRole, 'admin');
    assert.equal((await request(url).get('/ops/operators').set(OPERATOR)).status, 403);
  });

  it('an admin makes an account through the API: its token is shown once, kept as a hash, works at once and names the audit entries', async () => {
    const made = await request(url).post('/ops/operators').set(ADMIN).send({ name: 'kari.drift', role: 'operator' }).expect(201);
    const token = made.body.token as string;
    assert.match(token, /^epjgw_[\w-]{43}$/);
    assert.equal(made.body.account.createdBy.split('@')[0], 'admin');
    const stored = JSON.stringify(await gateway.redis.hgetall(`${gateway.config.QUEUE_PREFIX.split(':')[0]}:operators`));
    assert.match(stored, /kari\.drift/);
    assert.doesNotMatch(stored, new RegExp(token), 'the token itself is not kept');
    const again = await request(url).post('/ops/operators').set(ADMIN).send({ name: 'kari.drift', role: 'viewer' }).expect(409);
    assert.equal(again.body.error.code, 'OPERATOR_EXISTS');
    const bad = await request(url).post('/ops/operators').set(ADMIN).send({ name: 'per', role: 'superuser' }).expect(400);
    assert.equal(bad.body.error.code, 'OPERATOR_INVALID');

    const kari = { Authorization: `Bearer ${token}` };
    await request(url).post('/ops/gate/office-contact/close').set(kari).set('X-Operator', 'ola.nordmann').send({ reason: 'Stengt i dag' }).expect(200);
    await request(url).post('/ops/gate/office-contact/open').set(kari).expect(200);
    const entries = (await gateway.audit.read()).filter((e) => e.service === 'office-contact' && e.actor !== 'system' && e.action.startsWith('gate.'));
    assert.deepEqual(
      entries.map((e) => e.actor.split('@')[0]),
      ['kari.drift', 'kari.drift'],
      'the account, never the header',
    );
    assert.ok((await gateway.audit.read()).some((e) => e.action === 'operator.added' && e.details?.account === 'kari.drift'));

    const list = (await request(url).get('/ops/operators').set(ADMIN).expect(200)).body as { name: string; role: string; source: string }[];
    assert.deepEqual(
      list.map((a) => `${a.name}:${a.role}:${a.source}`),
      ['ops:operator:settings', 'viewer:viewer:demo', 'admin:admin:demo', 'kari.drift:operator:api'],
    );
    assert.doesNotMatch(JSON.stringify(list), /tokenSha256|[0-9a-f]{64}/);

    await request(url).delete('/ops/operators/kari.drift').set(ADMIN).expect(200);
    await request(url).get('/ops/whoami').set(kari).expect(401);
    assert.equal((await request(url).delete('/ops/operators/ops').set(ADMIN).expect(409)).body.error.code, 'OPERATOR_FIXED');
  });

  it('a dashboard session carries the account: a viewer session may read, not close; removing the account ends it', async () => {
    const made = await request(url).post('/ops/operators').set(ADMIN).send({ name: 'vakt', role: 'viewer' }).expect(201);
    const login = await request(url).post('/ops/login').send({ token: made.body.token, operator: 'someone.else' }).expect(200);
    assert.deepEqual([login.body.operator, login.body.role], ['vakt', 'viewer'], 'the name the form gives is not used');
    const cookie = login.headers['set-cookie'] as unknown as string[];
    const me = await request(url).get('/ops/whoami').set('Cookie', cookie).expect(200);
    assert.deepEqual(me.body, { name: 'vakt', role: 'viewer', via: 'session' });
    const status = await request(url).get('/ops/status').set('Cookie', cookie).expect(200);
    assert.deepEqual([status.body.operator, status.body.role], ['vakt', 'viewer']);
    const refused = await request(url)
      .post('/ops/gate/e-consultation/close')
      .set('Cookie', cookie)
      .set('Sec-Fetch-Site', 'same-origin')
      .send({ reason: 'Ferie' })
      .expect(403);
    assert.equal(refused.body.error.code, 'OPS_OPERATOR_ROLE_REQUIRED');
    await request(url).delete('/ops/operators/vakt').set(ADMIN).expect(200);
    assert.equal((await request(url).get('/ops/whoami').set('Cookie', cookie).expect(401)).body.error.code, 'OPS_SESSION_EXPIRED');
  });

  it('epj-gateway operators: add, list and remove through the API; the viewer token cannot', async () => {
    const target = ['--url', url, '--token', 'demo-admin-token'];
    const added = await runCli(['operators', 'add', 'lise', '--role', 'viewer', '--json', ...target]);
    assert.equal(added.code, 0, added.stderr);
    const { token } = JSON.parse(added.stdout) as { token: string };
    await request(url).get('/ops/whoami').set('Authorization', `Bearer ${token}`).expect(200);
    const listed = await runCli(['operators', 'list', ...target]);
    assert.match(listed.stdout, /lise\s+viewer\s+api/);
    assert.equal((await runCli(['operators', 'remove', 'lise', ...target])).code, 0);
    const refused = await runCli(['operators', 'list', '--url', url, '--token', 'demo-viewer-token']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /OPS_ADMIN_ROLE_REQUIRED/);
  });
});
