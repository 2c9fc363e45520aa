import { APPREC_STATUS, type AppRecErrorCode, type AppRecStatus } from '../domain/codes.js';
import type { Finding } from './findings.js';
import type { KithDocument } from './model.js';
import { validateDocument, type ValidateOptions, type ValidationReport, type ValidationResult } from './validate.js';

/**
 * "What AppRec does this received message get?" One answer per message: OK; Avvist with every
 * 8221 code found; or "OK, feil i delmelding" when only an attachment is faulty and the main
 * document can still be delivered.
 */

export interface AppRecError {
  readonly code: AppRecErrorCode;
  /** Words for the sender (AppRec Error OT); never patient data. */
  readonly message: string;
}

export interface Judgement {
  readonly appRec: AppRecStatus;
  /** 8258 value: 1, 2 or 3. */
  readonly status: '1' | '2' | '3';
  readonly errors: readonly AppRecError[];
  readonly findings: readonly Finding[];
  readonly report: ValidationReport;
  readonly message?: KithDocument;
  /** False for a received AppRec: an AppRec is never answered with an AppRec. */
  readonly answerable: boolean;
}

export interface JudgeOptions extends ValidateOptions {
  /** HER-ids of this clinic (organisation and its professionals); any other receiver is E21. */
  readonly ownHerIds: readonly string[];
}

/** Order of codes in an AppRec: the most basic fault first. */
const PRECEDENCE: readonly AppRecErrorCode[] = ['T01', 'T99', 'T02', 'T10', 'E10', 'E21', 'E30', 'E31', 'E32', 'E36', 'X99'];

function rank(code: AppRecErrorCode): number {
  const i = PRECEDENCE.indexOf(code);
  return i === -1 ? PRECEDENCE.length : i;
}

/** One entry per code, in precedence order; the first finding's words explain it. */
export function appRecErrorsOf(findings: readonly Finding[]): AppRecError[] {
  const byCode = new Map<AppRecErrorCode, string>();
  for (const f of findings) if (!byCode.has(f.code)) byCode.set(f.code, f.message);
  return [...byCode.entries()].sort(([a], [b]) => rank(a) - rank(b)).map(([code, message]) => ({ code, message }));
}

export function statusOf(findings: readonly Finding[]): AppRecStatus {
  if (findings.length === 0) return 'OK';
  return findings.every((f) => f.part === 'attachment') ? 'OK, feil i delmelding' : 'Avvist';
}

export function judgeReceivedMessage(source: string | Uint8Array, opts: JudgeOptions): Judgement {
  return judgementOf(validateDocument(source, opts));
}

/** The AppRec verdict for a validation already made (the command line judges without a receiver). */
export function judgementOf(result: ValidationResult): Judgement {
  const appRec = statusOf(result.findings);
  return {
    appRec,
    status: APPREC_STATUS[appRec].v,
    errors: appRecErrorsOf(result.findings),
    findings: result.findings,
    report: result.report,
    answerable: result.message?.document !== 'AppRec',
    ...(result.message ? { message: result.message } : {}),
  };
}
