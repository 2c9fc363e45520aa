import type { ConfigInput } from '../../src/config.js';
import { DEMO_HELSENORGE_HER_ID } from '../../demo/demo-bus.js';
import { startTestBroker, type TestBroker } from './rabbitmq.js';
import { startTestRedis, type TestRedis } from './redis.js';
import { CLINIC_HER } from './sample-messages.js';
import { XSD_DIR, useShared } from './shared.js';
import { startStack, type TestStack } from './stack.js';

/**
 * One clinic with the folder EPJ, on its own Redis, judging by the official schemas when ../shared
 * is there (the simulator too): the stack the tests of the office's side of the dialog share.
 * `bus: true` puts it on a RabbitMQ of its own (TRANSPORT=amqp). `stop` stops them all.
 */
export async function startOfficeStack(
  env: ConfigInput = {},
  options: { bus?: boolean } = {},
): Promise<{ stack: TestStack; redis: TestRedis; stop: () => Promise<void> }> {
  const redis = await startTestRedis();
  let broker: TestBroker | undefined;
  if (options.bus) {
    broker = await startTestBroker();
    await broker.provision({ exchange: 'DigitalDialog', parties: [DEMO_HELSENORGE_HER_ID, Number(CLINIC_HER)] });
  }
  const stack = await startStack(redis.url, {
    EPJ_DELIVERY: 'folder',
    ...(useShared('validating by the official schemas') ? { KITH_SCHEMA_DIR: XSD_DIR } : {}),
    ...(broker ? { TRANSPORT: 'amqp', AMQP_URL: broker.url } : {}),
    ...env,
  });
  return {
    stack,
    redis,
    stop: async () => {
      await stack.stop();
      await broker?.stop();
      await redis.stop();
    },
  };
}
