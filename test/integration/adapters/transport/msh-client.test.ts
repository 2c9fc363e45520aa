import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { SOURCE_SYSTEM } from '../../../../adapters/transport/headers.js';
import { NHN_AGENTS } from '../../../../adapters/transport/msh-client.js';
import type { Simulator } from '../../../../demo/simulator/server.js';
import { toTransportFailure } from '../../../../src/pipeline/outbound.js';
import { PRODUCT_VERSION } from '../../../../src/version.js';
import { captureLogger } from '../../../helpers/logger.js';
import { CLINIC_HER, HELSENORGE_HER, mshClientFor, startTestSimulator, rejection } from '../../../helpers/nhn-setup.js';

const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`../../../../fixtures/${name}`, import.meta.url)));

describe('MSH v2 client against the simulator over HTTP', () => {
  let sim: Simulator;
  before(async () => {
    sim = await startTestSimulator();
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  it('receives: lists unread, reads metadata and the document byte for byte, answers with an AppRec, marks read', async () => {
    const msh = mshClientFor(sim);
    const bytes = fixture('office-contact/ok-iso-8859-1.xml');
    const sent = sim.citizen.send(bytes);

    const unread = await msh.listUnread(CLINIC_HER);
    // the list carries the metadata the inbound job routes by, so it need not ask for each message's
    assert.deepEqual(unread, [
      { id: sent.id, receiverHerId: CLINIC_HER, metadata: { isAppRec: false, senderHerId: HELSENORGE_HER, businessDocumentId: sent.businessDocumentId } },
    ]);
    const meta = await msh.getMessage(sent.id);
    assert.equal(meta.senderHerId, HELSENORGE_HER);
    assert.equal(meta.isAppRec, false);
    assert.equal(meta.businessDocumentId, sent.businessDocumentId);
    assert.ok(Buffer.from(await msh.getBusinessDocument(sent.id)).equals(bytes), 'ISO-8859-1 bytes survive base64 both ways');

    await msh.sendAppRec(sent.id, CLINIC_HER, { status: 'Avvist', errors: [{ errorCode: 'E31', details: 'national id check digits' }] });
    await msh.markRead(sent.id, CLINIC_HER);
    assert.deepEqual(await msh.listUnread(CLINIC_HER), []);

    const appRec = sim.citizen.status(sent.id)?.appRec;
    assert.equal(appRec?.status, 'Avvist');
    assert.equal(appRec?.statusCode, '2');
    assert.deepEqual(appRec?.errors, [{ code: 'E31', details: 'national id check digits' }]);
    assert.match(appRec.xml, /<OriginalMsgId>[\s\S]*<Id>5b0f0d3e/);
  });

  it("lists unread a page of NHN's largest size at a time (NHN gives 10 unless asked)", async () => {
    const msh = mshClientFor(sim);
    const bytes = fixture('office-contact/ok-iso-8859-1.xml');
    for (let i = 0; i < 101; i++) sim.citizen.send(bytes);
    assert.equal((await msh.listUnread(CLINIC_HER)).length, 100);
  });

  it('sends: posts the document as base64, then reads status and AppRec info', async () => {
    const msh = mshClientFor(sim);
    const xml = fixture('prescription-renewal/answer.xml').toString('utf8');
    const { nhnMessageId } = await msh.send({ msgId: 'm-1', document: Buffer.from(xml), receiverHerId: HELSENORGE_HER });
    assert.equal(sim.citizen.answers()[0]!.xml, xml);
    assert.deepEqual(await msh.getStatus(nhnMessageId), [{ receiverHerId: HELSENORGE_HER, transportDeliveryState: 'Acknowledged', appRecStatus: 'OK' }]);
    assert.deepEqual(await msh.getAppRecInfo(nhnMessageId), [{ receiverHerId: HELSENORGE_HER, appRecStatus: 'OK', appRecErrorList: [] }]);
  });

  it('carries api-version 2, nhn-source-system with the product version, a DPoP token and a proof on every call', async () => {
    const msh = mshClientFor(sim);
    const sent = sim.citizen.sendFixture('e-consultation/request');
    await msh.listUnread(CLINIC_HER);
    await msh.getMessage(sent.id);
    await msh.getBusinessDocument(sent.id);
    await msh.markRead(sent.id, CLINIC_HER);
    const api = sim.requests.filter((r) => r.path.startsWith('/Messages'));
    assert.equal(api.length, 4);
    assert.equal(SOURCE_SYSTEM, `epj-gateway ${PRODUCT_VERSION}`);
    for (const r of api) assert.deepEqual([r.apiVersion, r.sourceSystem, r.authScheme, r.dpop], ['2', SOURCE_SYSTEM, 'DPoP', true]);
  });

  it("turns NHN's error body into a typed error that keeps the requestId, not retried on 404", async () => {
    const msh = mshClientFor(sim);
    const err = await rejection(msh.getMessage('0c8f3d36-f9e7-4e3f-9d5c-c820fa9b5773'));
    assert.equal(err.code, 'MSH_REQUEST_REFUSED');
    assert.equal(err.httpStatus, 404);
    assert.equal(err.retryable, false);
    assert.match(err.requestId ?? '', /^[0-9a-f-]{36}$/);
    assert.match(err.reason, /^NHN answered 404: Could not find message/);
    assert.equal(sim.requests.filter((r) => r.path.startsWith('/Messages')).length, 1);
    assert.deepEqual(toTransportFailure(err), { retryable: false, reason: err.reason });
  });

  it('keeps validation errors, and answers 403 for a HER-id the client is not linked to', async () => {
    const msh = mshClientFor(sim);
    sim.faults.add({
      kind: 'error',
      status: 400,
      path: '/Messages',
      error: 'The request body contained invalid data',
      validationErrors: ['ContentType is required'],
    });
    const bad = await rejection(msh.listUnread(CLINIC_HER));
    assert.equal(bad.code, 'MSH_REQUEST_REFUSED');
    assert.deepEqual(bad.validationErrors, ['ContentType is required']);
    assert.deepEqual(bad.details?.validationErrors, ['ContentType is required']);
    assert.match(bad.reason, /^NHN answered 400: The request body contained invalid data \(requestId [0-9a-f-]{36}\)$/);
    const forbidden = await rejection(msh.listUnread(1234567));
    assert.equal(forbidden.code, 'MSH_FORBIDDEN');
    assert.equal(forbidden.retryable, false);
  });

  it('tries 500 and 429 again at once, and succeeds when NHN recovers', async () => {
    const msh = mshClientFor(sim);
    sim.faults.add({ kind: 'error', status: 500, count: 2, path: '/Messages' });
    assert.deepEqual(await msh.listUnread(CLINIC_HER), []);
    sim.faults.add({ kind: 'error', status: 429, retryAfterS: 0, path: '/Messages' });
    assert.deepEqual(await msh.listUnread(CLINIC_HER), []);
    assert.equal(sim.faults.applied.error, 3);
  });

  it('gives up after its few retries with a retryable fault naming the status', async () => {
    const msh = mshClientFor(sim, { retries: 2 });
    sim.faults.add({ kind: 'error', status: 503, count: null, path: '/Messages' });
    const err = await rejection(msh.listUnread(CLINIC_HER));
    assert.equal(err.code, 'MSH_SERVER_FAULT');
    assert.equal(err.retryable, true);
    assert.match(err.reason, /^NHN answered 503/);
    assert.ok(err.requestId);
    assert.equal(sim.faults.applied.error, 3, 'one attempt and two retries');
  });

  it("a 429 that outlasts its retries carries NHN's Retry-After, for the poll scheduler to wait that long", async () => {
    const msh = mshClientFor(sim, { retries: 1 });
    sim.faults.add({ kind: 'error', status: 429, retryAfterS: 0, count: 1, path: '/Messages' });
    sim.faults.add({ kind: 'error', status: 429, retryAfterS: 7, count: null, path: '/Messages' });
    const err = (await rejection(msh.listUnread(CLINIC_HER))) as Awaited<ReturnType<typeof rejection>> & { retryAfterMs?: number };
    assert.equal(err.retryable, true);
    assert.equal(err.retryAfterMs, 7_000);
    sim.faults.clear();
  });

  it('does not retry a 400', async () => {
    const msh = mshClientFor(sim);
    sim.faults.add({ kind: 'error', status: 400, count: 5, path: '/Messages' });
    const err = await rejection(msh.send({ msgId: 'm', document: Buffer.from('<x/>'), receiverHerId: HELSENORGE_HER }));
    assert.equal(err.retryable, false);
    assert.equal(sim.faults.applied.error, 1);
  });

  it('times out a hanging call, retries it, and reports a lasting one as unreachable', async () => {
    const msh = mshClientFor(sim, { timeoutMs: 300 });
    sim.faults.add({ kind: 'timeout', path: '/Messages' });
    const started = Date.now();
    assert.deepEqual(await msh.listUnread(CLINIC_HER), []);
    assert.ok(Date.now() - started >= 290);

    sim.faults.add({ kind: 'timeout', count: null, path: '/Messages' });
    const err = await rejection(msh.listUnread(CLINIC_HER));
    assert.equal(err.code, 'MSH_UNREACHABLE');
    assert.equal(err.retryable, true);
    assert.equal(err.reason, 'NHN did not answer within 300 ms');
  });

  it('retries a dropped connection, and reports one that keeps dropping', async () => {
    const msh = mshClientFor(sim);
    sim.faults.add({ kind: 'drop', path: '/Messages' });
    assert.deepEqual(await msh.listUnread(CLINIC_HER), []);
    sim.faults.add({ kind: 'drop', count: null, path: '/Messages' });
    const err = await rejection(msh.listUnread(CLINIC_HER));
    assert.equal(err.code, 'MSH_UNREACHABLE');
    assert.match(err.reason, /^connection to NHN was dropped/);
    assert.equal(toTransportFailure(err).retryable, true);
  });

  it('takes an answer cut off mid-body for no answer: a read is tried again at once, a post NHN may have taken is not', async () => {
    const msh = mshClientFor(sim);
    sim.citizen.sendFixture('e-consultation/request');
    sim.faults.add({ kind: 'cut', path: '/Messages', method: 'GET' });
    assert.equal((await msh.listUnread(CLINIC_HER)).length, 1, 'read again');
    sim.faults.add({ kind: 'cut', count: null, path: '/Messages', method: 'GET' });
    const lasting = await rejection(msh.listUnread(CLINIC_HER));
    assert.deepEqual([lasting.code, lasting.retryable, lasting.maybeDelivered], ['MSH_UNREACHABLE', true, false]);
    assert.match(lasting.reason, /^connection to NHN was dropped/);
    assert.equal(sim.faults.applied.cut, 4, 'one read, then the first try and two retries');
    sim.faults.clear();

    const before = sim.requests.filter((r) => r.method === 'POST').length;
    sim.faults.add({ kind: 'cut', path: '/Messages', method: 'POST' });
    const err = await rejection(msh.send({ msgId: 'm-cut', document: Buffer.from('<x/>'), receiverHerId: HELSENORGE_HER }));
    assert.deepEqual([err.code, err.retryable, err.maybeDelivered], ['MSH_UNREACHABLE', true, true]);
    assert.match(err.reason, /after the request went out: NHN may have taken it$/);
    // the cut request is not among those answered; a second post would be
    assert.equal(sim.faults.applied.cut, 1);
    assert.equal(sim.requests.filter((r) => r.method === 'POST').length, before, 'not posted again at once');
    assert.equal(toTransportFailure(err).maybeDelivered, true);
  });

  it('waits out a slow answer within the timeout', async () => {
    const msh = mshClientFor(sim, { timeoutMs: 1_000 });
    sim.faults.add({ kind: 'slow', delayMs: 150, path: '/Messages' });
    const started = Date.now();
    await msh.listUnread(CLINIC_HER);
    assert.ok(Date.now() - started >= 150);
    assert.equal(sim.faults.applied.slow, 1);
  });

  it('logs a failed call by operation, code, status and requestId, never the document', async () => {
    const { logger, text } = captureLogger();
    const msh = mshClientFor(sim, { logger, retries: 0 });
    sim.faults.add({ kind: 'error', status: 400, path: '/Messages', method: 'POST' });
    const xml = fixture('office-contact/request.xml').toString('utf8');
    await rejection(msh.send({ msgId: 'm-log', document: Buffer.from(xml), receiverHerId: HELSENORGE_HER }));
    const line = JSON.parse(text().trim().split('\n').pop()!) as Record<string, unknown>;
    assert.deepEqual([line.operation, line.code, line.status], ['send', 'MSH_REQUEST_REFUSED', 400]);
    assert.ok(line.requestId);
    assert.doesNotMatch(text(), /02919010099|Foresporsel|MsgHead|PD94bWw/);
  });

  it('carries a 30 MB document in and refuses to send one over 35 MB', async () => {
    const msh = mshClientFor(sim, { timeoutMs: 20_000 });
    const big = Buffer.alloc(30 * 1024 * 1024, 'A');
    const sent = sim.citizen.send(big);
    assert.ok((await msh.getBusinessDocument(sent.id)).equals(big));
    const before = sim.requests.length;
    const err = await rejection(msh.send({ msgId: 'big', document: Buffer.from('A'.repeat(36 * 1024 * 1024)), receiverHerId: HELSENORGE_HER }));
    assert.equal(err.code, 'MSH_DOCUMENT_TOO_LARGE');
    assert.equal(err.retryable, false);
    assert.equal(sim.requests.length, before, 'nothing was posted');
  });
  it('goes through the proxy the environment names (HTTP_PROXY), and straight to NHN when none is named', async () => {
    const through: string[] = [];
    const proxy = http.createServer((req, res) => {
      if (req.url?.includes('/Messages')) through.push(`${req.method} ${req.url}`);
      // a forward proxy: the request line carries the whole URL
      const onward = http.request(req.url!, { method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode!, answer.headers);
        answer.pipe(res);
      });
      req.pipe(onward);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const saved = Object.fromEntries(Object.entries(process.env).filter(([name]) => /proxy$/i.test(name)));
    const clearProxyVariables = () =>
      Object.keys(saved)
        .concat(['HTTP_PROXY'])
        .forEach((name) => delete process.env[name]);
    try {
      clearProxyVariables();
      process.env.HTTP_PROXY = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
      sim.citizen.sendFixture('e-consultation/request');
      assert.equal((await mshClientFor(sim).listUnread(CLINIC_HER)).length, 1);
      assert.deepEqual(through, [`GET ${sim.url}/Messages?receiverHerIds=${CLINIC_HER}&includeMetadata=true&messagesToFetch=100`]);

      clearProxyVariables();
      assert.equal((await mshClientFor(sim).listUnread(CLINIC_HER)).length, 1);
      assert.equal(through.length, 1, 'a client made with no proxy named goes straight');
    } finally {
      clearProxyVariables();
      Object.assign(process.env, saved);
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  it("sets a kept-alive connection's TCP keep-alive once, not again on every request over it", async () => {
    const msh = mshClientFor(sim);
    await msh.listUnread(CLINIC_HER);
    // the pool it went back to: the client's own agent (Node's global one, should it use that)
    const sockets = [NHN_AGENTS.http, http.globalAgent].flatMap((agent) => Object.values(agent.freeSockets).flat()) as (Socket & {
      _handle: { setKeepAlive: (...a: unknown[]) => unknown };
    })[];
    assert.ok(sockets.length > 0, 'the connection went back to the pool');
    let set = 0;
    for (const socket of sockets) {
      const native = socket._handle.setKeepAlive.bind(socket._handle);
      socket._handle.setKeepAlive = (...a: unknown[]) => (set++, native(...a));
    }
    for (let i = 0; i < 20; i++) await msh.listUnread(CLINIC_HER);
    assert.equal(set, 0, 'the socket options were set again');
    // otherwise as Node's own agents: an idle connection closed after the same time, the last used taken first
    for (const agent of [NHN_AGENTS.http, NHN_AGENTS.https] as (http.Agent & { options: http.AgentOptions })[])
      assert.deepEqual(
        [agent.options.timeout, agent.options.scheduling],
        [(http.globalAgent as typeof agent).options.timeout, (http.globalAgent as typeof agent).options.scheduling],
      );
  });
});
