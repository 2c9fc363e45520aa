import http from 'node:http';
import https from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import axios, { AxiosError, type AxiosInstance, type AxiosResponse, type CreateAxiosDefaults } from 'axios';
import type { Logger } from '../../src/logging.js';
import type {
  AppRecInfo,
  AppRecStatusValue,
  AppRecToSend,
  DeliveryStatus,
  MessageMetadata,
  MessageTransport,
  OutgoingDocument,
  UnreadMessage,
} from '../../src/ports/transport.js';
import { DirectHttp, HttpFault, type HttpAnswer } from './direct-http.js';
import { TransportError, isNetworkFault, mshAnswerError, networkReason } from './errors.js';
import { MAX_DOCUMENT_BYTES, MAX_HTTP_BODY_BYTES, mshHeaders } from './headers.js';
import type { AccessTokenSource } from './helseid.js';

/**
 * NHN's message service (MSH API v2) behind the transport port. Each call carries a DPoP-bound
 * HelseID token and a fresh proof. Network faults, 429 and 5xx are tried again a few times at once;
 * anything longer is the queues' work, so the last failure is thrown with `retryable` and `reason`.
 * Documents go and come as the pipeline gives them (protected or plain): this client only moves bytes.
 */

export interface MshClientOptions {
  baseUrl: string;
  /** MSH_TIMEOUT_MS: a call given up after this long without a byte (connecting, or waiting for the answer's next part) */
  timeoutMs: number;
  /** HelseID (HelseIdClient), or anything giving DPoP-bound tokens */
  auth: AccessTokenSource;
  /** quick retries after the first attempt; default 2 */
  retries?: number;
  /** first retry delay; doubles, with jitter, capped at 2 s; default 200 ms */
  retryBaseMs?: number;
  logger?: Logger;
}

/** Code list 8258 in NHN's words, the one place they are spoken on our side. */
type NhnAppRecStatus = 'Ok' | 'Rejected' | 'OkErrorInMessagePart';
const NHN_APPREC_STATUS: Record<AppRecStatusValue, NhnAppRecStatus> = { OK: 'Ok', Avvist: 'Rejected', 'OK, feil i delmelding': 'OkErrorInMessagePart' };
const APPREC_STATUS_OF: Record<NhnAppRecStatus, AppRecStatusValue> = { Ok: 'OK', Rejected: 'Avvist', OkErrorInMessagePart: 'OK, feil i delmelding' };

/** NHN's status word as the domain names it; null while no AppRec has come (or a word we do not know). */
function appRecStatusOf(nhn: unknown): AppRecStatusValue | null {
  return typeof nhn === 'string' && Object.hasOwn(APPREC_STATUS_OF, nhn) ? APPREC_STATUS_OF[nhn as NhnAppRecStatus] : null;
}
const RETRY_CAP_MS = 2_000;
/** messages per unread list: NHN's most (its default is 10) */
const UNREAD_PAGE = 100;

/**
 * The connections to NHN, kept alive and shared by every clinic's client. TCP keep-alive after a
 * minute idle, the delay axios sets on each request's socket: Node's own agents set one second
 * whenever a socket goes back to the pool, so the two took turns and each request changed the
 * socket's options twice (some ten setsockopt calls); with the same delay both are no-ops after
 * the first.
 */
const KEEP_ALIVE_MS = 60_000;
/** Node's global agents' settings otherwise: the most recently used connection first, and one idle for 5 s closed (NHN may have closed it). */
const AGENT_OPTIONS = { keepAlive: true, keepAliveMsecs: KEEP_ALIVE_MS, scheduling: 'lifo', timeout: 5_000 } as const;
export const NHN_AGENTS = { http: new http.Agent(AGENT_OPTIONS), https: new https.Agent(AGENT_OPTIONS) };

interface Call {
  operation: string;
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  data?: unknown;
  /** 2xx statuses the contract promises for this call */
  expect: number[];
}

export class MshClient implements MessageTransport {
  private readonly baseUrl: string;
  /**
   * Straight to NHN: Node's http, a third of the main thread's cost per call of axios's and a
   * third of the garbage (docs/pipeline.md). Through a web proxy the environment names
   * (HTTP(S)_PROXY, NO_PROXY), axios, which follows those variables and tunnels to an HTTPS endpoint.
   */
  private readonly http: { direct: DirectHttp } | { proxied: AxiosInstance };
  /** a nonce the message service asked for (RFC 9449 §9), sent until it asks for another */
  private resourceNonce: string | undefined;

