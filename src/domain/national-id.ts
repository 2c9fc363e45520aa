import { idnr } from '@navikt/fnrvalidator';

/**
 * Norwegian national ids: fødselsnummer (FNR), D-nummer (DNR, day + 40), H-nummer (HNR,
 * month + 40), and Skatteetaten's synthetic test numbers (month + 80), all with mod-11 check
 * digits. Synthetic numbers are accepted only where the caller allows them (test and demo mode).
 */

export type NationalIdKind = 'FNR' | 'DNR' | 'HNR';

export type NationalIdVerdict =
  | { readonly valid: true; readonly kind: NationalIdKind; readonly synthetic: boolean }
  | { readonly valid: false; readonly reason: 'format' | 'checksum' | 'date' | 'synthetic-not-allowed' | 'type-mismatch' };

export interface NationalIdOptions {
  /** Accept Skatteetaten's synthetic test numbers (never in production). */
  readonly allowSynthetic: boolean;
  /** The TypeId the sender declared, as written (any text, not only a NationalIdType); a DNR declared as FNR (or the reverse) is refused. */
  readonly declaredType?: string;
}

export function checkNationalId(id: string, opts: NationalIdOptions): NationalIdVerdict {
  if (!/^\d{11}$/.test(id)) return { valid: false, reason: 'format' };
  const result = idnr(id);
  if (result.status === 'invalid') {
    return { valid: false, reason: result.reasons.some((r) => r.startsWith('checksum')) ? 'checksum' : 'date' };
  }
  const synthetic = result.type === 'tnr' || result.type === 'dnr-and-tnr';
  if (synthetic && !opts.allowSynthetic) return { valid: false, reason: 'synthetic-not-allowed' };
  const kind: NationalIdKind = result.type.startsWith('dnr') ? 'DNR' : result.type === 'hnr' || result.type === 'dnr-and-hnr' ? 'HNR' : 'FNR';
  if (opts.declaredType !== undefined && opts.declaredType !== kind) return { valid: false, reason: 'type-mismatch' };
  return { valid: true, kind, synthetic };
}
