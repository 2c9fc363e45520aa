import type { Redis } from 'ioredis';
import { isGatewayError, type ErrorCode } from '../errors.js';
import type { Logger } from '../logging.js';
import type { AddressRegister, CommunicationParty, HerId, Organization, RegisterCertificate } from '../ports/address-register.js';
import { redisKeys, type RedisKeys } from '../redis-keys.js';

/**
 * Lookups in Redis, shared by every gateway process: an entry younger than the TTL is answered from
 * the cache; an older one is looked up again. While AR is unreachable (or answers server faults)
 * an entry is served stale up to the stale limit, counted from when it was fetched, and the answer
 * says so. Past the limit, or with nothing cached, the lookup fails with AR's error.
 */

/** live: AR answered now; cache: within the TTL; stale: AR unreachable, an older entry served. */
export type AnswerSource = 'live' | 'cache' | 'stale';

export interface RegisterAnswer<T> {
  value: T;
  source: AnswerSource;
  /** when AR gave this value (ISO 8601) */
  fetchedAt: string;
}

/** What a lookup came to, for metrics: unavailable = AR unreachable and nothing to serve; refused = any other fault. */
export type LookupOutcome = AnswerSource | 'unavailable' | 'refused';
export const LOOKUP_OUTCOMES: readonly LookupOutcome[] = ['live', 'cache', 'stale', 'unavailable', 'refused'];

export interface RegisterStatus {
  /** the last call to AR went through (or none was needed yet) */
  reachable: boolean;
  /** the last answer that needed AR was served stale */
  stale: boolean;
  /** the last lookup failed with nothing to serve */
  unavailable: boolean;
  unreachableSince?: string;
  lastLiveAt?: string;
  lastError?: ErrorCode;
  lookups: Record<LookupOutcome, number>;
}

export interface CacheSettings {
  /** key prefix, shared with the rest of the gateway's keys (QUEUE_PREFIX) */
  prefix: string;
  ttlS: number;
  staleLimitS: number;
  now?: () => number;
  /** told when AR becomes unreachable and when it answers again (HER-ids and error codes only) */
  logger?: Pick<Logger, 'warn' | 'info'>;
}

/** Faults during which a cached entry may stand in for AR. */
const UNAVAILABLE: readonly ErrorCode[] = ['AR_UNREACHABLE', 'AR_SERVER_FAULT'];

type Kind = 'party' | 'organization' | 'encryption' | 'signing';

interface Cached<T> {
  v: T;
  at: number;
}

export class CachedAddressRegister implements AddressRegister {
  private readonly now: () => number;
  private readonly listeners: ((outcome: LookupOutcome) => void)[] = [];
  private readonly keys: RedisKeys;
  /** one call to AR per key at a time, however many callers ask */
  private readonly inFlight = new Map<string, Promise<RegisterAnswer<unknown>>>();
  private readonly state: RegisterStatus = {
    reachable: true,
    stale: false,
    unavailable: false,
    lookups: { live: 0, cache: 0, stale: 0, unavailable: 0, refused: 0 },
  };

  constructor(
    readonly inner: AddressRegister,
    private readonly redis: Redis,
    private readonly settings: CacheSettings,
  ) {
    this.now = settings.now ?? Date.now;
    this.keys = redisKeys(settings.prefix);
  }

  communicationParty(herId: HerId): Promise<RegisterAnswer<CommunicationParty>> {
    return this.lookup('party', herId, () => this.inner.getCommunicationPartyDetails(herId));
  }

  organization(herId: HerId): Promise<RegisterAnswer<Organization>> {
    return this.lookup('organization', herId, () => this.inner.getOrganizationDetails(herId));
  }

  encryptionCertificate(herId: HerId): Promise<RegisterAnswer<RegisterCertificate | null>> {
    return this.lookup('encryption', herId, async () => (await this.inner.getCertificateForEncryption(herId)) ?? null);
  }

  signingCertificate(herId: HerId): Promise<RegisterAnswer<RegisterCertificate | null>> {
    return this.lookup('signing', herId, async () => (await this.inner.getCertificateForValidatingSignature(herId)) ?? null);
  }

  // The port, for callers that need the value only.
  async getCommunicationPartyDetails(herId: HerId): Promise<CommunicationParty> {
    return (await this.communicationParty(herId)).value;
  }

  async getOrganizationDetails(herId: HerId): Promise<Organization> {
    return (await this.organization(herId)).value;
  }

  async getCertificateForEncryption(herId: HerId): Promise<RegisterCertificate | undefined> {
    return (await this.encryptionCertificate(herId)).value ?? undefined;
  }

