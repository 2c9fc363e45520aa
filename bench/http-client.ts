/**
 * bench:http-client: what one call to NHN's message service costs the gateway's process in its
 * HTTP client alone, Node's http (the direct path) against axios with the MSH client's settings (the
 * path through a web proxy, here straight). A real HTTP server in a process of its own answers a
 * GET with a small JSON list and a POST of an 11 KB JSON body with an id, as NHN's list and send
 * do. Per client: CPU per call (process.cpuUsage over 4,000 calls, 16 at a time, after 1,000 of
 * warm-up, three rounds alternated; the collector's work on its own threads counted too). Last line:
 * JSON, each client's best round.
 */
import { spawn } from 'node:child_process';
import axios from 'axios';
import { DirectHttp } from '../adapters/transport/direct-http.js';
import { MAX_HTTP_BODY_BYTES } from '../adapters/transport/headers.js';
import { NHN_AGENTS, nhnAxiosConfig } from '../adapters/transport/msh-client.js';
import { freePort } from '../src/infra/supervised-redis.js';

const N = Number(process.env.BENCH_N ?? 4_000);
const AT_ONCE = 16;
const SERVER = `
const http = require('node:http');
const list = JSON.stringify(Array.from({ length: 3 }, (_, i) => ({ id: '0c8f3d36-f9e7-4e3f-9d5c-c820fa9b577' + i, receiverHerId: 8142987, isAppRec: false, senderHerId: 8093240 })));
http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    if (req.method === 'POST') { res.writeHead(201, { 'content-type': 'application/json' }); res.end('"5b0f0d3e-1c2a-4b7e-9a51-0c8f1e2d3a02"'); }
    else { res.writeHead(200, { 'content-type': 'application/json' }); res.end(list); }
  });
}).listen(Number(process.argv[1]), '127.0.0.1', () => process.send('ready'));`;

type Call = (method: 'GET' | 'POST', body?: unknown) => Promise<unknown>;

/** CPU time per call in µs, over n calls, AT_ONCE at a time. */
async function measure(call: Call, n: number): Promise<number> {
  const body = { businessDocument: 'A'.repeat(11_000), contentType: 'application/xml', contentTransferEncoding: 'base64' };
  const before = process.cpuUsage();
  let next = 0;
  await Promise.all(
    Array.from({ length: AT_ONCE }, async () => {
      while (next < n) {
        const i = next++;
        await call(i % 2 ? 'POST' : 'GET', i % 2 ? body : undefined);
      }
    }),
  );
  const used = process.cpuUsage(before);
  return (used.user + used.system) / n;
}

async function main(): Promise<void> {
  const port = await freePort();
  const server = spawn(process.execPath, ['-e', SERVER, String(port)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await new Promise((resolve) => server.once('message', resolve));
  const base = `http://127.0.0.1:${port}/api`;
  const headers = {
    'api-version': '2',
    'nhn-source-system': 'bench',
    accept: 'application/json',
    authorization: `DPoP ${'t'.repeat(800)}`,
    dpop: 'p'.repeat(600),
  };

  // both on the client's own connection pools and settings; axios told of no proxy, as none is named here
  const direct = new DirectHttp(base, NHN_AGENTS, 5_000, MAX_HTTP_BODY_BYTES);
  const directCall: Call = (method, body) => direct.request({ method, path: '/Messages', headers, ...(body ? { json: body } : {}) });
  const ax = axios.create({ ...nhnAxiosConfig(base, 5_000), proxy: false });
  const axiosCall: Call = (method, body) =>
    ax.request({ method, url: '/Messages', data: body, headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) } });

  const clients = [
    ['direct', directCall],
    ['axios', axiosCall],
  ] as const;
  const results: Record<string, number[]> = { direct: [], axios: [] };
  for (const [, call] of clients) await measure(call, 1_000);
  for (let round = 0; round < 3; round++) for (const [name, call] of clients) results[name]!.push(await measure(call, N));
  server.kill();
  NHN_AGENTS.http.destroy();
  const best = (name: string) => Math.min(...results[name]!) / 1000;
  for (const [name] of clients) console.log(`${name}: CPU per call ${results[name]!.map((us) => (us / 1000).toFixed(3)).join(' / ')} ms (rounds of ${N})`);
  console.log(JSON.stringify({ direct_cpu_ms_per_call: Number(best('direct').toFixed(3)), axios_cpu_ms_per_call: Number(best('axios').toFixed(3)) }));
}

await main();
