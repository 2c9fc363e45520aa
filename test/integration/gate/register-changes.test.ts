import assert from 'node:assert/strict';
import { Notifier } from '../../../src/gate/notifier.js';
import { checkRegister } from '../../../src/gate/register-watcher.js';
import { ServiceGate } from '../../../src/gate/service-gate.js';
import type { NotificationDelivery } from '../../../src/notify/delivery.js';
import { redisKeys } from '../../../src/redis-keys.js';
import type { RegisterAudit, RegisterEntry } from '../../../src/registry/own-entry-audit.js';
import { eventually } from '../../helpers/eventually.js';
import { captureLogger } from '../../helpers/logger.js';
import { RIG_CLINIC as clinic, RIG_CONTACTS as contacts, startNotifyRig, type NotifyRig } from '../../helpers/notify-rig.js';

/** A change of the clinic's address-register entry is told once, with a notice for NHN, through a real SMTP server. */
describe('the register entry changed', function () {
  this.timeout(60_000);
  let rig: NotifyRig;
  const prefix = 'test:rc:8142987';
  const { logger } = captureLogger();
  const entry: RegisterEntry = {
    herId: '8142987',
    orgNumber: '921543212',
    name: 'Fjordvik legekontor AS',
    contactPerson: 'Kari Testlege (HER-id 8143001)',
    signingCertificate: 'serial 0A1B, valid to 2028-01-01',
    encryptionCertificate: 'serial 0A1C, valid to 2028-01-01',
    services: 'DIALOGMELDING, TIMEBESTILLING',
  };
  let delivery: NotificationDelivery;

  before(async () => {
    rig = await startNotifyRig(prefix);
    delivery = (await rig.process()).delivery;
  });
  after(() => rig?.stop());
  const mailTo = (address: string) => rig.mailTo(address);

  /** one gateway process's register watcher (a restart is a new one on the same Redis) */
  const watcher = () => {
    const notifier = new Notifier(rig.client, prefix, [], logger, undefined, { delivery, contacts, language: 'nb' });
    const gate = new ServiceGate(rig.client, prefix, logger);
    return (audit: RegisterAudit) =>
      checkRegister({ audit: async () => audit, gate, changes: { redis: rig.client, key: redisKeys(prefix).registerEntrySeen, notifier, clinic } });
  };

  it('the first entry is recorded only; a change is told once to the office and the IT provider, with a notice for NHN to forward', async () => {
    const run = watcher();
    await run({ source: 'live', faults: [], entry });
    await run({ source: 'live', faults: [], entry });
    assert.equal(rig.smtp.received().length, 0, 'nothing changed yet');

    const changed = { ...entry, contactPerson: 'Ola Testlege (HER-id 8143002)', services: 'DIALOGMELDING' };
    // a cached entry (the register unreachable) is no news, whatever it says
    await run({ source: 'stale-cache', fetchedAt: '2027-01-10T08:00:00Z', faults: [], entry: changed });
    await run({ source: 'live', faults: [], entry: changed });
    // another process, or this one after a restart, sees the same entry: nothing again
    await watcher()({ source: 'live', faults: [], entry: changed });

    await eventually(() => mailTo(contacts.office).length === 1 && mailTo(contacts.itProvider).length === 2, 15_000, 'the mails');
    const office = mailTo(contacts.office)[0]!;
    assert.equal(office.subject, 'Oppføringen i Adresseregisteret er endret for Fjordvik legekontor AS');
    assert.match(office.text, /• Kontaktperson: Kari Testlege \(HER-id 8143001\) → Ola Testlege \(HER-id 8143002\)/);
    assert.match(office.text, /• Tjenester: DIALOGMELDING, TIMEBESTILLING → DIALOGMELDING/);
    assert.doesNotMatch(office.text, /Organisasjonsnummer|signering/, 'only the fields that changed');
    assert.equal(mailTo(contacts.epjVendor).length, 0);

    const notice = mailTo(contacts.itProvider).find((m) => m.subject.startsWith('Melding til Norsk helsenett'))!;
    assert.equal(notice.subject, 'Melding til Norsk helsenett: oppføringen i Adresseregisteret er endret for Fjordvik legekontor AS');
    assert.match(notice.text, /Til: Norsk helsenett, kundesenter \(kundesenter@nhn\.no\)/);
    assert.match(notice.text, /Virksomhet: Fjordvik legekontor AS, organisasjonsnummer 921543212, HER-id 8142987/);
    assert.match(notice.text, /• Kontaktperson: .* → Ola Testlege/);

    await new Promise((r) => setTimeout(r, 500));
    assert.equal(rig.smtp.received().length, 3, 'told once');
  });

  it('a new certificate in the register is told with its serial', async () => {
    const run = watcher();
    const now = JSON.parse((await rig.client.get(redisKeys(prefix).registerEntrySeen))!) as RegisterEntry;
    const before = rig.smtp.received().length;
    await run({ source: 'live', faults: [], entry: { ...now, signingCertificate: 'serial 0B2C, valid to 2029-01-01' } });
    await eventually(() => rig.smtp.received().length === before + 3, 15_000, 'the mails');
    const office = mailTo(contacts.office).at(-1)!;
    assert.match(office.text, /• Virksomhetssertifikat \(signering\): serial 0A1B, valid to 2028-01-01 → serial 0B2C, valid to 2029-01-01/);
  });
});
