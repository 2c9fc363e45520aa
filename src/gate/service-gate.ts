import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import type { Logger } from '../logging.js';
import {
  GATED_SERVICES,
  computeSnapshot,
  reasonKey,
  type GateLevel,
  type GateReason,
  type GateSnapshot,
  type GatedService,
  type ReasonSource,
} from './gate-state.js';
import { redisKeys } from '../redis-keys.js';

/**
 * The service gate, held in Redis so every gateway process sees the same gate.
 *
 * Reasons are stored per source (certificate watcher, AR watcher, operator); each change recomputes
 * the levels and records them with one Lua script, which returns only the levels that changed. So
 * exactly one process learns of each transition and announces it ('transition': audit, metrics,
 * notifications), while every process hears the new snapshot ('snapshot': pause or resume its own
 * workers) through pub/sub, with a periodic refresh in case a publish is missed.
 */

export interface GateTransition {
  scope: GatedService | 'gateway';
  from: GateLevel;
  to: GateLevel;
  reasons: GateReason[];
  at: string;
}

// KEYS[1] levels hash; ARGV: now, then name/level pairs. Returns name/from pairs that changed.
const RECORD_LEVELS = `
local changed = {}
for i = 2, #ARGV, 2 do
  local name, level = ARGV[i], ARGV[i + 1]
  local prev = redis.call('HGET', KEYS[1], name)
  local prevLevel = prev and string.match(prev, '^[^|]+') or 'open'
  if prevLevel ~= level then
    redis.call('HSET', KEYS[1], name, level .. '|' .. ARGV[1])
    table.insert(changed, name)
    table.insert(changed, prevLevel)
  end
end
return changed
`;

/** A reason added where the gate was already in warning or closed (no transition to announce it). */
export interface GateReasonAdded {
  scope: GatedService | 'gateway';
  state: Exclude<GateLevel, 'open'>;
  reason: GateReason;
  at: string;
}

