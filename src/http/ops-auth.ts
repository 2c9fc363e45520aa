import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import { GatewayError } from '../errors.js';
import type { OperatorDirectory } from '../operators/operator-directory.js';
import { ACCOUNT_NAME, isRole, roleAllows, type Role } from '../operators/roles.js';
import { roleRefusal, type OperatorIdentity } from './ops-roles.js';

/**
 * Authentication of the operations API and dashboard. Every request is made as a named operator
 * account (src/operators/): scripts send the account's token as a bearer header; browsers log in
 * once, with the token through a form or through OpenID Connect, and get a session cookie. The
 * cookie is signed (HMAC-SHA256) with a key derived from OPS_TOKEN, so changing that token ends
 * every session and no session state has to be shared between gateway processes. A session of a
 * token login follows its account: removed, it ends; its role changed, the new role counts.
 */

export const SESSION_COOKIE = 'epjgw_ops';
/** The header the dashboard's script sends with every changing request (see sameSite below). */
export const DASHBOARD_HEADER = 'x-epj-gateway-dashboard';
const DEFAULT_TTL_MS = 8 * 3600_000;
const LOGIN_PAGE = '/ops/dashboard/login.html';
const DASHBOARD_PAGE = '/ops/dashboard/';

export interface OpsSessionOptions {
  /** how long a login lasts (OPS_SESSION_HOURS); default 8 hours */
  ttlMs?: number;
  now?: () => number;
}

export interface OpsSession extends OperatorIdentity {
  expiresAt: number;
}

function sessionKey(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'epj-gateway', 'ops-session-v2', 32));
}

const sign = (key: Buffer, body: string) => createHmac('sha256', key).update(body).digest('base64url');

/** `v2.<account, base64url>.<role>.<via>.<expires ms>.<nonce>.<mac>` */
export function issueSession(secret: string, identity: Omit<OperatorIdentity, 'via'> & { via: 'session' | 'oidc' }, expiresAt: number): string {
  const name = Buffer.from(identity.name).toString('base64url');
  const body = `v2.${name}.${identity.role}.${identity.via}.${expiresAt}.${randomBytes(9).toString('base64url')}`;
  return `${body}.${sign(sessionKey(secret), body)}`;
}

/** The session a cookie value stands for, `expired`, or undefined when it is not one of ours. */
export function readSession(secret: string, value: string, now: number): OpsSession | 'expired' | undefined {
  const parts = value.split('.');
  if (parts.length !== 7 || parts[0] !== 'v2') return undefined;
  const body = parts.slice(0, 6).join('.');
  const given = Buffer.from(parts[6]!);
  const expected = Buffer.from(sign(sessionKey(secret), body));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  const name = Buffer.from(parts[1]!, 'base64url').toString();
  const [role, via] = [parts[2], parts[3]];
  const expiresAt = Number(parts[4]);
  if (!ACCOUNT_NAME.test(name) || !isRole(role) || (via !== 'session' && via !== 'oidc')) return undefined;
  if (!Number.isSafeInteger(expiresAt) || expiresAt <= now) return 'expired';
  return { name, role, via, expiresAt };
}

export function cookieOf(req: Request, name: string): string | undefined {
  for (const pair of (req.get('cookie') ?? '').split(';')) {
    const i = pair.indexOf('=');
    if (i > 0 && pair.slice(0, i).trim() === name) return pair.slice(i + 1).trim();
  }
  return undefined;
}

export function setSessionCookie(req: Request, res: Response, value: string, maxAgeMs: number): void {
  const attributes = [`${SESSION_COOKIE}=${value}`, 'Path=/ops', 'HttpOnly', 'SameSite=Strict', `Max-Age=${Math.floor(maxAgeMs / 1000)}`];
  if (req.secure) attributes.push('Secure');
  res.append('Set-Cookie', attributes.join('; '));
}

/**
 * A cookie is sent by the browser whoever made the page, so a changing request riding on it must
 * show it came from the gateway's own pages: the browser's Sec-Fetch-Site or Origin says so, or
 * the dashboard's own header is present (a header no other site can add without a CORS preflight,
 * which this server never grants).
 */
export function sameSite(req: Request): boolean {
  const browserSays = fromBrowser(req);
  return browserSays ?? req.get(DASHBOARD_HEADER) !== undefined;
}

