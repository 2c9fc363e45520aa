import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startArStandIn, type ArStandIn } from '../../../demo/ar-stand-in/stand-in-server.js';
import type { Simulator } from '../../../demo/simulator/server.js';
import { startDemoSimulator } from '../../../demo/start-simulator.js';
import { composeGateway, type ComposedGateway } from '../../../src/compose/gateway.js';
import { loadConfig } from '../../../src/config.js';
import { eventually } from '../../helpers/eventually.js';
import { captureLogger } from '../../helpers/logger.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';
import { tempDir } from '../../helpers/tmp.js';

/** A reverse proxy in front of the register stand-in that keeps the headers of every request. */
async function recordingProxy(target: string): Promise<{ url: string; seen: http.IncomingHttpHeaders[]; close: () => Promise<void> }> {
  const seen: http.IncomingHttpHeaders[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req.headers);
    const upstream = http.request(
      new URL(req.url ?? '/', target),
      { method: req.method, headers: { ...req.headers, host: new URL(target).host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, seen, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('compose: the production composition (no demo parts) against NHN-shaped servers', () => {
  let redis: TestRedis;
  let simulator: Simulator;
  let standIn: ArStandIn;
  let proxy: Awaited<ReturnType<typeof recordingProxy>>;
  let gateway: ComposedGateway | undefined;

  before(async () => {
    redis = await startTestRedis();
    standIn = await startArStandIn({ port: 0 });
    proxy = await recordingProxy(standIn.baseUrl);
  });
  after(async () => {
    await gateway?.shutdown('test done');
    await proxy.close();
    await standIn.close();
    await redis.stop();
  });

  it('AR_API=rest with AR_URL: starts, and the register is asked with HelseID tokens bound by DPoP', async () => {
    const base = loadConfig({ PORT: '0', REDIS_URL: redis.url, DATA_DIR: tempDir('prod'), SIMULATOR_PORT: '0' });
    simulator = await startDemoSimulator(base, { port: 0 });
    const config = loadConfig({
      PORT: '0',
      REDIS_URL: redis.url,
      DATA_DIR: base.DATA_DIR,
      QUEUE_PREFIX: 'prodrest',
      SHUTDOWN_DEADLINE_MS: '2000',
      MSH_BASE_URL: simulator.url,
      HELSEID_TOKEN_URL: simulator.tokenUrl,
      REVOCATION_HTTP_PROXY: simulator.url,
      AR_URL: proxy.url,
      AR_API: 'rest',
    });
    const { logger } = captureLogger('warn');
    gateway = await composeGateway(config, logger);
    let last: unknown;
    const ready = await eventually(async () => {
      const res = await fetch(`${gateway!.url}/readyz`);
      const body = (await res.json()) as { ready: boolean };
      last = body;
      return body.ready ? body : undefined;
    }).catch((err: Error) => assert.fail(`${err.message}: ${JSON.stringify(last)}`));
    assert.equal(ready.ready, true);
    const toRegister = proxy.seen.filter((h) => h.authorization);
    assert.ok(toRegister.length > 0, 'the register was asked');
    for (const headers of toRegister) {
      assert.match(String(headers.authorization), /^DPoP [\w.-]+$/);
      assert.match(String(headers.dpop), /^[\w-]+\.[\w-]+\.[\w-]+$/, 'a DPoP proof per request');
    }
    await simulator.close();
  });
});
