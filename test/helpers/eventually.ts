import { setTimeout as sleep } from 'node:timers/promises';

type Falsy = undefined | null | false;

/**
 * Polls `check` until it returns something other than undefined/null/false and returns that, or fails after `ms`.
 * The one way tests wait for something to happen: never a fixed sleep, which passes or fails by the machine's speed.
 * `what` may be a function so the failure can say what the state was at the end, not only what was awaited.
 */
export async function eventually<T>(
  check: () => T | Falsy | Promise<T | Falsy>,
  ms = 15_000,
  what: string | (() => string | Promise<string>) = 'the condition',
  intervalMs = 25,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) {
      const description = typeof what === 'function' ? await what() : what;
      throw new Error(`timed out after ${ms} ms waiting for ${description}`);
    }
    await sleep(intervalMs);
  }
}
