/**
 * Identifiers of organisations and professionals: HER-id (the address register's number) and
 * the organisation number of Enhetsregisteret (nine digits, mod-11 check digit).
 */

/** HER-ids are positive integers assigned by the address register; no check digit. */
export function isHerId(v: string): boolean {
  return /^[1-9]\d{0,9}$/.test(v);
}

const ORG_WEIGHTS = [3, 2, 7, 6, 5, 4, 3, 2] as const;

export function isOrganisationNumber(v: string): boolean {
  if (!/^[89]\d{8}$/.test(v)) return false;
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += Number(v[i]) * ORG_WEIGHTS[i]!;
  const rest = sum % 11;
  const check = rest === 0 ? 0 : 11 - rest;
  return check !== 10 && check === Number(v[8]);
}

/** MsgId: the sender's unique message id; a UUID in practice, any short token by the standard. */
export function isValidMsgId(v: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._:{}-]{0,99}$/.test(v);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export function isUuid(v: string): boolean {
  return UUID.test(v);
}
