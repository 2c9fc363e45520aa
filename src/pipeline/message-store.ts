import type { Redis } from 'ioredis';
import type { AppRecStatus } from '../domain/codes.js';
import type { EpjAppRecOutcome, EpjAppRecStatus } from '../ports/epj-delivery.js';
import type { SealedPayload } from './job-crypto.js';
import { redisKeys, type RedisKeys } from '../redis-keys.js';

/**
 * What the gateway knows about each message, by MsgId: where it is, and every attempt with its time,
 * outcome and why it waits. Operators and the EPJ read this; it holds ids, codes and technical
 * reasons only — never the document, the patient or the text.
 */

export type Direction = 'inbound' | 'outbound';

export type MessageState =
  | 'received' // inbound: taken from NHN, queued here
  | 'rejected' // inbound: answered with AppRec Avvist
  | 'delivered' // inbound: handed to the EPJ
  | 'queued' // outbound: accepted, waiting to be sent
  | 'waiting' // outbound: a send failed and will be retried, or the gate is closed
  | 'sent' // outbound: NHN accepted it; AppRec pending
  | 'apprec-ok'
  | 'apprec-rejected'
  | 'apprec-partial'
  | 'apprec-missing'
  | 'dead-lettered';

/** The AppRec outcome a record keeps, in the words the EPJ API publishes (GET /v1/messages/{msgId}, status updates). */
export type AppRecOutcome = EpjAppRecOutcome;

const RECORDED: Record<AppRecStatus, EpjAppRecStatus> = { OK: 'OK', Avvist: 'Rejected', 'OK, feil i delmelding': 'OkErrorInMessagePart' };

/** Code list 8258 as records keep it and the EPJ reads it; stored records and the EPJ contract depend on these words. */
export function recordedAppRecStatus(status: AppRecStatus): EpjAppRecStatus {
  return RECORDED[status];
}

export interface HistoryEntry {
  at: string;
  event: string;
  outcome: 'ok' | 'retry' | 'waiting' | 'failed' | 'info';
  attempt?: number;
  reason?: string;
  nextAttemptAt?: string;
}

/** A history entry as a step records it: `at` is now unless given. */
export type NewHistoryEntry = Omit<HistoryEntry, 'at'> & { at?: string };

export interface MessageRecord {
  msgId: string;
  direction: Direction;
  service: string;
  action?: string;
  state: MessageState;
  createdAt: string;
  updatedAt: string;
  /** SHA-256 of the content as first accepted: the same MsgId with other content is a conflict */
  contentHash?: string;
  /** who sent it in (EPJ client name) or who it is from (HER-id) */
  origin?: string;
  waitingReason?: string;
  nextAttemptAt?: string;
  appRec?: AppRecOutcome;
  deadLetterReason?: string;
  /** a citizen request the office answers: when it came, whether someone acts for the patient, and the answer that closed it (src/pipeline/open-requests.ts) */
  receivedAt?: string;
  representation?: string;
  answeredBy?: string;
  answeredAt?: string;
  /** its id at NHN: a received message's (the inbound job's id, so a purge finds that job too); an outbound
   * message's once NHN took it (a later attempt then never sends it again) */
  nhnMessageId?: string;
  /** an outbound message: when an attempt began posting it to NHN; with no nhnMessageId, whether NHN took it is not known until the receiver's AppRec tells (src/pipeline/outbound.ts) */
  sendingSince?: string;
  /** an answer: the MsgId of the received request it claimed (src/pipeline/open-requests.ts) */
  inReplyTo?: string;
  /** the keyed hash that stands for the patient (never the national id), so a purge can find its messages */
  patientRef?: string;
}

const JSON_FIELDS = new Set(['appRec']);

function toHash(patch: Partial<MessageRecord>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) continue;
    // Objects are named in JSON_FIELDS; every other field is a string, number or null.
    // eslint-disable-next-line @typescript-eslint/no-base-to-string
    out[k] = JSON_FIELDS.has(k) ? JSON.stringify(v) : String(v);
  }
  return out;
}

function historyJson(entry: NewHistoryEntry, now: string): string {
  const full: HistoryEntry = { at: now, ...entry };
  return JSON.stringify(full);
}

function fromHash(hash: Record<string, string>): MessageRecord {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(hash)) out[k] = JSON_FIELDS.has(k) ? JSON.parse(v) : v;
  return out as unknown as MessageRecord;
}

