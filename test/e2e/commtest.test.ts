import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { buildCitizenRequest } from '../../src/kith/citizen-request.js';
import { COMMUNICATION_TEST_TYPE } from '../../src/kith/communication-test.js';
import { runCli } from '../helpers/cli.js';
import { eventually } from '../helpers/eventually.js';
import { useStack } from '../helpers/stack.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * The communication test (Dialog_Innbygger_Test, KT) both ways through the NHN simulator: the clinic
 * sends one with `epj-gateway commtest` and follows it to Helsenorge's AppRec and Svar; one that
 * Helsenorge sends through the normal inbound path gets AppRec OK and its Svar, and never reaches the EPJ.
 */

const CLINIC = '8142987';

/** Helsenorge's communication test to the clinic, as it sends it. */
function helsenorgeTest(msgId: string): string {
  return buildCitizenRequest({
    msgType: 'DIALOG_INNBYGGER_TEST',
    msgId,
    genDate: new Date(),
    sender: { name: 'Helsenorge.no', ids: [{ id: '8093244', type: 'HER' }] },
    receiver: {
      name: 'Fjordvik legekontor AS',
      ids: [
        { id: CLINIC, type: 'HER' },
        { id: '921543212', type: 'ENH' },
      ],
    },
    patient: { familyName: 'Testesen', givenName: 'Ola', ids: [{ id: '15838510075', type: 'FNR' }] },
    foresporsel: { type: COMMUNICATION_TEST_TYPE, subject: 'Kommunikasjonstest' },
  });
}

describe('e2e: the communication test', function () {
  this.timeout(120_000);
  const ctx = useStack();
  const cli = (...args: string[]) => runCli(['commtest', '--url', ctx.stack.url, ...args], { OPS_TOKEN: 'demo-ops-token' });

  it('commtest --json: sent, AppRec OK and the answer from Helsenorge, with milliseconds; exit 0 and one JSON object', async () => {
    const r = await cli('--json', '--clinic', CLINIC);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 1, 'exactly one JSON object');
    const out = JSON.parse(lines[0]!);
    assert.equal(out.ok, true);
    assert.equal(out.clinic, CLINIC);
    assert.match(out.msgId, /^[0-9a-f-]{36}$/);
    assert.ok(Date.parse(out.sent) > 0);
    assert.equal(out.appRec.status, 'OK');
    assert.ok(out.appRec.ms >= 0);
    assert.match(out.answer.msgId, /^[0-9a-f-]{36}$/);
    assert.ok(out.answer.ms >= 0 && out.ms >= out.answer.ms);
    // Helsenorge got the test valid, as a communication test
    const atCitizen = ctx.stack.simulator.citizen.answers().find((a) => a.msgId === out.msgId);
    assert.ok(atCitizen?.valid, JSON.stringify(atCitizen?.errors));
    assert.equal(atCitizen.msgType, 'DIALOG_INNBYGGER_TEST');
    // the metric the staleness alert reads
    const metrics = (await request(ctx.stack.url).get('/metrics').expect(200)).text;
    const last = /^epj_gateway_commtest_last_success_timestamp_seconds\{clinic="8142987"\} (\S+)$/m.exec(metrics);
    assert.ok(last && Number(last[1]) * 1000 >= Date.parse(out.sent), 'the last success is this test');
    // the audit log names who tested
    const audit = await request(ctx.stack.url).get('/ops/audit').set(ctx.stack.opsAuth).expect(200);
    assert.match(audit.text, /commtest\.sent/);
  });

  it('commtest prints sent, AppRec, answer and milliseconds', async () => {
    const r = await cli();
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^sent {4}[0-9a-f-]{36} {2}\S+ {2}\(clinic 8142987\)$/m);
    assert.match(r.stdout, /^AppRec {2}OK {2}after \d+ ms$/m);
    assert.match(r.stdout, /^answer {2}[0-9a-f-]{36} {2}after \d+ ms$/m);
    assert.match(r.stdout, /^ok: the communication test came back whole in \d+ ms$/m);
  });

  it("Helsenorge's test through the normal inbound path gets AppRec OK and its Svar, and never reaches the EPJ", async () => {
    const msgId = randomUUID();
    const sent = ctx.stack.simulator.citizen.send(helsenorgeTest(msgId));
    const appRec = await ctx.stack.simulator.citizen.waitForAppRec(sent.id, 20_000);
    assert.equal(appRec?.status, 'OK', JSON.stringify(appRec?.errors));
    const svar = await eventually(() => ctx.stack.simulator.citizen.answers().find((a) => a.refToParent === msgId), 20_000, 'the Svar at Helsenorge');
    assert.ok(svar.valid, JSON.stringify(svar.errors));
    assert.equal(svar.msgType, 'DIALOG_INNBYGGER_TEST');
    assert.match(svar.xml, /<TemaKodet V="KT"[^>]*7603/);
    assert.equal(existsSync(path.join(ctx.stack.inboxDir!, `${msgId}.xml`)), false, 'a test is not for the EPJ');
    const record = await request(ctx.stack.url).get(`/ops/messages/${msgId}`).query({ reason: 'commtest check' }).set(ctx.stack.opsAuth).expect(200);
    assert.equal(record.body.service ?? record.body.message?.service, 'communication-test');
    // seen again (NHN delivers twice): answered once
    const again = ctx.stack.simulator.citizen.send(helsenorgeTest(msgId));
    await ctx.stack.simulator.citizen.waitForAppRec(again.id, 20_000);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(ctx.stack.simulator.citizen.answers().filter((a) => a.refToParent === msgId).length, 1);
  });

  it('the periodic probe sends one test per interval and clinic, however often it is asked', async () => {
    const tests = ctx.stack.composed.clinics[0]!.communicationTests;
    const first = await tests.probe(60);
    assert.match(first ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(await tests.probe(60), undefined, 'the interval is taken');
    const view = await eventually(async () => ((await tests.view(first!))?.done ? tests.view(first!) : undefined), 20_000, 'the probe back');
    assert.equal(view?.ok, true);
  });

  it('epj-gateway validate classifies a communication-test request as valid', async () => {
    const file = path.join(tempDir('commtest'), 'test.xml');
    writeFileSync(file, helsenorgeTest(randomUUID()));
    const r = await runCli(['validate', file, '--json', '--as-receiver', CLINIC], { KITH_SCHEMA_DIR: '' });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.ok, true);
    assert.equal(report.msgType, 'DIALOG_INNBYGGER_TEST');
  });
  it('exit 1 with "ok":false and the reason when it does not come back in time', async () => {
    ctx.stack.simulator.faults.add({ kind: 'error', status: 503, count: 10_000, path: '/Messages', method: 'POST' });
    try {
      const r = await cli('--json', '--timeout', '1');
      assert.equal(r.code, 1, r.stdout + r.stderr);
      const out = JSON.parse(r.stdout.trim());
      assert.equal(out.ok, false);
      assert.equal(out.appRec, null);
      assert.equal(out.error.code, 'COMMTEST_INCOMPLETE');
      assert.match(out.error.message, /no AppRec within 1 s/);
    } finally {
      ctx.stack.simulator.faults.clear();
    }
    const unreachable = await runCli(['commtest', '--json', '--url', 'http://127.0.0.1:9'], {});
    assert.equal(unreachable.code, 1);
    assert.equal(JSON.parse(unreachable.stdout.trim()).ok, false);
  });
});
