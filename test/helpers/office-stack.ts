import type { ConfigInput } from '../../src/config.js';
import { startTestRedis, type TestRedis } from './redis.js';
import { XSD_DIR, useShared } from './shared.js';
import { startStack, type TestStack } from './stack.js';

/**
 * One clinic with the folder EPJ, on its own Redis, judging by the official schemas when ../shared
 * is there (the simulator too): the stack the tests of the office's side of the dialog share.
 * `stop` stops both.
 */
export async function startOfficeStack(env: ConfigInput = {}): Promise<{ stack: TestStack; redis: TestRedis; stop: () => Promise<void> }> {
  const redis = await startTestRedis();
  const stack = await startStack(redis.url, {
    EPJ_DELIVERY: 'folder',
    ...(useShared('validating by the official schemas') ? { KITH_SCHEMA_DIR: XSD_DIR } : {}),
    ...env,
  });
  return {
    stack,
    redis,
    stop: async () => {
      await stack.stop();
      await redis.stop();
    },
  };
}