// KEYS[1] the record, KEYS[2] its history, KEYS[3] its patient's set of MsgIds (the record's key when there is none).
// ARGV[1] retention in seconds, ARGV[2] the first history entry or '', ARGV[3] the patient's keyed hash or '',
// ARGV[4..] field, value, … with msgId first. Created: 1. There already: the stored record (HGETALL), so a
// repeat costs one round trip too. The record, its expiry, its first history entry and its patient's note
// go in together: no crash leaves one without the others.
const CREATE = `
if redis.call('HSETNX', KEYS[1], 'msgId', ARGV[5]) == 0 then return redis.call('HGETALL', KEYS[1]) end
redis.call('HSET', KEYS[1], unpack(ARGV, 4))
redis.call('EXPIRE', KEYS[1], ARGV[1])
if ARGV[2] ~= '' then
  redis.call('RPUSH', KEYS[2], ARGV[2])
  redis.call('LTRIM', KEYS[2], -200, -1)
  redis.call('EXPIRE', KEYS[2], ARGV[1])
end
if ARGV[3] ~= '' then
  redis.call('SADD', KEYS[3], ARGV[5])
  redis.call('EXPIRE', KEYS[3], ARGV[1])
end
return 1
`;

// A step: the record's changes and the step's history entry together, one command (a MULTI costs
// ioredis a pipeline object and Redis two commands more). KEYS[1] the record, KEYS[2] its history.
// ARGV[1] retention in seconds, ARGV[2] the history entry or '', ARGV[3] k fields to remove,
// ARGV[4..3+k] those fields, the rest field, value, … to set.
const STEP = `
local k = tonumber(ARGV[3])
if #ARGV > 3 + k then redis.call('HSET', KEYS[1], unpack(ARGV, 4 + k)) end
if k > 0 then redis.call('HDEL', KEYS[1], unpack(ARGV, 4, 3 + k)) end
if ARGV[2] ~= '' then
  redis.call('RPUSH', KEYS[2], ARGV[2])
  redis.call('LTRIM', KEYS[2], -200, -1)
  redis.call('EXPIRE', KEYS[2], ARGV[1])
end
return 1
`;

type StoreCommands = {
  messageStoreCreate(
    key: string,
    historyKey: string,
    patientKey: string,
    retentionSeconds: number,
    history: string,
    patientRef: string,
    ...fieldsAndValues: string[]
  ): Promise<1 | string[]>;
  messageStoreStep(key: string, historyKey: string, retentionSeconds: number, history: string, removeCount: number, ...fields: string[]): Promise<1>;
};

/** HGETALL's answer inside a script comes as a flat list: field, value, … */
function pairsToHash(flat: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]!] = flat[i + 1]!;
  return out;
}

export class MessageStore {
  private readonly keys: RedisKeys;
  private readonly redis: Redis & StoreCommands;

  constructor(
    redis: Redis,
    prefix: string,
    private readonly retentionSeconds = 90 * 24 * 3600,
  ) {
    this.keys = redisKeys(prefix);
    // defineCommand sends EVALSHA and falls back to EVAL once per connection; defining it again on a shared connection is harmless.
    redis.defineCommand('messageStoreCreate', { numberOfKeys: 3, lua: CREATE });
    redis.defineCommand('messageStoreStep', { numberOfKeys: 2, lua: STEP });
    this.redis = redis as Redis & StoreCommands;
  }

  private key(msgId: string): string {
    return this.keys.message(msgId);
  }

  private historyKey(msgId: string): string {
    return this.keys.messageHistory(msgId);
  }

  /**
   * Records a new message unless one with this MsgId exists. Returns the stored record and whether
   * it was created now, so callers can answer a repeat with the first result. `history`: its first
   * entry; a `patientRef` notes the message in its patient's set too (a purge by patient finds it).
   * Both are written only when the record is created, in the same round trip.
   */
  async create(record: Omit<MessageRecord, 'createdAt' | 'updatedAt'>, history?: NewHistoryEntry): Promise<{ record: MessageRecord; created: boolean }> {
    const now = new Date().toISOString();
    const full: MessageRecord = { ...record, createdAt: now, updatedAt: now };
    // HSETNX on msgId makes creation atomic across gateway processes
    const { msgId, ...rest } = toHash(full);
    const answer = await this.redis.messageStoreCreate(
      this.key(record.msgId),
      this.historyKey(record.msgId),
      record.patientRef ? this.keys.patientMessages(record.patientRef) : this.key(record.msgId),
      this.retentionSeconds,
      history ? historyJson(history, now) : '',
      record.patientRef ?? '',
      'msgId',
      msgId!,
      ...Object.entries(rest).flat(),
    );
    if (answer !== 1) return { record: fromHash(pairsToHash(answer)), created: false };
    return { record: full, created: true };
  }

