import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { startDemoSimulator } from '../../demo/start-simulator.js';
import { FIXTURES_DIR } from '../../demo/simulator/citizen.js';
import type { Simulator } from '../../demo/simulator/server.js';
import { loadConfig } from '../../src/config.js';
import { freePort } from '../../src/infra/supervised-redis.js';
import { startCli } from '../helpers/cli.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';
import { eventually } from '../helpers/eventually.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * The gateway process is killed (SIGKILL) in the middle of inbound processing and started again:
 * every citizen message ends up delivered to the EPJ exactly once, answered with AppRec OK, and
 * marked read at NHN. Nothing is acknowledged before it is safe in Redis.
 */

const COUNT = 100;

describe('e2e: SIGKILL in the middle of inbound processing, then restart', function () {
  this.timeout(180_000);
  let redis: TestRedis;
  let simulator: Simulator;
  const dataDir = tempDir('crash');
  let env: Record<string, string>;

  before(async () => {
    redis = await startTestRedis();
    simulator = await startDemoSimulator(loadConfig({ SIMULATOR_PORT: '0', DATA_DIR: dataDir }));
    env = {
      DATA_DIR: dataDir,
      REDIS_URL: redis.url,
      QUEUE_PREFIX: 'crash',
      PORT: String(await freePort()),
      MSH_BASE_URL: simulator.url,
      HELSEID_TOKEN_URL: simulator.tokenUrl,
      REVOCATION_HTTP_PROXY: simulator.url,
      AR_STAND_IN_PORT: '0',
      SMTP_STAND_IN_PORT: '0',
      POLL_INTERVAL_MS: '50',
      LOG_LEVEL: 'warn',
    };
  });
  after(async () => {
    await simulator?.close();
    await redis?.stop();
  });

  const inboundDrained = async () => {
    const text = await fetch(`http://127.0.0.1:${env.PORT}/metrics`).then(
      (r) => r.text(),
      () => '',
    );
    // summed over the clinics; NaN while the gauge is empty (Redis away), so "empty" never reads as "drained"
    const count = (queue: string, state: string) => {
      const found = [...text.matchAll(new RegExp(`^epj_gateway_queue_jobs\\{clinic="\\d+",queue="${queue}",state="${state}"\\} (\\d+)$`, 'gm'))];
      return found.length === 0 ? NaN : found.reduce((sum, m) => sum + Number(m[1]), 0);
    };
    return ['inbound', 'epj-delivery'].every((q) => ['waiting', 'active', 'delayed', 'prioritized', 'paused'].every((st) => count(q, st) === 0));
  };

  it('delivers every message exactly once to the EPJ, each answered and marked read at NHN', async () => {
    const template = readFileSync(path.join(FIXTURES_DIR, 'office-contact/request.xml'), 'utf8');
    const msgIds: string[] = [];
    const sent: string[] = [];
    // Slow NHN a little, so the kill lands with messages in every stage.
    simulator.faults.add({ kind: 'slow', delayMs: 100, count: 10_000, path: '/business-document' });
    for (let i = 0; i < COUNT; i++) {
      const msgId = randomUUID();
      msgIds.push(msgId);
      sent.push(simulator.citizen.send(template.replace(/<MsgId>[^<]+<\/MsgId>/, `<MsgId>${msgId}</MsgId>`)).id);
    }

    const first = startCli(['serve'], env);
    const answered = () => sent.filter((id) => simulator.citizen.status(id)?.appRec).length;
    await eventually(
      () => answered() >= 5,
      60_000,
      () => `the first AppRecs (output: ${first.output()})`,
    );
    first.child.kill('SIGKILL');
    await first.exited;
    const atKill = answered();
    assert.ok(atKill < COUNT, `the kill came in the middle (${atKill} of ${COUNT} answered)`);

    const second = startCli(['serve'], env);
    try {
      await eventually(
        () => sent.every((id) => simulator.citizen.status(id)?.read),
        90_000,
        () => `all read at NHN (output: ${second.output()})`,
      );
      // the demo's first clinic: each clinic has its folders under DATA_DIR/epj/<HER-id>/
      const inbox = path.join(dataDir, 'epj', '8142987', 'inbox');
      await eventually(() => readdirSync(inbox).filter((f) => f.endsWith('.xml')).length >= COUNT, 30_000, 'every message in the EPJ inbox');
      // A duplicate could only come from a job still queued; once both queues are empty none can appear.
      await eventually(inboundDrained, 30_000, 'the inbound and epj-delivery queues to drain');
      const files = readdirSync(inbox).filter((f) => f.endsWith('.xml'));
      assert.deepEqual(files.map((f) => f.replace(/\.xml$/, '')).sort(), [...msgIds].sort(), 'each message once, none twice, none lost');
      for (const id of sent) assert.equal(simulator.citizen.status(id)?.appRec?.status, 'OK');
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  });
});