/** What the browser tells about where a request came from: same site, another site, or nothing. */
function fromBrowser(req: Request): boolean | undefined {
  const fetchSite = req.get('sec-fetch-site');
  if (fetchSite) return fetchSite === 'same-origin';
  const origin = req.get('origin');
  if (!origin) return undefined;
  try {
    return new URL(origin).host === req.get('host');
  } catch {
    return false;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const bearerToken = (req: Request) => /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '')?.[1];

/**
 * An operator account's token as a bearer header, or a valid session cookie. The account goes to
 * res.locals.operator; each route then declares the role it needs (ops-roles.ts). As a net under
 * that, a viewer never gets past this point with a changing request.
 */
export function opsAuth(directory: OperatorDirectory, secret: string, options: OpsSessionOptions = {}): RequestHandler {
  const now = options.now ?? Date.now;
  const identify = async (req: Request): Promise<OperatorIdentity> => {
    if (req.get('authorization')) {
      const token = bearerToken(req);
      if (!token) throw new GatewayError('AUTH_MISSING');
      const account = await directory.authenticate(token);
      if (!account) throw new GatewayError('AUTH_INVALID');
      return { name: account.name, role: account.role, via: 'token' };
    }
    const value = cookieOf(req, SESSION_COOKIE);
    if (!value) throw new GatewayError('AUTH_MISSING', '(browsers: log in at /ops/login)');
    const session = readSession(secret, value, now());
    if (!session || session === 'expired') throw new GatewayError('OPS_SESSION_EXPIRED');
    if (!SAFE_METHODS.has(req.method) && !sameSite(req)) throw new GatewayError('OPS_CROSS_SITE');
    if (session.via === 'oidc') return { name: session.name, role: session.role, via: 'oidc' };
    const account = await directory.find(session.name);
    if (!account) throw new GatewayError('OPS_SESSION_EXPIRED', '(the account is gone)');
    return { name: account.name, role: account.role, via: 'session' };
  };
  return (req, res, next) => {
    identify(req).then(
      (identity) => {
        res.locals.client = 'operator';
        res.locals.operator = identity;
        if (!SAFE_METHODS.has(req.method) && !roleAllows(identity.role, 'operator')) return next(roleRefusal(identity, 'operator'));
        next();
      },
      (err: unknown) => next(err),
    );
  };
}

/** Starts a dashboard session for an account (a token login or an OpenID Connect login). */
export function startSession(
  req: Request,
  res: Response,
  secret: string,
  identity: { name: string; role: Role; via: 'session' | 'oidc' },
  options: OpsSessionOptions = {},
): number {
  const ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
  const expiresAt = (options.now ?? Date.now)() + ttlMs;
  setSessionCookie(req, res, issueSession(secret, identity, expiresAt), ttlMs);
  return expiresAt;
}

/**
 * POST /ops/login (form or JSON: token) sets the session cookie for the token's account; POST
 * /ops/logout ends it. Mounted before opsAuth. A wrong token costs a pause, to make guessing slow.
 */
export function opsLoginRouter(directory: OperatorDirectory, secret: string, options: OpsSessionOptions = {}): Router {
  const router = Router();
  const body = [express.urlencoded({ extended: false, limit: '4kb' }), express.json({ limit: '4kb' })];

  router.get('/login', (_req, res) => res.redirect(303, LOGIN_PAGE));

  router.post('/login', ...body, async (req, res) => {
    const wantsJson = Boolean(req.is('application/json'));
    const fields = (req.body ?? {}) as Record<string, unknown>;
    const token = typeof fields.token === 'string' ? fields.token : '';
    // A login is refused only when a browser says another site sent it (login CSRF); a script has no cookie to abuse.
    if (fromBrowser(req) === false) throw new GatewayError('OPS_CROSS_SITE');
    const account = token ? await directory.authenticate(token) : undefined;
    if (!account) {
      await sleep(300);
      if (wantsJson) throw new GatewayError('OPS_LOGIN_FAILED');
      return res.redirect(303, `${LOGIN_PAGE}?failed=1`);
    }
    const expiresAt = startSession(req, res, secret, { name: account.name, role: account.role, via: 'session' }, options);
    if (wantsJson) return res.json({ operator: account.name, role: account.role, expiresAt: new Date(expiresAt).toISOString() });
    res.redirect(303, DASHBOARD_PAGE);
  });

  router.post('/logout', (req, res) => {
    setSessionCookie(req, res, '', 0);
    res.redirect(303, `${LOGIN_PAGE}?loggedOut=1`);
  });
  return router;
}
