import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { Redis } from 'ioredis';
import { makeCrl } from '../../../certs-sample/make-sample-certs.js';
import { certificateDer, parseCertificate } from '../../../src/trust/enterprise-certificate.js';
import { readCrl } from '../../../src/trust/crl.js';
import { RevocationChecker, redisRevocationStore, type RevocationSettings } from '../../../src/trust/revocation.js';
import * as pkijs from 'pkijs';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';
import { sample, startRevocationServer, type RevocationServer } from '../../helpers/revocation-server.js';

const HOUR = 3_600_000;
const ca = new X509Certificate(sample('ca.cert.pem'));
const cert = (name: string) => parseCertificate(sample(`${name}.cert.pem`));

describe('trust/revocation: CRL and OCSP from the CA, through the clinic proxy', () => {
  let server: RevocationServer;
  let clock: Date;
  const checker = (extra: Partial<RevocationSettings> = {}) =>
    new RevocationChecker({ crlRefreshHours: 6, softFailHours: 24, proxy: server.url, timeoutMs: 2000, now: () => clock, ...extra });

  beforeEach(async () => {
    server = await startRevocationServer();
    clock = new Date('2026-03-01T12:00:00Z');
    server.clock = () => clock;
  });
  afterEach(() => server.close());

  it('reads the CRL at the distribution point: a listed certificate is revoked, another is good', async () => {
    const rc = checker();
    assert.deepEqual(await rc.check(cert('clinic-signing-revoked'), ca), { state: 'revoked', source: 'crl' });
    assert.deepEqual(await rc.check(cert('clinic-signing'), ca), { state: 'good', source: 'crl' });
    // The proxy received the certificate's own URL, and one fetch served both checks.
    assert.deepEqual(server.requests, ['GET http://crl.sample-ca.test/ca.crl']);
  });

  it('keeps the CRL until the refresh interval, then fetches it again', async () => {
    const rc = checker();
    await rc.check(cert('clinic-signing'), ca);
    clock = new Date(clock.getTime() + 5 * HOUR);
    await rc.check(cert('clinic-signing'), ca);
    assert.equal(server.requests.length, 1);
    clock = new Date(clock.getTime() + 2 * HOUR);
    await rc.check(cert('clinic-signing'), ca);
    assert.equal(server.requests.length, 2);
  });

  it("refreshes at the CRL's nextUpdate when that comes before the refresh interval", async () => {
    const soon = { thisUpdate: new Date(clock.getTime() - HOUR), nextUpdate: new Date(clock.getTime() + HOUR), revokedAt: new Date('2025-05-01T00:00:00Z') };
    server.crls.set('/ca.crl', await makeCrl({ certDer: certificateDer(sample('ca.cert.pem')), keyPem: sample('ca.key.pem').toString() }, [], soon));
    const rc = checker();
    await rc.check(cert('clinic-signing'), ca);
    clock = new Date(clock.getTime() + 90 * 60_000);
    server.crls.set('/ca.crl', sample('ca.crl.der'));
    assert.deepEqual(await rc.check(cert('clinic-signing-revoked'), ca), { state: 'revoked', source: 'crl' });
    assert.equal(server.requests.length, 2);
  });

  it("rejects a CRL whose signature is not the CA's and falls back to OCSP", async () => {
    const forged = await makeCrl({ certDer: certificateDer(sample('ca.cert.pem')), keyPem: sample('untrusted-ca.key.pem').toString() }, []);
    await assert.rejects(readCrl(forged, pkijs.Certificate.fromBER(ca.raw)), /signature does not verify/);
    server.crls.set('/ca.crl', forged);
    const status = await checker().check(cert('clinic-signing-revoked'), ca);
    assert.equal(status.state, 'revoked');
    assert.equal(status.source, 'ocsp');
    assert.deepEqual(server.requests, ['GET http://crl.sample-ca.test/ca.crl', 'POST http://ocsp.sample-ca.test/']);
  });

  it('asks OCSP when the CRL cannot be had, and believes only a CA-signed answer', async () => {
    server.crls.clear();
    const rc = checker();
    assert.deepEqual(await rc.check(cert('clinic-signing'), ca), { state: 'good', source: 'ocsp' });
    assert.deepEqual(await rc.check(cert('clinic-signing-revoked'), ca), { state: 'revoked', source: 'ocsp' });
    // An answer checked against another CA does not verify: the status cannot be had.
    const other = new X509Certificate(sample('untrusted-ca.cert.pem'));
    const status = await checker({ softFailHours: 0 }).check(cert('clinic-signing'), other);
    assert.equal(status.state, 'unknown');
    assert.match(status.problem ?? '', /OCSP .*not signed by the issuing CA|OCSP .*does not speak/);
  });

  it('soft-fails: a cached CRL serves while the CA is down, until the window closes', async () => {
    const rc = checker();
    await rc.check(cert('clinic-signing'), ca);
    server.up = false;
    clock = new Date(clock.getTime() + 7 * HOUR);
    const within = await rc.check(cert('clinic-signing'), ca);
    assert.equal(within.state, 'good');
    assert.equal(within.source, 'cached-crl');
    assert.ok(within.problem);
    // A revocation in the cached list holds whatever its age.
    assert.equal((await rc.check(cert('clinic-signing-revoked'), ca)).state, 'revoked');
    clock = new Date(clock.getTime() + 25 * HOUR);
    assert.equal((await rc.check(cert('clinic-signing'), ca)).state, 'unknown');
    assert.equal((await rc.check(cert('clinic-signing-revoked'), ca)).state, 'revoked');
    server.up = true;
    assert.deepEqual(await rc.check(cert('clinic-signing'), ca), { state: 'good', source: 'crl' });
  });

  it('without any cached answer, an unreachable CA is "unavailable" (wait) inside the window, "unknown" past it', async () => {
    server.up = false;
    const rc = checker();
    assert.equal((await rc.check(cert('clinic-signing'), ca)).state, 'unavailable');
    clock = new Date(clock.getTime() + 23 * HOUR);
    assert.equal((await rc.check(cert('clinic-signing'), ca)).state, 'unavailable');
    clock = new Date(clock.getTime() + 2 * HOUR);
    const past = await rc.check(cert('clinic-signing'), ca);
    assert.equal(past.state, 'unknown');
    assert.match(past.problem ?? '', /CRL http:\/\/crl\.sample-ca\.test\/ca\.crl: .*; OCSP http:\/\/ocsp\.sample-ca\.test\/: /);
  });

  it('refuses a CRL past its nextUpdate as fresh', async () => {
    const old = { thisUpdate: new Date('2025-01-01T00:00:00Z'), nextUpdate: new Date('2025-02-01T00:00:00Z'), revokedAt: new Date('2025-01-01T00:00:00Z') };
    server.crls.set('/ca.crl', await makeCrl({ certDer: certificateDer(sample('ca.cert.pem')), keyPem: sample('ca.key.pem').toString() }, [], old));
    server.ocspUp = false;
    const status = await checker({ softFailHours: 0 }).check(cert('clinic-signing'), ca);
    assert.equal(status.state, 'unknown');
    assert.match(status.problem ?? '', /out-of-date CRL/);
  });
});

describe('trust/revocation: CRLs kept in Redis', function () {
  let redis: TestRedis;
  let client: Redis;
  let server: RevocationServer;
  before(async () => {
    redis = await startTestRedis();
    client = new Redis(redis.url);
    server = await startRevocationServer();
  });
  after(async () => {
    await server.close();
    client.disconnect();
    await redis.stop();
  });

  it('a restarted gateway serves the stored CRL while the CA is down, verified again on load', async () => {
    const clock = new Date('2026-03-01T12:00:00Z');
    const store = redisRevocationStore(client, 'test');
    const settings = { crlRefreshHours: 6, softFailHours: 24, proxy: server.url, timeoutMs: 2000, store, now: () => clock };
    assert.equal((await new RevocationChecker(settings).check(cert('clinic-signing'), ca)).source, 'crl');
    server.up = false;
    const restarted = new RevocationChecker(settings);
    assert.deepEqual(await restarted.check(cert('clinic-signing-revoked'), ca), { state: 'revoked', source: 'crl' });
    assert.equal(server.requests.length, 1);
    const keys = await client.keys('test:crl:*');
    assert.equal(keys.length, 1);
    assert.ok((await client.ttl(keys[0]!)) > 24 * 3600);
  });
});
