/** Runs `fn` for about `ms` milliseconds after a warm-up; returns runs per second. */
export function rate(fn: () => void, ms: number, warmUp = 50): number {
  for (let i = 0; i < warmUp; i++) fn();
  let n = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    fn();
    n++;
    if ((n & 7) === 0) now = performance.now();
  }
  return n / ((performance.now() - start) / 1000);
}