  constructor(private readonly options: MshClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.http = proxyInEnvironment()
      ? { proxied: axios.create(nhnAxiosConfig(this.baseUrl, options.timeoutMs)) }
      : { direct: new DirectHttp(this.baseUrl, NHN_AGENTS, options.timeoutMs, MAX_HTTP_BODY_BYTES) };
  }

  /**
   * One page of unread messages (NHN gives 10 unless asked, at most 100), with their metadata, so
   * the inbound job need not ask for each message's metadata again.
   */
  async listUnread(receiverHerId: number): Promise<UnreadMessage[]> {
    const data = await this.call({
      operation: 'list-unread',
      method: 'GET',
      path: `/Messages?receiverHerIds=${receiverHerId}&includeMetadata=true&messagesToFetch=${UNREAD_PAGE}`,
      expect: [200],
    });
    // the receiver decides whose message it is and where it is marked read: a number or nothing
    const listed = (m: { id?: unknown; receiverHerId?: unknown } | null) =>
      typeof m?.id === 'string' && (m.receiverHerId === undefined || m.receiverHerId === null || typeof m.receiverHerId === 'number');
    if (!Array.isArray(data) || !data.every(listed)) throw invalidAnswer('list-unread', 'a list of messages with ids and numeric receivers');
    return (data as (MessageMetadata & { id: string })[]).map((m) => ({
      id: m.id,
      receiverHerId: m.receiverHerId ?? null,
      ...(typeof m.isAppRec === 'boolean'
        ? {
            metadata: {
              isAppRec: m.isAppRec,
              ...(typeof m.senderHerId === 'number' ? { senderHerId: m.senderHerId } : {}),
              ...(typeof m.businessDocumentId === 'string' ? { businessDocumentId: m.businessDocumentId } : {}),
            },
          }
        : {}),
    }));
  }

  async getMessage(id: string): Promise<MessageMetadata> {
    const data = await this.call({ operation: 'get-message', method: 'GET', path: `/Messages/${seg(id)}`, expect: [200] });
    if (!isObject(data) || !METADATA_FIELDS.every(([field, type]) => data[field] === undefined || data[field] === null || typeof data[field] === type))
      throw invalidAnswer('get-message', 'a message object with fields of the contract types');
    return data;
  }

  async getBusinessDocument(id: string): Promise<Buffer> {
    const data = (await this.call({ operation: 'get-business-document', method: 'GET', path: `/Messages/${seg(id)}/business-document`, expect: [200] })) as
      { businessDocument?: unknown; contentTransferEncoding?: unknown } | undefined;
    if (typeof data?.businessDocument !== 'string' || String(data.contentTransferEncoding).toLowerCase() !== 'base64')
      throw invalidAnswer('get-business-document', 'a base64 business document');
    return Buffer.from(data.businessDocument, 'base64');
  }

  async markRead(id: string, herId: number): Promise<void> {
    await this.call({ operation: 'mark-read', method: 'PUT', path: `/Messages/${seg(id)}/read/${herId}`, expect: [204, 200] });
  }

  async send(doc: OutgoingDocument): Promise<{ nhnMessageId: string }> {
    const bytes = doc.document;
    if (bytes.length > MAX_DOCUMENT_BYTES)
      throw new TransportError('MSH_DOCUMENT_TOO_LARGE', `the document is ${bytes.length} bytes, over NHN's ${MAX_DOCUMENT_BYTES}`, false, {
        operation: 'send',
      });
    const data = await this.call({
      operation: 'send',
      method: 'POST',
      path: '/Messages',
      data: { businessDocument: bytes.toString('base64'), contentType: 'application/xml', contentTransferEncoding: 'base64' },
      expect: [201, 200],
    });
    if (typeof data !== 'string' || !data) throw invalidAnswer('send', 'the new message id');
    return { nhnMessageId: data };
  }

  async sendAppRec(id: string, senderHerId: number, appRec: AppRecToSend): Promise<void> {
    await this.call({
      operation: 'send-apprec',
      method: 'POST',
      path: `/Messages/${seg(id)}/apprec/${senderHerId}`,
      data: { appRecStatus: NHN_APPREC_STATUS[appRec.status], appRecErrorList: appRec.errors.map((e) => ({ errorCode: e.errorCode, details: e.details })) },
      expect: [201, 200],
    });
  }

