import { createHash, createPublicKey, sign, verify, type JsonWebKey, type KeyObject } from 'node:crypto';

/**
 * Compact JWS (RFC 7515) with Node's crypto alone: RS256 for the client assertion, ES256 for DPoP
 * proofs. Shared by the HelseID client and the simulator that checks it, so both read the same
 * rules; the simulator still verifies with the registered certificate, never with what the token says.
 */

export type JwsAlgorithm = 'RS256' | 'ES256';

export interface JwsHeader {
  alg: JwsAlgorithm;
  typ?: string;
  kid?: string;
  x5c?: string[];
  jwk?: JsonWebKey;
  [name: string]: unknown;
}

export type JwtClaims = Record<string, unknown>;

export function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

export function sha256base64url(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('base64url');
}

// ES256 signatures are the raw r||s pair (IEEE P1363), not DER, in JWS.
const SIGN_OPTIONS: Record<JwsAlgorithm, { dsaEncoding?: 'ieee-p1363' }> = { RS256: {}, ES256: { dsaEncoding: 'ieee-p1363' } };

export function signJws(header: JwsHeader, claims: JwtClaims, key: KeyObject): string {
  const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  const signature = sign('sha256', Buffer.from(input), { key, ...SIGN_OPTIONS[header.alg] });
  return `${input}.${signature.toString('base64url')}`;
}

export interface DecodedJws {
  header: JwsHeader;
  claims: JwtClaims;
  signingInput: string;
  signature: Buffer;
}

/** Splits and decodes without checking anything; undefined when it is not a compact JWS of JSON parts. */
export function decodeJws(token: string): DecodedJws | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as JwsHeader;
    const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as JwtClaims;
    if (!header || typeof header !== 'object' || !claims || typeof claims !== 'object') return undefined;
    return { header, claims, signingInput: `${parts[0]}.${parts[1]}`, signature: Buffer.from(parts[2]!, 'base64url') };
  } catch {
    return undefined;
  }
}

/** True when the signature is the header's algorithm over the signing input with this key. */
export function verifyJws(jws: DecodedJws, key: KeyObject): boolean {
  const alg = jws.header.alg;
  if (alg !== 'RS256' && alg !== 'ES256') return false;
  const expectedType = alg === 'RS256' ? 'rsa' : 'ec';
  if (key.asymmetricKeyType !== expectedType) return false;
  try {
    return verify('sha256', Buffer.from(jws.signingInput), { key, ...SIGN_OPTIONS[alg] }, jws.signature);
  } catch {
    return false;
  }
}

/** RFC 7638 thumbprint of a public EC or RSA JWK: the required members in order, hashed. */
export function jwkThumbprint(jwk: JsonWebKey): string {
  const members = jwk.kty === 'EC' ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y } : { e: jwk.e, kty: jwk.kty, n: jwk.n };
  return sha256base64url(JSON.stringify(members));
}

/** A public key from a JWK header, refusing one that carries private members. */
export function publicKeyFromJwk(jwk: unknown): KeyObject | undefined {
  if (!jwk || typeof jwk !== 'object' || 'd' in jwk) return undefined;
  try {
    return createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
  } catch {
    return undefined;
  }
}
