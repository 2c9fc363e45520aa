import type { Redis } from 'ioredis';

/**
 * Who did what and when, by id: messages received, delivered, answered; gate changes; operator
 * actions; dead-letter replays. Kept in a Redis stream trimmed by age, so every gateway process
 * writes to one log. Entries carry ids, codes and outcomes — never message content or national ids.
 */

export interface AuditEntry {
  /** `system`, `epj:<client>`, `operator@<address>` */
  actor: string;
  action: string;
  msgId?: string;
  service?: string;
  outcome?: string;
  details?: Record<string, string | number | boolean>;
}

export interface StoredAuditEntry extends AuditEntry {
  id: string;
  at: string;
}

export class AuditLog {
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly retentionDays: number,
  ) {
    this.key = `${prefix}:audit`;
  }

  async record(entry: AuditEntry): Promise<void> {
    const minId = `${Date.now() - this.retentionDays * 86_400_000}-0`;
    const fields: string[] = ['actor', entry.actor, 'action', entry.action];
    if (entry.msgId) fields.push('msgId', entry.msgId);
    if (entry.service) fields.push('service', entry.service);
    if (entry.outcome) fields.push('outcome', entry.outcome);
    if (entry.details) fields.push('details', JSON.stringify(entry.details));
    await this.redis.xadd(this.key, 'MINID', '~', minId, '*', ...fields);
  }

  /** Entries from `since` on, oldest first, at most `limit`; `after` continues from a previous page. */
  async read(options: { since?: Date; after?: string; limit?: number } = {}): Promise<StoredAuditEntry[]> {
    const start = options.after ? `(${options.after}` : options.since ? `${options.since.getTime()}-0` : '-';
    const raw = (await this.redis.xrange(this.key, start, '+', 'COUNT', options.limit ?? 1000)) as [string, string[]][];
    return raw.map(([id, flat]) => {
      const f: Record<string, string> = {};
      for (let i = 0; i < flat.length; i += 2) f[flat[i]!] = flat[i + 1]!;
      const entry: StoredAuditEntry = { id, at: new Date(Number(id.split('-')[0])).toISOString(), actor: f.actor ?? '', action: f.action ?? '' };
      if (f.msgId) entry.msgId = f.msgId;
      if (f.service) entry.service = f.service;
      if (f.outcome) entry.outcome = f.outcome;
      if (f.details) entry.details = JSON.parse(f.details) as AuditEntry['details'];
      return entry;
    });
  }
}
