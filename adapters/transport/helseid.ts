import { randomUUID, type KeyObject, type X509Certificate } from 'node:crypto';
import axios, { AxiosError, type AxiosInstance } from 'axios';
import { readCertificate, readPrivateKey } from '../../src/trust/clinic-keys.js';
import type { DpopKey } from './dpop.js';
import { CertificateRefusedError, TransportError, isNetworkFault, networkReason } from './errors.js';
import { SOURCE_SYSTEM } from './headers.js';
import { base64url, signJws } from './jws.js';
import type { ClientRefusal } from '../../src/gate/helseid-answers.js';

/**
 * HelseID access tokens for NHN's message service: the client-credentials grant, the client
 * authenticated by a `private_key_jwt` assertion signed with the clinic's enterprise signing key,
 * the token bound to this process's DPoP key. A token is reused until shortly before it expires.
 * A refused assertion means HelseID does not accept the clinic's certificate: that is told to
 * `onCertificateRefused` (the service gate) as well as thrown.
 */

export interface ClinicCredentials {
  signingKey: KeyObject;
  signingCert: X509Certificate;
}

export interface HelseIdOptions extends ClinicCredentials {
  tokenUrl: string;
  clientId: string;
  scope: string;
  dpop: DpopKey;
  timeoutMs: number;
  /** a new token is fetched this long before the cached one expires; default 60 s */
  refreshMarginMs?: number;
  /** the clock the token's lifetime is counted on; default Date.now */
  clock?: { now(): number };
  onCertificateRefused?: (reason: string) => void;
  /** HelseID refused the client itself (invalid_client, unauthorized_client, invalid_grant, …): told to the people who set it right */
  onClientRefused?: (refusal: ClientRefusal) => void;
  /** a token was issued (the client is accepted) */
  onTokenIssued?: () => void;
}

/** The OAuth errors of the token endpoint that say the client (its registration, key or grants) is refused, not the request's form. */
export const CLIENT_REFUSALS: ReadonlySet<string> = new Set([
  'invalid_client',
  'unauthorized_client',
  'invalid_grant',
  'invalid_scope',
  'unsupported_grant_type',
  'access_denied',
]);

export interface AccessToken {
  value: string;
  expiresAt: number;
}

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** Reads CLINIC_SIGNING_CERT and CLINIC_SIGNING_KEY; a GatewayError naming the file when either is unusable or they do not belong together. */
export function loadClinicCredentials(certPath: string, keyPath: string): ClinicCredentials {
  const signingCert = readCertificate(certPath);
  return { signingCert, signingKey: readPrivateKey(keyPath, signingCert) };
}

/** The RS256 client assertion (RFC 7523), naming the certificate by x5c and its SHA-256 thumbprint. */
export function clientAssertion(opts: ClinicCredentials & { clientId: string; audience: string }): string {
  const now = Math.floor(Date.now() / 1000);
  const header = {
    alg: 'RS256' as const,
    typ: 'client-authentication+jwt',
    kid: certificateThumbprint(opts.signingCert),
    x5c: [opts.signingCert.raw.toString('base64')],
  };
  const claims = { iss: opts.clientId, sub: opts.clientId, aud: opts.audience, jti: randomUUID(), iat: now, nbf: now, exp: now + 60 };
  return signJws(header, claims, opts.signingKey);
}

/** `x5t#S256` of a certificate, used as its key id. */
export function certificateThumbprint(cert: X509Certificate): string {
  return base64url(Buffer.from(cert.fingerprint256.replaceAll(':', ''), 'hex'));
}

/** What the message-service client needs of HelseID: a valid token and the key its proofs are signed with. */
export interface AccessTokenSource {
  accessToken(): Promise<string>;
  /** forgets the cached token (the API said it is no longer valid) */
  invalidate(): void;
  readonly dpop: DpopKey;
}

export class HelseIdClient implements AccessTokenSource {
  private cached: AccessToken | undefined;
  private inFlight: Promise<AccessToken> | undefined;
  private nonce: string | undefined;
  private readonly http: AxiosInstance;
  /** how many tokens were fetched (operations and tests read it) */
  tokensFetched = 0;
  private readonly now = () => this.options.clock?.now() ?? Date.now();

