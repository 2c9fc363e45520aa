import type { Redis } from 'ioredis';
import { appRecStatusFromCode, type AppRecStatus } from '../domain/codes.js';
import { parseMessage } from '../kith/parse.js';
import type { MessageProtection } from '../ports/message-protection.js';
import type { MessageTransport } from '../ports/transport.js';
import { redisKeys } from '../redis-keys.js';

/**
 * The AppRecs a clinic received lately, by NHN message id and time: noted by the inbound side
 * without fetching them (one write per AppRec), read only when an outbound job cannot tell whether
 * an earlier attempt's send reached NHN. NHN's API has no idempotency key and no lookup of a sent
 * message by our MsgId, but the receiver answers every message with an AppRec naming our MsgId
 * (OriginalMsgId): one that answers the message proves NHN had it.
 */
// KEYS[1] the clinic's list. ARGV[1] now (ms), ARGV[2] the AppRec's NHN id, ARGV[3] window (ms), ARGV[4] cap.
const NOTE = `
local now = tonumber(ARGV[1])
redis.call('ZADD', KEYS[1], now, ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[3]))
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -tonumber(ARGV[4]) - 1)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
`;

type NoteCommand = { receivedAppRecNote(key: string, now: number, nhnMessageId: string, windowMs: number, max: number): Promise<unknown> };

export class ReceivedAppRecs {
  private readonly key: string;
  private readonly commands: Redis & NoteCommand;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    /** how long an AppRec is kept, and how many at most */
    private readonly window: { ms: number; max: number } = { ms: 30 * 60_000, max: 10_000 },
  ) {
    this.key = redisKeys(prefix).receivedAppRecs;
    // one EVALSHA per AppRec (was four commands in a pipeline); defining it again on a shared connection is harmless
    redis.defineCommand('receivedAppRecNote', { numberOfKeys: 1, lua: NOTE });
    this.commands = redis as Redis & NoteCommand;
  }

  /** Notes an AppRec received now; the old ones are trimmed by the same script. */
  async note(nhnMessageId: string, at = Date.now()): Promise<void> {
    await this.commands.receivedAppRecNote(this.key, at, nhnMessageId, this.window.ms, this.window.max);
  }

  /** The NHN ids of the AppRecs received since `sinceMs`, oldest first. */
  async since(sinceMs: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.key, sinceMs, '+inf');
  }
}

export interface FoundAppRec {
  /** the AppRec's NHN message id */
  nhnMessageId: string;
  status: AppRecStatus;
  errors: { errorCode: string; details?: string }[];
}

/**
 * Looks among the AppRecs received since `sinceMs` (skipping those in `seen`) for one that answers
 * `msgId`, fetching and opening each (its sender is the receiver of our message). Returns it, if
 * found, and the ids looked at, so a later look opens only new ones. An AppRec that cannot be
 * fetched or opened is counted as looked at: it is no proof either way.
 */
export async function findAppRecTo(
  deps: { appRecs: ReceivedAppRecs; transport: Pick<MessageTransport, 'getBusinessDocument'>; protection: MessageProtection },
  msgId: string,
  receiverHerId: number,
  sinceMs: number,
  seen: readonly string[],
): Promise<{ found?: FoundAppRec; seen: string[] }> {
  const ids = await deps.appRecs.since(sinceMs);
  const looked = new Set(seen);
  // those still in the list: the rest are gone from it and need not be remembered
  const nowSeen = ids.filter((id) => looked.has(id));
  for (const id of ids) {
    if (looked.has(id)) continue;
    nowSeen.push(id);
    const doc = await readAppRec(deps, id, receiverHerId);
    if (doc?.originalMsgId === msgId) return { found: { nhnMessageId: id, status: doc.status, errors: doc.errors }, seen: nowSeen };
  }
  return { seen: nowSeen };
}

async function readAppRec(
  deps: { transport: Pick<MessageTransport, 'getBusinessDocument'>; protection: MessageProtection },
  id: string,
  senderHerId: number,
): Promise<{ originalMsgId?: string; status: AppRecStatus; errors: { errorCode: string; details?: string }[] } | undefined> {
  let opened;
  try {
    opened = await deps.protection.unprotect(await deps.transport.getBusinessDocument(id), senderHerId);
  } catch (err) {
    // NHN or a register away: thrown, so the job looks again later rather than take it as no answer
    if ((err as { retryable?: boolean }).retryable === false) return undefined;
    throw err;
  }
  if (!('document' in opened)) return undefined;
  let doc;
  try {
    doc = parseMessage(opened.document);
  } catch {
    return undefined;
  }
  if (doc.document !== 'AppRec') return undefined;
  return {
    ...(doc.originalMsgId?.id ? { originalMsgId: doc.originalMsgId.id } : {}),
    status: appRecStatusFromCode(doc.status ?? '') ?? 'Avvist',
    errors: doc.errors.map((e) => ({ errorCode: e.v ?? '', ...(e.dn ? { details: e.dn } : {}) })),
  };
}
