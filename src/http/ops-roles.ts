import type { NextFunction, Request, Response } from 'express';
import { GatewayError } from '../errors.js';
import { roleAllows, type Role } from '../operators/roles.js';

/** The operator account behind an /ops request, as the authentication found it. */
export interface OperatorIdentity {
  name: string;
  role: Role;
  /** a bearer token, the dashboard's session from a token login, or one from an OpenID Connect login */
  via: 'token' | 'session' | 'oidc';
}

export const identityOf = (res: Response): OperatorIdentity | undefined => res.locals.operator as OperatorIdentity | undefined;

/** The refusal of an account whose role is below the one needed: 403, the code names the role. */
export function roleRefusal(identity: OperatorIdentity, needs: Role): GatewayError {
  const code = needs === 'admin' ? 'OPS_ADMIN_ROLE_REQUIRED' : 'OPS_OPERATOR_ROLE_REQUIRED';
  return new GatewayError(code, `(${identity.name} has the role ${identity.role})`, { requiredRole: needs, role: identity.role });
}

/**
 * Declares the role a route needs; an account below it gets 403 naming the role. Generic in the
 * route's parameters, so a route keeps the parameter types its path gives it.
 */
export function needs(role: Role): <P>(req: Request<P>, res: Response, next: NextFunction) => void {
  return (_req, res, next) => {
    const identity = identityOf(res);
    if (!identity) return next(new GatewayError('AUTH_MISSING'));
    if (!roleAllows(identity.role, role)) return next(roleRefusal(identity, role));
    next();
  };
}
