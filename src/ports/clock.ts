/**
 * The time, as something a part is given rather than reads itself, so a test can move it on
 * instead of sleeping. Milliseconds since the epoch, like Date.now().
 */
export interface Clock {
  now(): number;
}
