import assert from 'node:assert/strict';
import path from 'node:path';
import request from 'supertest';
import type { RolloverState } from '../../../src/gate/certificate-rollover.js';
import type { Notification } from '../../../src/gate/notifier.js';
import { render } from '../../../src/notify/templates.js';
import { PROJECT_DIR, runCli } from '../../helpers/cli.js';
import { eventually } from '../../helpers/eventually.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';
import { startStack, type TestStack } from '../../helpers/stack.js';

/**
 * A rollover of the clinic's encryption certificate on the whole gateway as the demo composes it,
 * with citizen messages flowing throughout: the next pair is installed (CLINIC_NEXT_ENCRYPTION_*),
 * the AR stand-in goes from the current to the next certificate, `epj-gateway cert rollover`
 * shows the state and switches; the gate is never closed, every citizen message is answered OK
 * (Helsenorge's side still encrypts to the old certificate), and a certificate in the register
 * that is neither closes it.
 */

const SAMPLE = path.join(PROJECT_DIR, 'certs-sample');
const HER_ID = '8142987';

describe('e2e: a certificate rollover with messages in flight; the gate never closes', function () {
  this.timeout(120_000);
  let server: TestRedis;
  let stack: TestStack;
  const states: string[] = [];

  before(async () => {
    server = await startTestRedis();
    stack = await startStack(server.url, {
      AR_CACHE_TTL_S: '1',
      CLINIC_NEXT_ENCRYPTION_CERT: path.join(SAMPLE, 'clinic-encryption-next.cert.pem'),
      CLINIC_NEXT_ENCRYPTION_KEY: path.join(SAMPLE, 'clinic-encryption-next.key.pem'),
    });
  });
  after(async () => {
    await stack?.stop();
    await server?.stop();
  });

  const ops = (method: 'get' | 'post', p: string) => request(stack.url)[method](p).set(stack.opsAuth);
  const cli = (...args: string[]) =>
    runCli(['cert', 'rollover', '--clinic', HER_ID, '--url', stack.url, '--token', stack.opsAuth.authorization.slice(7), ...args]);
  const recheckUntil = (done: (body: { gateway: { state: string; reasons: { code: string }[] } }) => boolean, what: string) =>
    eventually(
      async () => {
        const res = await ops('post', '/ops/gate/recheck').expect(200);
        states.push(res.body.gateway.state);
        return done(res.body) && res.body;
      },
      15_000,
      what,
      100,
    );
  const codes = (body: { gateway: { reasons: { code: string }[] } }) => body.gateway.reasons.map((r) => r.code);
  const citizenMessageAnsweredOk = async () => {
    const sent = stack.simulator.citizen.sendFixture('office-contact/request.xml');
    assert.equal((await stack.simulator.citizen.waitForAppRec(sent.id, 20_000))?.status, 'OK');
  };

  it('installed: a warning naming the upload, not a closing; messages flow; the command shows the state', async () => {
    await recheckUntil((b) => codes(b).includes('ar-encryption-certificate-rollover-publish-next'), 'the rollover warning');
    assert.equal((await ops('get', '/ops/gate').expect(200)).body.gateway.state, 'warning');
    await citizenMessageAnsweredOk();

    const shown = await cli('--json');
    assert.equal(shown.code, 0, shown.stderr);
    const state = JSON.parse(shown.stdout) as RolloverState;
    assert.equal(state.clinic, HER_ID);
    assert.equal(state.phase, 'installed');
    assert.deepEqual(state.addressRegister, { signing: 'current', encryption: 'current' });
    assert.equal(state.installed.signing.next, null);
    assert.ok(state.installed.encryption.next?.serial);
    assert.equal(state.nextStep, 'publish-next');

    // the status page shows the next certificate beside the current ones
    const status = (await ops('get', '/ops/status').expect(200)).body as { certificates: { value: { role: string; status: string }[] } };
    assert.deepEqual(
      status.certificates.value.map((c) => `${c.role}: ${c.status}`),
      ['signing: valid', 'encryption: valid', 'encryption (next): valid'],
    );

    const human = await cli();
    assert.match(human.stdout, /step left: upload the next certificates to the address register/);
  });

  it('the switch before the register publishes the next certificate is refused, with its code', async () => {
    const refused = await cli('--switch', '--json');
    assert.equal(refused.code, 1);
    assert.equal(JSON.parse(refused.stdout).error.code, 'ROLLOVER_NOT_PUBLISHED');
  });

  it('the register publishes the next certificate: the step left is the switch; switched by the command, audited; messages to the old certificate still open', async () => {
    stack.standIn.update(HER_ID, { certificates: { encryption: 'certs-sample/clinic-encryption-next.cert.pem' } });
    await recheckUntil((b) => codes(b).includes('ar-encryption-certificate-rollover-switch'), 'the switch step');
    await citizenMessageAnsweredOk();
    // the office and its IT provider were told the step left, in Norwegian
    const told = await eventually(
      async () => {
        const gate = (await ops('get', '/ops/gate').expect(200)).body as { notifications: Notification[] };
        return gate.notifications.find((n) => JSON.stringify(n.details?.reasons ?? []).includes('ar-encryption-certificate-rollover-switch'));
      },
      10_000,
      'a notification of the switch step',
    );
    assert.match(render(told).text, /Neste steg: bytt til de nye sertifikatene/);

    const switched = await cli('--switch', '--json');
    assert.equal(switched.code, 0, switched.stdout + switched.stderr);
    const state = JSON.parse(switched.stdout) as RolloverState;
    assert.equal(state.phase, 'switched');
    assert.equal(state.addressRegister.encryption, 'next');
    assert.equal(state.nextStep, 'retire-current');
    const gate = (await ops('get', '/ops/gate').expect(200)).body;
    states.push(gate.gateway.state);
    assert.ok(codes(gate).includes('ar-encryption-certificate-rollover-retire'), codes(gate).join());
    const audit = await ops('get', '/ops/audit')
      .buffer(true)
      .parse((res, done) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => done(null, text));
      });
    assert.match(String(audit.body), /"action":"certificate\.rollover\.switch"/);

    await citizenMessageAnsweredOk(); // the simulator still encrypts to the old certificate
    const answer = await request(stack.url)
      .post('/v1/messages')
      .set(stack.epjAuth)
      .send({ service: 'office-contact', inReplyTo: '5b0f0d3e-1c2a-4b7e-9a51-0c8f1e2d3a02', text: 'Svar under sertifikatbytte.' });
    assert.equal(answer.status, 202, JSON.stringify(answer.body));
  });

  it('through the rollover the gate was never closed', () => {
    assert.ok(states.length > 0);
    assert.ok(!states.includes('closed'), states.join(' → '));
  });

  it('the register publishing a certificate that is neither the current nor the next closes the gate', async () => {
    stack.standIn.update(HER_ID, { certificates: { encryption: 'certs-sample/clinic2-encryption.cert.pem' } });
    const closed = await recheckUntil((b) => b.gateway.state === 'closed', 'the gate closed');
    assert.ok(codes(closed).includes('ar-encryption-certificate-mismatch'), codes(closed).join());
    stack.standIn.update(HER_ID, { certificates: { encryption: 'certs-sample/clinic-encryption-next.cert.pem' } });
    await recheckUntil((b) => b.gateway.state !== 'closed', 'the gate open again');
  });

  it('without a clinics file the next pair is installed by the settings: the API says so with its code', async () => {
    const res = await ops('post', '/ops/certificates/rollover/next').send({ encryption: { cert: 'x.cert.pem', key: 'x.key.pem' } });
    assert.equal(res.status, 409);
    assert.equal(res.body.code ?? res.body.error?.code, 'CLINICS_READ_ONLY');
  });
});