  async getCertificateForValidatingSignature(herId: HerId): Promise<RegisterCertificate | undefined> {
    return (await this.signingCertificate(herId)).value ?? undefined;
  }

  status(): RegisterStatus {
    return { ...this.state, lookups: { ...this.state.lookups } };
  }

  /** Called with the outcome of every lookup (metrics). */
  observe(listener: (outcome: LookupOutcome) => void): void {
    this.listeners.push(listener);
  }

  /** Drops every cached entry of one HER-id, so the next lookup asks AR. */
  async forget(herId: HerId): Promise<void> {
    await this.redis.del(...(['party', 'organization', 'encryption', 'signing'] as const).map((k) => this.key(k, herId)));
  }

  private key(kind: Kind, herId: HerId): string {
    return this.keys.addressRegister(kind, herId);
  }

  private count(outcome: LookupOutcome): void {
    this.state.lookups[outcome]++;
    for (const listener of this.listeners) listener(outcome);
  }

  private lookup<T>(kind: Kind, herId: HerId, ask: () => Promise<T>): Promise<RegisterAnswer<T>> {
    const key = this.key(kind, herId);
    const running = this.inFlight.get(key);
    if (running) return running as Promise<RegisterAnswer<T>>;
    const started = this.lookupOnce(key, herId, ask).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, started);
    return started;
  }

  private async lookupOnce<T>(key: string, herId: HerId, ask: () => Promise<T>): Promise<RegisterAnswer<T>> {
    const raw = await this.redis.get(key);
    const cached = raw ? (JSON.parse(raw) as Cached<T>) : undefined;
    const age = cached ? (this.now() - cached.at) / 1000 : Infinity;
    if (cached && age < this.settings.ttlS) {
      this.count('cache');
      return { value: cached.v, source: 'cache', fetchedAt: new Date(cached.at).toISOString() };
    }
    try {
      const value = await ask();
      const at = this.now();
      // Kept past its TTL for as long as it may serve stale.
      const keepS = Math.max(this.settings.ttlS, this.settings.staleLimitS);
      await this.redis.set(key, JSON.stringify({ v: value, at } satisfies Cached<T>), 'EX', Math.ceil(keepS));
      this.markReachable(at);
      this.count('live');
      return { value, source: 'live', fetchedAt: new Date(at).toISOString() };
    } catch (err) {
      const code = isGatewayError(err) ? err.code : undefined;
      this.state.lastError = code ?? 'INTERNAL';
      if (!code || !UNAVAILABLE.includes(code)) {
        // AR answered: it is reachable, and what it said (unknown HER-id, refused) is the answer.
        if (code === 'AR_HER_ID_UNKNOWN') await this.redis.del(key);
        this.markReachable(undefined);
        this.count('refused');
        throw err;
      }
      if (this.state.reachable) this.settings.logger?.warn({ herId, code }, 'address register unreachable; cached entries serve up to the stale limit');
      this.state.reachable = false;
      this.state.unreachableSince ??= new Date(this.now()).toISOString();
      if (cached && age < this.settings.staleLimitS) {
        this.state.stale = true;
        this.state.unavailable = false;
        this.count('stale');
        return { value: cached.v, source: 'stale', fetchedAt: new Date(cached.at).toISOString() };
      }
      this.state.unavailable = true;
      this.count('unavailable');
      throw err;
    }
  }

  private markReachable(liveAt: number | undefined): void {
    if (!this.state.reachable) this.settings.logger?.info({ since: this.state.unreachableSince }, 'address register answers again');
    this.state.reachable = true;
    this.state.stale = false;
    this.state.unavailable = false;
    delete this.state.unreachableSince;
    if (liveAt !== undefined) {
      this.state.lastLiveAt = new Date(liveAt).toISOString();
      delete this.state.lastError;
    }
  }
}

/** What the cached register answers: each value with where it came from. */
export type RegisterLookups = Pick<CachedAddressRegister, 'communicationParty' | 'organization' | 'encryptionCertificate' | 'signingCertificate'>;

/** The lookups of the cached register straight from AR, every answer live: for one-off checks without Redis. */
export function uncached(register: AddressRegister, now: () => number = Date.now): RegisterLookups {
  const live = async <T>(value: Promise<T>): Promise<RegisterAnswer<T>> => ({ value: await value, source: 'live', fetchedAt: new Date(now()).toISOString() });
  return {
    communicationParty: (herId) => live(register.getCommunicationPartyDetails(herId)),
    organization: (herId) => live(register.getOrganizationDetails(herId)),
    encryptionCertificate: async (herId) => live(register.getCertificateForEncryption(herId).then((c) => c ?? null)),
    signingCertificate: async (herId) => live(register.getCertificateForValidatingSignature(herId).then((c) => c ?? null)),
  };
}
