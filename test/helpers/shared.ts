import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/**
 * The reference material (official XSDs, real samples) lives beside the project in ../shared and is
 * never copied into it. Tests that need it call `needsShared(this)` in a before() hook and skip,
 * saying why, on a plain clone.
 */
export const SHARED_DIR = process.env.EPJ_SHARED_DIR ?? path.resolve(fileURLToPath(new URL('../../../shared', import.meta.url)));
export const STANDARDS_DIR = path.join(SHARED_DIR, 'standards');
export const XSD_DIR = path.join(STANDARDS_DIR, 'xsd');
export const hasShared = existsSync(path.join(XSD_DIR, 'MsgHead-v1_2.xsd'));

export function needsShared(ctx: Mocha.Context): void {
  if (!hasShared) {
    console.log(`      (skipped: reference material not found at ${STANDARDS_DIR})`);
    ctx.skip();
  }
}
