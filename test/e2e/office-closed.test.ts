import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { autoAnswerMsgId } from '../../src/pipeline/closed-answer.js';
import { eventually } from '../helpers/eventually.js';
import { useStack } from '../helpers/stack.js';

/**
 * The office closes a service itself (holiday, the GP away) with an auto-answer: citizens' requests
 * are still taken (AppRec OK), reach the EPJ marked as arrived while closed, and are answered at once
 * with the office's text — valid by the rules (and the official schemas in CI) at the citizen.
 */

const REQUEST_MSGID = '5b0f0d3e-1c2a-4b7e-9a51-0c8f1e2d3a03'; // fixtures/e-consultation/request.xml
const AUTO_ANSWER = 'Kontoret er stengt til mandag 7. desember. Ved akutt sykdom ring legevakten på 116 117, ved livstruende tilstand 113.';

describe('e2e: a service the office closed answers citizens with its auto-answer', function () {
  this.timeout(120_000);
  const ctx = useStack();
  const ops = (method: 'get' | 'post', p: string) => request(ctx.stack.url)[method](p).set(ctx.stack.opsAuth);

  it('closed with an auto-answer: AppRec OK, in the EPJ marked "arrived while closed", answered at once, once', async () => {
    const closed = await ops('post', '/ops/gate/e-consultation/close')
      .send({ reason: 'Legen har ferie', autoAnswer: AUTO_ANSWER, expectedOpen: '2026-12-07' })
      .expect(200);
    assert.equal(closed.body.services['e-consultation'].state, 'closed');
    assert.equal(closed.body.services['office-contact'].state, 'open', 'the other services are not touched');

    const before = ctx.stack.simulator.citizen.answers().length;
    const sent = ctx.stack.simulator.citizen.sendFixture('e-consultation/request.xml');
    assert.equal((await ctx.stack.simulator.citizen.waitForAppRec(sent.id, 20_000))?.status, 'OK');
    const answers = await ctx.stack.simulator.citizen.waitForAnswers(before + 1, 20_000);
    const answer = answers.find((a) => a.refToParent === REQUEST_MSGID);
    assert.ok(answer, 'the citizen got the auto-answer');
    assert.ok(answer.valid, JSON.stringify(answer.errors));
    assert.equal(answer.action, 'Svar');
    assert.equal(answer.msgId, autoAnswerMsgId(REQUEST_MSGID));
    assert.ok(answer.xml.includes('Kontoret er stengt til mandag 7. desember'), 'the office’s own text');

    // the EPJ has the request, marked
    const sidecar = path.join(ctx.stack.inboxDir!, `${REQUEST_MSGID}.json`);
    await eventually(() => existsSync(sidecar), 15_000, 'the request in the EPJ inbox');
    const meta = JSON.parse(readFileSync(sidecar, 'utf8')) as { arrivedWhileClosed?: { reason: string; expectedOpen?: string; autoAnswerMsgId?: string } };
    assert.deepEqual(meta.arrivedWhileClosed, { reason: 'Legen har ferie', expectedOpen: '2026-12-07', autoAnswerMsgId: autoAnswerMsgId(REQUEST_MSGID) });

    // the same request again (a redelivery): no second answer
    const again = ctx.stack.simulator.citizen.sendFixture('e-consultation/request.xml');
    assert.equal((await ctx.stack.simulator.citizen.waitForAppRec(again.id, 20_000))?.status, 'OK');
    await new Promise((r) => setTimeout(r, 1_500));
    assert.equal(ctx.stack.simulator.citizen.answers().filter((a) => a.refToParent === REQUEST_MSGID).length, 1);
    const counts = await ctx.stack.composed.queues.inbound.getJobCounts('failed', 'delayed');
    assert.deepEqual(counts, { failed: 0, delayed: 0 }, 'the repeat was taken, not left failing');

    // the EPJ's own answers for the closed service wait; the office opens it and they flow
    const epjAnswer = await request(ctx.stack.url)
      .post('/v1/messages')
      .set(ctx.stack.epjAuth)
      .send({ service: 'e-consultation', inReplyTo: REQUEST_MSGID, text: 'Svar fra legen.' });
    assert.equal(epjAnswer.status, 503, 'new work for a closed service is refused, as before');
    await ops('post', '/ops/gate/e-consultation/open').expect(200);
  });

  it('closed without a text: the default answer names the date it opens and where to call', async () => {
    await ops('post', '/ops/gate/office-contact/close').send({ reason: 'Kontoret er stengt', expectedOpen: '2026-12-07' }).expect(200);
    try {
      const before = ctx.stack.simulator.citizen.answers().length;
      const sent = ctx.stack.simulator.citizen.sendFixture('office-contact/request.xml');
      assert.equal((await ctx.stack.simulator.citizen.waitForAppRec(sent.id, 20_000))?.status, 'OK');
      const got = await ctx.stack.simulator.citizen.waitForAnswers(before + 1, 20_000);
      const answer = got.at(-1)!;
      assert.ok(answer.valid, JSON.stringify(answer.errors));
      assert.match(answer.xml, /stengt denne tjenesten på Helsenorge til mandag 7\. desember/);
      assert.match(answer.xml, /116 117/);
    } finally {
      await ops('post', '/ops/gate/office-contact/open').expect(200);
    }
  });

  it('closed because the certificate is invalid: nothing is answered or signed, the request waits', async () => {
    await ops('post', '/ops/gate/prescription-renewal/close').send({ reason: 'Ferie', autoAnswer: AUTO_ANSWER }).expect(200);
    await ops('post', '/ops/demo/expire-certificate').expect(200);
    try {
      const before = ctx.stack.simulator.citizen.answers().length;
      ctx.stack.simulator.citizen.sendFixture('prescription-renewal/request.xml');
      await new Promise((r) => setTimeout(r, 3_000));
      assert.equal(ctx.stack.simulator.citizen.answers().length, before, 'no auto-answer while nothing can be signed');
    } finally {
      await ops('post', '/ops/demo/restore-certificate').expect(200);
      await ops('post', '/ops/gate/prescription-renewal/open').expect(200);
    }
    await eventually(
      async () => {
        const gate = (await ops('get', '/ops/gate')).body as { gateway: { state: string; reasons: { code: string }[] } };
        return gate.gateway.state === 'open';
      },
      10_000,
      'the gate open again',
    );
  });
});
