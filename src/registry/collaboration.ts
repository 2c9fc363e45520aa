import axios, { AxiosError, type AxiosInstance } from 'axios';
import type { Redis } from 'ioredis';
import { GatewayError } from '../errors.js';
import type { Logger } from '../logging.js';
import type { RestRegisterOptions } from './rest-client.js';
import { readCollaboration, routeTo, type CollaborationParty, type Route } from './cppa.js';

/**
 * NHN's CPPA register (REST API v2): the agreement (CPA) between the clinic and a party, else the
 * party's profile (CPP), as Helsenorge.Messaging looks them up — `GET Agreements/HerIds/{me}/{them}`,
 * `GET Agreements/{id}`, `GET Profiles/{herId}`, `Accept: application/xml`, with a DPoP-bound HelseID
 * token for scope nhn:cppa/access-with-dpop. What it answers is cached in Redis under the clinic's
 * prefix for CPPA_CACHE_TTL_S (5 minutes), "none" included, so a send costs no lookup most of the time.
 */

export const CPPA_SCOPE = 'nhn:cppa/access-with-dpop';

/** Where the demo's register stand-in serves the CPPA API (below its base URL). */
export const STAND_IN_CPPA_PATH = '/cppa/v2';

/** Like the REST address register's: the base URL, a HelseID token (scope CPPA_SCOPE) and its DPoP key. */
export type CppaClientOptions = RestRegisterOptions;

export class CppaClient {
  private readonly http: AxiosInstance;

  constructor(private readonly options: CppaClientOptions) {
    this.http = axios.create({
      baseURL: options.baseUrl.replace(/\/+$/, ''),
      timeout: options.timeoutMs,
      validateStatus: () => true,
      maxRedirects: 0,
      responseType: 'text',
    });
  }

  /** The XML at `path`, or undefined when the register has none (404). */
  async get(path: string): Promise<string | undefined> {
    const token = await this.options.accessToken();
    const url = `${this.http.defaults.baseURL}${path}`;
    const auth = this.options.dpop
      ? { Authorization: `DPoP ${token}`, DPoP: this.options.dpop.proof({ method: 'GET', url, accessToken: token }) }
      : { Authorization: `Bearer ${token}` };
    let res;
    try {
      res = await this.http.get<string>(path, { headers: { ...auth, Accept: 'application/xml' } });
    } catch (err) {
      throw new GatewayError(
        'CPPA_UNREACHABLE',
        `(${path}: ${err instanceof AxiosError ? (err.code ?? err.message) : String(err)})`,
        { operation: path },
        { cause: err },
      );
    }
    if (res.status === 404) return undefined;
    if (res.status !== 200 || typeof res.data !== 'string')
      throw new GatewayError('CPPA_UNREACHABLE', `(${path}: HTTP ${res.status})`, { operation: path, httpStatus: res.status });
    return res.data;
  }

  agreementBetween(me: string, them: string): Promise<string | undefined> {
    return this.get(`/Agreements/HerIds/${me}/${them}`);
  }

  agreement(id: string): Promise<string | undefined> {
    return this.get(`/Agreements/${encodeURIComponent(id)}`);
  }

  profile(herId: string): Promise<string | undefined> {
    return this.get(`/Profiles/${herId}`);
  }
}

/** What the gateway knows of a party: from the agreement, from its profile, or nothing. */
export type Collaboration = { source: 'agreement' | 'profile'; party: CollaborationParty } | { source: 'none' };

export interface CollaborationLookupOptions {
  /** the clinic's HER-id ("me") */
  herId: string;
  /** the clinic's key prefix */
  prefix: string;
  ttlS: number;
  logger?: Pick<Logger, 'warn'>;
}

export class CollaborationLookup {
  constructor(
    private readonly client: CppaClient,
    private readonly redis: Redis,
    private readonly options: CollaborationLookupOptions,
  ) {}

  private key(me: string, them: string): string {
    return `${this.options.prefix}:cppa:${me}:${them}`;
  }

  /** The agreement with `them`, else their profile (cached); throws CPPA_UNREACHABLE when the register cannot answer. */
  async with(them: string, me: string = this.options.herId): Promise<Collaboration> {
    const cached = await this.redis.get(this.key(me, them));
    if (cached) return JSON.parse(cached) as Collaboration;
    const herId = me;
    let found: Collaboration = { source: 'none' };
    const agreement = await this.client.agreementBetween(herId, them);
    if (agreement) found = { source: 'agreement', party: readCollaboration(agreement, herId) };
    else {
      const profile = await this.client.profile(them);
      if (profile) found = { source: 'profile', party: readCollaboration(profile, herId) };
    }
    await this.redis.set(this.key(me, them), JSON.stringify(found), 'EX', this.options.ttlS);
    return found;
  }

  /** Drops what is cached of `them` (a register change announced, or an inbound cpaId we do not know). */
  async forget(them: string, me: string = this.options.herId): Promise<void> {
    await this.redis.del(this.key(me, them));
  }

  /**
   * Where a message of `msgType` and `action` goes to `them`: the queue from the agreement (with its
   * id) or the profile; undefined when the register has neither or does not name the action.
   */
  async route(them: string, msgType: string, action: string | undefined): Promise<Route | undefined> {
    const c = await this.with(them);
    return c.source === 'none' ? undefined : routeTo(c.party, msgType, action);
  }

  /**
   * Checks a received message's cpaId: it must name the agreement between its receiver (the clinic,
   * or a GP or service under it: `to`) and its sender.
   * Undefined when it does (or the message names none and there is no agreement to name); else why
   * not. The cached agreement is looked up once more before a refusal, in case it was just made.
   */
  async checkInbound(from: string, to: string, cpaId: string | undefined): Promise<string | undefined> {
    const expected = async () => {
      const c = await this.with(from, to);
      return c.source === 'agreement' ? c.party.cpaId : undefined;
    };
    let agreed = await expected();
    if (cpaId === undefined || cpaId === agreed) return undefined;
    await this.forget(from, to);
    agreed = await expected();
    if (cpaId === agreed) return undefined;
    return agreed ? `cpaId ${cpaId} is not the agreement between ${from} and ${to}` : `there is no agreement between ${from} and ${to} (cpaId ${cpaId})`;
  }
}
