import type { Redis } from 'ioredis';
import { REDACTED_PATHS } from '../logging.js';
import { redisKeys } from '../redis-keys.js';
import { entryHash, GENESIS, type ChainedFields } from './audit-chain.js';

/**
 * Who did what and when, by id: messages received, delivered, answered; gate changes; operator
 * actions; dead-letter replays. Kept in a Redis stream trimmed by age, so every gateway process
 * writes to one log. Entries carry ids, codes and outcomes — never message content or national ids.
 * Each entry carries the hash of the one before it (audit-chain.ts), so a changed or removed entry
 * shows: `epj-gateway audit verify`.
 */

export interface AuditEntry {
  /** `system`, `epj:<client>`, or an operator account as authenticated: `<account>@<address>` (never a name the request gives itself) */
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
  /** the hash of the entry before it and its own (absent on entries written before the chain) */
  prev?: string;
  hash?: string;
}

/**
 * Appends only if the chain's head is still the one the hash was made on (another process may
 * have written since): the link and the entry go in together, or not at all.
 */
const APPEND = `
local head = redis.call('GET', KEYS[2]) or '${GENESIS}'
if head ~= ARGV[1] then return false end
local id = redis.call('XADD', KEYS[1], 'MINID', ARGV[3], '*', unpack(ARGV, 4))
redis.call('SET', KEYS[2], ARGV[2])
return id
`;

// Eleven digits, also written 6+5 with a space or dash: a national id (FNR, DNR, HNR) or one in
// disguise. Nothing the audit log keeps by right (MsgIds, HER-ids, org numbers) has that shape.
const NATIONAL_ID = /(?<!\d)\d{6}[ -]?\d{5}(?!\d)/g;
// Details named like patient data (the logger's list) are dropped whatever they hold.
const PATIENT_FIELDS = new Set(REDACTED_PATHS.filter((p) => !p.includes('.')).map((p) => p.toLowerCase()));
/** Long enough for an operator's reason, too short to carry a message. */
const MAX_TEXT = 300;

export const REDACTED = '[redacted]';

const clean = (value: string): string => {
  const text = value.replace(NATIONAL_ID, REDACTED);
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text;
};

/**
 * The rule "ids, never content" enforced where entries are written, so a careless caller cannot
 * break it: national ids are replaced, patient-named details dropped, long text cut.
 */
export function redactAuditEntry(entry: AuditEntry): AuditEntry {
  const out: AuditEntry = { actor: clean(entry.actor), action: clean(entry.action) };
  if (entry.msgId) out.msgId = clean(entry.msgId);
  if (entry.service) out.service = clean(entry.service);
  if (entry.outcome) out.outcome = clean(entry.outcome);
  if (entry.details) {
    out.details = Object.fromEntries(
      Object.entries(entry.details).map(([key, value]): [string, string | number | boolean] => {
        if (PATIENT_FIELDS.has(key.toLowerCase())) return [key, REDACTED];
        if (typeof value === 'boolean') return [key, value];
        const text = clean(String(value));
        return [key, typeof value === 'number' && text === String(value) ? value : text];
      }),
    );
  }
  return out;
}

export class AuditLog {
  private readonly key: string;
  private readonly headKey: string;
  /** this process's writes one after another, so they do not race each other for the head */
  private writing: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly retentionDays: number,
  ) {
    this.key = redisKeys(prefix).audit;
    this.headKey = redisKeys(prefix).auditHead;
  }

  record(raw: AuditEntry): Promise<void> {
    const entry = redactAuditEntry(raw);
    const write = this.writing.then(() => this.append(entry));
    this.writing = write.catch(() => undefined);
    return write;
  }

  private async append(entry: AuditEntry): Promise<void> {
    const chained: ChainedFields = {
      at: new Date().toISOString(),
      actor: entry.actor,
      action: entry.action,
      msgId: entry.msgId,
      service: entry.service,
      outcome: entry.outcome,
      details: entry.details ? JSON.stringify(entry.details) : undefined,
    };
    const fields: string[] = ['at', chained.at, 'actor', entry.actor, 'action', entry.action];
    if (entry.msgId) fields.push('msgId', entry.msgId);
    if (entry.service) fields.push('service', entry.service);
    if (entry.outcome) fields.push('outcome', entry.outcome);
    if (chained.details) fields.push('details', chained.details);
    // Exact trimming: at a clinic's rate the cost is nothing, and retention means what it says
    // (approximate trimming keeps old entries until a whole stream node can go).
    const minId = `${Date.now() - this.retentionDays * 86_400_000}-0`;
    // Another gateway process may append between reading the head and writing: then read it again.
    for (let attempt = 0; attempt < 50; attempt++) {
      const prev = (await this.redis.get(this.headKey)) ?? GENESIS;
      const hash = entryHash(prev, chained);
      const id = await this.redis.eval(APPEND, 2, this.key, this.headKey, prev, hash, minId, ...fields, 'prev', prev, 'hash', hash);
      if (id) return;
    }
    throw new Error('audit log: the chain head kept changing under 50 attempts to append');
  }

  /** The hash of the newest entry: what the last exported entry must carry. */
  async head(): Promise<string> {
    return (await this.redis.get(this.headKey)) ?? GENESIS;
  }

  /** Entries from `since` on, oldest first, at most `limit`; `after` continues from a previous page. */
  async read(options: { since?: Date; after?: string; limit?: number } = {}): Promise<StoredAuditEntry[]> {
    const start = options.after ? `(${options.after}` : options.since ? `${options.since.getTime()}-0` : '-';
    const raw = (await this.redis.xrange(this.key, start, '+', 'COUNT', options.limit ?? 1000)) as [string, string[]][];
    return raw.map(([id, flat]) => {
      const f: Record<string, string> = {};
      for (let i = 0; i < flat.length; i += 2) f[flat[i]!] = flat[i + 1]!;
      const at = f.at ?? new Date(Number(id.split('-')[0])).toISOString();
      const entry: StoredAuditEntry = { id, at, actor: f.actor ?? '', action: f.action ?? '' };
      if (f.msgId) entry.msgId = f.msgId;
      if (f.service) entry.service = f.service;
      if (f.outcome) entry.outcome = f.outcome;
      if (f.details) entry.details = JSON.parse(f.details) as AuditEntry['details'];
      if (f.prev && f.hash) Object.assign(entry, { prev: f.prev, hash: f.hash });
      return entry;
    });
  }
}
