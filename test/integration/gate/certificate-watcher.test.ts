import assert from 'node:assert/strict';
import { checkCertificates } from '../../../src/gate/certificate-watcher.js';
import type { CertificateCheck } from '../../../src/trust/clinic-certificates.js';
import { Notifier } from '../../../src/gate/notifier.js';
import { ServiceGate } from '../../../src/gate/service-gate.js';
import { captureLogger } from '../../helpers/logger.js';
import { useTestRedis } from '../../helpers/redis.js';
import { startWebhookReceiver } from '../../helpers/webhook.js';

const clinic = { herId: '8142987', orgNumber: '921543212', name: 'Fjordvik legekontor AS' };
const valid = (days: number, role: CertificateCheck['role'] = 'signing'): CertificateCheck => ({
  role,
  serial: `0A${role}`,
  notAfter: '2027-01-01T00:00:00.000Z',
  expiresInDays: days,
  faults: [],
});

describe('certificate watcher', () => {
  const ctx = useTestRedis();

  it('warns once per threshold across two processes and a restart, and closes on a fault', async () => {
    const hook = await startWebhookReceiver();
    try {
      const { logger } = captureLogger();
      // Two gateway processes, then a third after a "restart": each with its own gate and notifier.
      const processes = [1, 2, 3].map(() => ({
        gate: new ServiceGate(ctx.redis, 'cw', logger),
        notifier: new Notifier(ctx.redis, 'cw', [{ name: 'office', url: hook.url }], logger),
      }));
      let checks = [valid(12), valid(400, 'encryption')];
      const run = (p: (typeof processes)[number]) =>
        checkCertificates({ check: async () => checks, gate: p.gate, notifier: p.notifier, warnDays: [30, 14, 7, 1], clinic });

      await Promise.all([run(processes[0]!), run(processes[1]!)]);
      await run(processes[2]!);
      const warnings = () => hook.received.filter((n) => (n as { kind: string }).kind === 'certificate-expiry-warning');
      assert.equal(warnings().length, 1, 'the 14-day warning went out once');
      assert.equal((await processes[0]!.gate.refresh()).gateway.state, 'warning');

      checks = [valid(6), valid(400, 'encryption')];
      await Promise.all(processes.map(run));
      assert.equal(warnings().length, 2, 'the 7-day threshold is a new event');

      checks = [{ ...valid(0), faults: ['expired'] }, valid(400, 'encryption')];
      const snap = (await run(processes[0]!), await processes[1]!.gate.refresh());
      assert.equal(snap.gateway.state, 'closed');
      assert.match(snap.gateway.reasons[0]!.message, /signing certificate .* has expired: order a new enterprise certificate/);

      checks = [valid(700), valid(400, 'encryption')];
      await run(processes[1]!);
      assert.equal((await processes[2]!.gate.refresh()).gateway.state, 'open');
    } finally {
      await hook.close();
    }
  });
});