  async getStatus(id: string): Promise<DeliveryStatus[]> {
    const data = await this.call({ operation: 'get-status', method: 'GET', path: `/Messages/${seg(id)}/status`, expect: [200] });
    if (!Array.isArray(data) || !data.every(isObject)) throw invalidAnswer('get-status', 'a list of statuses');
    return (data as (Omit<DeliveryStatus, 'appRecStatus'> & { appRecStatus?: unknown })[]).map((d) => ({ ...d, appRecStatus: appRecStatusOf(d.appRecStatus) }));
  }

  async getAppRecInfo(id: string): Promise<AppRecInfo[]> {
    const data = await this.call({ operation: 'get-apprec-info', method: 'GET', path: `/Messages/${seg(id)}/apprec`, expect: [200] });
    if (!Array.isArray(data) || !data.every(isObject)) throw invalidAnswer('get-apprec-info', 'a list of AppRec infos');
    return (data as (Omit<AppRecInfo, 'appRecStatus'> & { appRecStatus?: unknown })[]).map((i) => ({ ...i, appRecStatus: appRecStatusOf(i.appRecStatus) }));
  }

  private async call(call: Call): Promise<unknown> {
    const retries = this.options.retries ?? 2;
    let renewedToken = false;
    let nonceAsked = false;
    for (let attempt = 0; ; attempt++) {
      let failure: TransportError;
      let retryAfterMs: number | undefined;
      try {
        const answer = await this.once(call);
        if (call.expect.includes(answer.status)) return answer.data;
        const challenge = String(answer.headers['www-authenticate'] ?? '');
        if (answer.status === 401 && /use_dpop_nonce/.test(challenge) && !nonceAsked) {
          nonceAsked = true;
          attempt--;
          continue;
        }
        if (answer.status === 401 && /invalid_token/.test(challenge) && !renewedToken) {
          // Revoked or expired early at HelseID's end: one fresh token, then give up.
          renewedToken = true;
          this.options.auth.invalidate();
          attempt--;
          continue;
        }
        failure =
          answer.status >= 200 && answer.status < 300
            ? invalidAnswer(call.operation, `HTTP ${call.expect.join(' or ')}`)
            : mshAnswerError(answer.status, answer.data, call.operation, answer.headers['retry-after']);
        retryAfterMs = retryAfter(answer);
      } catch (err) {
        const lost = noWholeAnswer(err);
        if (err instanceof TransportError) failure = err;
        else if (lost) failure = unreachable(lost.fault, call, this.options.timeoutMs, lost.sentWhole);
        else if (unreadableAnswer(err))
          // an answer that cannot be taken (over MAX_HTTP_BODY_BYTES, say): another attempt gets the same
          failure = new TransportError('MSH_RESPONSE_INVALID', err.message, false, { operation: call.operation }, { cause: err });
        else throw err;
      }
      // A POST NHN may have taken (only a POST is marked so) is not posted again at once: a second
      // message (or AppRec) would reach the receiver. The pipeline's next attempt finds out first
      // (docs/reliability.md).
      if (!failure.retryable || failure.maybeDelivered || failure.code === 'HELSEID_CLIENT_REFUSED' || attempt >= retries) {
        this.options.logger?.warn(
          { operation: call.operation, attempt: attempt + 1, code: failure.code, status: failure.httpStatus, requestId: failure.requestId },
          'NHN call failed',
        );
        throw failure;
      }
      await sleep(retryAfterMs ?? backoff(attempt, this.options.retryBaseMs ?? 200));
    }
  }

  private async once(call: Call): Promise<HttpAnswer> {
    const token = await this.options.auth.accessToken();
    const headers = {
      ...mshHeaders(),
      authorization: `DPoP ${token}`,
      dpop: this.options.auth.dpop.proof({
        method: call.method,
        url: `${this.baseUrl}${call.path}`,
        accessToken: token,
        ...(this.resourceNonce ? { nonce: this.resourceNonce } : {}),
      }),
    };
    const answer =
      'direct' in this.http
        ? await this.http.direct.request({ method: call.method, path: call.path, headers, ...(call.data !== undefined ? { json: call.data } : {}) })
        : answerOf(
            await this.http.proxied.request({
              method: call.method,
              url: call.path,
              data: call.data,
              headers: { ...headers, ...(call.data !== undefined ? { 'content-type': 'application/json' } : {}) },
            }),
          );
    const nonce: unknown = answer.headers['dpop-nonce'];
    if (typeof nonce === 'string' && nonce) this.resourceNonce = nonce;
    return answer;
  }
}

