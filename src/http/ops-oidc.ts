import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import * as oidc from 'openid-client';
import type { Config } from '../config.js';
import { GatewayError, isGatewayError, type ErrorCode } from '../errors.js';
import { nameFromClaims, roleFromClaims } from '../operators/claims-role.js';
import { cookieOf, startSession, type OpsSessionOptions } from './ops-auth.js';

/**
 * OpenID Connect login for the dashboard (authorization code with PKCE, openid-client): any
 * standard provider (Entra ID, Keycloak, …). GET /ops/oidc/login sends the browser to the provider;
 * GET /ops/oidc/callback takes the code back, checks state, nonce and the PKCE verifier, reads the
 * role from a claim (OIDC_ROLE_CLAIM, mapped by OIDC_ROLE_MAP) and starts the same signed session
 * a token login does, naming the person (OIDC_NAME_CLAIM). GET /ops/oidc says whether it is on, for
 * the login page.
 */

export type OidcSettings = Pick<
  Config,
  'OIDC_ISSUER' | 'OIDC_CLIENT_ID' | 'OIDC_CLIENT_SECRET' | 'OIDC_REDIRECT_URL' | 'OIDC_SCOPES' | 'OIDC_ROLE_CLAIM' | 'OIDC_ROLE_MAP' | 'OIDC_NAME_CLAIM'
>;

const FLOW_COOKIE = 'epjgw_oidc';
const FLOW_TTL_MS = 10 * 60_000;
const CALLBACK_PATH = '/ops/oidc/callback';
const LOGIN_PAGE = '/ops/dashboard/login.html';

interface Flow {
  verifier: string;
  state: string;
  nonce: string;
  expiresAt: number;
}

function flowCodec(secret: string) {
  const key = Buffer.from(hkdfSync('sha256', secret, 'epj-gateway', 'ops-oidc-flow-v1', 32));
  const mac = (body: string) => createHmac('sha256', key).update(body).digest('base64url');
  return {
    seal: (flow: Flow) => {
      const body = Buffer.from(JSON.stringify(flow)).toString('base64url');
      return `${body}.${mac(body)}`;
    },
    open: (value: string | undefined, now: number): Flow | undefined => {
      const [body, given] = (value ?? '').split('.');
      if (!body || !given) return undefined;
      const a = Buffer.from(given);
      const b = Buffer.from(mac(body));
      if (a.length !== b.length || !timingSafeEqual(a, b)) return undefined;
      const flow = JSON.parse(Buffer.from(body, 'base64url').toString()) as Flow;
      return flow.expiresAt > now ? flow : undefined;
    },
  };
}

/**
 * The flow cookie rides on the provider's redirect back, a cross-site navigation: SameSite=Lax,
 * not Strict, so the browser sends it; it holds nothing but the one-time checks of this login.
 */
function setFlowCookie(req: Request, res: Response, value: string, maxAgeMs: number): void {
  const attributes = [`${FLOW_COOKIE}=${value}`, 'Path=/ops/oidc', 'HttpOnly', 'SameSite=Lax', `Max-Age=${Math.floor(maxAgeMs / 1000)}`];
  if (req.secure) attributes.push('Secure');
  res.append('Set-Cookie', attributes.join('; '));
}

export function opsOidcRouter(settings: OidcSettings, secret: string, options: OpsSessionOptions = {}): Router {
  const router = Router();
  const now = options.now ?? Date.now;
  router.get('/oidc', (_req, res) => void res.json({ enabled: Boolean(settings.OIDC_ISSUER) }));
  const issuer = settings.OIDC_ISSUER;
  const clientId = settings.OIDC_CLIENT_ID;
  if (!issuer || !clientId) {
    router.get(['/oidc/login', '/oidc/callback'], () => {
      throw new GatewayError('OIDC_NOT_CONFIGURED');
    });
    return router;
  }

  // discovered once, again after a failure (the provider may have been down at the first login)
  let discovered: Promise<oidc.Configuration> | undefined;
  const configuration = () => {
    discovered ??= oidc
      .discovery(
        new URL(issuer),
        clientId,
        undefined,
        settings.OIDC_CLIENT_SECRET ? oidc.ClientSecretBasic(settings.OIDC_CLIENT_SECRET) : oidc.None(),
        // plain http only where the settings ask for it (a provider on this machine); production refuses it
        issuer.startsWith('http:') ? { execute: [oidc.allowInsecureRequests] } : undefined,
      )
      .catch((err: unknown) => {
        discovered = undefined;
        throw new GatewayError('OIDC_PROVIDER_UNREACHABLE', `(${(err as Error).message})`, undefined, { cause: err });
      });
    return discovered;
  };
  const codec = flowCodec(secret);
  const redirectUri = (req: Request) => settings.OIDC_REDIRECT_URL ?? `${req.protocol}://${req.get('host') ?? 'localhost'}${CALLBACK_PATH}`;
  const failed = (res: Response, code: ErrorCode) => res.redirect(303, `${LOGIN_PAGE}?oidc=${code}`);

  router.get('/oidc/login', async (req, res) => {
    const config = await configuration();
    const flow: Flow = { verifier: oidc.randomPKCECodeVerifier(), state: oidc.randomState(), nonce: oidc.randomNonce(), expiresAt: now() + FLOW_TTL_MS };
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri(req),
      scope: settings.OIDC_SCOPES,
      code_challenge: await oidc.calculatePKCECodeChallenge(flow.verifier),
      code_challenge_method: 'S256',
      state: flow.state,
      nonce: flow.nonce,
    });
    setFlowCookie(req, res, codec.seal(flow), FLOW_TTL_MS);
    res.redirect(303, url.href);
  });

  router.get('/oidc/callback', async (req, res) => {
    const flow = codec.open(cookieOf(req, FLOW_COOKIE), now());
    setFlowCookie(req, res, '', 0);
    if (!flow) return failed(res, 'OIDC_LOGIN_FAILED');
    let claims: Record<string, unknown>;
    try {
      const config = await configuration();
      const current = new URL(req.originalUrl, redirectUri(req));
      const tokens = await oidc.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: flow.verifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
      });
      claims = { ...tokens.claims() };
      // the role may be in the ID token (Entra ID, Keycloak with a mapper) or only at the userinfo endpoint
      if (roleFromClaims(claims, settings.OIDC_ROLE_CLAIM, settings.OIDC_ROLE_MAP) === undefined && config.serverMetadata().userinfo_endpoint)
        claims = { ...(await oidc.fetchUserInfo(config, tokens.access_token, String(claims.sub))), ...claims };
    } catch (err) {
      return failed(res, isGatewayError(err) ? err.code : 'OIDC_LOGIN_FAILED');
    }
    const role = roleFromClaims(claims, settings.OIDC_ROLE_CLAIM, settings.OIDC_ROLE_MAP);
    if (!role) return failed(res, 'OIDC_NO_ROLE');
    startSession(req, res, secret, { name: nameFromClaims(claims, settings.OIDC_NAME_CLAIM), role, via: 'oidc' }, options);
    // The provider's redirect was a cross-site navigation; the session cookie is SameSite=Strict, so
    // the dashboard is reached by a navigation of our own page, on which the browser sends it.
    res
      .type('html')
      .send(
        '<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=/ops/dashboard/"><a href="/ops/dashboard/">Continue to the dashboard</a>',
      );
  });
  return router;
}
