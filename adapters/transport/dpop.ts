import { generateKeyPairSync, randomUUID, type JsonWebKey, type KeyObject } from 'node:crypto';
import { jwkThumbprint, sha256base64url, signJws } from './jws.js';

/**
 * DPoP (RFC 9449): every request carries a proof signed with a key only this process holds, so a
 * leaked access token is worthless elsewhere. The key is ephemeral (made at start, never stored);
 * HelseID binds the token to its thumbprint.
 */

export interface ProofRequest {
  method: string;
  url: string;
  /** the access token the request carries; its hash goes into `ath` */
  accessToken?: string;
  /** the nonce the server asked for, if it did */
  nonce?: string;
}

export class DpopKey {
  readonly publicJwk: JsonWebKey;
  /** RFC 7638 thumbprint: the `cnf.jkt` of tokens bound to this key */
  readonly thumbprint: string;

  private constructor(
    private readonly privateKey: KeyObject,
    publicKey: KeyObject,
  ) {
    const jwk = publicKey.export({ format: 'jwk' });
    this.publicJwk = { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y };
    this.thumbprint = jwkThumbprint(this.publicJwk);
  }

  static generate(): DpopKey {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    return new DpopKey(privateKey, publicKey);
  }

  proof(req: ProofRequest): string {
    const claims = {
      jti: randomUUID(),
      htm: req.method.toUpperCase(),
      htu: htuOf(req.url),
      iat: Math.floor(Date.now() / 1000),
      ...(req.nonce ? { nonce: req.nonce } : {}),
      ...(req.accessToken ? { ath: sha256base64url(req.accessToken) } : {}),
    };
    return signJws({ typ: 'dpop+jwt', alg: 'ES256', jwk: this.publicJwk }, claims, this.privateKey);
  }
}

/** The `htu` of a request: its URL without query and fragment (RFC 9449 §4.2). */
export function htuOf(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}
