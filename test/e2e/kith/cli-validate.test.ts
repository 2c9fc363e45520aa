import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../helpers/cli.js';
import { STANDARDS_DIR, XSD_DIR, needsShared } from '../../helpers/shared.js';

const FIXTURES = fileURLToPath(new URL('../../../fixtures', import.meta.url));
const fixture = (p: string) => path.join(FIXTURES, p);
const KEYS = [
  'ok',
  'document',
  'version',
  'msgType',
  'service',
  'action',
  'msgId',
  'senderHerIds',
  'receiverHerIds',
  'patientIdType',
  'schemaValidation',
  'unvalidated',
  'errors',
];

describe('cli: epj-gateway validate', () => {
  it('--json prints the contract object; exit 0 when valid', async () => {
    const r = await runCli(['validate', fixture('prescription-renewal/request.xml'), '--json'], { KITH_SCHEMA_DIR: '' });
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.deepEqual(Object.keys(report), KEYS);
    assert.equal(report.service, 'prescription-renewal');
    assert.equal(report.action, 'Foresporsel');
    assert.equal(report.schemaValidation, 'own-rules');
    assert.deepEqual(report.unvalidated, ['http://www.kith.no/xmlstds/eresept/m1/2013-10-08']);
    assert.ok(!r.stdout.includes('15838510075') && !r.stdout.includes('Testesen'));
  });

  it('exit 1 with the 8221 code when not valid; E21 only with --as-receiver', async () => {
    const alone = await runCli(['validate', fixture('office-contact/e21-wrong-receiver.xml'), '--json']);
    assert.equal(alone.code, 0);
    const asClinic = await runCli(['validate', fixture('office-contact/e21-wrong-receiver.xml'), '--json', '--as-receiver', '8142987']);
    assert.equal(asClinic.code, 1);
    assert.deepEqual(
      (JSON.parse(asClinic.stdout) as { errors: { code: string }[] }).errors.map((e) => e.code),
      ['E21'],
    );
  });

  it('GATEWAY_MODE=production refuses synthetic national ids (E31)', async () => {
    const r = await runCli(['validate', fixture('office-contact/request.xml'), '--json'], { GATEWAY_MODE: 'production' });
    assert.equal(r.code, 1);
    assert.deepEqual(
      (JSON.parse(r.stdout) as { errors: { code: string }[] }).errors.map((e) => e.code),
      ['E31'],
    );
  });

  it('--apprec prints the AppRec the gateway would answer', async () => {
    const r = await runCli(['validate', fixture('appointment/e32-patient-name-missing.xml'), '--apprec']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /<AppRec xmlns="http:\/\/www.kith.no\/xmlstds\/apprec\/2012-02-15">/);
    assert.match(r.stdout, /<Status V="2" DN="Avvist"\/>/);
    assert.match(r.stdout, /<Error V="E32"/);
    assert.match(
      r.stdout,
      /<OriginalMsgId><MsgType V="DIALOG_INNBYGGER_TIMEONSKE"[^>]*\/><IssueDate>2026-03-02T09:15:00Z<\/IssueDate><Id>5b0f0d3e-1c2a-4b7e-9a51-0c8f1e2d3a04<\/Id>/,
    );
  });

  it('hostile and unreadable input is a clear T99/T01, never a crash', async () => {
    for (const [file, code] of [
      ['office-contact/t99-doctype-billion-laughs.xml', 'T99'],
      ['office-contact/t01-not-well-formed.xml', 'T01'],
    ] as const) {
      const r = await runCli(['validate', fixture(file), '--json']);
      assert.equal(r.code, 1, r.stderr);
      assert.equal((JSON.parse(r.stdout) as { errors: { code: string }[] }).errors[0]?.code, code);
    }
  });

  it('exit 2 on usage errors: no file, unreadable file, bad settings, bad HER-id', async () => {
    assert.equal((await runCli(['validate'])).code, 2);
    assert.equal((await runCli(['validate', fixture('nope.xml')])).code, 2);
    assert.equal((await runCli(['validate', fixture('office-contact/request.xml')], { KITH_MAX_BYTES: 'lots' })).code, 2);
    assert.equal((await runCli(['validate', fixture('office-contact/request.xml')], { KITH_SCHEMA_DIR: '/nonexistent' })).code, 2);
    assert.equal((await runCli(['validate', fixture('office-contact/request.xml'), '--as-receiver', 'abc'])).code, 2);
  });

  describe('with the official schemas', function () {
    before(function () {
      needsShared(this);
    });
    it('both real citizen-dialog samples are valid, with and without KITH_SCHEMA_DIR', async () => {
      for (const name of ['DIALOG_INNBYGGER_EKONTAKT.xml', 'DIALOG_INNBYGGER_RESEPTFORNYELSE.xml']) {
        for (const dir of ['', XSD_DIR]) {
          const r = await runCli(['validate', path.join(STANDARDS_DIR, 'examples', name), '--json'], { KITH_SCHEMA_DIR: dir });
          assert.equal(r.code, 0, `${name} ${dir}: ${r.stdout}${r.stderr}`);
          assert.equal((JSON.parse(r.stdout) as { schemaValidation: string }).schemaValidation, dir ? 'official' : 'own-rules');
        }
      }
    });
  });
});
