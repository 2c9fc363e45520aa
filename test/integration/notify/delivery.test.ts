import assert from 'node:assert/strict';
import type { SmtpStandIn } from '../../../demo/smtp-stand-in.js';
import type { Notifier, Notification } from '../../../src/gate/notifier.js';
import type { DeliveryState, NotificationDelivery } from '../../../src/notify/delivery.js';
import { eventually } from '../../helpers/eventually.js';
import { RIG_CLINIC as clinic, RIG_CONTACTS as contacts, startNotifyRig, type NotifyRig } from '../../helpers/notify-rig.js';

/** Notifications as jobs, through a real SMTP server (smtp-server) and a real Redis. */
describe('notifications: durable delivery by e-mail, in Norwegian', function () {
  this.timeout(60_000);
  let rig: NotifyRig;
  let smtp: SmtpStandIn;
  let delivery: NotificationDelivery;
  let notifier: Notifier;
  const prefix = 'test:8142987';
  let seq = 0;
  const event = (kind: Notification['kind'], details: Record<string, unknown>): Notification => ({
    id: `test:${kind}:${++seq}`,
    kind,
    title: 'English title',
    text: 'English text',
    clinic,
    details,
    at: '2027-01-10T12:00:00.000Z',
  });
  const mailTo = (address: string) => rig.mailTo(address);
  const statesOf = (id: string) => delivery.states(id);

  before(async () => {
    rig = await startNotifyRig(prefix);
    smtp = rig.smtp;
    ({ delivery, notifier } = await rig.process());
  });
  after(() => rig?.stop());

  it('a certificate expiry warning reaches the office and the IT operations provider once, in Norwegian, with the fix', async () => {
    const n = event('certificate-expiry-warning', { role: 'signing', serial: '0A1B', notAfter: '2027-01-24T12:00:00.000Z', threshold: 14 });
    assert.equal(await notifier.notify(n), true);
    assert.equal(await notifier.notify(n), false, 'the same event is sent once');
    await eventually(() => mailTo(contacts.office).length === 1 && mailTo(contacts.itProvider).length === 1, 15_000, 'both mails');
    const mail = mailTo(contacts.office)[0]!;
    assert.equal(mail.subject, 'Virksomhetssertifikatet (signering) for Fjordvik legekontor AS utløper om 14 dager');
    assert.match(mail.text, /Bestill et nytt virksomhetssertifikat fra Buypass eller Commfides/);
    assert.equal(mail.clinic, '8142987');
    assert.equal(mailTo(contacts.epjVendor).length, 0, 'the EPJ vendor has nothing to do for it');
    await eventually(async () => (await statesOf(n.id)).every((s) => s.state === 'delivered'), 5_000, 'recorded as delivered');
    const recent = await notifier.recent(5);
    assert.equal((recent[0]!.deliveries as DeliveryState[]).length, 2);
  });

  it('a closed service tells every role what to do, a new reason while closed too, and its reopening', async () => {
    const closed = event('gate-closed', { scope: 'e-consultation', from: 'open', to: 'closed', reasons: ['ar-contact-person-missing'] });
    await notifier.notify(closed);
    await eventually(() => mailTo(contacts.epjVendor).length === 1, 15_000, 'the EPJ vendor told');
    const mail = mailTo(contacts.office).at(-1)!;
    assert.equal(mail.subject, 'Tjenesten e-konsultasjon er stengt for Fjordvik legekontor AS');
    assert.match(mail.text, /Kontaktperson mangler i Adresseregisteret\. Legg inn en kontaktperson/);
    assert.match(mail.text, /går ikke tapt/);
    // a new reason while it is closed: told with its own fix
    await notifier.notify(
      event('gate-closed', {
        scope: 'e-consultation',
        from: 'closed',
        to: 'closed',
        reasons: ['ar-service-not-registered'],
        added: 'ar-service-not-registered',
      }),
    );
    await eventually(() => mailTo(contacts.epjVendor).length === 2, 15_000, 'the new reason');
    assert.equal(mailTo(contacts.epjVendor)[1]!.subject, 'Ny feil: tjenesten e-konsultasjon er fortsatt stengt for Fjordvik legekontor AS');
    assert.match(mailTo(contacts.epjVendor)[1]!.text, /Registrer tjenesten/);
    await notifier.notify(event('gate-opened', { scope: 'e-consultation', from: 'closed', to: 'open', reasons: [] }));
    await eventually(() => mailTo(contacts.epjVendor).length === 3, 15_000, 'the reopening');
    assert.equal(mailTo(contacts.epjVendor)[2]!.subject, 'Tjenesten e-konsultasjon er åpen igjen for Fjordvik legekontor AS');
  });

  it('with the SMTP server down for a while, the mail is delivered once it is back, once', async () => {
    await smtp.stop();
    const n = event('gate-warning', { scope: 'gateway', from: 'open', to: 'warning', reasons: ['ar-unreachable'] });
    const before = mailTo(contacts.office).length;
    await notifier.notify(n);
    try {
      await eventually(async () => (await statesOf(n.id)).some((s) => s.state === 'retrying'), 10_000, 'a failed try recorded');
      assert.match((await statesOf(n.id)).find((s) => s.state === 'retrying')!.reason ?? '', /SMTP/);
    } finally {
      await smtp.start();
    }
    await eventually(() => mailTo(contacts.office).length === before + 1, 20_000, 'delivered after the server came back');
    await new Promise((r) => setTimeout(r, 800));
    assert.equal(mailTo(contacts.office).length, before + 1, 'once');
    assert.match(mailTo(contacts.office).at(-1)!.text, /AR_STALE_LIMIT_S, 24 timer/, 'the stale-cache limit named');
  });

  it('a recipient the server refuses is dead-lettered with the reason; the others are served; an operator can resend it', async () => {
    smtp.refuse(contacts.itProvider);
    const n = event('certificate-expiry-warning', { role: 'encryption', serial: '0C0D', notAfter: '2027-01-17T12:00:00.000Z', threshold: 7 });
    const officeBefore = mailTo(contacts.office).length;
    await notifier.notify(n);
    await eventually(async () => (await statesOf(n.id)).some((s) => s.state === 'dead'), 15_000, 'dead-lettered');
    const dead = (await statesOf(n.id)).find((s) => s.state === 'dead')!;
    assert.equal(dead.recipient, contacts.itProvider);
    assert.match(dead.reason ?? '', /SMTP 550/);
    assert.equal(dead.attempts, 1, 'a permanent refusal is not tried again');
    await eventually(() => mailTo(contacts.office).length === officeBefore + 1, 10_000, 'the office still told');
    smtp.allow(contacts.itProvider);
    assert.equal(await delivery.resend(n, contacts.itProvider), true);
    await eventually(() => mailTo(contacts.itProvider).some((m) => m.subject.includes('(kryptering)')), 15_000, 'resent and delivered');
    assert.equal(await delivery.resend(n, 'nobody@example.no'), false);
  });
});
