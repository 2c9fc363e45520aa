import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import express from 'express';
import request from 'supertest';
import { MshClient } from '../../adapters/transport/msh-client.js';
import { isGatewayError } from '../../src/errors.js';
import { errorHandler } from '../../src/http/error-handler.js';
import { CPPA_NS, readCollaboration } from '../../src/registry/cppa.js';
import { RestAddressRegister } from '../../src/registry/rest-client.js';
import { captureLogger } from '../helpers/logger.js';

/**
 * Inputs `npm run fuzz` found that crashed a surface (an exception without a code), kept so they
 * stay fixed. Each names the surface and what the input was; docs/reliability.md tells the story.
 */

type Answer = { status: number; body: string; cut?: boolean };

/** The far side: a real HTTP server answering each request with the answer set last. */
function farSide(): { url: () => string; answer: (a: Answer) => void } {
  let current: Answer = { status: 200, body: '' };
  let server: Server;
  before(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (current.cut) {
          // the status line and headers, then the connection closes halfway through the body
          res.writeHead(current.status, { 'content-type': 'application/json', 'content-length': String(current.body.length * 2) });
          res.write(current.body);
          setImmediate(() => res.socket?.destroy());
          return;
        }
        res.writeHead(current.status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(current.body)) });
        res.end(current.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`, answer: (a) => (current = a) };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    assert.ok(isGatewayError(err), `expected a coded error, got ${String(err)}`);
    return err.code;
  }
  assert.fail('expected a coded error');
}

describe('fuzz regressions', () => {
  describe('msh-client: answers of the NHN message service', () => {
    const nhn = farSide();
    const client = () =>
      new MshClient({
        baseUrl: nhn.url(),
        timeoutMs: 2_000,
        retries: 0,
        auth: { accessToken: async () => 't', invalidate: () => undefined, dpop: { proof: () => 'p' } as never },
      });

    it('a connection closed halfway through the body is unreachable and retryable, not a raw AxiosError', async () => {
      nhn.answer({ status: 200, body: '{"id":"0c8f3d36-f9e7-4e3f-9d5c-c820fa9b5773"', cut: true });
      let thrown: unknown;
      try {
        await client().getMessage('0c8f3d36-f9e7-4e3f-9d5c-c820fa9b5773');
      } catch (err) {
        thrown = err;
      }
      assert.ok(isGatewayError(thrown), `expected a coded error, got ${String(thrown)}`);
      assert.equal(thrown.code, 'MSH_UNREACHABLE');
      assert.equal((thrown as { retryable?: boolean }).retryable, true);
    });

    it('an unread list whose receiverHerId is not a number is an invalid answer (was: passed on to mark-read and routing)', async () => {
      nhn.answer({ status: 200, body: '[{"id":"0c8f3d36-f9e7-4e3f-9d5c-c820fa9b5773","receiverHerId":{}}]' });
      assert.equal(await codeOf(client().listUnread(8142987)), 'MSH_RESPONSE_INVALID');
      nhn.answer({ status: 200, body: '[{"id":"0c8f3d36-f9e7-4e3f-9d5c-c820fa9b5773","receiverHerId":8142987},{"id":"a"}]' });
      assert.equal((await client().listUnread(8142987)).length, 2);
    });

    it('a message whose isAppRec is text (was: "false" taken as true) is an invalid answer', async () => {
      nhn.answer({ status: 200, body: '{"id":"m","isAppRec":"false","senderHerId":8093244}' });
      assert.equal(await codeOf(client().getMessage('m')), 'MSH_RESPONSE_INVALID');
      nhn.answer({ status: 200, body: '{"id":"m","isAppRec":false,"senderHerId":"8093244"}' });
      assert.equal(await codeOf(client().getMessage('m')), 'MSH_RESPONSE_INVALID');
      nhn.answer({ status: 200, body: '{"id":"m","isAppRec":false,"senderHerId":8093244,"unknownProperty":{}}' });
      assert.equal((await client().getMessage('m')).isAppRec, false);
    });

    it('a status list holding null is an invalid answer (was: TypeError reading appRecStatus)', async () => {
      nhn.answer({ status: 200, body: '[{"receiverHerId":8093244,"appRecStatus":"Ok"},null]' });
      assert.equal(await codeOf(client().getStatus('m')), 'MSH_RESPONSE_INVALID');
      nhn.answer({ status: 200, body: '[null]' });
      assert.equal(await codeOf(client().getAppRecInfo('m')), 'MSH_RESPONSE_INVALID');
    });
  });

  describe("ar-rest: the address register's REST answers", () => {
    const ar = farSide();
    const register = () => new RestAddressRegister({ baseUrl: ar.url(), accessToken: async () => 't', timeoutMs: 2_000 });
    const party = { herId: 8142987, name: 'Fjordvik legekontor AS', type: 'Organization', active: true, isValidCommunicationParty: true };

    for (const [what, fields] of [
      ['electronicAddresses not a list (was: flatMap is not a function)', { electronicAddresses: 'E_EDI' }],
      ['a null in electronicAddresses (was: TypeError reading typeCodeValue)', { electronicAddresses: [null] }],
      ['displayName a boolean (was: passed on into the cache)', { displayName: true }],
      ['valid.from an object (was: passed on into the cache)', { valid: { from: {} } }],
      ['people not a list of objects', { people: [1] }],
      ['a service code that is text', { services: [{ herId: 8142993, name: 'x', code: 'DIALOG' }] }],
    ] as const) {
      it(`${what}: AR_RESPONSE_INVALID`, async () => {
        ar.answer({ status: 200, body: JSON.stringify({ ...party, ...fields }) });
        assert.equal(await codeOf(register().getOrganizationDetails('8142987')), 'AR_RESPONSE_INVALID');
      });
    }

    for (const certificate of [{}, true, 1e308, -1]) {
      it(`a certificate of ${JSON.stringify(certificate)} (was: TypeError from Buffer.from): AR_RESPONSE_INVALID`, async () => {
        ar.answer({ status: 200, body: JSON.stringify({ certificate, ldapUrl: null }) });
        assert.equal(await codeOf(register().getCertificateForEncryption('8142987')), 'AR_RESPONSE_INVALID');
      });
    }

    it('still reads a well-formed party', async () => {
      ar.answer({
        status: 200,
        body: JSON.stringify({ ...party, electronicAddresses: [{ typeCodeValue: 'E_EDI', address: 'x@edi' }], people: [], services: null }),
      });
      const org = await register().getOrganizationDetails('8142987');
      assert.equal(org.herId, '8142987');
      assert.deepEqual(org.electronicAddresses, [{ type: 'E_EDI', address: 'x@edi' }]);
    });
  });

  describe('epj-api: requests the body parser or the router refuse (were 500 INTERNAL)', () => {
    // the EPJ router's own parsers and the error handler, as createApp mounts them
    const app = express();
    app.use(express.json({ limit: 1024 * 1024 }));
    app.use(express.text({ type: ['application/xml', 'text/xml'], limit: 1024 * 1024 }));
    app.post('/v1/messages', (_req, res) => void res.status(202).json({}));
    app.get('/v1/messages/:msgId', (req, res) => void res.json({ msgId: req.params.msgId }));
    app.use(errorHandler(captureLogger('error').logger));

    for (const type of ['application/json; charset=latin1', 'application/json; charset=x-bogus', 'application/xml; charset=x-bogus']) {
      it(`Content-Type ${type}: 400 BODY_MALFORMED naming the charset`, async () => {
        const res = await request(app).post('/v1/messages').set('Content-Type', type).send('{"service":"office-contact"}');
        assert.equal(res.status, 400);
        assert.equal(res.body.error.code, 'BODY_MALFORMED');
        assert.match(res.body.error.message, /charset/);
      });
    }

    it('Content-Encoding gzip on a body that is not gzip: 400 BODY_MALFORMED', async () => {
      const res = await request(app).post('/v1/messages').set('Content-Type', 'application/json').set('Content-Encoding', 'gzip').send('{"a":1}');
      assert.equal(res.status, 400);
      assert.equal(res.body.error.code, 'BODY_MALFORMED');
    });

    it('a gzip body cut short: 400 BODY_MALFORMED', async () => {
      const cut = gzipSync(Buffer.from('{"service":"office-contact","text":"x"}')).subarray(0, 20);
      const res = await request(app).post('/v1/messages').set('Content-Type', 'application/json').set('Content-Encoding', 'gzip').send(cut);
      assert.equal(res.status, 400);
      assert.equal(res.body.error.code, 'BODY_MALFORMED');
    });

    for (const id of ['%C0%AF', '%E0%A4%A', '%', '%ff']) {
      it(`GET /v1/messages/${id}: 400 PATH_MALFORMED`, async () => {
        const res = await request(app).get(`/v1/messages/${id}`);
        assert.equal(res.status, 400);
        assert.equal(res.body.error.code, 'PATH_MALFORMED');
      });
    }

    it('a well-formed request still passes', async () => {
      const res = await request(app).post('/v1/messages').set('Content-Type', 'application/json; charset=utf-8').send('{"a":1}');
      assert.equal(res.status, 202);
    });
  });

  describe("cppa: the CPPA register's agreements and profiles (were plain Errors)", () => {
    const root = (inner: string, name = 'CollaborationProtocolAgreement') => `<tns:${name} xmlns:tns="${CPPA_NS}">${inner}</tns:${name}>`;
    for (const [what, xml] of [
      ['nested past the parser limit', root(`<x>`.repeat(20_000) + `</x>`.repeat(20_000))],
      ['a DOCTYPE', `<!DOCTYPE x [<!ENTITY e "e">]>${root('')}`],
      ['a comment not closed', root('<!-- c')],
      ['a root of another namespace', '<tns:CollaborationProtocolAgreement xmlns:tns="urn:x"/>'],
      ['an agreement without the other party', root(`<tns:PartyInfo><tns:PartyId>8142987</tns:PartyId></tns:PartyInfo>`)],
    ] as const) {
      it(`${what}: CPPA_RESPONSE_INVALID`, () => {
        assert.throws(
          () => readCollaboration(xml, '8142987'),
          (err: unknown) => isGatewayError(err) && err.code === 'CPPA_RESPONSE_INVALID',
        );
      });
    }
  });
});
