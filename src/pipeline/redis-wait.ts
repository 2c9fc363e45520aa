import { setTimeout as sleep } from 'node:timers/promises';
import { isRedisDown } from '../http/error-handler.js';
import type { Logger } from '../logging.js';

/**
 * Runs `step` again while it fails because Redis cannot be reached, for up to `ms`; other faults
 * at once. For the record of something done outside that cannot be taken back (a message NHN took,
 * an AppRec sent): failing the job there would do it a second time.
 */
export async function whileRedisIsDown(
  step: () => Promise<void>,
  logger: Logger,
  what: { msgId: string; step: string },
  ms = 120_000,
  everyMs = 500,
): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      return await step();
    } catch (err) {
      if (!isRedisDown(err) || Date.now() > until) throw err;
      logger.warn(what, 'done at NHN; recording it waits for Redis');
      await sleep(everyMs);
    }
  }
}