  async get(msgId: string): Promise<MessageRecord | undefined> {
    const hash = await this.redis.hgetall(this.key(msgId));
    return hash.msgId ? fromHash(hash) : undefined;
  }

  /**
   * Fields set to null are removed (e.g. a waiting reason once the message moves on). `history`:
   * the step that made the change, written with it (one script, one round trip).
   */
  async update(msgId: string, patch: { [K in keyof MessageRecord]?: MessageRecord[K] | null }, history?: NewHistoryEntry): Promise<void> {
    const now = new Date().toISOString();
    const set: Partial<MessageRecord> = { updatedAt: now };
    const remove: string[] = [];
    for (const [k, v] of Object.entries(patch)) {
      if (v === null) remove.push(k);
      else (set as Record<string, unknown>)[k] = v;
    }
    await this.redis.messageStoreStep(
      this.key(msgId),
      this.historyKey(msgId),
      this.retentionSeconds,
      history ? historyJson(history, now) : '',
      remove.length,
      ...remove,
      ...Object.entries(toHash(set)).flat(),
    );
  }

  /** Keeps a received document (sealed) so the clinic can answer it later by MsgId. */
  async putDocument(msgId: string, sealed: SealedPayload): Promise<void> {
    await this.redis.set(this.keys.messageDocument(msgId), JSON.stringify(sealed), 'EX', this.retentionSeconds);
  }

  async getDocument(msgId: string): Promise<SealedPayload | undefined> {
    const raw = await this.redis.get(this.keys.messageDocument(msgId));
    return raw ? (JSON.parse(raw) as SealedPayload) : undefined;
  }

  async addHistory(msgId: string, entry: NewHistoryEntry): Promise<void> {
    await this.redis.messageStoreStep(this.key(msgId), this.historyKey(msgId), this.retentionSeconds, historyJson(entry, new Date().toISOString()), 0);
  }

  async history(msgId: string): Promise<HistoryEntry[]> {
    const items = await this.redis.lrange(this.historyKey(msgId), 0, -1);
    return items.map((i) => JSON.parse(i) as HistoryEntry);
  }

  // --- retention and purge (src/retention/) ----------------------------------------------------------------

  /** how long a record, its history and document live after their last write (the clean-up's backstop) */
  get ttlSeconds(): number {
    return this.retentionSeconds;
  }

  /** The MsgIds noted for a patient. */
  async messagesOfPatient(patientRef: string): Promise<string[]> {
    return this.redis.smembers(this.keys.patientMessages(patientRef));
  }

  /** Keeps a record that still matters (waiting, unanswered) for another full retention. */
  async keep(msgId: string): Promise<void> {
    const tx = this.redis.multi();
    for (const key of [this.key(msgId), this.historyKey(msgId), this.keys.messageDocument(msgId)]) tx.expire(key, this.retentionSeconds);
    await tx.exec();
  }

  async removeDocument(msgId: string): Promise<number> {
    return this.redis.del(this.keys.messageDocument(msgId));
  }

  /** Removes the record, its history and its document; and the MsgId from its patient's set. Returns the keys removed. */
  async remove(msgId: string): Promise<number> {
    const patientRef = await this.redis.hget(this.key(msgId), 'patientRef');
    const tx = this.redis.multi().del(this.key(msgId), this.historyKey(msgId), this.keys.messageDocument(msgId));
    if (patientRef) tx.srem(this.keys.patientMessages(patientRef), msgId);
    const answers = (await tx.exec()) ?? [];
    return Number(answers[0]?.[1] ?? 0);
  }

  /** Every MsgId with a record, history or document, in batches (SCAN: never blocks Redis). */
  async *msgIds(batch = 500): AsyncGenerator<string[]> {
    const head = this.keys.message('');
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${head}*`, 'COUNT', batch);
      cursor = next;
      const ids = new Set(keys.map((k) => k.slice(head.length).replace(/:(history|document)$/, '')));
      if (ids.size) yield [...ids];
    } while (cursor !== '0');
  }

  /** Whether a document is kept for this MsgId. */
  async hasDocument(msgId: string): Promise<boolean> {
    return (await this.redis.exists(this.keys.messageDocument(msgId))) === 1;
  }
}
