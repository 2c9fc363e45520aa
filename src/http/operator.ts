import type { Request } from 'express';

/** Who did it and from where, for the audit log: the X-Operator header names the person. */
export function operatorOf(req: Request): string {
  const name = req.get('x-operator');
  const who = name && /^[\w.@+-]{1,64}$/.test(name) ? name : 'operator';
  return `${who}@${req.ip ?? 'unknown'}`;
}
