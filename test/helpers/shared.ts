import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/**
 * The reference material (official XSDs, real samples) lives beside the project in ../shared and is
 * never copied into it. Tests that need it call `needsShared(this)` in a before() hook, or `useShared()`
 * where it only adds a layer. On a plain clone they skip, saying why; with CI=true a missing piece
 * fails the run instead, so a CI job without it cannot go green by skipping.
 */
export const SHARED_DIR = process.env.EPJ_SHARED_DIR ?? path.resolve(fileURLToPath(new URL('../../../shared', import.meta.url)));
export const STANDARDS_DIR = path.join(SHARED_DIR, 'standards');
export const XSD_DIR = path.join(STANDARDS_DIR, 'xsd');
export const hasShared = existsSync(path.join(XSD_DIR, 'MsgHead-v1_2.xsd'));
export const inCi = /^(true|1)$/i.test(process.env.CI ?? '');

/** Skips the test or hook outside CI; in CI throws, naming what is missing and how to get it. */
export function skipOrFail(ctx: Mocha.Context, missing: string): never {
  if (inCi) throw new Error(`${missing} (CI=true: a test that needs it fails instead of skipping)`);
  console.log(`      (skipped: ${missing})`);
  ctx.skip();
}

export function needsShared(ctx: Mocha.Context): void {
  if (!hasShared) skipOrFail(ctx, `reference material not found at ${STANDARDS_DIR} (set EPJ_SHARED_DIR)`);
}

/** For tests that run without ../shared but check more with it: whether to use it; in CI, missing is an error. */
export function useShared(what: string): boolean {
  if (hasShared) return true;
  if (inCi) throw new Error(`${what} needs the reference material at ${STANDARDS_DIR} (set EPJ_SHARED_DIR); CI=true does not skip it`);
  console.log(`      (${what} skipped: reference material not found at ${STANDARDS_DIR})`);
  return false;
}
