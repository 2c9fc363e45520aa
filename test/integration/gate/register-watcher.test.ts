import assert from 'node:assert/strict';
import { checkRegister } from '../../../src/gate/register-watcher.js';
import type { RegisterAudit } from '../../../src/registry/own-entry-audit.js';
import { ServiceGate } from '../../../src/gate/service-gate.js';
import { captureLogger } from '../../helpers/logger.js';
import { useTestRedis } from '../../helpers/redis.js';

describe('address-register watcher', () => {
  const ctx = useTestRedis();

  it('closes on a closing fault, warns from a stale cache, closes past the stale limit, opens when clean', async () => {
    const gate = new ServiceGate(ctx.redis, 'rw', captureLogger().logger);
    let audit: RegisterAudit = {
      source: 'live',
      faults: [{ code: 'no-contact-person', severity: 'closed', message: 'Register a contact person in the office.' }],
    };
    const run = () => checkRegister({ audit: async () => audit, gate });

    await run();
    let snap = await gate.refresh();
    assert.equal(snap.gateway.state, 'closed');
    assert.deepEqual(
      snap.gateway.reasons.map((r) => r.code),
      ['no-contact-person'],
    );

    audit = { source: 'stale-cache', fetchedAt: '2026-11-25T08:00:00Z', faults: [] };
    await run();
    snap = await gate.refresh();
    assert.equal(snap.gateway.state, 'warning');
    assert.match(snap.gateway.reasons[0]!.message, /cache of 2026-11-25T08:00:00Z/);

    audit = { source: 'unavailable', faults: [] };
    await run();
    assert.equal((await gate.refresh()).gateway.state, 'closed');

    audit = { source: 'live', faults: [] };
    await run();
    assert.equal((await gate.refresh()).gateway.state, 'open');
  });

  it('a service missing from the register closes that service only', async () => {
    const gate = new ServiceGate(ctx.redis, 'rw2', captureLogger().logger);
    await checkRegister({
      audit: async () => ({
        source: 'live',
        faults: [{ code: 'ar-service-not-registered', service: 'e-consultation', severity: 'closed', message: 'Register the e-consultation service.' }],
      }),
      gate,
    });
    const snap = await gate.refresh();
    assert.equal(snap.services['e-consultation'].state, 'closed');
    assert.equal(snap.services['office-contact'].state, 'open');
    assert.equal(snap.gateway.state, 'warning');
  });

  it('a data fault the office can put right warns for its grace period, closes after it, counted from when first seen', async () => {
    const gate = new ServiceGate(ctx.redis, 'rw3', captureLogger().logger);
    let now = new Date('2027-01-10T12:00:00Z');
    let faults: RegisterAudit['faults'] = [{ code: 'ar-contact-person-missing', severity: 'closed', message: 'Register a contact person.' }];
    const run = () => checkRegister({ audit: async () => ({ source: 'live', faults }), gate, grace: { contactPersonH: 48, serviceH: 24 }, now: () => now });

    await run();
    let snap = await gate.refresh();
    assert.equal(snap.gateway.state, 'warning');
    assert.match(snap.gateway.reasons[0]!.message, /closes at .* unless this is put right \(a grace of 48 hours\)/);

    now = new Date(Date.parse(snap.gateway.reasons[0]!.since) + 47 * 3600_000);
    await run();
    assert.equal((await gate.refresh()).gateway.state, 'warning', 'still within the grace');
    now = new Date(Date.parse(snap.gateway.reasons[0]!.since) + 48 * 3600_000);
    await run();
    snap = await gate.refresh();
    assert.equal(snap.gateway.state, 'closed', 'closed when the grace is over');

    // a wrong certificate in the register is no data fault: it closes at once
    faults = [{ code: 'ar-signing-certificate-mismatch', severity: 'closed', message: 'Another certificate.' }];
    await run();
    assert.equal((await gate.refresh()).gateway.state, 'closed');
    faults = [];
    await run();
    assert.equal((await gate.refresh()).gateway.state, 'open');
  });
});
