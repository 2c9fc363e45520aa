/**
 * Is this certificate revoked? The CRL from its distribution point first (cached until its
 * nextUpdate, refreshed at least every CRL_REFRESH_HOURS), OCSP from its AIA address when no CRL
 * can be had. An unreachable CA is never a rejection at once: for REVOCATION_SOFT_FAIL_HOURS after
 * the last fresh answer the cached CRL keeps serving, or, without one, the status is `unavailable`
 * (wait and retry). Only past that window is the status `unknown`, the `revocation-unknown` fault.
 */
import { createHash, type X509Certificate } from 'node:crypto';
import axios, { type AxiosProxyConfig } from 'axios';
import * as pkijs from 'pkijs';
import type { Logger } from '../logging.js';
import { CrlError, normaliseSerial, readCrl, type RevocationList } from './crl.js';
import type { EnterpriseCertificate } from './enterprise-certificate.js';
import { buildOcspRequest, OcspError, readOcspResponse } from './ocsp.js';
import { redisKeys } from '../redis-keys.js';

export type RevocationState = 'good' | 'revoked' | 'unavailable' | 'unknown';

export interface RevocationStatus {
  state: RevocationState;
  /** where the answer came from; `cached-crl`: a CRL kept past its refresh while the CA is unreachable */
  source: 'crl' | 'cached-crl' | 'ocsp' | null;
  /** why no fresh answer could be had, when none could */
  problem?: string;
}

/** Where fetched CRLs outlive the process (Redis in the gateway); they are verified again when loaded. */
export interface RevocationStore {
  load(url: string): Promise<{ der: Buffer; fetchedAt: Date } | null>;
  save(url: string, der: Buffer, fetchedAt: Date, ttlSeconds: number): Promise<void>;
}

export interface RevocationSettings {
  crlRefreshHours: number;
  softFailHours: number;
  /** `http://host:port` of the clinic's web proxy; unset: axios follows HTTP_PROXY/NO_PROXY */
  proxy?: string | undefined;
  timeoutMs?: number;
  store?: RevocationStore;
  now?: () => Date;
  log?: Pick<Logger, 'warn' | 'info'>;
}

interface CachedCrl {
  list: RevocationList;
  fetchedAt: Date;
}

const HOUR = 3_600_000;
const MAX_CRL_BYTES = 50 * 1024 * 1024;

export class RevocationChecker {
  private readonly crls = new Map<string, CachedCrl>();
  private readonly ocsp = new Map<string, { state: 'good' | 'revoked'; until: Date }>();
  private readonly inFlight = new Map<string, Promise<CachedCrl>>();
  /** per CA address: when the last fresh answer came, or when trying began without one */
  private readonly freshSince = new Map<string, Date>();
  private readonly proxy: AxiosProxyConfig | undefined;

  constructor(private readonly settings: RevocationSettings) {
    this.proxy = settings.proxy ? proxyConfig(settings.proxy) : undefined;
  }

  async check(cert: EnterpriseCertificate, issuer: X509Certificate): Promise<RevocationStatus> {
    const now = this.settings.now?.() ?? new Date();
    const issuerPki = pkijs.Certificate.fromBER(issuer.raw);
    const serial = normaliseSerial(cert.serial);
    const windowKey = cert.crlUrls[0] ?? cert.ocspUrls[0] ?? issuer.fingerprint256;
    const problems: string[] = [];

    for (const url of cert.crlUrls) {
      try {
        const crl = await this.freshCrl(url, issuerPki, now);
        this.freshSince.set(windowKey, now);
        return { state: crl.list.revoked.has(serial) ? 'revoked' : 'good', source: 'crl' };
      } catch (err) {
        problems.push(`CRL ${url}: ${reason(err)}`);
      }
    }
    const cachedOcsp = this.ocsp.get(`${issuer.fingerprint256}:${serial}`);
    if (cachedOcsp && cachedOcsp.until > now) return { state: cachedOcsp.state, source: 'ocsp' };
    for (const url of cert.ocspUrls) {
      try {
        const state = await this.askOcsp(url, cert, issuer, issuerPki, now);
        if (state === 'unknown') {
          problems.push(`OCSP ${url}: the responder does not know the certificate`);
          continue;
        }
        this.freshSince.set(windowKey, now);
        return { state, source: 'ocsp' };
      } catch (err) {
        problems.push(`OCSP ${url}: ${reason(err)}`);
      }
    }
    if (cert.crlUrls.length === 0 && cert.ocspUrls.length === 0) problems.push('the certificate names no CRL or OCSP address');
    return this.softFail(cert, windowKey, serial, now, problems.join('; '));
  }

  private softFail(cert: EnterpriseCertificate, windowKey: string, serial: string, now: Date, problem: string): RevocationStatus {
    if (!this.freshSince.has(windowKey)) this.freshSince.set(windowKey, now);
    const within = now.getTime() - this.freshSince.get(windowKey)!.getTime() < this.settings.softFailHours * HOUR;
    const stale = cert.crlUrls.map((u) => this.crls.get(u)).find((c) => c !== undefined);
    // A revocation once published stays true however old the list that says it.
    if (stale?.list.revoked.has(serial)) return { state: 'revoked', source: 'cached-crl', problem };
    this.settings.log?.warn({ serial: cert.serial, within, problem }, 'revocation status could not be refreshed');
    if (!within) return { state: 'unknown', source: null, problem };
    return stale ? { state: 'good', source: 'cached-crl', problem } : { state: 'unavailable', source: null, problem };
  }

