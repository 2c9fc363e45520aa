/**
 * Working time for the age of a citizen request: Monday to Friday, whole UTC days. A request's age
 * in working days is the weekday time since it came, so a Friday afternoon request is one working
 * day old on Monday afternoon, not three.
 */

const DAY_MS = 86_400_000;

const isWeekday = (dayStartMs: number) => {
  const dow = new Date(dayStartMs).getUTCDay();
  return dow !== 0 && dow !== 6;
};

/** Weekday milliseconds between `fromMs` and `toMs` (0 when `toMs` is not later). */
export function workingMsBetween(fromMs: number, toMs: number): number {
  let total = 0;
  let t = fromMs;
  while (t < toMs) {
    const dayStart = Math.floor(t / DAY_MS) * DAY_MS;
    const next = Math.min(dayStart + DAY_MS, toMs);
    if (isWeekday(dayStart)) total += next - t;
    t = next;
  }
  return total;
}

/** The age in working days (fractional) of something that came at `fromMs`. */
export function workingDaysBetween(fromMs: number, toMs: number): number {
  return workingMsBetween(fromMs, toMs) / DAY_MS;
}

/** The latest instant whose working-day age at `nowMs` is at least `days`: what came at or before it is that old. */
export function workingDaysBefore(nowMs: number, days: number): number {
  let remaining = days * DAY_MS;
  let t = nowMs;
  for (;;) {
    const dayStart = Math.floor((t - 1) / DAY_MS) * DAY_MS;
    const span = t - dayStart;
    if (isWeekday(dayStart)) {
      if (span >= remaining) return t - remaining;
      remaining -= span;
    }
    t = dayStart;
  }
}
