import { ERRORS, type ErrorCode } from '../errors.js';
import type { AppRecErrorCode } from '../domain/codes.js';

/**
 * One thing wrong with a message, as both layers of validation report it. `code` is the AppRec
 * (8221) code the sender would get; `error` is the gateway's own code for it. The message names
 * elements and rules only, never the patient's id, name or message text.
 */
export interface Finding {
  readonly code: AppRecErrorCode;
  readonly error: ErrorCode;
  readonly message: string;
  readonly line?: number;
  /** Where the fault is: the envelope, the main document, or a secondary part (an attachment). */
  readonly part: 'envelope' | 'document' | 'attachment';
  readonly layer: 'input' | 'own-rules' | 'official';
}

export function finding(error: ErrorCode, detail: string, where: { part?: Finding['part']; layer?: Finding['layer']; line?: number } = {}): Finding {
  const def: { appRec?: string; message: string } = ERRORS[error];
  return {
    code: (def.appRec ?? 'X99') as AppRecErrorCode,
    error,
    message: detail ? `${detail} — ${def.message}` : def.message,
    ...(where.line ? { line: where.line } : {}),
    part: where.part ?? 'envelope',
    layer: where.layer ?? 'own-rules',
  };
}

/** A fault that stops reading the input at all (size, encoding, DOCTYPE, not XML). */
export class KithInputError extends Error {
  readonly finding: Finding;
  constructor(f: Finding) {
    super(f.message);
    this.name = 'KithInputError';
    this.finding = f;
  }
}
