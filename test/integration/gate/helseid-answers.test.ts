import assert from 'node:assert/strict';
import type { Simulator } from '../../../demo/simulator/server.js';
import { tellHelseIdAnswers } from '../../../src/gate/helseid-answers.js';
import { redisKeys } from '../../../src/redis-keys.js';
import { eventually } from '../../helpers/eventually.js';
import { captureLogger } from '../../helpers/logger.js';
import { helseIdFor, rejection, sampleCredentials, startTestSimulator } from '../../helpers/nhn-setup.js';
import { RIG_CLINIC as clinic, RIG_CONTACTS as contacts, startNotifyRig, type NotifyRig } from '../../helpers/notify-rig.js';

/** HelseID (the simulator's token endpoint) refusing the client is told to the IT provider once per change, and its accepting it again. */
describe('HelseID refusing the client, told to the IT operations provider', function () {
  this.timeout(60_000);
  let sim: Simulator;
  let rig: NotifyRig;
  const prefix = 'test:helseid:8142987';
  const { logger } = captureLogger();

  before(async () => {
    sim = await startTestSimulator();
    rig = await startNotifyRig(prefix);
  });
  after(async () => {
    await rig?.stop();
    await sim?.close();
  });

  /** one gateway process's HelseID client with the answers told (a restart, or a second replica, is another) */
  const process = async (overrides: Parameters<typeof helseIdFor>[1] = {}) => {
    const { notifier } = await rig.process();
    const answers = tellHelseIdAnswers({ redis: rig.client, key: redisKeys(prefix).helseIdSeen, notifier, clinic, logger });
    const client = helseIdFor(sim, { onClientRefused: (r) => answers.refused(r), onTokenIssued: () => answers.accepted(), ...overrides });
    return { client, settled: answers.settled };
  };
  const toProvider = () => rig.mailTo(contacts.itProvider);

  it('a first token is no news; a refusal is told once however many processes meet it; another reason is told; a token again is told', async () => {
    const good = await process();
    await good.client.accessToken();
    await good.settled();

    const untrusted = sampleCredentials('clinic-signing-untrusted');
    for (let i = 0; i < 2; i++) {
      const refused = await process(untrusted);
      assert.equal((await rejection(refused.client.accessToken())).code, 'HELSEID_CLIENT_REFUSED');
      await refused.settled();
    }
    await eventually(() => toProvider().length === 1, 15_000, 'the refusal told');
    const mail = toProvider()[0]!;
    assert.equal(mail.subject, 'HelseID avviser klienten til Fjordvik legekontor AS');
    assert.match(mail.text, /feilkode invalid_client/);
    assert.match(mail.text, /virksomhetssertifikatet \(signering\) .* er registrert på klienten \(HELSEID_CLIENT_ID\)/);
    assert.equal(rig.mailTo(contacts.office).length, 0, "the client is the IT provider's to set right");

    const scope = await process({ scope: 'nhn:other/api' });
    assert.equal((await rejection(scope.client.accessToken())).code, 'HELSEID_TOKEN_REFUSED');
    await scope.settled();
    await eventually(() => toProvider().length === 2, 15_000, 'another reason told');
    assert.match(toProvider()[1]!.text, /feilkode invalid_scope/);
    assert.match(toProvider()[1]!.text, /HELSEID_SCOPE/);

    const fixed = await process();
    await fixed.client.accessToken();
    await fixed.settled();
    await eventually(() => toProvider().length === 3, 15_000, 'accepted again told');
    assert.equal(toProvider()[2]!.subject, 'HelseID godtar klienten til Fjordvik legekontor AS igjen');
    assert.match(toProvider()[2]!.text, /avvist før med feilkode invalid_scope/);

    const more = await process();
    await more.client.accessToken();
    await more.settled();
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(toProvider().length, 3, 'a token more is no news');
  });
});
