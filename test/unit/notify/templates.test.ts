import assert from 'node:assert/strict';
import type { Notification } from '../../../src/gate/notifier.js';
import { REASONS_EN, REASONS_NB, render } from '../../../src/notify/templates.js';

/** Every kind of notification has a text in bokmål and in English, naming the clinic and the fix. */
describe('notification templates: every kind in Norwegian and English', () => {
  const clinic = { herId: '8142987', orgNumber: '921543212', name: 'Fjordvik legekontor AS' };
  const at = '2027-01-10T12:00:00.000Z';
  const closed = { scope: 'e-consultation', from: 'open', to: 'closed', reasons: ['ar-contact-person-missing'] };
  const cases: [string, Notification['kind'], Record<string, unknown>, RegExp, RegExp][] = [
    [
      'expiry',
      'certificate-expiry-warning',
      { role: 'signing', serial: '0A1B', notAfter: '2027-01-24T12:00:00.000Z' },
      /utløper om 14 dager/,
      /expires in 14 days/,
    ],
    ['closed', 'gate-closed', closed, /Kontaktperson mangler/, /The contact person is missing/],
    ['closed, a new reason', 'gate-closed', { ...closed, added: 'ar-contact-person-missing' }, /^Ny feil/, /^New fault/],
    ['closed, a reminder', 'gate-closed', { ...closed, reminder: 2, since: at }, /^Påminnelse/, /^Reminder/],
    ['closed by the office', 'gate-closed', { ...closed, reasons: ['operator-closed'] }, /autosvar/, /auto-answer/],
    [
      'warning',
      'gate-warning',
      { scope: 'gateway', from: 'open', to: 'warning', reasons: ['ar-unreachable'] },
      /AR_STALE_LIMIT_S, 24 timer/,
      /AR_STALE_LIMIT_S, 24 hours/,
    ],
    ['warning, a reminder', 'gate-warning', { scope: 'gateway', reasons: ['ar-stale'], reminder: 1, since: at }, /^Påminnelse/, /have been in warning since/],
    [
      'opened',
      'gate-opened',
      { scope: 'gateway', from: 'closed', to: 'open', reasons: [] },
      /Alle tjenestene .* er åpne igjen/,
      /All services .* are open again/,
    ],
    [
      'register changed',
      'register-changed',
      { changes: [{ field: 'contactPerson', before: 'Kari Testlege (HER-id 8143001)', after: 'none' }] },
      /• Kontaktperson: Kari Testlege \(HER-id 8143001\) → none/,
      /• Contact person: Kari Testlege \(HER-id 8143001\) → none/,
    ],
    ['HelseID refused', 'helseid-refused', { oauthError: 'invalid_client', httpStatus: 400 }, /HELSEID_CLIENT_ID/, /HELSEID_CLIENT_ID/],
    [
      'HelseID accepted',
      'helseid-accepted',
      { refusedFor: 'invalid_client' },
      /avvist før med feilkode invalid_client/,
      /refused before with error invalid_client/,
    ],
    [
      'NHN notice',
      'nhn-notice',
      { service: 'e-consultation' },
      /videresendes til Norsk helsenetts kundesenter/,
      /Forward this notice to Norsk helsenett's customer centre/,
    ],
  ];
  for (const [name, kind, details, nb, en] of cases)
    it(name, () => {
      const n: Notification = { id: `t:${name}`, kind, title: 'title', text: 'Til: Norsk helsenett', clinic, details, at };
      const norsk = render(n);
      const english = render(n, 'en');
      for (const r of [norsk, english]) {
        assert.match(r.subject, /Fjordvik legekontor AS/);
        assert.doesNotMatch(`${r.subject} ${r.text}`, /undefined|\[object/);
        assert.match(r.html, /^<!doctype html>/);
      }
      assert.match(`${norsk.subject}\n${norsk.text}`, nb);
      assert.match(`${english.subject}\n${english.text}`, en);
      if (kind !== 'nhn-notice') assert.doesNotMatch(english.text, /[æøå]/, 'no Norwegian left in the English text');
    });

  it('every reason has its fix in both languages', () => {
    assert.deepEqual(Object.keys(REASONS_EN).sort(), Object.keys(REASONS_NB).sort());
  });
});
