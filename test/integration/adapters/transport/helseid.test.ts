import assert from 'node:assert/strict';
import { DpopKey } from '../../../../adapters/transport/dpop.js';
import { CertificateRefusedError } from '../../../../adapters/transport/errors.js';
import { clientAssertion } from '../../../../adapters/transport/helseid.js';
import { decodeJws, verifyJws } from '../../../../adapters/transport/jws.js';
import { mshHeaders } from '../../../../adapters/transport/headers.js';
import type { Simulator } from '../../../../demo/simulator/server.js';
import { CLIENT_ID, CLINIC_HER, helseIdFor, mshClientFor, sampleCredentials, startTestSimulator, rejection } from '../../../helpers/nhn-setup.js';

describe('HelseID: private_key_jwt client assertion and DPoP', () => {
  let sim: Simulator;
  before(async () => {
    sim = await startTestSimulator();
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  it('signs the assertion RS256 with the clinic key, naming the certificate by x5c and kid', () => {
    const creds = sampleCredentials();
    const jws = decodeJws(clientAssertion({ ...creds, clientId: CLIENT_ID, audience: sim.tokenUrl }))!;
    assert.equal(jws.header.alg, 'RS256');
    assert.equal(jws.header.x5c?.[0], creds.signingCert.raw.toString('base64'));
    assert.ok(jws.header.kid);
    assert.deepEqual([jws.claims.iss, jws.claims.sub, jws.claims.aud], [CLIENT_ID, CLIENT_ID, sim.tokenUrl]);
    assert.ok((jws.claims.exp as number) - (jws.claims.iat as number) <= 60);
    assert.ok(verifyJws(jws, creds.signingCert.publicKey));
  });

  it('makes ES256 DPoP proofs with a public JWK, htm, htu without the query, and ath', () => {
    const key = DpopKey.generate();
    const jws = decodeJws(key.proof({ method: 'get', url: `${sim.url}/Messages?receiverHerIds=1`, accessToken: 'tok' }))!;
    assert.equal(jws.header.typ, 'dpop+jwt');
    assert.equal(jws.header.alg, 'ES256');
    assert.equal(jws.header.jwk?.d, undefined);
    assert.deepEqual([jws.claims.htm, jws.claims.htu], ['GET', `${sim.url}/Messages`]);
    assert.ok(jws.claims.jti && jws.claims.iat && jws.claims.ath);
  });

  it('gets a DPoP-bound token after the nonce HelseID asks for, and reuses it until shortly before expiry', async () => {
    const auth = helseIdFor(sim);
    const msh = mshClientFor(sim, {}, auth);
    await msh.listUnread(CLINIC_HER);
    await msh.listUnread(CLINIC_HER);
    await Promise.all([msh.listUnread(CLINIC_HER), msh.listUnread(CLINIC_HER)]);
    const tokenCalls = sim.requests.filter((r) => r.path === '/connect/token').map((r) => r.status);
    assert.deepEqual(tokenCalls, [400, 200], 'use_dpop_nonce, then the token');
    assert.equal(auth.tokensFetched, 1);
    assert.equal(sim.helseId.tokensIssued, 1);
  });

  it('fetches a new token when the cached one is about to expire', async () => {
    const short = await startTestSimulator({ tokenLifetimeS: 2 });
    try {
      let now = Date.now();
      const auth = helseIdFor(short, { refreshMarginMs: 1_500, clock: { now: () => now } });
      await auth.accessToken();
      await auth.accessToken();
      assert.equal(auth.tokensFetched, 1);
      now += 600; // within the refresh margin of the 2-second token
      await auth.accessToken();
      assert.equal(auth.tokensFetched, 2);
    } finally {
      await short.close();
    }
  });

  it('answers a nonce the message service asks for, once, and keeps sending it', async () => {
    const strict = await startTestSimulator({ requireApiNonce: true });
    try {
      const msh = mshClientFor(strict);
      await msh.listUnread(CLINIC_HER);
      await msh.listUnread(CLINIC_HER);
      const api = strict.requests.filter((r) => r.path === '/Messages').map((r) => r.status);
      assert.deepEqual(api, [401, 200, 200]);
    } finally {
      await strict.close();
    }
  });

  it('renews a token the API no longer accepts', async () => {
    const auth = helseIdFor(sim);
    const msh = mshClientFor(sim, {}, auth);
    await msh.listUnread(CLINIC_HER);
    sim.helseId.revokeTokens();
    await msh.listUnread(CLINIC_HER);
    assert.equal(auth.tokensFetched, 2);
  });

  it('refuses API calls without a token, with a token bound to another key, with a replayed proof or a wrong htu', async () => {
    const auth = helseIdFor(sim);
    const token = await auth.accessToken();
    const url = `${sim.url}/Messages?receiverHerIds=${CLINIC_HER}`;
    const call = (headers: Record<string, string>) => fetch(url, { headers: { ...mshHeaders(), ...headers } });

    const none = await call({});
    assert.equal(none.status, 401);
    assert.match(none.headers.get('www-authenticate') ?? '', /invalid_token/);

    const otherKey = DpopKey.generate().proof({ method: 'GET', url, accessToken: token });
    const stolen = await call({ authorization: `DPoP ${token}`, dpop: otherKey });
    assert.equal(stolen.status, 401);
    assert.match(stolen.headers.get('www-authenticate') ?? '', /invalid_dpop_proof/);

    const proof = auth.dpop.proof({ method: 'GET', url, accessToken: token });
    assert.equal((await call({ authorization: `DPoP ${token}`, dpop: proof })).status, 200);
    const replay = await call({ authorization: `DPoP ${token}`, dpop: proof });
    assert.equal(replay.status, 401, 'the same proof twice (jti)');

    const elsewhere = auth.dpop.proof({ method: 'GET', url: `${sim.url}/Messages/other`, accessToken: token });
    assert.equal((await call({ authorization: `DPoP ${token}`, dpop: elsewhere })).status, 401);
    const noAth = auth.dpop.proof({ method: 'GET', url });
    assert.equal((await call({ authorization: `DPoP ${token}`, dpop: noAth })).status, 401);
    const bearer = await call({ authorization: `Bearer ${token}`, dpop: auth.dpop.proof({ method: 'GET', url, accessToken: token }) });
    assert.equal(bearer.status, 401);
  });

  it('reports an assertion signed with another certificate as a certificate fault, to the gate and the caller, without quick retries', async () => {
    const refusals: string[] = [];
    const auth = helseIdFor(sim, { ...sampleCredentials('clinic-signing-untrusted'), onCertificateRefused: (r) => refusals.push(r) });
    const msh = mshClientFor(sim, {}, auth);
    const err = await rejection(msh.listUnread(CLINIC_HER));
    assert.ok(err instanceof CertificateRefusedError);
    assert.equal(err.code, 'HELSEID_CLIENT_REFUSED');
    assert.equal(err.retryable, true, 'the gate closes and the work waits for a fixed certificate');
    assert.match(err.reason, /x5c is not the one registered/);
    assert.deepEqual(refusals, [err.reason]);
    assert.equal(sim.requests.filter((r) => r.path === '/connect/token' && r.status === 400).length, 2, 'nonce round, then the refusal; not retried');
    assert.equal(sim.requests.filter((r) => r.path.startsWith('/Messages')).length, 0);
  });

  it('refuses an assertion signed with another key, though its x5c names the registered certificate', async () => {
    const untrusted = sampleCredentials('clinic-signing-untrusted');
    const auth = helseIdFor(sim, { signingKey: untrusted.signingKey });
    const err = await rejection(auth.accessToken());
    assert.equal(err.code, 'HELSEID_CLIENT_REFUSED');
    assert.match(err.reason, /signature does not verify/);
  });

  it('refuses a registered certificate that has expired', async () => {
    const expired = sampleCredentials('clinic-signing-expired');
    const other = await startTestSimulator({ clients: [{ clientId: CLIENT_ID, certificate: expired.signingCert }] });
    try {
      const err = await rejection(helseIdFor(other, expired).accessToken());
      assert.equal(err.code, 'HELSEID_CLIENT_REFUSED');
      assert.match(err.reason, /not valid now/);
    } finally {
      await other.close();
    }
  });

  it('reports a scope the client may not have as a refused token request, not retryable', async () => {
    const err = await rejection(helseIdFor(sim, { scope: 'nhn:other/api' }).accessToken());
    assert.equal(err.code, 'HELSEID_TOKEN_REFUSED');
    assert.equal(err.retryable, false);
  });

  it('tries again at once when HelseID answers a server fault, and reports it unreachable when it lasts', async () => {
    const msh = mshClientFor(sim);
    sim.faults.add({ kind: 'error', status: 503, path: '/connect/token' });
    await msh.listUnread(CLINIC_HER);
    sim.faults.add({ kind: 'drop', count: null, path: '/connect/token' });
    const err = await rejection(mshClientFor(sim).listUnread(CLINIC_HER));
    assert.equal(err.code, 'HELSEID_UNREACHABLE');
    assert.equal(err.retryable, true);
  });
});
