import assert from 'node:assert/strict';
import { checkCertificates } from '../../../src/gate/certificate-watcher.js';
import type { Notification } from '../../../src/gate/notifier.js';
import { ServiceGate } from '../../../src/gate/service-gate.js';
import type { CertificateCheck } from '../../../src/trust/clinic-certificates.js';
import { eventually } from '../../helpers/eventually.js';
import { captureLogger } from '../../helpers/logger.js';
import { RIG_CLINIC as clinic, RIG_CONTACTS as contacts, closedNotification, startNotifyRig, type NotifyRig } from '../../helpers/notify-rig.js';

/**
 * Two gateway processes of one clinic on one Redis, each with its own notifier, delivery queue
 * handle and worker, announcing the same event: each recipient gets one mail, through a real SMTP server.
 */
describe('notifications: two processes on one Redis deliver an event once per recipient', function () {
  this.timeout(60_000);
  let rig: NotifyRig;
  const { logger } = captureLogger();
  const everyone = [contacts.office, contacts.itProvider, contacts.epjVendor];
  const settle = () => new Promise((r) => setTimeout(r, 1_000));

  before(async () => {
    rig = await startNotifyRig('test:two:8142987');
  });
  after(() => rig?.stop());

  it('both notify the same event at once: one of them queues it, each recipient gets it once; a restarted process sends nothing again', async () => {
    const [a, b] = [await rig.process(), await rig.process()];
    const n = closedNotification('gate:e-consultation:closed:2027-01-10T12:00:00.000Z');
    const sent = await Promise.all([a.notifier.notify(n), b.notifier.notify(n)]);
    assert.deepEqual(sent.sort(), [false, true], 'one process claimed the event');
    await eventually(() => everyone.every((to) => rig.mailTo(to).length === 1), 15_000, 'each recipient told');
    const restarted = await rig.process();
    assert.equal(await restarted.notifier.notify(n), false);
    await settle();
    assert.deepEqual(
      everyone.map((to) => rig.mailTo(to).length),
      [1, 1, 1],
    );
  });

  it('queued twice for the same recipients (the claim passed, as after a crash between claim and queue): still once each', async () => {
    const [a, b] = [await rig.process(), await rig.process()];
    const n: Notification = {
      id: 'gate:gateway:opened:2027-01-11T08:00:00.000Z',
      kind: 'gate-opened',
      title: 'gateway is open again at Fjordvik legekontor AS',
      text: 'Queued messages flow again.',
      clinic,
      details: { scope: 'gateway', from: 'closed', to: 'open', reasons: [] },
      at: '2027-01-11T08:00:00.000Z',
    };
    const recipients = a.notifier.recipientsOf(n);
    assert.equal(recipients.length, 3);
    await Promise.all([a.delivery.enqueue(n, recipients), b.delivery.enqueue(n, recipients), a.delivery.enqueue(n, recipients)]);
    const opened = (to: string) => rig.mailTo(to).filter((m) => m.subject === 'Alle tjenestene er åpne igjen for Fjordvik legekontor AS');
    await eventually(() => everyone.every((to) => opened(to).length === 1), 15_000, 'each recipient told');
    await settle();
    assert.deepEqual(
      everyone.map((to) => opened(to).length),
      [1, 1, 1],
    );
    assert.deepEqual(
      (await b.delivery.states(n.id)).map((s) => s.state),
      ['delivered', 'delivered', 'delivered'],
    );
  });

  it("both processes' certificate watchers see the same expiry: the warning reaches the office and the IT provider once", async () => {
    const processes = await Promise.all([1, 2].map(async () => ({ ...(await rig.process()), gate: new ServiceGate(rig.client, 'test:two:8142987', logger) })));
    const checks: CertificateCheck[] = [
      { role: 'signing', serial: '0A1B', notAfter: new Date(Date.now() + 6.5 * 86_400_000).toISOString(), expiresInDays: 6, faults: [] },
    ];
    await Promise.all(
      processes.map((p) => checkCertificates({ check: async () => checks, gate: p.gate, notifier: p.notifier, warnDays: [30, 14, 7, 1], clinic })),
    );
    const warned = (to: string) => rig.mailTo(to).filter((m) => /^Virksomhetssertifikatet \(signering\) .* utløper om 7 dager$/.test(m.subject));
    await eventually(() => warned(contacts.office).length === 1 && warned(contacts.itProvider).length === 1, 15_000, 'the warning told');
    await settle();
    assert.equal(warned(contacts.office).length, 1);
    assert.equal(warned(contacts.itProvider).length, 1);
    assert.equal(warned(contacts.epjVendor).length, 0);
  });
});