  constructor(private readonly options: HelseIdOptions) {
    this.http = axios.create({ timeout: options.timeoutMs, validateStatus: () => true, headers: { 'user-agent': SOURCE_SYSTEM } });
  }

  get dpop(): DpopKey {
    return this.options.dpop;
  }

  /** A valid access token, from the cache or HelseID; concurrent callers share one request. */
  async accessToken(): Promise<string> {
    const margin = this.options.refreshMarginMs ?? 60_000;
    if (this.cached && this.cached.expiresAt - margin > this.now()) return this.cached.value;
    this.inFlight ??= this.fetchToken().finally(() => (this.inFlight = undefined));
    this.cached = await this.inFlight;
    return this.cached.value;
  }

  /** Forgets the cached token (the API said it is no longer valid). */
  invalidate(): void {
    this.cached = undefined;
  }

  private async fetchToken(): Promise<AccessToken> {
    // HelseID asks for a nonce of its own (use_dpop_nonce) on the first try; it is kept for the next.
    for (let attempt = 0; attempt < 2; attempt++) {
      const answer = await this.postTokenRequest();
      const fresh: unknown = answer.headers['dpop-nonce'];
      if (typeof fresh === 'string' && fresh) this.nonce = fresh;
      const data = (answer.data ?? {}) as Record<string, unknown>;
      if (answer.status === 200 && typeof data.access_token === 'string') {
        if (String(data.token_type).toLowerCase() !== 'dpop')
          throw new TransportError('HELSEID_TOKEN_REFUSED', `HelseID issued a ${String(data.token_type)} token, not a DPoP-bound one`, false);
        this.tokensFetched++;
        this.options.onTokenIssued?.();
        const expiresIn = typeof data.expires_in === 'number' ? data.expires_in : 300;
        return { value: data.access_token, expiresAt: this.now() + expiresIn * 1000 };
      }
      const error = typeof data.error === 'string' ? data.error : undefined;
      if (error === 'use_dpop_nonce' && attempt === 0 && typeof fresh === 'string') continue;
      throw this.refusal(answer.status, error, typeof data.error_description === 'string' ? data.error_description : undefined);
    }
    throw new TransportError('HELSEID_TOKEN_REFUSED', 'HelseID asked for a new DPoP nonce twice in a row', true);
  }

  private async postTokenRequest() {
    const { tokenUrl, clientId, scope, dpop } = this.options;
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      scope,
      client_assertion_type: ASSERTION_TYPE,
      client_assertion: clientAssertion({ ...this.options, audience: tokenUrl }),
    });
    try {
      return await this.http.post(tokenUrl, form.toString(), {
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          DPoP: dpop.proof({ method: 'POST', url: tokenUrl, ...(this.nonce ? { nonce: this.nonce } : {}) }),
        },
      });
    } catch (err) {
      if (err instanceof AxiosError && isNetworkFault(err))
        throw new TransportError('HELSEID_UNREACHABLE', networkReason(err, 'HelseID', this.options.timeoutMs), true, { operation: 'token' }, { cause: err });
      throw err;
    }
  }

  private refusal(status: number, error: string | undefined, description: string | undefined): TransportError {
    const said = [error, description].filter(Boolean).join(': ');
    const reason = `HelseID answered ${status}${said ? ` (${said})` : ''}`;
    const details = { httpStatus: status, operation: 'token', ...(error ? { oauthError: error } : {}) };
    if (error && CLIENT_REFUSALS.has(error) && status < 500)
      this.options.onClientRefused?.({ oauthError: error, httpStatus: status, ...(description ? { description } : {}) });
    if (error === 'invalid_client') {
      const refused = new CertificateRefusedError(`HelseID refused the clinic's certificate: ${description ?? 'invalid_client'}`, details);
      this.options.onCertificateRefused?.(refused.reason);
      return refused;
    }
    if (status >= 500 || status === 429) return new TransportError('HELSEID_UNREACHABLE', reason, true, details);
    return new TransportError('HELSEID_TOKEN_REFUSED', reason, false, details);
  }
}
