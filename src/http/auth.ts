import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { GatewayError } from '../errors.js';

export interface ClientToken {
  client: string;
  token: string;
  /** the HER-id of the clinic the client belongs to: it reaches that clinic's messages only */
  clinic?: string;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Bearer-token authentication, one token per client. Tokens are compared as digests in constant
 * time, so neither length nor content leaks through timing. The client's name and its clinic go to
 * res.locals.
 */
export function bearerAuth(tokens: readonly ClientToken[] | (() => readonly ClientToken[])): RequestHandler {
  // the digests are made once per token list; a fleet hands out the same list until it changes
  let last: { from: readonly ClientToken[]; known: { client: string; clinic: string | undefined; digest: Buffer }[] } | undefined;
  const knownNow = () => {
    const from = typeof tokens === 'function' ? tokens() : tokens;
    if (last?.from !== from) last = { from, known: from.map((t) => ({ client: t.client, clinic: t.clinic, digest: digest(t.token) })) };
    return last.known;
  };
  return (req, res, next) => {
    const known = knownNow();
    const header = req.get('authorization');
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) return next(new GatewayError('AUTH_MISSING'));
    const given = digest(match[1]!);
    let found: (typeof known)[number] | undefined;
    for (const k of known) if (timingSafeEqual(k.digest, given)) found = k;
    if (!found) return next(new GatewayError('AUTH_INVALID'));
    res.locals.client = found.client;
    res.locals.clinic = found.clinic;
    next();
  };
}
