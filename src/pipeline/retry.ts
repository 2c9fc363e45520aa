/**
 * Exponential backoff with jitter: attempt n waits between half and all of min(cap, base·2^(n-1)),
 * so many gateways retrying after one NHN outage do not return in step.
 */
export interface RetryPolicy {
  attempts: number;
  baseMs: number;
  capMs: number;
}

export function backoffDelay(attemptsMade: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attemptsMade - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** HTTP statuses worth another attempt: timeouts, throttling and the server's own faults. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}
