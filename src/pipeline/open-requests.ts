import type { Redis } from 'ioredis';
import { GatewayError } from '../errors.js';
import { PROCESSES, SERVICE_IDS, type ServiceId } from '../domain/services.js';
import { redisKeys, type RedisKeys } from '../redis-keys.js';

/**
 * The citizen requests a clinic has received and not yet answered: its worklist. A request stays
 * answerable until it is answered or REQUEST_RETENTION_DAYS end (its record and sealed document are
 * kept that long, not the 90 days of other messages); an answer claims it once, atomically, so a
 * second answer is refused with the first one named. Each service's open requests are a sorted set
 * scored by when they came, so the worklist and the age counts are range reads, never a scan.
 */

export interface OpenRequest {
  msgId: string;
  service: ServiceId;
  action: string;
  receivedAt: string;
  /** someone acts on the patient's behalf (a parent, a representative) */
  representation: boolean;
}

export type Claim = { outcome: 'claimed' | 'repeat' } | { outcome: 'unknown' } | { outcome: 'answered'; answeredBy: string; answeredAt: string };

/**
 * The citizen actions a clinic answers. HentLedigeTimer among them: on the service bus the gateway
 * answers it at once and it never reaches the inbound path; through NHN's REST service the EPJ does.
 */
const ANSWERED_BY_OFFICE = new Set(
  PROCESSES.flatMap((p) => p.actions.filter((a) => a.sender === 'clinic').flatMap((a) => (a.answers ?? []).map((asked) => `${p.service}:${asked}`))),
);

export function awaitsOfficeAnswer(service: string, action: string | undefined): service is ServiceId {
  return action !== undefined && ANSWERED_BY_OFFICE.has(`${service}:${action}`);
}

// KEYS[1] the request's record, KEYS[2] its document, KEYS[3] its history.
// ARGV[1] answer MsgId, ARGV[2] now (ISO), ARGV[3] retention once answered (s), ARGV[4] the worklist key prefix.
const CLAIM = `
if redis.call('HEXISTS', KEYS[1], 'msgId') == 0 or redis.call('HGET', KEYS[1], 'direction') ~= 'inbound' then return {'unknown'} end
local by = redis.call('HGET', KEYS[1], 'answeredBy')
if by then
  if by == ARGV[1] then return {'repeat'} end
  return {'answered', by, redis.call('HGET', KEYS[1], 'answeredAt') or ''}
end
redis.call('HSET', KEYS[1], 'answeredBy', ARGV[1], 'answeredAt', ARGV[2])
local service = redis.call('HGET', KEYS[1], 'service')
redis.call('ZREM', ARGV[4] .. service, redis.call('HGET', KEYS[1], 'msgId'))
for i = 1, 3 do redis.call('EXPIRE', KEYS[i], ARGV[3]) end
return {'claimed'}
`;

// KEYS as CLAIM. ARGV[1] answer MsgId, ARGV[2] request retention (s), ARGV[3] the worklist key prefix, ARGV[4] its score (received, ms).
const RELEASE = `
if redis.call('HGET', KEYS[1], 'answeredBy') ~= ARGV[1] then return 0 end
redis.call('HDEL', KEYS[1], 'answeredBy', 'answeredAt')
redis.call('ZADD', ARGV[3] .. redis.call('HGET', KEYS[1], 'service'), ARGV[4], redis.call('HGET', KEYS[1], 'msgId'))
for i = 1, 3 do redis.call('EXPIRE', KEYS[i], ARGV[2]) end
return 1
`;

// KEYS as CLAIM, KEYS[4] the service's worklist. ARGV[1] MsgId, ARGV[2] received (ms), ARGV[3] received (ISO),
// ARGV[4] request retention (s), ARGV[5] 'true' when someone acts for the patient, else ''.
const OPEN = `
if redis.call('HEXISTS', KEYS[1], 'answeredBy') == 1 then return 0 end
redis.call('ZADD', KEYS[4], 'NX', ARGV[2], ARGV[1])
redis.call('HSET', KEYS[1], 'receivedAt', ARGV[3])
if ARGV[5] ~= '' then redis.call('HSET', KEYS[1], 'representation', ARGV[5]) end
for i = 1, 3 do redis.call('EXPIRE', KEYS[i], ARGV[4]) end
return 1
`;

type RequestKeys = [record: string, document: string, history: string];
type RequestCommands = {
  openRequestsClaim(...args: [...RequestKeys, answerMsgId: string, now: string, retentionSeconds: number, listPrefix: string]): Promise<string[]>;
  openRequestsRelease(...args: [...RequestKeys, answerMsgId: string, retentionSeconds: number, listPrefix: string, score: number]): Promise<number>;
  openRequestsOpen(
    record: string,
    document: string,
    history: string,
    worklist: string,
    msgId: string,
    receivedMs: number,
    receivedAt: string,
    retentionSeconds: number,
    representation: string,
  ): Promise<number>;
};

export interface OpenRequestsOptions {
  /** how long an unanswered request stays answerable (REQUEST_RETENTION_DAYS) */
  retentionSeconds: number;
  /** how long an answered request's record is kept (the message store's retention) */
  answeredRetentionSeconds?: number;
}

