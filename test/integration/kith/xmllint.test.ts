import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAppRec, buildAppRecFor } from '../../../src/kith/apprec-build.js';
import { judgeReceivedMessage } from '../../../src/kith/judge.js';
import { NS } from '../../../src/kith/namespaces.js';
import { tempDir } from '../../helpers/tmp.js';
import { XSD_DIR, needsShared, skipOrFail } from '../../helpers/shared.js';
import { fixtureFiles } from '../../helpers/fixture-cases.js';
import { CLINIC, CLINIC_HER, HELSENORGE, PATIENTS, sampleCases } from '../../helpers/sample-messages.js';
import { buildMsgHead } from '../../../src/kith/msghead-build.js';
import { buildDialogmelding } from '../../../src/kith/dialogmelding-build.js';
import { attachmentPart } from '../../../src/kith/attachments.js';

/**
 * Everything the project builds, checked by a second, independent validator: xmllint with the
 * official schemas. Embedded documents with no official schema (xCal, eResept M1, Pasientrelasjon) are taken out
 * first, as the gateway reports them unvalidated.
 */

const FIXTURES = fileURLToPath(new URL('../../../fixtures', import.meta.url));

function hasXmllint(): boolean {
  return spawnSync('xmllint', ['--version']).status === 0;
}

function xmllint(schema: string, files: string[]): void {
  const run = spawnSync('xmllint', ['--noout', '--nonet', '--schema', schema, ...files], { encoding: 'utf8' });
  const failed = run.stderr.split('\n').filter((l) => l && !l.endsWith(' validates'));
  assert.equal(run.status, 0, failed.join('\n'));
}

/** Takes out the embedded roots no official schema covers. */
function withoutUnvalidated(xml: string): string {
  return xml
    .replace(/<icalendar xmlns="urn:ietf:params:xml:ns:icalendar-2.0">[\s\S]*?<\/icalendar>/g, '')
    .replace(/<Resept xmlns="[^"]*eresept[^"]*">[\s\S]*?<\/Resept>/g, '')
    .replace(/<Pasientrelasjon xmlns="[^"]*pasientrelasjon[^"]*">[\s\S]*?<\/Pasientrelasjon>/g, '');
}

