import { X509Certificate, randomBytes, type KeyObject } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { certificateThumbprint } from '../../adapters/transport/helseid.js';
import { decodeJws, jwkThumbprint, publicKeyFromJwk, sha256base64url, verifyJws } from '../../adapters/transport/jws.js';

/**
 * The simulator's HelseID: a token endpoint that checks the client assertion against the
 * certificate registered for the client (never against the certificate the assertion brings) and
 * the DPoP proof, and issues tokens bound to the proof's key; plus the check every message-service
 * route makes of the token and a fresh proof (RFC 9449: htm, htu, iat, jti once, ath, key binding).
 */

export interface RegisteredClient {
  clientId: string;
  certificate: X509Certificate;
  /** the HER-ids the client may read and send for */
  herIds: number[];
  scopes: string[];
}

export interface IssuedToken {
  clientId: string;
  scope: string;
  herIds: number[];
  /** thumbprint of the DPoP key the token is bound to */
  jkt: string;
  expiresAt: number;
}

export interface HelseIdSimulatorOptions {
  /** seconds a token lives; default 300 */
  tokenLifetimeS?: number;
  /** ask for a DPoP nonce at the token endpoint, as HelseID does; default true */
  requireNonce?: boolean;
  /** ask for a DPoP nonce on the message-service routes too (RFC 9449 §9); default false */
  requireApiNonce?: boolean;
}

type Verdict = { ok: true; jkt: string } | { ok: false; error: 'invalid_dpop_proof' | 'use_dpop_nonce'; description: string };

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const SKEW_S = 60;

export class SimulatedHelseId {
  readonly clients = new Map<string, RegisteredClient>();
  private readonly tokens = new Map<string, IssuedToken>();
  private readonly seenJti = new Map<string, number>();
  private prunedAt = Date.now();
  private readonly proofKeys = new Map<string, KeyObject>();
  private nonce = randomBytes(16).toString('base64url');
  tokensIssued = 0;
  /** why assertions were refused, newest last (ids and reasons only) */
  readonly refusals: string[] = [];

  constructor(private readonly options: HelseIdSimulatorOptions = {}) {}

  register(client: { clientId: string; certificate: X509Certificate | string | Buffer; herIds: number[]; scopes?: string[] }): void {
    const certificate = client.certificate instanceof X509Certificate ? client.certificate : new X509Certificate(client.certificate);
    this.clients.set(client.clientId, {
      clientId: client.clientId,
      certificate,
      herIds: client.herIds,
      scopes: client.scopes ?? ['nhn:msh/api', 'nhn:communicationparty/read'],
    });
  }

  /** Forgets issued tokens and proofs (clients stay registered). */
  reset(): void {
    this.tokens.clear();
    this.seenJti.clear();
    this.refusals.length = 0;
    this.tokensIssued = 0;
  }

  /** Revokes every token now, as HelseID would after a key compromise. */
  revokeTokens(): void {
    this.tokens.clear();
  }

  tokenEndpoint = (req: Request, res: Response): void => {
    const form = (req.body ?? {}) as Record<string, string | undefined>;
    const tokenUrl = `${origin(req)}${req.originalUrl.split('?')[0]}`;
    const oauthError = (status: number, error: string, description: string) => {
      if (error === 'invalid_client') this.refusals.push(description);
      res.status(status).set('cache-control', 'no-store').json({ error, error_description: description });
    };
    if (form.grant_type !== 'client_credentials') return oauthError(400, 'unsupported_grant_type', 'only client_credentials is served');
    const proof = this.verifyProof(req.get('dpop'), { method: 'POST', url: tokenUrl, nonceRequired: this.options.requireNonce ?? true });
    if (!proof.ok) {
      if (proof.error === 'use_dpop_nonce') res.set('DPoP-Nonce', this.nonce);
      return oauthError(400, proof.error, proof.description);
    }
    if (form.client_assertion_type !== ASSERTION_TYPE || !form.client_assertion)
      return oauthError(400, 'invalid_client', 'a private_key_jwt client assertion is required');
    const client = this.checkAssertion(form.client_assertion, form.client_id, tokenUrl, origin(req));
    if (typeof client === 'string') return oauthError(400, 'invalid_client', client);
    const scope = (form.scope ?? '').split(' ').filter(Boolean);
    if (scope.length === 0 || !scope.every((s) => client.scopes.includes(s)))
      return oauthError(400, 'invalid_scope', `the client may ask for ${client.scopes.join(' ')}`);
    const lifetime = this.options.tokenLifetimeS ?? 300;
    const token = randomBytes(32).toString('base64url');
    this.tokens.set(token, {
      clientId: client.clientId,
      scope: scope.join(' '),
      herIds: client.herIds,
      jkt: proof.jkt,
      expiresAt: Date.now() + lifetime * 1000,
    });
    this.tokensIssued++;
    res.set('cache-control', 'no-store').json({ access_token: token, token_type: 'DPoP', expires_in: lifetime, scope: scope.join(' ') });
  };

