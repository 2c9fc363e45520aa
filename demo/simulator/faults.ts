import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import type { NextFunction, Request, Response } from 'express';

/**
 * Faults on demand, for the message service and the token endpoint (never the citizen or control
 * routes): the next N matching requests answer with an error status, hang until the client gives
 * up, lose their connection, are served and then cut off mid-answer, or are answered late. Rules
 * are tried in the order they were added.
 */

export type FaultKind = 'error' | 'timeout' | 'drop' | 'cut' | 'slow';

export interface FaultRule {
  kind: FaultKind;
  /** how many requests it applies to; default 1; null: until cleared */
  count?: number | null;
  /** error: the HTTP status; default 500 */
  status?: number;
  /** error: NHN's words and validation errors in the body */
  error?: string;
  validationErrors?: string[];
  /** error: a Retry-After header, in seconds */
  retryAfterS?: number;
  /** slow: milliseconds before the request is served */
  delayMs?: number;
  /** only requests whose path starts with this (case-insensitive), e.g. /Messages or /connect/token */
  path?: string;
  /** only this method */
  method?: string;
}

interface ActiveRule extends FaultRule {
  remaining: number | null;
}

const KINDS: readonly FaultKind[] = ['error', 'timeout', 'drop', 'cut', 'slow'];

/** A rule from JSON; an error string when it is not one. */
export function readFaultRule(body: unknown): FaultRule | string {
  const b = (body ?? {}) as Record<string, unknown>;
  if (!KINDS.includes(b.kind as FaultKind)) return `kind must be one of ${KINDS.join(', ')}`;
  const count = b.count === undefined ? 1 : b.count;
  if (count !== null && !(Number.isInteger(count) && (count as number) > 0)) return 'count must be a positive whole number, or null for until cleared';
  if (b.status !== undefined && !(Number.isInteger(b.status) && (b.status as number) >= 400 && (b.status as number) <= 599)) return 'status must be 400-599';
  if (b.delayMs !== undefined && !(Number.isInteger(b.delayMs) && (b.delayMs as number) >= 0)) return 'delayMs must be a whole number of milliseconds';
  if (b.kind === 'slow' && b.delayMs === undefined) return 'a slow fault needs delayMs';
  if (b.retryAfterS !== undefined && !(Number.isInteger(b.retryAfterS) && (b.retryAfterS as number) >= 0))
    return 'retryAfterS must be a whole number of seconds';
  for (const k of ['path', 'method', 'error'] as const) if (b[k] !== undefined && typeof b[k] !== 'string') return `${k} must be a string`;
  if (b.validationErrors !== undefined && !(Array.isArray(b.validationErrors) && b.validationErrors.every((v) => typeof v === 'string')))
    return 'validationErrors must be a list of strings';
  return {
    kind: b.kind as FaultKind,
    count: count as number | null,
    ...(b.status !== undefined ? { status: b.status as number } : {}),
    ...(b.retryAfterS !== undefined ? { retryAfterS: b.retryAfterS as number } : {}),
    ...(b.delayMs !== undefined ? { delayMs: b.delayMs as number } : {}),
    ...(b.error !== undefined ? { error: b.error as string } : {}),
    ...(b.validationErrors !== undefined ? { validationErrors: b.validationErrors } : {}),
    ...(b.path !== undefined ? { path: b.path as string } : {}),
    ...(b.method !== undefined ? { method: (b.method as string).toUpperCase() } : {}),
  };
}

export class Faults {
  private rules: ActiveRule[] = [];
  private readonly hanging = new Set<Socket>();
  /** faults applied so far, by kind */
  readonly applied: Record<FaultKind, number> = { error: 0, timeout: 0, drop: 0, cut: 0, slow: 0 };

  add(rule: FaultRule): void {
    this.rules.push({ ...rule, remaining: rule.count === undefined ? 1 : rule.count });
  }

  list(): FaultRule[] {
    return this.rules.map(({ remaining, ...r }) => ({ ...r, count: remaining }));
  }

  /** Clears the rules and lets go of requests left hanging. */
  clear(): void {
    this.rules = [];
    for (const s of this.hanging) s.destroy();
    this.hanging.clear();
    for (const k of KINDS) this.applied[k] = 0;
  }

  middleware = (req: Request, res: Response, next: NextFunction): void => {
    const rule = this.take(req);
    if (!rule) return next();
    this.applied[rule.kind]++;
    switch (rule.kind) {
      case 'error': {
        const status = rule.status ?? 500;
        if (rule.retryAfterS !== undefined) res.set('Retry-After', String(rule.retryAfterS));
        res.status(status).json({
          error: rule.error ?? 'Simulated fault',
          errorCode: status,
          validationErrors: rule.validationErrors ?? null,
          requestId: (res.locals.requestId as string) ?? randomUUID(),
        });
        return;
      }
      case 'timeout':
        // Never answered: the socket stays open until the client gives up or the simulator closes.
        this.hanging.add(req.socket);
        req.socket.once('close', () => this.hanging.delete(req.socket));
        return;
      case 'drop':
        req.socket.destroy();
        return;
      case 'cut': {
        // The request is served (a message posted is in the mailbox), then its answer is cut off:
        // the status line, the headers and half the body, and the connection closes.
        res.end = ((chunk?: unknown) => {
          const body = typeof chunk === 'string' || Buffer.isBuffer(chunk) ? Buffer.from(chunk) : Buffer.alloc(0);
          res.setHeader('content-length', String(body.length + 64));
          res.write(body.subarray(0, Math.floor(body.length / 2)), () => req.socket.destroy());
          return res;
        }) as typeof res.end;
        next();
        return;
      }
      case 'slow':
        setTimeout(next, rule.delayMs ?? 0);
        return;
    }
  };

  private take(req: Request): ActiveRule | undefined {
    const path = req.path.toLowerCase();
    const rule = this.rules.find(
      (r) => (r.remaining === null || r.remaining > 0) && (!r.method || r.method === req.method) && (!r.path || path.startsWith(r.path.toLowerCase())),
    );
    if (rule && rule.remaining !== null) {
      rule.remaining--;
      if (rule.remaining === 0) this.rules = this.rules.filter((r) => r !== rule);
    }
    return rule;
  }
}
