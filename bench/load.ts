/** Helpers the end-to-end benchmarks share: percentiles, JSON over HTTP, a bounded pool, waiting. */

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

export async function json<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, init);
  if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Runs `fn` over `items` with at most `width` in flight. */
export async function pool<T>(items: T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

export async function waitFor(check: () => Promise<boolean>, what: string, ms = 120_000, everyMs = 20): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/**
 * `count` different synthetic national ids (Skatteetaten's test numbers: month + 80, valid mod-11
 * check digits), born 1990, so a benchmark's messages come from many invented patients.
 */
export function syntheticNationalIds(count: number): string[] {
  const ids: string[] = [];
  const check = (digits: number[], weights: number[]) => {
    const k = 11 - (digits.reduce((sum, d, i) => sum + d * weights[i]!, 0) % 11);
    return k === 11 ? 0 : k;
  };
  for (let serial = 0; ids.length < count; serial++) {
    const day = 1 + (serial % 28);
    const month = 81 + (Math.floor(serial / 28) % 12);
    const individual = 100 + Math.floor(serial / (28 * 12));
    if (individual > 499) throw new Error(`at most some 13,000 synthetic ids from 1990 (asked for ${count})`);
    const digits = [...`${String(day).padStart(2, '0')}${month}90${individual}`].map(Number);
    const k1 = check(digits, [3, 7, 6, 1, 8, 9, 4, 5, 2]);
    if (k1 === 10) continue;
    const k2 = check([...digits, k1], [5, 4, 3, 2, 7, 6, 5, 4, 3, 2]);
    if (k2 === 10) continue;
    ids.push([...digits, k1, k2].join(''));
  }
  return ids;
}
