import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DEMO_HELSENORGE_HER_ID } from '../../../demo/demo-bus.js';
import { startDemoSimulator } from '../../../demo/start-simulator.js';
import { FIXTURES_DIR } from '../../../demo/simulator/citizen.js';
import type { Simulator } from '../../../demo/simulator/server.js';
import { loadConfig } from '../../../src/config.js';
import { freePort } from '../../../src/infra/supervised-redis.js';
import { startCli } from '../../helpers/cli.js';
import { eventually } from '../../helpers/eventually.js';
import { startTestBroker, type TestBroker } from '../../helpers/rabbitmq.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';
import { tempDir } from '../../helpers/tmp.js';

/**
 * The service bus under the gateway's and the broker's crashes: the gateway process killed (SIGKILL)
 * mid-batch and started again, and the broker killed and started again under load. Every citizen
 * message reaches the EPJ exactly once and is answered with AppRec OK: a message is accepted on the
 * bus only once its job is in Redis, and a redelivery is the same job.
 */

const COUNT = 100;
const CLINIC = 8142987;

describe('e2e: the service bus through crashes (gateway kill -9, broker kill -9)', function () {
  this.timeout(240_000);
  let redis: TestRedis;
  let broker: TestBroker;
  let simulator: Simulator;
  const dataDir = tempDir('bus-crash');
  let env: Record<string, string>;
  const template = readFileSync(path.join(FIXTURES_DIR, 'office-contact/request.xml'), 'utf8');
  const inbox = path.join(dataDir, 'epj', String(CLINIC), 'inbox');
  // the folder is made by the first delivery: before it (the first message's delivery may wait out its dead process's lock) none
  const delivered = () => (existsSync(inbox) ? readdirSync(inbox, { withFileTypes: true }).filter((f) => f.name.endsWith('.xml')) : []);

  before(async () => {
    redis = await startTestRedis();
    broker = await startTestBroker();
    await broker.provision({ exchange: 'DigitalDialog', parties: [DEMO_HELSENORGE_HER_ID, CLINIC] });
    const config = loadConfig({ SIMULATOR_PORT: '0', DATA_DIR: dataDir, TRANSPORT: 'amqp', AMQP_URL: broker.url });
    simulator = await startDemoSimulator(config, {}, undefined, broker.url);
    env = {
      DATA_DIR: dataDir,
      REDIS_URL: redis.url,
      QUEUE_PREFIX: 'buscrash',
      PORT: String(await freePort()),
      TRANSPORT: 'amqp',
      AMQP_URL: broker.url,
      MSH_BASE_URL: simulator.url,
      HELSEID_TOKEN_URL: simulator.tokenUrl,
      REVOCATION_HTTP_PROXY: simulator.url,
      AR_STAND_IN_PORT: '0',
      SMTP_STAND_IN_PORT: '0',
      LOG_LEVEL: 'warn',
    };
  });
  after(async () => {
    await simulator?.close();
    await broker?.stop();
    await redis?.stop();
  });

  /** Puts `count` citizen messages on the clinic's queue and waits until the broker has them all. */
  const sendBatch = async (count: number) => {
    const msgIds: string[] = [];
    const sent: string[] = [];
    for (let i = 0; i < count; i++) {
      const msgId = randomUUID();
      msgIds.push(msgId);
      sent.push(simulator.citizen.send(template.replace(/<MsgId>[^<]+<\/MsgId>/, `<MsgId>${msgId}</MsgId>`)).id);
    }
    return { msgIds, sent };
  };
  const answered = (sent: string[]) => sent.filter((id) => simulator.citizen.status(id)?.appRec).length;
  const exactlyOnce = async (sent: string[], all: string[], output: () => string) => {
    await eventually(
      () => sent.every((id) => simulator.citizen.status(id)?.appRec),
      120_000,
      () => `every AppRec (output: ${output()})`,
    );
    // one patient's messages go to the EPJ in order, one after the other (each later one waits its turn)
    await eventually(
      () => delivered().length >= all.length,
      120_000,
      async () =>
        `every message in the EPJ inbox (${delivered().length} of ${all.length}; ${(
          await fetch(`http://127.0.0.1:${env.PORT}/metrics`).then(
            (r) => r.text(),
            () => '',
          )
        )
          .split('\n')
          .filter((l) => /^epj_gateway_queue_jobs\{.*\} [1-9]/.test(l))
          .join(', ')})`,
    );
    // a duplicate would be a second file; give a redelivery time to show up
    await new Promise((r) => setTimeout(r, 2_000));
    assert.deepEqual(
      delivered()
        .map((f) => f.name.replace(/\.xml$/, ''))
        .sort(),
      [...all].sort(),
      'each message once, none twice, none lost',
    );
    for (const id of sent) assert.equal(simulator.citizen.status(id)?.appRec?.status, 'OK');
    assert.deepEqual(simulator.bus!.errors(), [], 'nothing refused on the error queue');
  };
  const seen: string[] = [];

  it('kill -9 of the gateway mid-batch, then a restart: each message to the EPJ once, each answered', async () => {
    const { msgIds, sent } = await sendBatch(COUNT);
    seen.push(...msgIds);
    const first = startCli(['serve'], env);
    await eventually(
      () => answered(sent) >= 10,
      60_000,
      () => `the first AppRecs (output: ${first.output()})`,
    );
    first.child.kill('SIGKILL');
    await first.exited;
    assert.ok(answered(sent) < COUNT, `the kill came in the middle (${answered(sent)} of ${COUNT} answered)`);
    const second = startCli(['serve'], env);
    try {
      await exactlyOnce(sent, seen, second.output);
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  });

  it('kill -9 of the broker under load, then its restart: the gateway reconnects and loses nothing', async () => {
    const gateway = startCli(['serve'], env);
    try {
      const { msgIds, sent } = await sendBatch(COUNT);
      seen.push(...msgIds);
      await eventually(
        () => answered(sent) >= 10,
        60_000,
        () => `the first AppRecs (output: ${gateway.output()})`,
      );
      await broker.kill();
      assert.ok(answered(sent) < COUNT, `the kill came in the middle (${answered(sent)} of ${COUNT} answered)`);
      await new Promise((r) => setTimeout(r, 2_000));
      await broker.start();
      await exactlyOnce(sent, seen, gateway.output);
    } finally {
      gateway.child.kill('SIGTERM');
      await gateway.exited;
    }
  });
});