export class OpenRequests {
  private readonly keys: RedisKeys;
  private readonly listPrefix: string;
  readonly retentionSeconds: number;
  private readonly answeredRetentionSeconds: number;

  private readonly redis: Redis & RequestCommands;

  constructor(redis: Redis, prefix: string, options: OpenRequestsOptions) {
    // EVALSHA: one command for what was a read and a six-command transaction; defining it again on a shared connection is harmless
    redis.defineCommand('openRequestsOpen', { numberOfKeys: 4, lua: OPEN });
    redis.defineCommand('openRequestsClaim', { numberOfKeys: 3, lua: CLAIM });
    redis.defineCommand('openRequestsRelease', { numberOfKeys: 3, lua: RELEASE });
    this.redis = redis as Redis & RequestCommands;
    this.keys = redisKeys(prefix);
    this.listPrefix = this.keys.openRequests('');
    this.retentionSeconds = options.retentionSeconds;
    this.answeredRetentionSeconds = options.answeredRetentionSeconds ?? 90 * 24 * 3600;
  }

  private requestKeys(msgId: string): RequestKeys {
    return [this.keys.message(msgId), this.keys.messageDocument(msgId), this.keys.messageHistory(msgId)];
  }

  /** A received request the office must answer: on the worklist, and kept answerable for the retention. Repeats change nothing. */
  async opened(request: OpenRequest): Promise<void> {
    await this.redis.openRequestsOpen(
      ...this.requestKeys(request.msgId),
      this.keys.openRequests(request.service),
      request.msgId,
      Date.parse(request.receivedAt),
      request.receivedAt,
      this.retentionSeconds,
      request.representation ? 'true' : '',
    );
  }

  /** Claims the request for this answer: once; the same answer again is a repeat. */
  async claim(requestMsgId: string, answerMsgId: string, now = new Date()): Promise<Claim> {
    const result = await this.redis.openRequestsClaim(
      ...this.requestKeys(requestMsgId),
      answerMsgId,
      now.toISOString(),
      this.answeredRetentionSeconds,
      this.listPrefix,
    );
    if (result[0] === 'answered') return { outcome: 'answered', answeredBy: result[1]!, answeredAt: result[2]! };
    return { outcome: result[0] as 'claimed' | 'repeat' | 'unknown' };
  }

  /** The answer did not go (refused before it was queued): the request is open again. */
  async release(requestMsgId: string, answerMsgId: string): Promise<void> {
    const record = await this.redis.hmget(this.keys.message(requestMsgId), 'receivedAt', 'createdAt');
    const at = Date.parse(record[0] ?? record[1] ?? '') || Date.now();
    await this.redis.openRequestsRelease(...this.requestKeys(requestMsgId), answerMsgId, this.retentionSeconds, this.listPrefix, at);
  }

  /**
   * Claims `requestMsgId` for the answer `answerMsgId` while `send` queues it, and gives the claim
   * back when `send` fails. Refuses an answer to a request already answered by another message (409),
   * and, when `mustExist`, one to a request this clinic does not hold (404). `send` is told the
   * request claimed (undefined for one this clinic does not hold): the answer's record names it as
   * its inReplyTo, so a rejection by Helsenorge can give the request back.
   */
  async answering<T>(requestMsgId: string, answerMsgId: string, mustExist: boolean, send: (inReplyTo: string | undefined) => Promise<T>): Promise<T> {
    const claim = await this.claim(requestMsgId, answerMsgId);
    if (claim.outcome === 'answered')
      throw new GatewayError('EPJ_REQUEST_ANSWERED', `(${requestMsgId} was answered by ${claim.answeredBy} at ${claim.answeredAt})`, {
        inReplyTo: requestMsgId,
        answeredBy: claim.answeredBy,
        answeredAt: claim.answeredAt,
      });
    if (claim.outcome === 'unknown' && mustExist) throw new GatewayError('EPJ_REQUEST_UNKNOWN', `(inReplyTo ${requestMsgId})`);
    try {
      return await send(claim.outcome === 'unknown' ? undefined : requestMsgId);
    } catch (err) {
      if (claim.outcome === 'claimed') await this.release(requestMsgId, answerMsgId).catch(() => undefined);
      throw err;
    }
  }

  /**
   * Helsenorge rejected the answer (AppRec Avvist): it did not reach the citizen, so the request it
   * answered is open again for a corrected answer. Returns the request reopened, if any.
   */
  async answerRejected(answerMsgId: string): Promise<string | undefined> {
    const requestMsgId = await this.redis.hget(this.keys.message(answerMsgId), 'inReplyTo');
    if (!requestMsgId) return undefined;
    await this.release(requestMsgId, answerMsgId);
    return requestMsgId;
  }

