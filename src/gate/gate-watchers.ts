import type { Logger } from '../logging.js';

/** A check that reports to the service gate (certificates, the register entry, HelseID). */
export type GateCheck = () => Promise<void>;

export interface GateWatchers {
  /** runs every check now (also on POST /ops/gate/recheck) */
  recheck: () => Promise<void>;
  stop: () => Promise<void>;
}

/**
 * Gate reasons that an outage of a far side gives and its end clears by itself: while one holds,
 * the checks run every `retryS` instead of every interval, so a service closed because the address
 * register was away for a minute opens again within moments of its return, not minutes after.
 */
export const OUTAGE_REASONS: ReadonlySet<string> = new Set(['ar-unreachable', 'ar-stale']);

export interface GateRetry {
  /** seconds between checks while `pending()` says an outage holds */
  retryS: number;
  pending: () => boolean;
}

/**
 * Runs the checks every interval (every `retry.retryS` while an outage holds the gate); a failing
 * check is logged and the others still run.
 */
export function startGateWatchers(checks: readonly GateCheck[], intervalS: number, logger: Logger, retry?: GateRetry): GateWatchers {
  const recheck = async () => {
    await Promise.all(checks.map((check) => check().catch((err: unknown) => logger.error({ err: String(err) }, 'gate check failed'))));
  };
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const delayS = () => (retry && retry.pending() ? Math.min(retry.retryS, intervalS) : intervalS);
  // one timer at a time: a recheck asked for while a scheduled one runs replaces, not adds, the next
  const schedule = (seconds: number) => {
    clearTimeout(timer);
    if (stopped) return;
    timer = setTimeout(() => {
      void recheck().finally(() => schedule(delayS()));
    }, seconds * 1000);
    timer.unref();
  };
  schedule(intervalS);
  // an outage seen by a recheck (at start, or asked for) shortens the wait already scheduled
  const recheckAndReschedule = async () => {
    await recheck();
    if (delayS() < intervalS) schedule(delayS());
  };
  return {
    recheck: recheckAndReschedule,
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
