import assert from 'node:assert/strict';
import { eventually } from '../../helpers/eventually.js';
import { RIG_CLINIC as clinic, RIG_CONTACTS, startNotifyRig, type NotifyRig } from '../../helpers/notify-rig.js';

/** Each person gets the mail in their own language: bokmål by default, English where the clinics file says so. */
describe('notifications: the language per recipient', function () {
  this.timeout(60_000);
  let rig: NotifyRig;
  const contacts = { ...RIG_CONTACTS, languages: { itProvider: 'en' as const } };

  before(async () => {
    rig = await startNotifyRig('test:lang:8142987', contacts);
  });
  after(() => rig?.stop());

  it('one event: the office reads it in Norwegian, the IT provider who asked for English in English', async () => {
    const { notifier } = await rig.process();
    await notifier.notify({
      id: 'test:lang:closed',
      kind: 'gate-closed',
      title: 'English title',
      text: 'English text',
      clinic,
      details: { scope: 'e-consultation', from: 'open', to: 'closed', reasons: ['ar-service-not-registered'] },
      at: '2027-01-10T12:00:00.000Z',
    });
    await eventually(() => [contacts.office, contacts.itProvider, contacts.epjVendor].every((a) => rig.mailTo(a).length === 1), 15_000, 'three mails');
    assert.equal(rig.mailTo(contacts.office)[0]!.subject, 'Tjenesten e-konsultasjon er stengt for Fjordvik legekontor AS');
    assert.equal(
      rig.mailTo(contacts.epjVendor)[0]!.subject,
      'Tjenesten e-konsultasjon er stengt for Fjordvik legekontor AS',
      'no language given: NOTIFY_LANGUAGE',
    );
    const english = rig.mailTo(contacts.itProvider)[0]!;
    assert.equal(english.subject, 'The service e-consultation closed at Fjordvik legekontor AS');
    assert.match(english.text, /The service is not registered for the office in the address register\. Register the service\./);
  });
});