  /** Express middleware for the message-service routes: a DPoP-bound token and a fresh proof for this very request. */
  requireToken = (req: Request, res: Response, next: NextFunction): void => {
    const refuse = (error: string, description: string) => {
      res
        .status(401)
        .set('WWW-Authenticate', `DPoP error="${error}", error_description="${description}", algs="ES256 RS256"`)
        .json({
          error: description,
          errorCode: 401,
          validationErrors: null,
          requestId: res.locals.requestId as string,
        });
    };
    const [scheme, token] = (req.get('authorization') ?? '').split(' ');
    if (scheme?.toLowerCase() !== 'dpop' || !token) return refuse('invalid_token', 'a DPoP-bound access token is required (Authorization: DPoP <token>)');
    const issued = this.tokens.get(token);
    if (!issued || issued.expiresAt <= Date.now()) return refuse('invalid_token', 'the access token is unknown or expired');
    if (!issued.scope.split(' ').includes('nhn:msh/api')) return refuse('insufficient_scope', 'the token lacks the scope nhn:msh/api');
    const url = `${origin(req)}${req.originalUrl.split('?')[0]}`;
    const proof = this.verifyProof(req.get('dpop'), { method: req.method, url, accessToken: token, nonceRequired: this.options.requireApiNonce ?? false });
    if (!proof.ok) {
      if (proof.error === 'use_dpop_nonce') res.set('DPoP-Nonce', this.nonce);
      return refuse(proof.error, proof.description);
    }
    if (proof.jkt !== issued.jkt) return refuse('invalid_dpop_proof', 'the proof is signed by another key than the token is bound to');
    res.locals.token = issued;
    next();
  };

  private checkAssertion(assertion: string, clientId: string | undefined, tokenUrl: string, issuer: string): RegisteredClient | string {
    const jws = decodeJws(assertion);
    if (!jws) return 'the client assertion is not a signed JWT';
    const { header, claims } = jws;
    const client = this.clients.get(String(claims.iss));
    if (!client) return 'the client is not registered';
    if (claims.sub !== client.clientId || (clientId !== undefined && clientId !== client.clientId)) return 'iss, sub and client_id must name the same client';
    if (header.alg !== 'RS256') return 'the assertion must be signed with RS256';
    if (header.x5c && Buffer.compare(Buffer.from(String(header.x5c[0]), 'base64'), client.certificate.raw) !== 0)
      return 'the certificate in x5c is not the one registered for the client';
    if (!header.x5c && header.kid !== undefined && header.kid !== certificateThumbprint(client.certificate))
      return 'kid names another certificate than the registered one';
    if (!verifyJws(jws, client.certificate.publicKey)) return 'the signature does not verify with the registered certificate';
    const now = Date.now();
    if (now < Date.parse(client.certificate.validFrom) || now > Date.parse(client.certificate.validTo)) return 'the registered certificate is not valid now';
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!audiences.some((a) => a === tokenUrl || a === issuer)) return 'aud must be the token endpoint';
    const nowS = now / 1000;
    if (typeof claims.exp !== 'number' || claims.exp < nowS - SKEW_S) return 'the assertion has expired';
    if (typeof claims.iat === 'number' && claims.exp - claims.iat > 300) return 'the assertion lives longer than 300 s';
    if (typeof claims.nbf === 'number' && claims.nbf > nowS + SKEW_S) return 'the assertion is not valid yet';
    if (!this.firstUse(`assertion:${String(claims.jti)}`, claims.jti)) return 'the assertion was used before (jti)';
    return client;
  }

  private verifyProof(proof: string | undefined, expect: { method: string; url: string; accessToken?: string; nonceRequired: boolean }): Verdict {
    const bad = (description: string): Verdict => ({ ok: false, error: 'invalid_dpop_proof', description });
    if (!proof) return bad('a DPoP proof is required');
    const jws = decodeJws(proof);
    if (!jws) return bad('the DPoP proof is not a signed JWT');
    const { header, claims } = jws;
    if (header.typ !== 'dpop+jwt') return bad('typ must be dpop+jwt');
    const key = this.proofKey(header.jwk);
    if (!key) return bad('the header must carry a public jwk');
    if (!verifyJws(jws, key)) return bad('the proof signature does not verify with its jwk');
    if (claims.htm !== expect.method.toUpperCase()) return bad(`htm must be ${expect.method.toUpperCase()}`);
    if (claims.htu !== expect.url) return bad('htu is not the URL of this request');
    const nowS = Date.now() / 1000;
    if (typeof claims.iat !== 'number' || Math.abs(nowS - claims.iat) > SKEW_S) return bad('iat is not within a minute of now');
    if (expect.accessToken !== undefined && claims.ath !== sha256base64url(expect.accessToken)) return bad('ath is not the hash of the access token');
    if (expect.nonceRequired && claims.nonce !== this.nonce)
      return { ok: false, error: 'use_dpop_nonce', description: 'the authorization server requires a DPoP nonce' };
    if (!this.firstUse(`proof:${String(claims.jti)}`, claims.jti)) return bad('the proof was used before (jti)');
    return { ok: true, jkt: jwkThumbprint(header.jwk!) };
  }

  /** The proof's public key; a client proves with one key for its life, so keys are kept by their JWK. */
  private proofKey(jwk: unknown) {
    const id = JSON.stringify(jwk);
    const known = this.proofKeys.get(id);
    if (known) return known;
    const key = publicKeyFromJwk(jwk);
    if (key) {
      if (this.proofKeys.size >= 1_000) this.proofKeys.clear();
      this.proofKeys.set(id, key);
    }
    return key;
  }

  /** Remembers a jti for five minutes; false if it was seen in that time. */
  private firstUse(key: string, jti: unknown): boolean {
    if (typeof jti !== 'string' || !jti) return false;
    const now = Date.now();
    if (now - this.prunedAt > 10_000) {
      this.prunedAt = now;
      for (const [k, until] of this.seenJti) if (until < now) this.seenJti.delete(k);
    }
    if (this.seenJti.has(key)) return false;
    this.seenJti.set(key, now + 300_000);
    return true;
  }
}

export function origin(req: Request): string {
  return `${req.protocol}://${req.get('host')}`;
}
