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
 * Appends entries only if the chain's head is still the one their hashes were made on (another
 * process may have written since): the links and the entries go in together, or not at all; when
 * the head moved, it is answered so the caller can chain onto it. KEYS[1] the stream, KEYS[2] the
 * head. ARGV[1] the head the hashes were made on, ARGV[2] the trimming's MINID, ARGV[3] how many
 * entries, then per entry the number of its field and value strings and those, and last the new head.
 */
const APPEND = `
local head = redis.call('GET', KEYS[2]) or '${GENESIS}'
if head ~= ARGV[1] then return {0, head} end
local i = 4
for _ = 1, tonumber(ARGV[3]) do
  local n = tonumber(ARGV[i])
  redis.call('XADD', KEYS[1], 'MINID', ARGV[2], '*', unpack(ARGV, i + 1, i + n))
  i = i + n + 1
end
redis.call('SET', KEYS[2], ARGV[#ARGV])
return {1}
`;

type AuditCommands = { auditAppend(stream: string, head: string, ...args: (string | number)[]): Promise<[0, string] | [1]> };

/** how many waiting entries at most go in one append */
const MAX_BATCH = 100;

interface Waiting {
  chained: ChainedFields;
  /** the stream entry's fields and values, without prev and hash */
  fields: string[];
  done: (err?: Error) => void;
}

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
  private readonly redis: Redis & AuditCommands;
  /**
   * Entries wait here while an append is under way, and go in the next one together: one round trip
   * for all of them (this process's writes never race each other for the head). Each record() is
   * answered once its entry is in Redis.
   */
  private waiting: Waiting[] = [];
  private appending = false;
  /** the head as this process last wrote or read it; another process's append since is answered by the script */
  private knownHead: string | undefined;

  constructor(
    redis: Redis,
    prefix: string,
    private readonly retentionDays: number,
  ) {
    this.key = redisKeys(prefix).audit;
    this.headKey = redisKeys(prefix).auditHead;
    // EVALSHA instead of the script's text with every entry; defining it again on a shared connection is harmless
    redis.defineCommand('auditAppend', { numberOfKeys: 2, lua: APPEND });
    this.redis = redis as Redis & AuditCommands;
  }

  record(raw: AuditEntry): Promise<void> {
    const entry = redactAuditEntry(raw);
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
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ chained, fields, done: (err) => (err === undefined ? resolve() : reject(err)) });
      if (!this.appending) void this.appendWaiting();
    });
  }

  /** Appends what waits, a batch at a time, until nothing does. */
  private async appendWaiting(): Promise<void> {
    this.appending = true;
    try {
      while (this.waiting.length > 0) {
        const batch = this.waiting.splice(0, MAX_BATCH);
        try {
          await this.append(batch);
          for (const w of batch) w.done();
        } catch (err) {
          const fault = err instanceof Error ? err : new Error(`audit log: append failed: ${String(err)}`);
          for (const w of batch) w.done(fault);
        }
      }
    } finally {
      this.appending = false;
    }
  }

  private async append(batch: Waiting[]): Promise<void> {
    // Exact trimming: at a clinic's rate the cost is nothing, and retention means what it says
    // (approximate trimming keeps old entries until a whole stream node can go).
    const minId = `${Date.now() - this.retentionDays * 86_400_000}-0`;
    let prev = this.knownHead ?? (await this.redis.get(this.headKey)) ?? GENESIS;
    // Another gateway process may have appended since this one last did: then chain onto its head.
    for (let attempt = 0; attempt < 50; attempt++) {
      const args: (string | number)[] = [prev, minId, batch.length];
      let hash = prev;
      for (const w of batch) {
        const link = hash;
        hash = entryHash(link, w.chained);
        args.push(w.fields.length + 4, ...w.fields, 'prev', link, 'hash', hash);
      }
      args.push(hash);
      const answer = await this.redis.auditAppend(this.key, this.headKey, ...args);
      if (answer[0] === 1) {
        this.knownHead = hash;
        return;
      }
      prev = answer[1];
      this.knownHead = undefined;
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
