import { timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';
import { GatewayError } from '../errors.js';
import { redisKeys } from '../redis-keys.js';
import { newOperatorToken, tokenSha256, type OperatorAccount } from './operator-accounts.js';
import { ACCOUNT_NAME, isRole, type Role } from './roles.js';

/** An account as shown: never its token or the token's hash. */
export interface OperatorView {
  name: string;
  role: Role;
  source: OperatorAccount['source'];
  createdAt?: string;
  createdBy?: string;
}

interface StoredAccount {
  role: Role;
  tokenSha256: string;
  createdAt: string;
  createdBy: string;
}

/**
 * Every operator account of the deployment: those of the settings (fixed for the process) and
 * those made through the operations API, kept in Redis so every gateway process knows them. A
 * token is found by comparing its hash with every account's in constant time, so neither which
 * account nor how much of a hash matched shows in the timing.
 */
export class OperatorDirectory {
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly fixed: readonly OperatorAccount[],
  ) {
    this.key = redisKeys(prefix).operators;
  }

  private async stored(): Promise<OperatorAccount[]> {
    const all = await this.redis.hgetall(this.key);
    const out: OperatorAccount[] = [];
    for (const [name, json] of Object.entries(all)) {
      const s = JSON.parse(json) as StoredAccount;
      if (isRole(s.role) && /^[0-9a-f]{64}$/.test(s.tokenSha256)) out.push({ name, role: s.role, tokenSha256: s.tokenSha256, source: 'api' });
    }
    return out;
  }

  /** The account a bearer token belongs to, or undefined. The settings' accounts answer without Redis. */
  async authenticate(token: string): Promise<OperatorAccount | undefined> {
    const given = Buffer.from(tokenSha256(token), 'hex');
    const match = (accounts: readonly OperatorAccount[]) => {
      let found: OperatorAccount | undefined;
      for (const a of accounts) if (timingSafeEqual(Buffer.from(a.tokenSha256, 'hex'), given) && !found) found = a;
      return found;
    };
    return match(this.fixed) ?? match(await this.stored());
  }

  /** The account of this name as it is now (a session's role follows a change of the account). */
  async find(name: string): Promise<OperatorAccount | undefined> {
    const fixed = this.fixed.find((a) => a.name === name);
    if (fixed) return fixed;
    const json = await this.redis.hget(this.key, name);
    if (!json) return undefined;
    const s = JSON.parse(json) as StoredAccount;
    return isRole(s.role) ? { name, role: s.role, tokenSha256: s.tokenSha256, source: 'api' } : undefined;
  }

  async list(): Promise<OperatorView[]> {
    const all = await this.redis.hgetall(this.key);
    const made = Object.entries(all).map(([name, json]): OperatorView => {
      const s = JSON.parse(json) as StoredAccount;
      return { name, role: s.role, source: 'api', createdAt: s.createdAt, createdBy: s.createdBy };
    });
    return [...this.fixed.map((a): OperatorView => ({ name: a.name, role: a.role, source: a.source })), ...made.sort((a, b) => a.name.localeCompare(b.name))];
  }

  /** Makes an account and its token; the token is shown this once and kept only as its hash. */
  async add(input: { name: unknown; role: unknown }, createdBy: string): Promise<{ account: OperatorView; token: string }> {
    const { name, role } = input;
    if (typeof name !== 'string' || !ACCOUNT_NAME.test(name)) throw new GatewayError('OPERATOR_INVALID', '(name: letters, digits and _ . @ + -, at most 64)');
    if (!isRole(role)) throw new GatewayError('OPERATOR_INVALID', '(role: viewer, operator or admin)');
    if (this.fixed.some((a) => a.name === name)) throw new GatewayError('OPERATOR_EXISTS', `(${name} comes from the settings)`);
    const token = newOperatorToken();
    const stored: StoredAccount = { role, tokenSha256: tokenSha256(token), createdAt: new Date().toISOString(), createdBy };
    if (!(await this.redis.hsetnx(this.key, name, JSON.stringify(stored)))) throw new GatewayError('OPERATOR_EXISTS', `(${name})`);
    return { account: { name, role, source: 'api', createdAt: stored.createdAt, createdBy }, token };
  }

  /** Removes an account made through the API; its token and sessions stop working at once. */
  async remove(name: string): Promise<void> {
    if (this.fixed.some((a) => a.name === name)) throw new GatewayError('OPERATOR_FIXED', `(${name.slice(0, 64)})`);
    if (!(await this.redis.hdel(this.key, name))) throw new GatewayError('OPERATOR_UNKNOWN', `(${name.slice(0, 64)})`);
  }
}
