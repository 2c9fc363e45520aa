import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { isGatewayError } from '../../../src/errors.js';
import { CachedAddressRegister } from '../../../src/registry/cached-register.js';
import { addressRegisterMetrics, addressRegisterReadiness } from '../../../src/registry/register-status.js';
import { SoapAddressRegister } from '../../../src/registry/soap-client.js';
import { startArStandIn, type ArStandIn } from '../../../demo/ar-stand-in/stand-in-server.js';
import { useTestRedis } from '../../helpers/redis.js';
import { captureLogger } from '../../helpers/logger.js';
import type { AddressRegister } from '../../../src/ports/address-register.js';

const TTL_S = 60;
const STALE_S = 600;

describe('registry: the address-register cache on a real Redis', () => {
  const ctx = useTestRedis();
  let standIn: ArStandIn;
  let clock: number;
  let prefixes = 0;

  before(async () => {
    standIn = await startArStandIn();
  });
  after(() => standIn.close());
  beforeEach(() => {
    clock = Date.parse('2026-11-25T08:00:00Z');
    standIn.setDown(false);
  });

  /** A process's cache; processes made with the same prefix share entries through Redis. */
  function cache(prefix = `t${++prefixes}`): CachedAddressRegister {
    const inner = new SoapAddressRegister({ url: standIn.url, timeoutMs: 1_000 });
    return new CachedAddressRegister(inner, ctx.redis, { prefix, ttlS: TTL_S, staleLimitS: STALE_S, now: () => clock });
  }

  it('answers within the TTL from Redis, for every process sharing the prefix, then asks AR again', async () => {
    const one = cache('shared');
    const other = cache('shared');
    const first = await one.organization('8142987');
    assert.equal(first.source, 'live');
    assert.equal(first.fetchedAt, '2026-11-25T08:00:00.000Z');
    standIn.update('8142987', { name: 'Fjordvik legekontor (renamed)' });
    try {
      clock += (TTL_S - 1) * 1000;
      const cached = await other.organization('8142987');
      assert.equal(cached.source, 'cache');
      assert.equal(cached.value.name, 'Fjordvik legekontor AS', 'still the cached value');
      assert.equal(cached.fetchedAt, first.fetchedAt);
      clock += 2000;
      const again = await other.organization('8142987');
      assert.equal(again.source, 'live');
      assert.equal(again.value.name, 'Fjordvik legekontor (renamed)');
    } finally {
      standIn.update('8142987', { name: 'Fjordvik legekontor AS' });
    }
    const ttl = await ctx.redis.ttl('shared:ar:organization:8142987');
    assert.ok(ttl > TTL_S && ttl <= STALE_S, 'kept in Redis for as long as it may serve stale');
  });

  it('serves the cached entry stale while AR is down, saying when it was fetched, and not past the stale limit', async () => {
    const register = cache();
    await register.communicationParty('8142988');
    await register.signingCertificate('8142988');
    standIn.setDown(true);
    clock += (TTL_S + 5) * 1000;
    const stale = await register.communicationParty('8142988');
    assert.equal(stale.source, 'stale');
    assert.equal(stale.value.name, 'Kari Lege');
    assert.equal(stale.fetchedAt, '2026-11-25T08:00:00.000Z');
    assert.equal((await register.signingCertificate('8142988')).source, 'stale');
    assert.equal(register.status().stale, true);
    assert.equal(register.status().reachable, false);
    assert.equal(register.status().unreachableSince, new Date(clock).toISOString());

    clock = Date.parse('2026-11-25T08:00:00Z') + (STALE_S + 1) * 1000;
    await assert.rejects(register.communicationParty('8142988'), (err: unknown) => isGatewayError(err) && err.code === 'AR_UNREACHABLE');
    assert.equal(register.status().unavailable, true);

    standIn.setDown(false);
    assert.equal((await register.communicationParty('8142988')).source, 'live');
    assert.deepEqual([register.status().stale, register.status().reachable, register.status().unavailable], [false, true, false]);
  });

  it('nothing cached and AR down: the lookup fails', async () => {
    standIn.setDown(true);
    await assert.rejects(cache().organization('8090001'), (err: unknown) => isGatewayError(err) && err.code === 'AR_UNREACHABLE');
  });

  it('an unknown HER-id is an answer, not an outage: never served stale, and the cached entry is dropped', async () => {
    const register = cache();
    await register.communicationParty('8142988');
    const saved = standIn.entry('8142988')!;
    standIn.remove('8142988');
    try {
      clock += (TTL_S + 1) * 1000;
      await assert.rejects(register.communicationParty('8142988'), (err: unknown) => isGatewayError(err) && err.code === 'AR_HER_ID_UNKNOWN');
      assert.equal(register.status().reachable, true);
      standIn.setDown(true);
      await assert.rejects(register.communicationParty('8142988'), (err: unknown) => isGatewayError(err) && err.code === 'AR_UNREACHABLE');
    } finally {
      standIn.replace('8142988', saved);
    }
  });

  it('caches "no certificate published" too', async () => {
    const register = cache();
    standIn.update('8142988', { certificates: { encryption: null } });
    try {
      assert.equal((await register.encryptionCertificate('8142988')).value, null);
      standIn.setDown(true);
      const cached = await register.encryptionCertificate('8142988');
      assert.deepEqual([cached.source, cached.value], ['cache', null]);
      assert.equal(await register.getCertificateForEncryption('8142988'), undefined);
    } finally {
      standIn.update('8142988', { certificates: { encryption: 'certs-sample/clinic-encryption.cert.pem' } });
    }
  });

  it('reports to /readyz and /metrics: ar_stale and lookups by outcome', async () => {
    const register = cache();
    const registry = new Registry();
    addressRegisterMetrics(registry).add('8142987', register);
    const readiness = addressRegisterReadiness(register, 'soap');
    await register.organization('8142987');
    await register.organization('8142987');
    standIn.setDown(true);
    clock += (TTL_S + 1) * 1000;
    await register.organization('8142987');
    assert.deepEqual(readiness.report(), {
      ready: true,
      api: 'soap',
      reachable: false,
      stale: true,
      unreachableSince: new Date(clock).toISOString(),
      lastLiveAt: '2026-11-25T08:00:00.000Z',
      lastError: 'AR_UNREACHABLE',
    });
    await assert.rejects(register.organization('8090001'));
    assert.equal(readiness.report().ready, false);
    const text = await registry.metrics();
    assert.match(text, /^epj_gateway_ar_stale\{clinic="8142987"\} 1$/m);
    assert.match(text, /^epj_gateway_ar_lookups_total\{clinic="8142987",outcome="live"\} 1$/m);
    assert.match(text, /^epj_gateway_ar_lookups_total\{clinic="8142987",outcome="cache"\} 1$/m);
    assert.match(text, /^epj_gateway_ar_lookups_total\{clinic="8142987",outcome="stale"\} 1$/m);
    assert.match(text, /^epj_gateway_ar_lookups_total\{clinic="8142987",outcome="unavailable"\} 1$/m);
    assert.match(text, /^epj_gateway_ar_lookups_total\{clinic="8142987",outcome="refused"\} 0$/m);
  });

  it('many callers at once: one call to AR; the outage and the recovery are logged once, by HER-id', async () => {
    const soap = new SoapAddressRegister({ url: standIn.url, timeoutMs: 1_000 });
    let calls = 0;
    const counting: AddressRegister = {
      getOrganizationDetails: (herId) => (calls++, soap.getOrganizationDetails(herId)),
      getCommunicationPartyDetails: (herId) => soap.getCommunicationPartyDetails(herId),
      getCertificateForEncryption: (herId) => soap.getCertificateForEncryption(herId),
      getCertificateForValidatingSignature: (herId) => soap.getCertificateForValidatingSignature(herId),
    };
    const log = captureLogger();
    const register = new CachedAddressRegister(counting, ctx.redis, {
      prefix: `t${++prefixes}`,
      ttlS: TTL_S,
      staleLimitS: STALE_S,
      now: () => clock,
      logger: log.logger,
    });
    const answers = await Promise.all(Array.from({ length: 10 }, () => register.organization('8142987')));
    assert.equal(calls, 1);
    assert.ok(answers.every((a) => a.source === 'live'));
    standIn.setDown(true);
    clock += (TTL_S + 1) * 1000;
    await register.organization('8142987');
    await register.communicationParty('8142988').catch(() => undefined);
    standIn.setDown(false);
    await register.communicationParty('8142988');
    const lines = log.lines().map((l) => l.msg);
    assert.deepEqual(lines, ['address register unreachable; cached entries serve up to the stale limit', 'address register answers again']);
    assert.equal(log.lines()[0]!.herId, '8142987');
  });
});
