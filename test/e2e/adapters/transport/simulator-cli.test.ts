import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { DpopKey } from '../../../../adapters/transport/dpop.js';
import { HelseIdClient, type ClinicCredentials } from '../../../../adapters/transport/helseid.js';
import { MshClient } from '../../../../adapters/transport/msh-client.js';
import { judgeReceivedMessage } from '../../../../src/kith/judge.js';
import { runCli, startCli } from '../../../helpers/cli.js';
import { eventually } from '../../../helpers/eventually.js';
import { CLINIC_HER, sampleCredentials } from '../../../helpers/nhn-setup.js';

/**
 * The command line as an integration tester uses it: `simulator` runs alone, `send --as-citizen`
 * waits for the clinic's AppRec. The clinic here is a small loop on the MSH client that judges each
 * message with the KITH layer, as the gateway's inbound worker does (plain documents: MESSAGE_PROTECTION=none).
 * With a clinics file the simulator serves two clinics, and `send --to` picks one.
 */

interface AnsweringClinic {
  herId: number;
  clientId: string;
  credentials: ClinicCredentials;
}

const FIRST_CLINIC: AnsweringClinic = { herId: CLINIC_HER, clientId: 'epj-gateway-demo', credentials: sampleCredentials() };

function clinicAnswering(url: string, clinic: AnsweringClinic = FIRST_CLINIC): { stop: () => Promise<void> } {
  const auth = new HelseIdClient({
    ...clinic.credentials,
    tokenUrl: `${url}/connect/token`,
    clientId: clinic.clientId,
    scope: 'nhn:msh/api',
    dpop: DpopKey.generate(),
    timeoutMs: 2_000,
  });
  const msh = new MshClient({ baseUrl: url, timeoutMs: 2_000, auth });
  let running = true;
  const loop = (async () => {
    while (running) {
      for (const m of await msh.listUnread(clinic.herId)) {
        const judgement = judgeReceivedMessage(await msh.getBusinessDocument(m.id), { allowSyntheticIds: true, ownHerIds: [String(clinic.herId)] });
        await msh.sendAppRec(m.id, clinic.herId, {
          status: judgement.appRec,
          errors: judgement.errors.map((e) => ({ errorCode: e.code, details: e.message })),
        });
        await msh.markRead(m.id, clinic.herId);
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
    url = (
      await eventually(
        () => /listening on (http:\/\/\S+)/.exec(output()),
        30_000,
        () => `the simulator to print its URL:\n${output()}`,
      )
    )[1]!;
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

describe('epj-gateway simulator with a clinics file / send --to', function () {
  this.timeout(60_000);
  const SECOND: AnsweringClinic = { herId: 8143001, clientId: 'epj-gateway-test-2', credentials: sampleCredentials('clinic-signing-seid1') };
  const certs = (name: string) => fileURLToPath(new URL(`../../../../certs-sample/${name}`, import.meta.url));
  const pair = (name: string) => ({ cert: certs(`${name}.cert.pem`), key: certs(`${name}.key.pem`) });
  let dir: string;
  let child: ChildProcess;
  let output: () => string;
  let url: string;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'simulator-clinics-'));
    const file = path.join(dir, 'clinics.json');
    const epj = (token: string) => ({ delivery: 'folder', tokens: [{ client: 'epj', token }] });
    writeFileSync(
      file,
      JSON.stringify({
        clinics: [
          {
            herId: String(CLINIC_HER),
            orgNumber: '921543212',
            name: 'Fjordvik legekontor AS',
            certificates: { signing: pair('clinic-signing'), encryption: pair('clinic-encryption') },
            epj: epj('test-token-1'),
          },
          {
            herId: String(SECOND.herId),
            orgNumber: '974760673',
            name: 'Havbris legesenter AS',
            certificates: { signing: pair('clinic-signing-seid1'), encryption: pair('clinic-encryption-next') },
            helseId: { clientId: SECOND.clientId },
            epj: epj('test-token-2'),
          },
        ],
      }),
    );
    ({ child, output } = startCli(['simulator', '--port', '0'], {
      LOG_LEVEL: 'silent',
      MSH_BASE_URL: '',
      MESSAGE_PROTECTION: 'none',
      CLINICS_FILE: file,
      DATA_DIR: dir,
    }));
    url = (
      await eventually(
        () => /listening on (http:\/\/\S+)/.exec(output()),
        30_000,
        () => `the simulator to print its URL:\n${output()}`,
      )
    )[1]!;
  });

  after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves every clinic of the file, and says which', async () => {
    await eventually(
      () => output().includes(`clinic HER ${SECOND.herId}, HelseID client ${SECOND.clientId}`),
      5_000,
      () => output(),
    );
    const info = (await (await fetch(`${url}/simulator`)).json()) as { clinics: { herId: number; clientId: string }[] };
    assert.deepEqual(
      info.clinics.map((c) => [c.herId, c.clientId]),
      [
        [CLINIC_HER, 'epj-gateway-demo'],
        [SECOND.herId, SECOND.clientId],
      ],
    );
  });

  it("sends to the clinic --to names and prints that clinic's AppRec; without --to, to the first clinic", async () => {
    const second = clinicAnswering(url, SECOND);
    try {
      const r = await runCli(['send', 'office-contact/request', '--as-citizen', '--to', String(SECOND.herId), '--simulator', url, '--timeout', '20', '--json']);
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout) as { clinicHerId: number; appRec: { status: string } };
      assert.deepEqual([out.clinicHerId, out.appRec.status], [SECOND.herId, 'OK']);
      // only clinic 2 answers: a message for the first clinic stays unanswered
      const first = await runCli(['send', 'office-contact/request', '--as-citizen', '--simulator', url, '--timeout', '1']);
      assert.equal(first.code, 3, first.stderr);
    } finally {
      await second.stop();
    }
  });

  it('refuses a --to that is no clinic of the simulator, or no HER-id at all, exit 2', async () => {
    const unknown = await runCli(['send', 'office-contact/request', '--as-citizen', '--to', '999999', '--simulator', url]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /the simulator answered 404: HER-id 999999 is no clinic of this simulator \(it serves 8142987, 8143001\)/);
    const wrong = await runCli(['send', 'office-contact/request', '--as-citizen', '--to', 'clinic-2', '--simulator', url]);
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /--to needs a clinic's HER-id/);
  });
});