describe('xmllint: every message and AppRec the project builds is valid by the official schemas', function () {
  let dir: string;
  let envelopeSchema: string;
  before(function () {
    needsShared(this);
    if (!hasXmllint()) skipOrFail(this, 'xmllint not installed; apt-get install -y libxml2-utils');
    dir = tempDir('xmllint');
    // A wrapper that only imports the official files, so one run validates the envelope and its
    // Dialogmelding and Base64Container documents together.
    envelopeSchema = path.join(dir, 'envelope.xsd');
    const imports = [
      [NS.msgHead, 'MsgHead-v1_2.xsd'],
      [NS.dialog10, 'dialogmelding-v1.0.xsd'],
      [NS.dialog11, 'dialogmelding-v1.1.xsd'],
      [NS.base64, 'kith-base64.xsd'],
    ]
      .map(([ns, file]) => `<xs:import namespace="${ns}" schemaLocation="${path.join(XSD_DIR, file!)}"/>`)
      .join('');
    writeFileSync(envelopeSchema, `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">${imports}</xs:schema>`);
  });

  it('every built request and clinic answer of every service', () => {
    const files: string[] = [];
    for (const [service, cases] of Object.entries(sampleCases())) {
      for (const c of cases) {
        const file = path.join(dir, `${service}-${c.name}.xml`);
        writeFileSync(file, withoutUnvalidated(c.xml));
        files.push(file);
      }
    }
    // Dialogmelding 1.0, which the older processes carry
    const v10 = path.join(dir, 'dialogmelding-1.0.xml');
    writeFileSync(
      v10,
      buildMsgHead({
        msgType: 'DIALOG_INNBYGGER_KOORDINATOR',
        sender: HELSENORGE,
        receiver: CLINIC,
        patient: PATIENTS.ola,
        documents: [
          {
            refDocType: 'XML',
            content: buildDialogmelding('1.0', {
              notat: {
                theme: { v: '6', s: '2.16.578.1.12.4.1.1.7322' },
                text: 'Notat',
                date: '2026-03-02',
                inReplyTo: { type: { v: 'BA' }, subject: 'not in 1.0', question: 'Spørsmål' },
              },
            }),
          },
          attachmentPart({ mimeType: 'text/plain', description: 'a.txt', data: Buffer.from('a') }),
        ],
      }),
    );
    files.push(v10);
    xmllint(envelopeSchema, files);
  });

  it('the AppRec for every fixture, and AppRec 1.0 and 1.1 built directly', () => {
    const v11: string[] = [];
    // Dialog_Innbygger_Timer (the office's own messages) is answered with AppRec 1.0, as its process says
    const timerV10: string[] = [];
    fixtureFiles().forEach((f, i) => {
      const j = judgeReceivedMessage(readFileSync(path.join(FIXTURES, f.path)), {
        allowSyntheticIds: !f.expected.production,
        ownHerIds: [f.expected.asReceiver],
        ...(f.expected.maxBytes ? { maxBytes: f.expected.maxBytes } : {}),
      });
      const file = path.join(dir, `apprec-${i}.xml`);
      const appRec = buildAppRecFor(j, { fallbackSender: { name: 'Fjordvik legekontor AS', herId: CLINIC_HER } });
      writeFileSync(file, appRec);
      (appRec.includes('apprec/2004-11-21') ? timerV10 : v11).push(file);
    });
    xmllint(path.join(XSD_DIR, 'apprec-v1.1.xsd'), v11);
    xmllint(path.join(XSD_DIR, 'apprec-v1.0.xsd'), timerV10);

    const base = {
      sender: { name: 'Fjordvik legekontor AS', herId: CLINIC_HER, person: { name: 'Kari Lege', herId: '8142988' } },
      receiver: { name: 'Norsk helsenett SF (demo)', herId: '8090001', unit: { name: 'Helsenorge.no', herId: '8093244' } },
      original: { msgType: 'DIALOG_INNBYGGER_TIMEONSKE', issueDate: '2026-03-02T09:15:00Z', id: '5b0f0d3e-1c2a-4b7e-9a51-0c8f1e2d3a04' },
    };
    const v10 = [
      buildAppRec({ ...base, version: '1.0', status: 'OK' }),
      buildAppRec({ ...base, version: '1.0', status: 'Avvist', errors: [{ code: 'T02', message: 'MsgInfo/MIGversion' }, { code: 'E31' }] }),
      buildAppRec({
        ...base,
        version: '1.0',
        status: 'OK, feil i delmelding',
        errors: [{ code: 'X99', message: 'attachment' }],
        softwareName: 'epj-gateway',
        softwareVersion: '0.1.0',
      }),
    ].map((xml, i) => {
      const file = path.join(dir, `apprec10-${i}.xml`);
      writeFileSync(file, xml);
      return file;
    });
    xmllint(path.join(XSD_DIR, 'apprec-v1.0.xsd'), v10);
  });

  it('xmllint agrees the fixtures meant to be valid are valid', () => {
    const valid = fixtureFiles().filter((f) => f.expected.ok && !f.path.includes('iso-8859-1'));
    const files = valid.map((f, i) => {
      const file = path.join(dir, `fixture-${i}.xml`);
      writeFileSync(file, withoutUnvalidated(f.bytes.toString('utf8')));
      return file;
    });
    xmllint(envelopeSchema, files);
    // and the wrapper really validates: a schema-invalid fixture fails it
    const bad = path.join(dir, 'bad.xml');
    writeFileSync(bad, readFileSync(path.join(FIXTURES, 'office-contact', 't02-mig-version.xml')));
    assert.throws(() => xmllint(envelopeSchema, [bad]), /MIGversion/);
  });
});
