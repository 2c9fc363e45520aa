import type { ChainableCommander, Redis } from 'ioredis';
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
  /** outbound: NHN's id of the message once NHN took it (a later attempt then never sends it again) */
  nhnMessageId?: string;
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

function fromHash(hash: Record<string, string>): MessageRecord {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(hash)) out[k] = JSON_FIELDS.has(k) ? JSON.parse(v) : v;
  return out as unknown as MessageRecord;
}

// KEYS[1] the record. ARGV[1] retention in seconds, ARGV[2..] field, value, … with msgId first.
// Created: 1. There already: the stored record (HGETALL), so a repeat costs one round trip too.
const CREATE = `
if redis.call('HSETNX', KEYS[1], 'msgId', ARGV[3]) == 0 then return redis.call('HGETALL', KEYS[1]) end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('EXPIRE', KEYS[1], ARGV[1])
return 1
`;

type StoreCommands = { messageStoreCreate(key: string, retentionSeconds: number, ...fieldsAndValues: string[]): Promise<1 | string[]> };

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
    redis.defineCommand('messageStoreCreate', { numberOfKeys: 1, lua: CREATE });
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
   * it was created now, so callers can answer a repeat with the first result.
   */
  async create(record: Omit<MessageRecord, 'createdAt' | 'updatedAt'>): Promise<{ record: MessageRecord; created: boolean }> {
    const now = new Date().toISOString();
    const full: MessageRecord = { ...record, createdAt: now, updatedAt: now };
    // HSETNX on msgId makes creation atomic across gateway processes; the record and its expiry
    // are set in the same script, so no crash leaves a record without them (and one round trip, not two).
    const { msgId, ...rest } = toHash(full);
    const answer = await this.redis.messageStoreCreate(this.key(record.msgId), this.retentionSeconds, 'msgId', msgId!, ...Object.entries(rest).flat());
    if (answer !== 1) return { record: fromHash(pairsToHash(answer)), created: false };
    return { record: full, created: true };
  }

  async get(msgId: string): Promise<MessageRecord | undefined> {
    const hash = await this.redis.hgetall(this.key(msgId));
    return hash.msgId ? fromHash(hash) : undefined;
  }

  /**
   * Fields set to null are removed (e.g. a waiting reason once the message moves on). `history`:
   * the step that made the change, recorded in the same transaction (one round trip, not two).
   */
  async update(msgId: string, patch: { [K in keyof MessageRecord]?: MessageRecord[K] | null }, history?: NewHistoryEntry): Promise<void> {
    const key = this.key(msgId);
    const set: Partial<MessageRecord> = { updatedAt: new Date().toISOString() };
    const remove: string[] = [];
    for (const [k, v] of Object.entries(patch)) {
      if (v === null) remove.push(k);
      else (set as Record<string, unknown>)[k] = v;
    }
    const tx = this.redis.multi().hset(key, toHash(set));
    if (remove.length) tx.hdel(key, ...remove);
    if (history) this.appendHistory(tx, msgId, history);
    await tx.exec();
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
    const tx = this.redis.multi();
    this.appendHistory(tx, msgId, entry);
    await tx.exec();
  }

  private appendHistory(tx: ChainableCommander, msgId: string, entry: NewHistoryEntry): void {
    const key = this.historyKey(msgId);
    const full: HistoryEntry = { at: new Date().toISOString(), ...entry };
    tx.rpush(key, JSON.stringify(full)).ltrim(key, -200, -1).expire(key, this.retentionSeconds);
  }

  async history(msgId: string): Promise<HistoryEntry[]> {
    const items = await this.redis.lrange(this.historyKey(msgId), 0, -1);
    return items.map((i) => JSON.parse(i) as HistoryEntry);
  }
}
