import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { DirectHttp, HttpFault } from '../../../../adapters/transport/direct-http.js';

/** The message service's HTTP exchange over Node's http, against a real server that misbehaves on demand. */
describe('direct HTTP exchange', () => {
  let server: http.Server;
  let base: string;
  let handle: (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;
  const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };

  before(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => handle(req, res, body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`;
  });
  after(async () => {
    agents.http.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const client = (timeoutMs = 1_000, maxAnswerBytes = 1024) => new DirectHttp(base, agents, timeoutMs, maxAnswerBytes);
  const fault = async (p: Promise<unknown>): Promise<HttpFault> => {
    const err = await p.then(
      () => assert.fail('expected a fault'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof HttpFault, String(err));
    return err;
  };

  it("posts JSON under the endpoint's path, and reads a JSON answer, a text one and an empty one", async () => {
    const seen: string[] = [];
    handle = (req, res, body) => {
      seen.push(`${req.method} ${req.url} ${req.headers['content-type']} ${req.headers['content-length']} ${String(req.headers['x-a'])} ${body}`);
      if (req.url === '/api/json') return res.writeHead(201, { 'content-type': 'application/json', 'dpop-nonce': 'n1' }).end('{"a":[1,"ø"]}');
      if (req.url === '/api/text') return res.writeHead(201, { 'content-type': 'text/plain' }).end('3f0c-id');
      res.writeHead(204).end();
    };
    const json = await client().request({ method: 'POST', path: '/json', headers: { 'x-a': 'b' }, json: { n: 'æ' } });
    assert.deepEqual([json.status, json.data, json.headers['dpop-nonce']], [201, { a: [1, 'ø'] }, 'n1']);
    assert.equal((await client().request({ method: 'GET', path: '/text', headers: {} })).data, '3f0c-id');
    assert.deepEqual(
      await client()
        .request({ method: 'PUT', path: '/empty', headers: {} })
        .then((a) => [a.status, a.data]),
      [204, ''],
    );
    assert.deepEqual(seen, [
      `POST /api/json application/json ${Buffer.byteLength('{"n":"æ"}')} b {"n":"æ"}`,
      'GET /api/text undefined undefined undefined ',
      'PUT /api/empty undefined 0 undefined ',
    ]);
  });

  it('an answer cut off mid-body is no answer (network), and the request had gone out whole', async () => {
    handle = (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"id":"', () => req.socket.destroy());
    };
    const err = await fault(client().request({ method: 'POST', path: '/x', headers: {}, json: { a: 1 } }));
    assert.deepEqual([err.network, err.maybeDelivered], [true, true]);
  });

  it('an answer over the ceiling is refused as one that cannot be taken, not as a network fault', async () => {
    handle = (_req, res) => res.writeHead(200).end('x'.repeat(5_000));
    const err = await fault(client(1_000, 4_096).request({ method: 'GET', path: '/big', headers: {} }));
    assert.deepEqual([err.code, err.network], ['ERR_ANSWER_TOO_LARGE', false]);
    // the connection it came on is not reused half-read: the next call is answered whole
    handle = (_req, res) => res.writeHead(200).end('"ok"');
    assert.equal((await client(1_000, 4_096).request({ method: 'GET', path: '/after', headers: {} })).data, 'ok');
  });

  it('times out on silence, not on a long answer that keeps coming', async () => {
    handle = (_req, res) => {
      res.writeHead(200, { 'content-length': '12' });
      // a byte every 50 ms: 600 ms in all, never 300 ms silent
      let sent = 0;
      const timer = setInterval(() => (res.destroyed || ++sent > 12 ? clearInterval(timer) : res.write('x')), 50);
    };
    assert.equal((await client(300).request({ method: 'GET', path: '/trickle', headers: {} })).data, 'x'.repeat(12));

    handle = (_req, res) => res.writeHead(200, { 'content-length': '10' }).write('x');
    const started = Date.now();
    const err = await fault(client(300).request({ method: 'GET', path: '/silent', headers: {} }));
    assert.deepEqual([err.code, err.network, err.maybeDelivered], ['ETIMEDOUT', true, true]);
    assert.ok(Date.now() - started < 1_500);
  });

  it('reads a JSON answer that begins with a byte-order mark', async () => {
    handle = (_req, res) =>
      res.writeHead(201, { 'content-type': 'application/json' }).end(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('"5b0f-id"')]));
    assert.equal((await client().request({ method: 'POST', path: '/bom', headers: {}, json: {} })).data, '5b0f-id');
  });

  it('a refused connection is a network fault with its code', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const err = await fault(new DirectHttp(`http://127.0.0.1:${port}`, agents, 1_000, 1024).request({ method: 'POST', path: '/', headers: {}, json: {} }));
    assert.deepEqual([err.code, err.network, err.maybeDelivered], ['ECONNREFUSED', true, false], 'nothing went out');
  });

  it('refuses an endpoint that is not http(s)', () => {
    assert.throws(() => new DirectHttp('ftp://example.test/', agents, 1_000, 1024), /not an http\(s\) URL/);
  });
});
