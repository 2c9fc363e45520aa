import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { ConfigError, type Config } from '../config.js';
import { readDataFile } from '../data-file.js';
import { ACCOUNT_NAME, ROLES, type Role } from './roles.js';

/**
 * Operator accounts known from the settings: the account of OPS_TOKEN, the demo's accounts and the
 * operators file (OPERATORS_FILE). A token is kept only as its SHA-256: tokens are high-entropy
 * secrets (`epj-gateway operators token` makes one), so a fast hash is enough and nothing in the
 * file or Redis lets anyone log in.
 */

export interface OperatorAccount {
  name: string;
  role: Role;
  /** hex SHA-256 of the token */
  tokenSha256: string;
  /** where the account comes from: `settings` (OPS_TOKEN), `demo`, `file` (OPERATORS_FILE), `api` (made through the operations API) */
  source: 'settings' | 'demo' | 'file' | 'api';
}

export const tokenSha256 = (token: string): string => createHash('sha256').update(token).digest('hex');

/** A new token: 32 random bytes, prefixed so a leaked one is recognised for what it is. */
export const newOperatorToken = (): string => `epjgw_${randomBytes(32).toString('base64url')}`;

/** The account OPS_TOKEN stands for. */
export const SETTINGS_ACCOUNT = 'ops';

/** The demo's accounts beside OPS_TOKEN's (`demo-ops-token`, operator): a viewer and an admin. */
export const DEMO_ACCOUNTS: readonly { name: string; role: Role; token: string }[] = [
  { name: 'viewer', role: 'viewer', token: 'demo-viewer-token' },
  { name: 'admin', role: 'admin', token: 'demo-admin-token' },
];

const operatorsFileSchema = z
  .object({
    operators: z.array(
      z
        .object({
          name: z.string().regex(ACCOUNT_NAME, 'a name of letters, digits and _ . @ + - (at most 64)'),
          role: z.enum(ROLES, { error: `one of ${ROLES.join(', ')}` }),
          tokenSha256: z
            .string()
            .regex(/^[0-9a-f]{64}$/i, 'the hex SHA-256 of the token (epj-gateway operators token prints it)')
            .transform((s) => s.toLowerCase()),
        })
        .strict(),
    ),
  })
  .strict();

/** The accounts of an operators file (YAML or JSON: `operators: [{ name, role, tokenSha256 }]`). */
export function readOperatorsFile(file: string): OperatorAccount[] {
  const raw = readDataFile(file, 'OPERATORS_FILE');
  const result = operatorsFileSchema.safeParse(raw ?? {});
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const where = issue.path.length
      ? `${issue.path
          .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
          .join('')
          .replace(/^\./, '')}: `
      : '';
    throw new ConfigError('OPERATORS_FILE', `${file}: ${where}${issue.message}`);
  }
  const accounts = result.data.operators.map((o): OperatorAccount => ({ ...o, source: 'file' }));
  const seen = new Set<string>();
  for (const [i, a] of accounts.entries()) {
    if (seen.has(a.name) || a.name === SETTINGS_ACCOUNT) throw new ConfigError('OPERATORS_FILE', `${file}: operators[${i}].name: "${a.name}" is taken`);
    if (accounts.findIndex((b) => b.tokenSha256 === a.tokenSha256) !== i)
      throw new ConfigError('OPERATORS_FILE', `${file}: operators[${i}].tokenSha256: another account has the same token`);
    seen.add(a.name);
  }
  return accounts;
}

/**
 * Every account the settings give: OPS_TOKEN's (named `ops`, role OPS_TOKEN_ROLE), the demo's
 * viewer and admin (demo mode without an operators file) and the operators file's.
 */
export function settingsAccounts(config: Pick<Config, 'OPS_TOKEN' | 'OPS_TOKEN_ROLE' | 'OPERATORS_FILE' | 'GATEWAY_MODE'>): OperatorAccount[] {
  const accounts: OperatorAccount[] = [{ name: SETTINGS_ACCOUNT, role: config.OPS_TOKEN_ROLE, tokenSha256: tokenSha256(config.OPS_TOKEN), source: 'settings' }];
  if (config.OPERATORS_FILE) {
    const fromFile = readOperatorsFile(config.OPERATORS_FILE);
    const demoDigests = new Set(DEMO_ACCOUNTS.map((d) => tokenSha256(d.token)));
    const demo = fromFile.find((a) => demoDigests.has(a.tokenSha256));
    if (demo && config.GATEWAY_MODE === 'production')
      throw new ConfigError('OPERATORS_FILE', `production mode refuses the demo tokens; account "${demo.name}" has one`);
    accounts.push(...fromFile);
  } else if (config.GATEWAY_MODE === 'demo') {
    accounts.push(...DEMO_ACCOUNTS.map((d): OperatorAccount => ({ name: d.name, role: d.role, tokenSha256: tokenSha256(d.token), source: 'demo' })));
  }
  return accounts;
}
