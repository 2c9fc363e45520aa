import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Simulator } from '../../../../demo/simulator/server.js';
import { parseMessage } from '../../../../src/kith/parse.js';
import { CLINIC_HER, HELSENORGE_HER, helseIdFor, mshClientFor, startTestSimulator } from '../../../helpers/nhn-setup.js';

const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`../../../../fixtures/${name}`, import.meta.url)), 'utf8');

async function json<T = unknown>(res: Response): Promise<{ status: number; body: T }> {
  return { status: res.status, body: (await res.json().catch(() => null)) as T };
}

describe('NHN simulator', () => {
  let sim: Simulator;
  before(async () => {
    sim = await startTestSimulator();
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  describe('citizen side over HTTP', () => {
    it('sends a fixture by name, or XML as the body, to the clinic as Helsenorge', async () => {
      const byName = await json<{ id: string; businessDocumentId: string }>(
        await fetch(`${sim.url}/citizen/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ fixture: 'appointment/timeonske-request' }),
        }),
      );
      assert.equal(byName.status, 201);
      const byBody = await json<{ id: string }>(
        await fetch(`${sim.url}/citizen/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/xml' },
          body: fixture('office-contact/t01-not-well-formed.xml'),
        }),
      );
      assert.equal(byBody.status, 201);
      const unread = sim.mailbox.unreadFor(CLINIC_HER);
      assert.deepEqual(
        unread.map((m) => m.id),
        [byName.body.id, byBody.body.id],
      );
      assert.equal(unread[0]!.senderHerId, HELSENORGE_HER);
      assert.equal(unread[0]!.businessDocumentId, byName.body.businessDocumentId);
      assert.equal(unread[1]!.businessDocumentId, null, 'not readable, so no MsgId');
    });

    it('refuses fixtures outside fixtures/ and unknown ones', async () => {
      for (const name of ['../package.json', 'office-contact/nothing-here']) {
        const res = await fetch(`${sim.url}/citizen/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ fixture: name }),
        });
        assert.equal(res.status, 404, name);
      }
      assert.equal((await fetch(`${sim.url}/citizen/messages`, { method: 'POST' })).status, 400);
    });

    it('shows the AppRec the clinic answered, written as an AppRec document the KITH layer reads', async () => {
      const sent = sim.citizen.sendFixture('prescription-renewal/request');
      const pending = await json<{ read: boolean; appRec: null }>(await fetch(`${sim.url}/citizen/messages/${sent.id}`));
      assert.deepEqual([pending.body.read, pending.body.appRec], [false, null]);

      const msh = mshClientFor(sim);
      const waited = fetch(`${sim.url}/citizen/messages/${sent.id}?waitMs=5000`);
      // the message's status names the clinic's AppRec once it is there (what a job repeated after a crash asks)
      assert.deepEqual(
        (await msh.getStatus(sent.id)).map((s) => [s.receiverHerId, s.appRecStatus]),
        [[CLINIC_HER, null]],
      );
      await msh.sendAppRec(sent.id, CLINIC_HER, { status: 'OK', errors: [] });
      assert.deepEqual(
        (await msh.getStatus(sent.id)).map((s) => [s.receiverHerId, s.appRecStatus]),
        [[CLINIC_HER, 'OK']],
      );
      await msh.markRead(sent.id, CLINIC_HER);
      const done = await json<{ appRec: { status: string; statusCode: string; xml: string; nhnMessageId: string } }>(await waited);
      assert.equal(done.body.appRec.status, 'OK');
      assert.equal(done.body.appRec.statusCode, '1');
      const appRec = parseMessage(done.body.appRec.xml);
      assert.equal(appRec.document, 'AppRec');
      assert.equal(appRec.document === 'AppRec' && appRec.originalMsgId?.id, sent.businessDocumentId);
      assert.deepEqual(appRec.document === 'AppRec' && appRec.senderHerIds, [String(CLINIC_HER)]);
      const list = await json<unknown[]>(await fetch(`${sim.url}/citizen/apprecs`));
      assert.equal(list.body.length, 1);
      assert.deepEqual(await msh.listUnread(CLINIC_HER), [], 'the AppRec is not in the clinic inbox');
    });

    it('judges the clinic answers: Ok for a valid one, Rejected with T02 for an invalid one, each AppRec also in the clinic inbox', async () => {
      const msh = mshClientFor(sim);
      const ok = await msh.send({ msgId: 'a', document: Buffer.from(fixture('e-consultation/answer.xml')), receiverHerId: HELSENORGE_HER });
      const bad = await msh.send({ msgId: 'b', document: Buffer.from(fixture('e-consultation/t02-unknown-element.xml')), receiverHerId: HELSENORGE_HER });
      assert.equal((await msh.getAppRecInfo(ok.nhnMessageId))[0]!.appRecStatus, 'OK');
      const rejected = (await msh.getAppRecInfo(bad.nhnMessageId))[0]!;
      assert.equal(rejected.appRecStatus, 'Avvist');
      assert.equal(rejected.appRecErrorList?.[0]?.errorCode, 'T02');

      const answers = await json<{ valid: boolean; service: string; action: string; refToParent: string | null }[]>(await fetch(`${sim.url}/citizen/answers`));
      assert.deepEqual(
        answers.body.map((a) => [a.valid, a.service]),
        [
          [true, 'e-consultation'],
          [false, 'e-consultation'],
        ],
      );
      assert.ok(answers.body[0]!.refToParent, 'the answer names the request it answers');
      // a reader that keeps what it has asks for the rest only
      const rest = await json<{ valid: boolean }[]>(await fetch(`${sim.url}/citizen/answers?since=1`));
      assert.deepEqual(
        rest.body.map((a) => a.valid),
        [false],
      );
      assert.deepEqual((await json<unknown[]>(await fetch(`${sim.url}/citizen/answers?since=2`))).body, []);
      assert.equal((await fetch(`${sim.url}/citizen/answers?since=-1`)).status, 400);

      const inbox = await msh.listUnread(CLINIC_HER);
      assert.equal(inbox.length, 2);
      for (const m of inbox) {
        const meta = await msh.getMessage(m.id);
        assert.equal(meta.isAppRec, true);
        assert.equal(parseMessage(await msh.getBusinessDocument(m.id)).document, 'AppRec');
      }
    });
  });

  describe('message service guards', () => {
    it("refuses an authenticated call without api-version 2, with NHN's error body", async () => {
      const auth = helseIdFor(sim);
      const token = await auth.accessToken();
      const url = `${sim.url}/Messages?receiverHerIds=${CLINIC_HER}`;
      const headers = { 'nhn-source-system': 'test', authorization: `DPoP ${token}`, dpop: auth.dpop.proof({ method: 'GET', url, accessToken: token }) };
      const noVersion = await json<{ error: string; errorCode: number; requestId: string }>(await fetch(url, { headers }));
      assert.equal(noVersion.status, 400);
      assert.match(noVersion.body.error, /api-version/);
      assert.equal(noVersion.body.errorCode, 400);
      assert.match(noVersion.body.requestId, /^[0-9a-f-]{36}$/);
    });

    it('keeps a message from a client not linked to its HER-ids', async () => {
      const sent = sim.citizen.sendFixture('office-contact/request');
      sim.helseId.register({ clientId: 'another-clinic', certificate: sim.helseId.clients.get('epj-gateway-test')!.certificate, herIds: [999999] });
      const other = mshClientFor(sim, {}, helseIdFor(sim, { clientId: 'another-clinic' }));
      await assert.rejects(other.getBusinessDocument(sent.id), (e: { code?: string }) => e.code === 'MSH_FORBIDDEN');
    });
  });

  describe('faults and reset over HTTP', () => {
    it('adds, lists and clears fault rules, and refuses a malformed one', async () => {
      const add = await json<unknown[]>(
        await fetch(`${sim.url}/simulator/faults`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify([
            { kind: 'error', status: 503, count: 2, path: '/Messages' },
            { kind: 'slow', delayMs: 10 },
          ]),
        }),
      );
      assert.equal(add.status, 201);
      assert.equal(add.body.length, 2);
      const wrong = await fetch(`${sim.url}/simulator/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ kind: 'slow' }),
      });
      assert.equal(wrong.status, 400);
      assert.equal((await fetch(`${sim.url}/simulator/faults`, { method: 'DELETE' })).status, 204);
      assert.deepEqual((await json(await fetch(`${sim.url}/simulator/faults`))).body, []);
    });

    it('counts a rule down, then serves normally; never touches the citizen routes', async () => {
      sim.faults.add({ kind: 'error', status: 500, count: 2 });
      const headers = { 'api-version': '2', 'nhn-source-system': 'test' };
      assert.equal((await fetch(`${sim.url}/citizen/apprecs`)).status, 200);
      assert.equal((await fetch(`${sim.url}/Messages?receiverHerIds=1`, { headers })).status, 500);
      assert.equal((await fetch(`${sim.url}/Messages?receiverHerIds=1`, { headers })).status, 500);
      assert.equal((await fetch(`${sim.url}/Messages?receiverHerIds=1`, { headers })).status, 401, 'the fault is spent: the real check answers');
    });

    it('drops the connection, and hangs until cleared', async () => {
      sim.faults.add({ kind: 'drop' });
      await assert.rejects(fetch(`${sim.url}/Messages`));
      sim.faults.add({ kind: 'timeout' });
      const hanging = fetch(`${sim.url}/Messages`).then(
        () => 'answered',
        () => 'dropped',
      );
      const first = await Promise.race([hanging, new Promise((r) => setTimeout(() => r('still hanging'), 300))]);
      assert.equal(first, 'still hanging');
      sim.faults.clear();
      assert.equal(await hanging, 'dropped');
    });

    it('reset empties the mailbox and the citizen records', async () => {
      sim.citizen.sendFixture('office-contact/request');
      assert.equal((await fetch(`${sim.url}/simulator/reset`, { method: 'POST' })).status, 204);
      assert.deepEqual(sim.mailbox.unreadFor(CLINIC_HER), []);
      assert.deepEqual(sim.citizen.appRecs(), []);
      const info = await json<{ url: string; clinicHerId: number }>(await fetch(`${sim.url}/simulator`));
      assert.deepEqual([info.body.url, info.body.clinicHerId], [sim.url, CLINIC_HER]);
    });
  });
});
