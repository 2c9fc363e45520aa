import type fc from 'fast-check';
import { ConfigError } from '../../src/config.js';
import { isGatewayError } from '../../src/errors.js';

/**
 * One surface under fuzz: where outside bytes enter the gateway. `run` feeds one input and says what
 * came of it: a valid result, an error with a code from the table (src/errors.ts, or a setting's
 * ConfigError), or a crash: any other exception, or a result that breaks the surface's contract.
 */

export type Outcome = { kind: 'ok' } | { kind: 'coded'; code: string } | { kind: 'crash'; reason: string };

export interface Surface<I> {
  readonly name: string;
  readonly arbitrary: fc.Arbitrary<I>;
  run(input: I): Promise<Outcome>;
  /** a short account of the input for the replay line (never more than a few hundred characters) */
  describe(input: I): string;
  close?(): Promise<void>;
}

export type SurfaceFactory = () => Promise<Surface<unknown>>;

export const OK: Outcome = { kind: 'ok' };

/** An exception as an outcome: the product's coded errors are answers, anything else is a crash. */
export function outcomeOfError(err: unknown, options: { settings?: boolean } = {}): Outcome {
  if (isGatewayError(err)) return err.code === 'INTERNAL' ? crash(`INTERNAL: ${err.message}`) : { kind: 'coded', code: err.code };
  if (options.settings && err instanceof ConfigError) return { kind: 'coded', code: `CONFIG:${err.setting}` };
  const e = err as Error | undefined;
  return crash(`${e?.name ?? typeof err}: ${String(e?.message ?? err).slice(0, 300)}\n${(e?.stack ?? '').split('\n').slice(1, 6).join('\n')}`);
}

export function crash(reason: string): Outcome {
  return { kind: 'crash', reason };
}

/** Runs `fn`, mapping a throw to its outcome. */
export async function guarded(fn: () => Promise<Outcome> | Outcome, options: { settings?: boolean } = {}): Promise<Outcome> {
  try {
    return await fn();
  } catch (err) {
    return outcomeOfError(err, options);
  }
}

export function preview(bytes: Uint8Array | string, max = 160): string {
  const s = typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('latin1');
  const shown = JSON.stringify(s.length > max ? `${s.slice(0, max)}…` : s);
  return `${s.length} ${typeof bytes === 'string' ? 'chars' : 'bytes'} ${shown}`;
}
