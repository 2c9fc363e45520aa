import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { DpopKey } from '../../../adapters/transport/dpop.js';
import { HelseIdClient } from '../../../adapters/transport/helseid.js';
import { MshClient } from '../../../adapters/transport/msh-client.js';
import { judgeReceivedMessage } from '../../../src/kith/judge.js';
import { runCli, startCli } from '../../helpers/cli.js';
import { CLINIC_HER, sampleCredentials } from './nhn-setup.js';

/**
 * The command line as an integration tester uses it: `simulator` runs alone, `send --as-citizen`
 * waits for the clinic's AppRec. The clinic here is a small loop on the MSH client that judges each
 * message with the KITH layer, as the gateway's inbound worker does (plain documents: MESSAGE_PROTECTION=none).
 */

function clinicAnswering(url: string): { stop: () => Promise<void> } {
  const auth = new HelseIdClient({
    ...sampleCredentials(),
    tokenUrl: `${url}/connect/token`,
    clientId: 'epj-gateway-demo',
    scope: 'nhn:msh/api',
    dpop: DpopKey.generate(),
    timeoutMs: 2_000,
  });
  const msh = new MshClient({ baseUrl: url, timeoutMs: 2_000, auth });
  let running = true;
  const loop = (async () => {
    while (running) {
      for (const m of await msh.listUnread(CLINIC_HER)) {
        const judgement = judgeReceivedMessage(await msh.getBusinessDocument(m.id), { allowSyntheticIds: true, ownHerIds: [String(CLINIC_HER)] });
        const status = Number(judgement.status) as 1 | 2 | 3;
        await msh.sendAppRec(m.id, CLINIC_HER, { status, errors: judgement.errors.map((e) => ({ errorCode: e.code, details: e.message })) });
        await msh.markRead(m.id, CLINIC_HER);
      }
      await sleep(50);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

describe('epj-gateway simulator / send --as-citizen', function () {
  this.timeout(60_000);
  let child: ChildProcess;
  let exited: Promise<number | null>;
  let output: () => string;
  let url: string;

  before(async () => {
    ({ child, exited, output } = startCli(['simulator', '--port', '0'], { LOG_LEVEL: 'silent', MSH_BASE_URL: '', MESSAGE_PROTECTION: 'none' }));
    const until = Date.now() + 30_000;
    while (!/listening on (http:\/\/\S+)/.test(output()) && Date.now() < until) await sleep(50);
    const found = /listening on (http:\/\/\S+)/.exec(output());
    assert.ok(found, `the simulator printed its URL:\n${output()}`);
    url = found[1]!;
  });

  after(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  it('prints the AppRec OK the clinic answered a valid request with, as JSON, exit 0', async () => {
    const clinic = clinicAnswering(url);
    try {
      const r = await runCli(['send', 'office-contact/request', '--as-citizen', '--simulator', url, '--timeout', '20', '--json']);
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout) as { appRec: { status: string; statusCode: string; errors: unknown[] }; msgId: string; readByClinic: boolean };
      assert.deepEqual(out.appRec, { status: 'OK', statusCode: '1', errors: [] });
      assert.ok(out.msgId);
    } finally {
      await clinic.stop();
    }
  });

  it('prints the rejection and its codes for a faulty request, exit 1', async () => {
    const clinic = clinicAnswering(url);
    try {
      const r = await runCli(['send', 'fixtures/prescription-renewal/e31-patient-id-invalid.xml', '--as-citizen', '--simulator', url, '--timeout', '20']);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stdout, /^AppRec Avvist \(status 2\) for MsgId /);
      assert.match(r.stdout, /\n {2}E31/);
    } finally {
      await clinic.stop();
    }
  });

  it('says so when no AppRec comes in time, exit 3', async () => {
    const r = await runCli(['send', 'office-contact/request', '--as-citizen', '--simulator', url, '--timeout', '1']);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stdout, /^no AppRec within 1 s for MsgId .* \(the clinic has not read it; is the gateway running\?\)/);
  });

  it('refuses to run without --as-citizen, with an unknown fixture, or without a simulator, exit 2', async () => {
    const noSide = await runCli(['send', 'office-contact/request', '--simulator', url]);
    assert.equal(noSide.code, 2);
    assert.match(noSide.stderr, /--as-citizen/);
    const unknown = await runCli(['send', 'office-contact/nothing', '--as-citizen', '--simulator', url]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no fixture of that name/);
    const away = await runCli(['send', 'office-contact/request', '--as-citizen', '--simulator', 'http://127.0.0.1:1']);
    assert.equal(away.code, 2);
    assert.match(away.stderr, /not reachable; start it with: epj-gateway simulator/);
  });

  it('says which port is taken when another simulator holds it', async () => {
    const port = new URL(url).port;
    const r = await runCli(['simulator', '--port', port], { LOG_LEVEL: 'silent' });
    assert.equal(r.code, 2);
    assert.match(r.stderr, new RegExp(`port ${port} on 127.0.0.1 is taken`));
  });

  it('stops cleanly on SIGTERM', async () => {
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.match(output(), /simulator stopped/);
  });
});
