import type { Request } from 'express';
import { identityOf } from './ops-roles.js';

/**
 * Who did it and from where, for the audit log: the operator account the request authenticated
 * as (`<account>@<address>`). Nothing the request says about itself (no header, no form field)
 * changes the name.
 */
export function operatorOf(req: Request): string {
  const identity = req.res ? identityOf(req.res) : undefined;
  return `${identity?.name ?? 'unknown'}@${req.ip ?? 'unknown'}`;
}
