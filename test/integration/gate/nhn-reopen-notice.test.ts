import assert from 'node:assert/strict';
import { openAndNoticeNhn } from '../../../src/gate/nhn-reopen-notice.js';
import { ServiceGate } from '../../../src/gate/service-gate.js';
import { eventually } from '../../helpers/eventually.js';
import { captureLogger } from '../../helpers/logger.js';
import { RIG_CONTACTS as contacts, startNotifyRig, type NotifyRig } from '../../helpers/notify-rig.js';

/** The office opening a service it closed: the notice for NHN's customer centre goes to the IT provider, as its closing did. */
describe('the notice for NHN when the office opens a service it closed', function () {
  this.timeout(60_000);
  let rig: NotifyRig;
  const prefix = 'test:reopen:8142987';
  const config = { CLINIC_HER_ID: '8142987', CLINIC_ORG_NUMBER: '921543212', CLINIC_NAME: 'Fjordvik legekontor AS' };

  before(async () => {
    rig = await startNotifyRig(prefix);
  });
  after(() => rig?.stop());

  it('drafts the notice with the clinic, the service, when it was closed and opened, once per closing', async () => {
    const { notifier } = await rig.process();
    const gate = new ServiceGate(rig.client, prefix, captureLogger().logger);
    await gate.closeByOperator('e-consultation', 'Legen har ferie', 'kari.drift');
    const since = (await gate.reasons()).find((r) => r.code === 'operator-closed')!.since;

    assert.equal(await openAndNoticeNhn({ config, notifier, gate }, 'e-consultation', 'kari.drift'), true);
    assert.equal((await gate.refresh()).services['e-consultation'].state, 'open');
    assert.equal(await openAndNoticeNhn({ config, notifier, gate }, 'e-consultation', 'kari.drift'), false, 'open already: no notice');
    assert.equal(await openAndNoticeNhn({ config, notifier, gate }, 'appointment', 'kari.drift'), false, 'never closed by the office: no notice');

    const notices = () => rig.mailTo(contacts.itProvider).filter((m) => m.subject.startsWith('Melding til Norsk helsenett'));
    await eventually(() => notices().length === 1, 15_000, 'the notice mailed');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(notices().length, 1);
    const notice = notices()[0]!;
    assert.equal(notice.subject, 'Melding til Norsk helsenett: tjeneste åpnet igjen for Fjordvik legekontor AS');
    assert.match(notice.text, /Til: Norsk helsenett, kundesenter \(kundesenter@nhn\.no\)/);
    assert.match(notice.text, /Virksomhet: Fjordvik legekontor AS, organisasjonsnummer 921543212, HER-id 8142987/);
    assert.match(notice.text, /Tjeneste åpnet \/ Service opened: e-consultation/);
    assert.ok(notice.text.includes(`Stengt fra / Closed since: ${since}`));
    assert.equal(rig.mailTo(contacts.office).length, 0, 'the IT provider forwards it; the office is told of the opening by the gate');
  });
});