  private async freshCrl(url: string, issuer: pkijs.Certificate, now: Date): Promise<CachedCrl> {
    let cached = this.crls.get(url);
    if (!cached && this.settings.store) {
      cached = await this.fromStore(url, issuer);
      if (cached) this.crls.set(url, cached);
    }
    if (cached && this.isFresh(cached, now)) return cached;
    let pending = this.inFlight.get(url);
    if (!pending) {
      pending = this.fetchCrl(url, issuer, now).finally(() => this.inFlight.delete(url));
      this.inFlight.set(url, pending);
    }
    return pending;
  }

  private isFresh(cached: CachedCrl, now: Date): boolean {
    const refreshBy = cached.fetchedAt.getTime() + this.settings.crlRefreshHours * HOUR;
    const nextUpdate = cached.list.nextUpdate?.getTime() ?? Infinity;
    return now.getTime() < Math.min(refreshBy, nextUpdate);
  }

  private async fetchCrl(url: string, issuer: pkijs.Certificate, now: Date): Promise<CachedCrl> {
    const res = await axios.get<ArrayBuffer>(url, {
      responseType: 'arraybuffer',
      timeout: this.settings.timeoutMs ?? 10_000,
      maxContentLength: MAX_CRL_BYTES,
      ...(this.proxy ? { proxy: this.proxy } : {}),
    });
    const list = await readCrl(Buffer.from(res.data), issuer);
    if (list.nextUpdate && list.nextUpdate < now) throw new CrlError(`the CA serves an out-of-date CRL (nextUpdate ${list.nextUpdate.toISOString()})`);
    const fetched = { list, fetchedAt: now };
    this.crls.set(url, fetched);
    if (this.settings.store) {
      const ttl = Math.ceil((this.settings.softFailHours + this.settings.crlRefreshHours) * 3600);
      await this.settings.store.save(url, list.der, now, ttl).catch((err) => this.settings.log?.warn({ err: reason(err) }, 'CRL not stored'));
    }
    this.settings.log?.info({ url, revoked: list.revoked.size }, 'CRL fetched');
    return fetched;
  }

  private async fromStore(url: string, issuer: pkijs.Certificate): Promise<CachedCrl | undefined> {
    try {
      const stored = await this.settings.store!.load(url);
      if (!stored) return undefined;
      return { list: await readCrl(stored.der, issuer), fetchedAt: stored.fetchedAt };
    } catch (err) {
      this.settings.log?.warn({ url, err: reason(err) }, 'stored CRL not usable');
      return undefined;
    }
  }

  private async askOcsp(url: string, cert: EnterpriseCertificate, issuer: X509Certificate, issuerPki: pkijs.Certificate, now: Date) {
    const request = await buildOcspRequest(cert.pki, issuerPki);
    const res = await axios.post<ArrayBuffer>(url, request, {
      responseType: 'arraybuffer',
      headers: { 'content-type': 'application/ocsp-request', accept: 'application/ocsp-response' },
      timeout: this.settings.timeoutMs ?? 10_000,
      maxContentLength: 1024 * 1024,
      ...(this.proxy ? { proxy: this.proxy } : {}),
    });
    const answer = await readOcspResponse(Buffer.from(res.data), cert.pki, issuerPki, now);
    if (answer.status !== 'unknown') {
      const until = new Date(Math.min(answer.nextUpdate?.getTime() ?? Infinity, now.getTime() + this.settings.crlRefreshHours * HOUR));
      this.ocsp.set(`${issuer.fingerprint256}:${normaliseSerial(cert.serial)}`, { state: answer.status, until });
    }
    return answer.status;
  }
}

function proxyConfig(url: string): AxiosProxyConfig {
  const u = new URL(url);
  return {
    protocol: u.protocol.replace(':', ''),
    host: u.hostname,
    port: Number(u.port || (u.protocol === 'https:' ? 443 : 80)),
    ...(u.username ? { auth: { username: decodeURIComponent(u.username), password: decodeURIComponent(u.password) } } : {}),
  };
}

function reason(err: unknown): string {
  if (err instanceof CrlError || err instanceof OcspError) return err.message;
  if (axios.isAxiosError(err)) return err.response ? `HTTP ${err.response.status}` : (err.code ?? err.message);
  return err instanceof Error ? err.message : String(err);
}

/** CRLs in Redis, so a restarted gateway has them while the CA is down. */
export function redisRevocationStore(
  redis: { get(key: string): Promise<string | null>; set(key: string, value: string, mode: 'EX', seconds: number): Promise<unknown> },
  /** the gateway's key prefix (QUEUE_PREFIX) */
  keyPrefix = 'epjgw',
): RevocationStore {
  const keys = redisKeys(keyPrefix);
  const key = (url: string) => keys.crl(createHash('sha256').update(url).digest('hex').slice(0, 32));
  return {
    async load(url) {
      const raw = await redis.get(key(url));
      if (!raw) return null;
      const { der, fetchedAt } = JSON.parse(raw) as { der: string; fetchedAt: string };
      return { der: Buffer.from(der, 'base64'), fetchedAt: new Date(fetchedAt) };
    },
    async save(url, der, fetchedAt, ttlSeconds) {
      await redis.set(key(url), JSON.stringify({ der: der.toString('base64'), fetchedAt: fetchedAt.toISOString() }), 'EX', ttlSeconds);
    },
  };
}