export class ServiceGate extends EventEmitter {
  private readonly reasonsKey: string;
  private readonly levelsKey: string;
  private readonly channel: string;
  private subscriber: Redis | undefined;
  private timer: NodeJS.Timeout | undefined;
  private last: GateSnapshot = computeSnapshot([]);

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly logger: Logger,
  ) {
    super();
    const keys = redisKeys(prefix);
    this.reasonsKey = keys.gateReasons;
    this.levelsKey = keys.gateLevels;
    this.channel = keys.gateChanged;
  }

  /** Listens for other processes' changes and refreshes on a schedule. */
  async start(refreshMs = 5_000): Promise<void> {
    this.subscriber = this.redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
    this.subscriber.on('error', () => undefined);
    this.subscriber.on('message', () => void this.refresh().catch(() => undefined));
    await this.subscriber.subscribe(this.channel);
    this.timer = setInterval(() => void this.refresh().catch(() => undefined), refreshMs);
    this.timer.unref();
    await this.refresh();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.subscriber?.disconnect();
  }

  /** The last snapshot this process knows, without a Redis round trip (hot path: every request). */
  current(): GateSnapshot {
    return this.last;
  }

  isOpen(service: GatedService): boolean {
    return this.last.services[service].state !== 'closed';
  }

  async reasons(): Promise<GateReason[]> {
    const all = await this.redis.hvals(this.reasonsKey);
    return all.map((v) => JSON.parse(v) as GateReason);
  }

  /** Reads the gate from Redis and tells this process's listeners when it changed. */
  async refresh(): Promise<GateSnapshot> {
    const snapshot = computeSnapshot(await this.reasons());
    const changed = JSON.stringify(snapshot) !== JSON.stringify(this.last);
    this.last = snapshot;
    if (changed) this.emit('snapshot', snapshot);
    return snapshot;
  }

  /** Replaces every reason one source reports; reasons it still reports keep their `since`. */
  async report(source: Exclude<ReasonSource, 'operator'>, reasons: Omit<GateReason, 'source' | 'since'>[]): Promise<GateSnapshot> {
    const existing = await this.redis.hgetall(this.reasonsKey);
    const now = new Date().toISOString();
    const next = new Map<string, GateReason>();
    for (const r of reasons) {
      const full: GateReason = { ...r, source, since: now };
      const key = reasonKey(full);
      const old = existing[key] ? (JSON.parse(existing[key]) as GateReason) : undefined;
      next.set(key, old ? { ...full, since: old.since } : full);
    }
    const stale = Object.keys(existing).filter((k) => k.startsWith(`${source}:`) && !next.has(k));
    // a reason new to the gate is written by one process only (HSETNX): that one announces it
    const added: GateReason[] = [];
    for (const [key, reason] of next) {
      if (existing[key]) continue;
      if ((await this.redis.hsetnx(this.reasonsKey, key, JSON.stringify(reason))) === 1) added.push(reason);
      else next.delete(key);
    }
    const tx = this.redis.multi();
    if (stale.length) tx.hdel(this.reasonsKey, ...stale);
    if (next.size) tx.hset(this.reasonsKey, Object.fromEntries([...next].map(([k, v]) => [k, JSON.stringify(v)])));
    await tx.exec();
    const { snapshot, changed } = await this.settleAndTell();
    // a new reason where the gate already was warned or closed is announced too: it has its own fix
    for (const reason of added) {
      const scope: GatedService | 'gateway' = reason.scope === 'all' ? 'gateway' : reason.scope;
      const view = scope === 'gateway' ? snapshot.gateway : snapshot.services[scope];
      if (changed.has(scope) || view.state === 'open') continue;
      const event: GateReasonAdded = { scope, state: view.state, reason, at: reason.since };
      this.logger.warn({ gate: scope, state: view.state, reason: reason.code }, 'service gate: a new reason');
      this.emit('reason-added', event);
    }
    return snapshot;
  }

  async closeByOperator(
    service: GatedService,
    message: string,
    by: string,
    office: { autoAnswer?: string; expectedOpen?: string } = {},
  ): Promise<GateSnapshot> {
    const reason: GateReason = {
      source: 'operator',
      code: 'operator-closed',
      severity: 'closed',
      scope: service,
      message,
      since: new Date().toISOString(),
      by,
      ...(office.autoAnswer ? { autoAnswer: office.autoAnswer } : {}),
      ...(office.expectedOpen ? { expectedOpen: office.expectedOpen } : {}),
    };
    await this.redis.hset(this.reasonsKey, reasonKey(reason), JSON.stringify(reason));
    return this.settle();
  }

  /**
   * When the office itself closed the service and nothing else keeps it closed (the certificate and
   * the register entry are fine, so answers can be signed): the closure, with what citizens are told.
   */
  closedByOffice(service: GatedService): { reason: GateReason; autoAnswer?: string; expectedOpen?: string } | undefined {
    const view = this.current().services[service];
    if (view.state !== 'closed') return undefined;
    const closing = view.reasons.filter((r) => r.severity === 'closed');
    if (!closing.every((r) => r.source === 'operator' && r.code === 'operator-closed')) return undefined;
    const reason = closing[0]!;
    return { reason, ...(reason.autoAnswer ? { autoAnswer: reason.autoAnswer } : {}), ...(reason.expectedOpen ? { expectedOpen: reason.expectedOpen } : {}) };
  }

  async openByOperator(service: GatedService): Promise<GateSnapshot> {
    await this.redis.hdel(this.reasonsKey, reasonKey({ source: 'operator', code: 'operator-closed', scope: service }));
    return this.settle();
  }

  private async settle(): Promise<GateSnapshot> {
    return (await this.settleAndTell()).snapshot;
  }

  /** Records the new levels; announces the transitions this process was first to see; tells the others. */
  private async settleAndTell(): Promise<{ snapshot: GateSnapshot; changed: Set<string> }> {
    const snapshot = await this.refresh();
    const now = new Date().toISOString();
    const pairs: string[] = [now];
    pairs.push('gateway', snapshot.gateway.state);
    for (const s of GATED_SERVICES) pairs.push(s, snapshot.services[s].state);
    const changed = (await this.redis.eval(RECORD_LEVELS, 1, this.levelsKey, ...pairs)) as string[];
    for (let i = 0; i < changed.length; i += 2) {
      const scope = changed[i] as GatedService | 'gateway';
      const view = scope === 'gateway' ? snapshot.gateway : snapshot.services[scope];
      const transition: GateTransition = { scope, from: changed[i + 1] as GateLevel, to: view.state, reasons: view.reasons, at: now };
      this.logger.warn({ gate: scope, from: transition.from, to: transition.to, reasons: view.reasons.map((r) => r.code) }, 'service gate changed');
      this.emit('transition', transition);
    }
    if (changed.length) await this.redis.publish(this.channel, now);
    return { snapshot, changed: new Set(changed.filter((_, i) => i % 2 === 0)) };
  }

  /** When each level last changed, as recorded in Redis. */
  async changedAt(): Promise<Record<string, string>> {
    const raw = await this.redis.hgetall(this.levelsKey);
    return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, v.split('|')[1] ?? '']));
  }
}
