/**
 * What an operator account may do. Each role includes the ones below it:
 * - `viewer`: read status, waiting messages, dead letters, the queues and metrics;
 * - `operator`: also close and open services, replay dead letters, resend notifications, read the audit log;
 * - `admin`: also manage clinics and operator accounts (and purges).
 */
export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const isRole = (value: unknown): value is Role => typeof value === 'string' && (ROLES as readonly string[]).includes(value);

/** Whether an account of role `has` may do what needs role `needs`. */
export const roleAllows = (has: Role, needs: Role): boolean => ROLES.indexOf(has) >= ROLES.indexOf(needs);

/** Account names as the audit log shows them: letters, digits and `_ . @ + -`, at most 64. */
export const ACCOUNT_NAME = /^[\w.@+-]{1,64}$/;