  /** The oldest open requests first, of one service or all; `count` is how many are open in all. */
  async list(options: { service?: ServiceId; limit: number; now?: Date }): Promise<{ count: number; requests: (OpenRequest & { ageSeconds: number })[] }> {
    const services = options.service ? [options.service] : [...SERVICE_IDS];
    const read = this.redis.pipeline();
    for (const s of services) {
      read.zcard(this.keys.openRequests(s));
      read.zrange(this.keys.openRequests(s), 0, options.limit - 1, 'WITHSCORES');
    }
    const replies = (await read.exec()) ?? [];
    let count = 0;
    const candidates: { msgId: string; service: ServiceId; score: number }[] = [];
    services.forEach((service, i) => {
      count += Number(replies[2 * i]?.[1] ?? 0);
      const flat = (replies[2 * i + 1]?.[1] ?? []) as string[];
      for (let j = 0; j < flat.length; j += 2) candidates.push({ msgId: flat[j]!, service, score: Number(flat[j + 1]) });
    });
    candidates.sort((a, b) => a.score - b.score || a.msgId.localeCompare(b.msgId));
    const chosen = candidates.slice(0, options.limit);
    const details = this.redis.pipeline();
    for (const c of chosen) details.hmget(this.keys.message(c.msgId), 'msgId', 'action', 'receivedAt', 'representation');
    const rows = (await details.exec()) ?? [];
    const now = (options.now ?? new Date()).getTime();
    const requests: (OpenRequest & { ageSeconds: number })[] = [];
    const gone: { msgId: string; service: ServiceId }[] = [];
    chosen.forEach((c, i) => {
      const [msgId, action, receivedAt, representation] = (rows[i]?.[1] ?? []) as (string | null)[];
      // a record past its retention leaves the list here; the age check prunes the rest
      if (!msgId) return void gone.push(c);
      const at = receivedAt ?? new Date(c.score).toISOString();
      requests.push({
        msgId: c.msgId,
        service: c.service,
        action: action ?? '',
        receivedAt: at,
        ageSeconds: Math.max(0, Math.floor((now - c.score) / 1000)),
        representation: representation === 'true',
      });
    });
    if (gone.length) {
      const tx = this.redis.multi();
      for (const g of gone) tx.zrem(this.keys.openRequests(g.service), g.msgId);
      await tx.exec();
      count -= gone.length;
    }
    return { count, requests };
  }

  /** A service's open requests received at or before `cutoffMs`, oldest first. */
  async receivedBefore(service: ServiceId, cutoffMs: number, limit = 1000): Promise<{ msgId: string; receivedAt: string }[]> {
    const flat = await this.redis.zrangebyscore(this.keys.openRequests(service), '-inf', cutoffMs, 'WITHSCORES', 'LIMIT', 0, limit);
    const out: { msgId: string; receivedAt: string }[] = [];
    for (let i = 0; i < flat.length; i += 2) out.push({ msgId: flat[i]!, receivedAt: new Date(Number(flat[i + 1])).toISOString() });
    return out;
  }

  /** How many open requests of each service were received at or before its cut-off. */
  async countReceivedBefore(cutoffsMs: Readonly<Record<ServiceId, number>>): Promise<Record<ServiceId, number>> {
    const read = this.redis.pipeline();
    for (const s of SERVICE_IDS) read.zcount(this.keys.openRequests(s), '-inf', cutoffsMs[s]);
    const replies = (await read.exec()) ?? [];
    return Object.fromEntries(SERVICE_IDS.map((s, i) => [s, Number(replies[i]?.[1] ?? 0)])) as Record<ServiceId, number>;
  }

  /**
   * How many open requests of each service fall between the cut-offs (newest first, descending
   * times): `counts[0]` came after cutoffs[0], `counts[i]` after cutoffs[i] and at or before
   * cutoffs[i-1], the last at or before the last cut-off. n cut-offs, n+1 counts.
   */
  async countsBetween(cutoffsMs: readonly number[]): Promise<Record<ServiceId, number[]>> {
    const bounds: [string, string][] = [];
    for (let i = 0; i <= cutoffsMs.length; i++) {
      const lower = i < cutoffsMs.length ? `(${cutoffsMs[i]}` : '-inf';
      const upper = i === 0 ? '+inf' : String(cutoffsMs[i - 1]);
      bounds.push([lower, upper]);
    }
    const read = this.redis.pipeline();
    for (const s of SERVICE_IDS) for (const [lower, upper] of bounds) read.zcount(this.keys.openRequests(s), lower, upper);
    const replies = (await read.exec()) ?? [];
    const out = {} as Record<ServiceId, number[]>;
    SERVICE_IDS.forEach((s, si) => {
      out[s] = bounds.map((_, i) => Number(replies[si * bounds.length + i]?.[1] ?? 0));
    });
    return out;
  }

  /** Drops from the worklist the requests past their retention (their records are gone by then). */
  async prune(now = new Date()): Promise<number> {
    const cutoff = now.getTime() - this.retentionSeconds * 1000;
    const tx = this.redis.multi();
    for (const s of SERVICE_IDS) tx.zremrangebyscore(this.keys.openRequests(s), '-inf', cutoff);
    const replies = (await tx.exec()) ?? [];
    return replies.reduce((sum, r) => sum + Number(r[1] ?? 0), 0);
  }
}
