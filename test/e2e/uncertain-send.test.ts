import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { FIXTURES_DIR } from '../../demo/simulator/citizen.js';
import { contentHash, submitOutbound } from '../../src/pipeline/outbound.js';
import { eventually } from '../helpers/eventually.js';
import { useStack } from '../helpers/stack.js';

/**
 * A clinic's answer whose first attempt died between NHN's answer to the POST and the record of it
 * (found by the short chaos run: one answer reached the citizen twice). NHN cannot be asked by our
 * MsgId; Helsenorge's AppRec to the answer, which names it, tells whether NHN had it. The whole
 * gateway as the demo composes it (CMS on), the simulator over HTTP, a real Redis.
 */

const HELSENORGE = 8093244;
const WAIT_S = 6;
const ANSWER = readFileSync(path.join(FIXTURES_DIR, 'office-contact/answer.xml'), 'utf8');
const answerXml = (msgId: string) => ANSWER.replace(/<MsgId>[^<]+<\/MsgId>/, `<MsgId>${msgId}</MsgId>`);

describe('e2e: an answer whose earlier send may have reached NHN is sent exactly once', function () {
  this.timeout(120_000);
  const ctx = useStack({ OUTBOUND_UNCERTAIN_WAIT_S: String(WAIT_S) });

  const parts = () => ctx.stack.composed.clinics[0]!;
  const record = async (msgId: string) => parts().store.get(msgId);
  const atCitizen = (msgId: string) => ctx.stack.simulator.citizen.answers().filter((a) => a.msgId === msgId).length;
  const reached = async (msgId: string, state: string, ms = 30_000) =>
    eventually(
      async () => (await record(msgId))?.state === state,
      ms,
      async () => `${msgId} to reach ${state}; it is ${(await record(msgId))?.state}`,
    );

  /**
   * What a replica SIGKILLed in the middle of a send leaves: the record with the send begun (and no
   * NHN id); with `reachedNhn`, the answer at NHN too. Then the job, as the stalled job's recovery
   * hands it to a worker.
   */
  async function diedWhileSending(reachedNhn: boolean): Promise<string> {
    const msgId = randomUUID();
    const xml = answerXml(msgId);
    const { store, outbound, transport, trust } = parts();
    await store.create({ msgId, direction: 'outbound', service: 'office-contact', state: 'queued', contentHash: contentHash(xml), origin: 'epj:test' });
    await store.update(msgId, { sendingSince: new Date().toISOString() });
    if (reachedNhn) {
      const document = await trust.protection.protect(Buffer.from(xml, 'utf8'), HELSENORGE);
      await transport.send({ msgId, document, receiverHerId: HELSENORGE });
      assert.equal(atCitizen(msgId), 1);
    }
    const { created } = await submitOutbound(outbound, { msgId, service: 'office-contact', xml, receiverHerId: HELSENORGE, origin: 'epj:test' });
    assert.equal(created, false, 'the job of the record there already');
    return msgId;
  }

  it('the normal path: sent once, the record keeps NHN id, and no AppRec is fetched', async () => {
    const inReplyTo = randomUUID();
    const xml = readFileSync(path.join(FIXTURES_DIR, 'office-contact/request.xml'), 'utf8').replace(/<MsgId>[^<]+<\/MsgId>/, `<MsgId>${inReplyTo}</MsgId>`);
    assert.equal((await ctx.stack.simulator.citizen.waitForAppRec(ctx.stack.simulator.citizen.send(xml).id, 15_000))?.status, 'OK');
    const seenBefore = ctx.stack.simulator.requests.length;
    const res = await request(ctx.stack.url).post('/v1/messages').set(ctx.stack.epjAuth).send({ service: 'office-contact', inReplyTo, text: 'Svar.' });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const { msgId } = res.body as { msgId: string };
    await reached(msgId, 'apprec-ok');
    const rec = (await record(msgId))!;
    assert.ok(rec.nhnMessageId);
    assert.equal(rec.sendingSince, undefined, 'a recorded send leaves no send under way');
    assert.equal(atCitizen(msgId), 1);
    // Helsenorge's AppRec came into the clinic's inbox, was noted and marked read, never fetched
    await eventually(() => ctx.stack.simulator.mailbox.unreadFor(8142987).length === 0, 15_000, 'the AppRec marked read');
    const calls = ctx.stack.simulator.requests.slice(seenBefore);
    assert.equal(calls.filter((c) => c.method === 'POST' && c.path === '/Messages').length, 1, 'one POST /Messages');
    const fetchedAppRecs = calls.filter((c) => {
      const id = /^\/Messages\/([^/]+)\/business-document$/.exec(c.path)?.[1];
      return id !== undefined && ctx.stack.simulator.mailbox.get(id)?.isAppRec;
    });
    assert.deepEqual(fetchedAppRecs, [], 'no AppRec document fetched');
  });

  it('its first attempt reached NHN and died before noting it: not sent again; apprec-ok from Helsenorge’s AppRec', async () => {
    const msgId = await diedWhileSending(true);
    await reached(msgId, 'apprec-ok');
    const rec = (await record(msgId))!;
    assert.equal(rec.nhnMessageId, undefined, "NHN's id of it is not known");
    assert.equal(rec.appRec?.status, 'OK');
    assert.equal(atCitizen(msgId), 1, 'the citizen got it once');
    const history = await parts().store.history(msgId);
    assert.ok(
      history.some((h) => h.event === 'send' && h.outcome === 'ok' && /NHN's id of the message is not known/.test(h.reason ?? '')),
      JSON.stringify(history),
    );
    assert.ok(!history.some((h) => /sending again/.test(h.reason ?? '')), JSON.stringify(history));
  });

  it("NHN took it and the answer to the POST was cut off: not posted again; apprec-ok from Helsenorge's AppRec", async () => {
    const msgId = randomUUID();
    const posts = () => ctx.stack.simulator.requests.filter((r) => r.method === 'POST' && r.path === '/Messages').length;
    const before = posts();
    ctx.stack.simulator.faults.add({ kind: 'cut', path: '/Messages', method: 'POST' });
    await submitOutbound(parts().outbound, { msgId, service: 'office-contact', xml: answerXml(msgId), receiverHerId: HELSENORGE, origin: 'epj:test' });
    await reached(msgId, 'apprec-ok');
    assert.equal(ctx.stack.simulator.faults.applied.cut, 1);
    // the cut POST is not among the requests answered; a second one would be
    assert.equal(posts(), before, 'not posted again');
    assert.equal(atCitizen(msgId), 1, 'the citizen got it once');
    const history = await parts().store.history(msgId);
    assert.ok(
      history.some((h) => h.event === 'send' && h.outcome === 'retry' && /NHN may have taken it/.test(h.reason ?? '')),
      JSON.stringify(history),
    );
    assert.ok(
      history.some((h) => h.event === 'send' && h.outcome === 'ok' && /NHN's id of the message is not known/.test(h.reason ?? '')),
      JSON.stringify(history),
    );
  });

  it('its first attempt never reached NHN: it waits for an AppRec, then is sent after the wait, once', async () => {
    const started = Date.now();
    const msgId = await diedWhileSending(false);
    await reached(msgId, 'waiting', 15_000);
    assert.match((await record(msgId))!.waitingReason ?? '', /waiting for the receiver's AppRec/);
    await reached(msgId, 'apprec-ok', 60_000);
    assert.ok(Date.now() - started >= WAIT_S * 1_000, 'not sent before the wait');
    assert.equal(atCitizen(msgId), 1);
    const rec = (await record(msgId))!;
    assert.ok(rec.nhnMessageId, 'sent by this gateway: NHN id known');
    const history = await parts().store.history(msgId);
    assert.ok(
      history.some((h) => h.event === 'send' && /no AppRec from the receiver within 6 s .*sending again/.test(h.reason ?? '')),
      JSON.stringify(history),
    );
  });
});
