import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { checkRegister } from '../../../src/gate/register-watcher.js';
import { ServiceGate } from '../../../src/gate/service-gate.js';
import { CachedAddressRegister } from '../../../src/registry/cached-register.js';
import { auditOwnEntry } from '../../../src/registry/own-entry-audit.js';
import { SoapAddressRegister } from '../../../src/registry/soap-client.js';
import { startArStandIn, type ArStandIn } from '../../../demo/ar-stand-in/stand-in-server.js';
import { captureLogger } from '../../helpers/logger.js';
import { useTestRedis } from '../../helpers/redis.js';

const cert = (name: string) => readFileSync(new URL(`../../../certs-sample/${name}.cert.pem`, import.meta.url), 'utf8');

describe("registry: the clinic's AR entry drives the service gate (stand-in, cache, audit, watcher, gate)", () => {
  const ctx = useTestRedis();
  let standIn: ArStandIn;
  let gate: ServiceGate;
  let clock = Date.parse('2026-11-25T08:00:00Z');

  before(async () => {
    standIn = await startArStandIn();
    gate = new ServiceGate(ctx.redis, 'arg', captureLogger().logger);
  });
  after(() => standIn.close());

  const register = () =>
    new CachedAddressRegister(new SoapAddressRegister({ url: standIn.url, timeoutMs: 1_000 }), ctx.redis, {
      prefix: 'arg',
      ttlS: 60,
      staleLimitS: 600,
      now: () => clock,
    });
  let shared: CachedAddressRegister;
  const check = async () => {
    await checkRegister({
      audit: () =>
        auditOwnEntry({
          register: shared,
          clinic: { herId: '8142987', orgNumber: '921543212' },
          held: { signing: cert('clinic-signing'), encryption: cert('clinic-encryption') },
        }),
      gate,
    });
    const snapshot = await gate.refresh();
    return { state: snapshot.gateway.state, codes: snapshot.gateway.reasons.map((r) => r.code).sort() };
  };
  /** as the next scheduled check would, past the cache's TTL */
  const later = () => {
    clock += 61_000;
  };

  it('open while the entry is right', async () => {
    shared = register();
    assert.deepEqual(await check(), { state: 'open', codes: [] });
  });

  it('the entry loses its contact person: closed with that reason; fixed: open', async () => {
    const people = standIn.entry('8142987')!.people;
    standIn.update('8142987', { people: [] });
    later();
    assert.deepEqual(await check(), { state: 'closed', codes: ['ar-contact-person-missing'] });
    standIn.update('8142987', { people });
    later();
    assert.deepEqual(await check(), { state: 'open', codes: [] });
  });

  it('the entry changes its organisation number: closed; changed back: open', async () => {
    standIn.update('8142987', { organizationNumber: '974760673' });
    later();
    assert.deepEqual(await check(), { state: 'closed', codes: ['ar-org-number-certificate-mismatch', 'ar-org-number-mismatch'] });
    standIn.update('8142987', { organizationNumber: '921543212' });
    later();
    assert.deepEqual(await check(), { state: 'open', codes: [] });
  });

  it('AR down: the stale cache is used (warning), closed past the stale limit, open when AR answers', async () => {
    standIn.setDown(true);
    later();
    assert.deepEqual(await check(), { state: 'warning', codes: ['ar-stale'] });
    clock += 600_000;
    assert.deepEqual(await check(), { state: 'closed', codes: ['ar-unreachable'] });
    standIn.setDown(false);
    assert.deepEqual(await check(), { state: 'open', codes: [] });
  });
});
