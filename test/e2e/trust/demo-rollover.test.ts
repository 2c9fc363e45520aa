import assert from 'node:assert/strict';
import request from 'supertest';
import { runCli } from '../../helpers/cli.js';
import { useStack } from '../../helpers/stack.js';

/**
 * `epj-gateway demo rollover --json` against the demo gateway: the whole rollover runs against the
 * AR stand-in while citizen messages flow, and prints exactly
 * `{"ok":true,"steps":[…],"gateClosed":false,"messagesLost":0}`; the demo is as it was afterwards.
 */
describe('e2e: epj-gateway demo rollover', function () {
  this.timeout(120_000);
  const ctx = useStack();

  it('rolls the encryption certificate over with messages flowing; the gate never closes, nothing is lost; put back afterwards', async () => {
    const { stack } = ctx;
    const before = stack.standIn.entry('8142987')?.certificates;
    const res = await runCli(['demo', 'rollover', '--clinic', '8142987', '--json', '--url', stack.url, '--token', stack.opsAuth.authorization.slice(7)]);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    const out = JSON.parse(res.stdout) as {
      ok: boolean;
      steps: { step: string; gate: string; nextStep: string | null }[];
      gateClosed: boolean;
      messagesLost: number;
    };
    assert.deepEqual(Object.keys(out), ['ok', 'steps', 'gateClosed', 'messagesLost']);
    assert.equal(out.ok, true, res.stdout);
    assert.equal(out.gateClosed, false);
    assert.equal(out.messagesLost, 0);
    assert.deepEqual(
      out.steps.map((s) => [s.step, s.nextStep]),
      [
        ['install-next', 'publish-next'],
        ['publish-next', 'switch'],
        ['switch', 'retire-current'],
        ['retire-current', null],
      ],
    );
    assert.ok(out.steps.every((s) => s.gate !== 'closed'));

    assert.deepEqual(stack.standIn.entry('8142987')?.certificates, before, 'the stand-in publishes the original certificates again');
    const gate = await request(stack.url).get('/ops/gate').set(stack.opsAuth).expect(200);
    assert.equal(gate.body.gateway.state, 'open', JSON.stringify(gate.body.gateway.reasons));
    const state = await request(stack.url).get('/ops/certificates/rollover').set(stack.opsAuth).expect(200);
    assert.equal(state.body.phase, 'none');
  });
});
