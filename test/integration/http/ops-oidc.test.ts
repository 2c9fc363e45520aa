import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import request from 'supertest';
import { startTestGateway, type TestGateway as Gateway } from '../../helpers/gateway.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';

// People at the clinic's identity provider and their groups (invented names).
const GROUPS: Record<string, string[]> = {
  'kari.drift': ['alle-ansatte', 'gw-drift'],
  'ola.vakt': ['gw-vakt'],
  'per.sjef': ['gw-drift', 'gw-admin'],
  'lise.lege': ['alle-ansatte'],
};
const CLIENT_SECRET = 'a-client-secret-for-the-gateway-0123456789';

/**
 * A real OpenID Connect provider (panva's oidc-provider) on a free port: the far side of the
 * network boundary. Its development login and consent pages take any login name, which the test
 * submits over HTTP as a browser would.
 */
async function startProvider(): Promise<{ url: string; server: Server; register: (redirectUri: string) => void }> {
  let provider: Provider | undefined;
  const server = createServer((req, res) => {
    if (!provider) return void res.writeHead(503).end();
    void provider.callback()(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const register = (redirectUri: string) => {
    provider = new Provider(url, {
      clients: [
        { client_id: 'epj-gateway', client_secret: CLIENT_SECRET, redirect_uris: [redirectUri], grant_types: ['authorization_code'], response_types: ['code'] },
      ],
      claims: { openid: ['sub'], profile: ['preferred_username', 'groups'] },
      pkce: { required: () => true },
      cookies: { keys: ['provider-cookie-key-for-the-test'] },
      findAccount: (_ctx, id) => ({ accountId: id, claims: () => ({ sub: id, preferred_username: id, groups: GROUPS[id] ?? [] }) }),
    });
  };
  return { url, server, register };
}

/** A browser's part, over plain HTTP: a cookie jar, redirects followed by hand, the provider's forms filled in. */
async function logIn(gatewayUrl: string, login: string, tamper?: (location: string) => string) {
  const jar = new Map<string, string>();
  const go = async (url: string, init: RequestInit = {}) => {
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), ...(cookie ? { cookie } : {}) } });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      const [name, value] = [pair!.slice(0, i), pair!.slice(i + 1)];
      if (!value || /max-age=0\b|expires=thu, 01 jan 1970/i.test(c)) jar.delete(name);
      else jar.set(name, value);
    }
    return res;
  };
  let res = await go(`${gatewayUrl}/ops/oidc/login`);
  assert.equal(res.status, 303);
  let location = res.headers.get('location')!;
  const authorize = new URL(location);
  for (let i = 0; i < 20 && !location.startsWith(gatewayUrl); i++) {
    res = await go(location);
    if (res.status === 200) {
      const html = await res.text();
      const prompt = /name="prompt" value="(\w+)"/.exec(html)![1]!;
      const action = new URL(/action="([^"]+)"/.exec(html)![1]!, location).href;
      const form = new URLSearchParams(prompt === 'login' ? { prompt, login, password: 'any' } : { prompt });
      res = await go(action, { method: 'POST', body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    }
    location = new URL(res.headers.get('location')!, location).href;
  }
  const callback = await go(tamper ? tamper(location) : location);
  const session = jar.get('epjgw_ops');
  return { authorize, callback, cookie: session ? `epjgw_ops=${session}` : undefined };
}

describe('dashboard login through OpenID Connect (authorization code + PKCE, a real provider)', () => {
  let redis: TestRedis;
  let gateway: Gateway;
  let url: string;
  let idp: Awaited<ReturnType<typeof startProvider>>;
  before(async () => {
    redis = await startTestRedis();
    idp = await startProvider();
    ({ gateway, url } = await startTestGateway(redis.url, {
      OIDC_ISSUER: idp.url,
      OIDC_CLIENT_ID: 'epj-gateway',
      OIDC_CLIENT_SECRET: CLIENT_SECRET,
      OIDC_ROLE_CLAIM: 'groups',
      OIDC_ROLE_MAP: 'gw-vakt=viewer,gw-drift=operator,gw-admin=admin',
    }));
    url = url.replace('//localhost', '//127.0.0.1');
    idp.register(`${url}/ops/oidc/callback`);
  });
  after(async () => {
    await gateway.shutdown('test over');
    idp.server.close();
    await redis.stop();
  });

  it('the login page is told OpenID Connect is on', async () => {
    assert.deepEqual((await request(url).get('/ops/oidc').expect(200)).body, { enabled: true });
  });

  it('logs an operator in with PKCE: the session names the person and carries the role of their group; their action is audited under that name', async () => {
    const { authorize, callback, cookie } = await logIn(url, 'kari.drift');
    assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
    assert.ok(authorize.searchParams.get('code_challenge') && authorize.searchParams.get('state') && authorize.searchParams.get('nonce'));
    assert.equal(callback.status, 200);
    assert.match(await callback.text(), /url=\/ops\/dashboard\//);
    assert.ok(cookie, 'a session cookie');
    const me = await request(url).get('/ops/whoami').set('Cookie', cookie).expect(200);
    assert.deepEqual(me.body, { name: 'kari.drift', role: 'operator', via: 'oidc' });
    await request(url).post('/ops/gate/appointment/close').set('Cookie', cookie).set('Sec-Fetch-Site', 'same-origin').send({ reason: 'Ferie' }).expect(200);
    const close = (await gateway.audit.read()).find((e) => e.action === 'gate.close');
    assert.match(close!.actor, /^kari\.drift@/);
    await request(url).post('/ops/gate/appointment/open').set('Cookie', cookie).set('Sec-Fetch-Site', 'same-origin').expect(200);
  });

  it('the highest mapped group wins; a viewer from the provider may read, not close', async () => {
    const admin = await logIn(url, 'per.sjef');
    assert.equal((await request(url).get('/ops/whoami').set('Cookie', admin.cookie!).expect(200)).body.role, 'admin');
    const viewer = await logIn(url, 'ola.vakt');
    assert.equal((await request(url).get('/ops/whoami').set('Cookie', viewer.cookie!).expect(200)).body.role, 'viewer');
    await request(url).get('/ops/status').set('Cookie', viewer.cookie!).expect(200);
    const refused = await request(url)
      .post('/ops/gate/appointment/close')
      .set('Cookie', viewer.cookie!)
      .set('Sec-Fetch-Site', 'same-origin')
      .send({ reason: 'Ferie' })
      .expect(403);
    assert.equal(refused.body.error.code, 'OPS_OPERATOR_ROLE_REQUIRED');
  });

  it('a person without a mapped group gets no session, and the login page says why', async () => {
    const { callback, cookie } = await logIn(url, 'lise.lege');
    assert.equal(callback.status, 303);
    assert.equal(callback.headers.get('location'), '/ops/dashboard/login.html?oidc=OIDC_NO_ROLE');
    assert.equal(cookie, undefined);
  });

  it('a callback whose state was changed is refused (the checks PKCE and state make hold)', async () => {
    const { callback, cookie } = await logIn(url, 'kari.drift', (location) => {
      const u = new URL(location);
      u.searchParams.set('state', 'forged-state');
      return u.href;
    });
    assert.equal(callback.headers.get('location'), '/ops/dashboard/login.html?oidc=OIDC_LOGIN_FAILED');
    assert.equal(cookie, undefined);
    // and a callback without the flow cookie (another browser's code) is refused as well
    const stray = await request(url).get('/ops/oidc/callback?code=abc&state=def').expect(303);
    assert.equal(stray.headers.location, '/ops/dashboard/login.html?oidc=OIDC_LOGIN_FAILED');
  });
});
