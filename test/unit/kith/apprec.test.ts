import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isGatewayError } from '../../../src/errors.js';
import { buildAppRec, buildAppRecFor } from '../../../src/kith/apprec-build.js';
import { buildClinicAnswer, THEME_RENEWAL_DONE } from '../../../src/kith/clinic-answer.js';
import { judgeReceivedMessage } from '../../../src/kith/judge.js';
import type { AppRecMessage, MsgHeadMessage } from '../../../src/kith/model.js';
import { parseMessage } from '../../../src/kith/parse.js';
import { loadSchemaSet } from '../../../src/kith/schema-set.js';
import { validateDocument } from '../../../src/kith/validate.js';
import { XSD_DIR, needsShared } from '../../helpers/shared.js';
import { tempDir } from '../../helpers/tmp.js';
import { CLINIC, CLINIC_HER, HELSENORGE, HELSENORGE_HER, PATIENTS, sampleCases } from '../../helpers/sample-messages.js';
import { attachmentBytes } from '../../../src/kith/attachments.js';
import { buildCitizenRequest } from '../../../src/kith/citizen-request.js';

const OPTS = { allowSyntheticIds: true, ownHerIds: [CLINIC_HER] };

describe('kith: AppRec and answers', () => {
  const renewal = sampleCases()['prescription-renewal']![0]!.xml;

  it('the AppRec of a received message swaps the parties and carries its MsgId and type', () => {
    const j = judgeReceivedMessage(renewal, OPTS);
    assert.equal(j.appRec, 'OK');
    const apprec = parseMessage(buildAppRecFor(j)) as AppRecMessage;
    assert.equal(apprec.document, 'AppRec');
    assert.equal(apprec.version, '1.1');
    assert.equal(apprec.status, '1');
    assert.deepEqual(apprec.originalMsgId, {
      msgType: 'DIALOG_INNBYGGER_RESEPTFORNYELSE',
      issueDate: '2026-03-02T09:15:00Z',
      id: '5b0f0d3e-1c2a-4b7e-9a51-0c8f1e2d3a01',
    });
    assert.deepEqual(apprec.senderHerIds, [CLINIC_HER, '8142988']);
    assert.deepEqual(apprec.receiverHerIds, ['8090001', HELSENORGE_HER]);
    assert.equal(validateDocument(buildAppRecFor(j), { allowSyntheticIds: true }).report.ok, true);
  });

  it('a rejection lists each 8221 code once, most basic first', () => {
    const broken = renewal.replace('<MIGversion>v1.2 2006-05-24</MIGversion>', '<MIGversion>x</MIGversion>').replace(/<FamilyName>Testesen<\/FamilyName>/, '');
    const j = judgeReceivedMessage(broken, OPTS);
    assert.equal(j.appRec, 'Avvist');
    assert.deepEqual(
      j.errors.map((e) => e.code),
      ['T02', 'E32'],
    );
    const xml = buildAppRecFor(j);
    assert.match(xml, /<Status V="2" DN="Avvist"\/><Error V="T02" S="2.16.578.1.12.4.1.1.8221" DN="XML validerer ikke"/);
  });

  it('an unreadable message is still answered, from what the transport knows', () => {
    const j = judgeReceivedMessage('<MsgHead', OPTS);
    const xml = buildAppRecFor(j, {
      fallbackSender: { name: 'Fjordvik legekontor AS', herId: CLINIC_HER },
      fallbackReceiver: { herId: HELSENORGE_HER },
      fallbackOriginal: { msgType: 'DIALOG_INNBYGGER_EKONTAKT', issueDate: '2026-03-02T09:15:00Z', id: 'abc-1' },
    });
    const apprec = parseMessage(xml) as AppRecMessage;
    assert.deepEqual(
      apprec.errors.map((e) => e.v),
      ['T01'],
    );
    assert.equal(apprec.originalMsgId?.id, 'abc-1');
  });

  it('a received AppRec is judged but never answered', () => {
    const apprec = buildAppRecFor(judgeReceivedMessage(renewal, OPTS));
    const j = judgeReceivedMessage(apprec, OPTS);
    assert.equal(j.answerable, false);
    assert.equal(j.report.document, 'AppRec');
    assert.throws(() => buildAppRecFor(j), /never answered/);
    assert.equal(judgeReceivedMessage(renewal, OPTS).answerable, true);
  });

  it('builds AppRec 1.0 with its own namespace and MIGversion', () => {
    const xml = buildAppRec({
      version: '1.0',
      status: 'OK',
      sender: { herId: CLINIC_HER },
      receiver: { herId: HELSENORGE_HER },
      original: { msgType: 'DIALOG_INNBYGGER_TIMER', issueDate: '2026-03-02T09:15:00Z', id: 'm-1' },
    });
    const apprec = parseMessage(xml) as AppRecMessage;
    assert.equal(apprec.version, '1.0');
    assert.equal(apprec.migVersion, '1.0 2004-11-21');
  });

  it('the clinic answers a request, never an answer; appointment answers need a calendar', () => {
    const req = parseMessage(renewal) as MsgHeadMessage;
    const answer = parseMessage(buildClinicAnswer(req, { theme: THEME_RENEWAL_DONE, text: 'Fornyet.' })) as MsgHeadMessage;
    assert.equal(answer.action, 'Svar');
    assert.deepEqual(answer.conversationRef, { refToParent: req.msgId, refToConversation: req.msgId });
    assert.throws(
      () => buildClinicAnswer(answer, { theme: THEME_RENEWAL_DONE, text: 'x' }),
      (e) => isGatewayError(e) && e.code === 'KITH_CONTENT_INVALID',
    );
    const wish = parseMessage(sampleCases().appointment![0]!.xml) as MsgHeadMessage;
    assert.throws(() => buildClinicAnswer(wish, { theme: THEME_RENEWAL_DONE, text: 'x' }), /calendar/);
  });

  it('an attachment travels as Base64 and comes back byte for byte', () => {
    const data = Buffer.from([0, 1, 2, 250, 251, 252, 10, 13]);
    const xml = buildCitizenRequest({
      msgType: 'DIALOG_INNBYGGER_EKONTAKT',
      sender: HELSENORGE,
      receiver: CLINIC,
      patient: PATIENTS.per,
      foresporsel: { type: { v: 'BA' } },
      attachments: [{ mimeType: 'application/octet-stream', description: 'x.bin', data }],
    });
    const msg = parseMessage(xml) as MsgHeadMessage;
    const att = msg.documents.find((d) => d.kind === 'base64');
    assert.equal(att?.mimeType, 'application/octet-stream');
    assert.ok(attachmentBytes(att.el!.text).equals(data));
  });

  describe('official schema layer', function () {
    before(function () {
      needsShared(this);
    });

    it('withholds the offending value in schema messages (it may be patient data)', () => {
      const xml = renewal.replace('<GivenName>Ola</GivenName>', '<GivenName>Ola</GivenName><DateOfBirth>1985-13-45</DateOfBirth>');
      const { report } = validateDocument(xml, { ...OPTS, schemas: loadSchemaSet(XSD_DIR) });
      const official = report.errors.find((e) => e.message.includes('DateOfBirth') && e.message.includes('atomic type'));
      assert.ok(official, JSON.stringify(report.errors));
      assert.ok(!JSON.stringify(report).includes('1985-13-45'));
    });

    it('a directory without the official schemas is refused clearly', () => {
      const dir = tempDir('noschema');
      mkdirSync(path.join(dir, 'x'), { recursive: true });
      writeFileSync(path.join(dir, 'other.xsd'), '<schema/>');
      assert.throws(
        () => loadSchemaSet(dir),
        (e) => isGatewayError(e) && e.code === 'KITH_SCHEMA_DIR_INVALID',
      );
    });
  });
});
