import { ACCOUNT_NAME, ROLES, type Role } from './roles.js';

/** What OIDC_ROLE_MAP says: a claim value and the operator role it gives. */
export interface RoleMapping {
  value: string;
  role: Role;
}

/** A claim by a dotted path (`realm_access.roles`), as Keycloak nests its roles. */
function claimAt(claims: Record<string, unknown>, path: string): unknown {
  let at: unknown = claims;
  for (const part of path.split('.')) {
    if (!at || typeof at !== 'object') return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  return at;
}

/**
 * The operator role a person's claims give: the values of the role claim (a list, or one string,
 * or space-separated) matched against the mapping, the highest role found; undefined when none
 * matches (then there is no login). Works for Entra ID's `roles`/`groups`, Keycloak's
 * `realm_access.roles` or any IdP's group claim.
 */
export function roleFromClaims(claims: Record<string, unknown>, claimPath: string, mapping: readonly RoleMapping[]): Role | undefined {
  const raw = claimAt(claims, claimPath);
  const values = Array.isArray(raw) ? raw.map(String) : typeof raw === 'string' ? raw.split(/\s+/) : [];
  let best = -1;
  for (const m of mapping) if (values.includes(m.value)) best = Math.max(best, ROLES.indexOf(m.role));
  return best >= 0 ? ROLES[best] : undefined;
}

/** The name the audit log shows for the person: the name claim, else email, else sub, kept to the account-name alphabet. */
export function nameFromClaims(claims: Record<string, unknown>, nameClaim: string): string {
  for (const c of [claimAt(claims, nameClaim), claims.email, claims.sub]) {
    if (typeof c !== 'string' || !c) continue;
    const name = c.replace(/[^\w.@+-]/g, '_').slice(0, 64);
    if (ACCOUNT_NAME.test(name)) return name;
  }
  return 'oidc-user';
}
