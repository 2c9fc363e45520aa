import type { Clock } from '../ports/clock.js';

/** The machine's clock, for production; tests give a part a clock they move themselves. */
export const systemClock: Clock = { now: () => Date.now() };
