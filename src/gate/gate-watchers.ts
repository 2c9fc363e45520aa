import type { Logger } from '../logging.js';

/** A check that reports to the service gate (certificates, the register entry, HelseID). */
export type GateCheck = () => Promise<void>;

export interface GateWatchers {
  /** runs every check now (also on POST /ops/gate/recheck) */
  recheck: () => Promise<void>;
  stop: () => Promise<void>;
}

/** Runs the checks every interval; a failing check is logged and the others still run. */
export function startGateWatchers(checks: readonly GateCheck[], intervalS: number, logger: Logger): GateWatchers {
  const recheck = async () => {
    await Promise.all(checks.map((check) => check().catch((err: unknown) => logger.error({ err: String(err) }, 'gate check failed'))));
  };
  const timer = setInterval(() => void recheck(), intervalS * 1000);
  timer.unref();
  return { recheck, stop: async () => clearInterval(timer) };
}