/** axios as the client through a web proxy is made: NHN's size limit, every status answered as it comes. */
export function nhnAxiosConfig(baseUrl: string, timeoutMs: number): CreateAxiosDefaults {
  return {
    baseURL: baseUrl,
    timeout: timeoutMs,
    maxContentLength: MAX_HTTP_BODY_BYTES,
    maxBodyLength: MAX_HTTP_BODY_BYTES,
    validateStatus: () => true,
    transitional: { clarifyTimeoutError: true },
    // A redirect could not be followed anyway (the DPoP proof names the URL asked): answered as it comes.
    maxRedirects: 0,
    httpAgent: NHN_AGENTS.http,
    httpsAgent: NHN_AGENTS.https,
  };
}

function answerOf(res: AxiosResponse): HttpAnswer {
  return { status: res.status, headers: res.headers as HttpAnswer['headers'], data: res.data };
}

/** A fault in which no whole answer came back, and whether the request had gone out whole; undefined for any other. */
function noWholeAnswer(err: unknown): { fault: Error & { code?: string | undefined }; sentWhole: boolean } | undefined {
  if (err instanceof HttpFault) return err.network ? { fault: err, sentWhole: err.maybeDelivered } : undefined;
  if (err instanceof AxiosError && isNetworkFault(err))
    return { fault: err, sentWhole: err.response !== undefined || (err.request as { writableFinished?: boolean } | undefined)?.writableFinished === true };
  return undefined;
}

/** An answer that came and cannot be taken (over the size limit). */
function unreadableAnswer(err: unknown): err is Error {
  return (err instanceof HttpFault && !err.network) || (err instanceof AxiosError && err.code === AxiosError.ERR_BAD_RESPONSE);
}

/** No whole answer: refused, dropped, timed out or cut off; a POST that went out whole may have reached NHN. */
function unreachable(err: Error & { code?: string | undefined }, call: Call, timeoutMs: number, sentWhole: boolean): TransportError {
  const maybeDelivered = sentWhole && call.method === 'POST';
  const reason = networkReason(err, 'NHN', timeoutMs) + (maybeDelivered ? ' after the request went out: NHN may have taken it' : '');
  return new TransportError('MSH_UNREACHABLE', reason, true, { operation: call.operation, ...(maybeDelivered ? { maybeDelivered } : {}) }, { cause: err });
}

/** The message fields the pipeline reads (isAppRec decides between answering and tracking), with their types. */
const METADATA_FIELDS = [
  ['id', 'string'],
  ['contentType', 'string'],
  ['receiverHerId', 'number'],
  ['senderHerId', 'number'],
  ['businessDocumentId', 'string'],
  ['businessDocumentGenDate', 'string'],
  ['isAppRec', 'boolean'],
] as const;

/** Whether a proxy variable axios follows (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY, npm's) is set. */
function proxyInEnvironment(): boolean {
  return Object.entries(process.env).some(([name, value]) => Boolean(value) && /^(npm_config_)?((https?|all)_)?proxy$/i.test(name));
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function seg(id: string): string {
  return encodeURIComponent(id);
}

function invalidAnswer(operation: string, expected: string): TransportError {
  return new TransportError('MSH_RESPONSE_INVALID', `NHN's answer to ${operation} was not ${expected}`, false, { operation });
}

function backoff(attempt: number, baseMs: number): number {
  const ceiling = Math.min(RETRY_CAP_MS, baseMs * 2 ** attempt);
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

/** Retry-After in seconds, honoured up to the quick-retry cap (longer waits are the queues' work). */
function retryAfter(answer: HttpAnswer): number | undefined {
  const raw = Number(answer.headers['retry-after']);
  return Number.isFinite(raw) && raw >= 0 ? Math.min(RETRY_CAP_MS, raw * 1000) : undefined;
}
