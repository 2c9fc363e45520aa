import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import { GatewayError } from '../errors.js';
import { bearerAuth } from './auth.js';

/**
 * Authentication of the operations API and dashboard. Scripts send the operator token as a bearer
 * header; browsers log in once with it through a form and get a session cookie. The cookie is
 * signed (HMAC-SHA256) with a key derived from OPS_TOKEN, so changing the token ends every session
 * and no session state has to be shared between gateway processes.
 */

export const SESSION_COOKIE = 'epjgw_ops';
/** The header the dashboard's script sends with every changing request (see sameSite below). */
export const DASHBOARD_HEADER = 'x-epj-gateway-dashboard';
const DEFAULT_TTL_MS = 8 * 3600_000;
const OPERATOR_NAME = /^[\w.@+-]{1,64}$/;
const LOGIN_PAGE = '/ops/dashboard/login.html';
const DASHBOARD_PAGE = '/ops/dashboard/';

export interface OpsSessionOptions {
  /** how long a login lasts (OPS_SESSION_HOURS); default 8 hours */
  ttlMs?: number;
  now?: () => number;
}

export interface OpsSession {
  operator: string;
  expiresAt: number;
}

function sessionKey(opsToken: string): Buffer {
  return Buffer.from(hkdfSync('sha256', opsToken, 'epj-gateway', 'ops-session-v1', 32));
}

const sign = (key: Buffer, body: string) => createHmac('sha256', key).update(body).digest('base64url');

/** `v1.<operator, base64url>.<expires ms>.<nonce>.<mac>` */
export function issueSession(opsToken: string, operator: string, expiresAt: number): string {
  const body = `v1.${Buffer.from(operator).toString('base64url')}.${expiresAt}.${randomBytes(9).toString('base64url')}`;
  return `${body}.${sign(sessionKey(opsToken), body)}`;
}

/** The session a cookie value stands for, `expired`, or undefined when it is not one of ours. */
export function readSession(opsToken: string, value: string, now: number): OpsSession | 'expired' | undefined {
  const parts = value.split('.');
  if (parts.length !== 5 || parts[0] !== 'v1') return undefined;
  const body = parts.slice(0, 4).join('.');
  const given = Buffer.from(parts[4]!);
  const expected = Buffer.from(sign(sessionKey(opsToken), body));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  const expiresAt = Number(parts[2]);
  const operator = Buffer.from(parts[1]!, 'base64url').toString();
  if (!OPERATOR_NAME.test(operator)) return undefined;
  if (!Number.isSafeInteger(expiresAt) || expiresAt <= now) return 'expired';
  return { operator, expiresAt };
}

function cookieOf(req: Request, name: string): string | undefined {
  for (const pair of (req.get('cookie') ?? '').split(';')) {
    const i = pair.indexOf('=');
    if (i > 0 && pair.slice(0, i).trim() === name) return pair.slice(i + 1).trim();
  }
  return undefined;
}

function setSessionCookie(req: Request, res: Response, value: string, maxAgeMs: number): void {
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

/** The operator token as a bearer header, or a valid session cookie from the login form. */
export function opsAuth(opsToken: string, options: OpsSessionOptions = {}): RequestHandler {
  const bearer = bearerAuth([{ client: 'operator', token: opsToken }]);
  const now = options.now ?? Date.now;
  return (req, res, next) => {
    if (req.get('authorization')) return bearer(req, res, next);
    const value = cookieOf(req, SESSION_COOKIE);
    if (!value) return next(new GatewayError('AUTH_MISSING', '(browsers: log in at /ops/login)'));
    const session = readSession(opsToken, value, now());
    if (!session || session === 'expired') return next(new GatewayError('OPS_SESSION_EXPIRED'));
    if (!SAFE_METHODS.has(req.method) && !sameSite(req)) return next(new GatewayError('OPS_CROSS_SITE'));
    res.locals.client = 'operator';
    res.locals.operatorSession = session;
    // The audit log names the person from X-Operator; for a session that is the name given at login,
    // whatever the request itself claims.
    req.headers['x-operator'] = session.operator;
    next();
  };
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * POST /ops/login (form or JSON: token, operator) sets the session cookie; POST /ops/logout ends
 * it. Mounted before opsAuth. A wrong token costs a pause, to make guessing slow.
 */
export function opsLoginRouter(opsToken: string, options: OpsSessionOptions = {}): Router {
  const router = Router();
  const ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
  const now = options.now ?? Date.now;
  const expected = digest(opsToken);
  const body = [express.urlencoded({ extended: false, limit: '4kb' }), express.json({ limit: '4kb' })];

  router.get('/login', (_req, res) => res.redirect(303, LOGIN_PAGE));

  router.post('/login', ...body, async (req, res) => {
    const wantsJson = Boolean(req.is('application/json'));
    const fields = (req.body ?? {}) as Record<string, unknown>;
    const token = typeof fields.token === 'string' ? fields.token : '';
    const name = typeof fields.operator === 'string' && OPERATOR_NAME.test(fields.operator.trim()) ? fields.operator.trim() : 'operator';
    // A login is refused only when a browser says another site sent it (login CSRF); a script has no cookie to abuse.
    if (fromBrowser(req) === false) throw new GatewayError('OPS_CROSS_SITE');
    if (!timingSafeEqual(digest(token), expected)) {
      await sleep(300);
      if (wantsJson) throw new GatewayError('OPS_LOGIN_FAILED');
      return res.redirect(303, `${LOGIN_PAGE}?failed=1`);
    }
    const expiresAt = now() + ttlMs;
    setSessionCookie(req, res, issueSession(opsToken, name, expiresAt), ttlMs);
    if (wantsJson) return res.json({ operator: name, expiresAt: new Date(expiresAt).toISOString() });
    res.redirect(303, DASHBOARD_PAGE);
  });

  router.post('/logout', (req, res) => {
    setSessionCookie(req, res, '', 0);
    res.redirect(303, `${LOGIN_PAGE}?loggedOut=1`);
  });
  return router;
}
