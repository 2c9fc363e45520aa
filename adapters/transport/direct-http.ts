import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';

/**
 * One HTTP exchange over Node's own http, for the message service's calls when no web proxy is
 * in the way (several a message, each way). It does what those calls need and nothing else: a
 * JSON or empty body out, the whole answer in (JSON read when it parses, the text otherwise), a
 * timeout on silence (no byte for `timeoutMs`, as axios's: a 35 MB document on a slow line is not
 * cut short while it moves), a ceiling on the answer's size. Every way it can fail is an
 * `HttpFault` saying whether a whole answer came back (`network`: refused, dropped, timed out, or
 * cut off mid-body) or an answer came that cannot be taken (over the ceiling), and whether the
 * request had gone out whole (`maybeDelivered`: the server may have acted on it).
 */

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  /** the body read as JSON when it is JSON; the text when not; '' when empty */
  data: unknown;
}

export interface HttpExchange {
  method: string;
  /** path and query, after the endpoint's own path */
  path: string;
  headers: Record<string, string>;
  /** sent as JSON */
  json?: unknown;
}

export class HttpFault extends Error {
  constructor(
    message: string,
    /** Node's error code (ECONNREFUSED, ECONNRESET, ETIMEDOUT, …), or ERR_ANSWER_TOO_LARGE */
    readonly code: string | undefined,
    /** no whole answer came back; false: one came that cannot be taken */
    readonly network: boolean,
    /** the request had gone out whole (or an answer had begun): the server may have acted on it */
    readonly maybeDelivered: boolean,
  ) {
    super(message);
    this.name = 'HttpFault';
  }
}

export class DirectHttp {
  private readonly protocol: typeof http | typeof https;
  private readonly host: string;
  private readonly port: string;
  private readonly basePath: string;

  /**
   * @param baseUrl the endpoint (`https://host:port/path`), parsed once, not per call
   * @param agents the connection pools, by scheme
   */
  constructor(
    baseUrl: string,
    private readonly agents: { http: http.Agent; https: https.Agent },
    private readonly timeoutMs: number,
    private readonly maxAnswerBytes: number,
  ) {
    const url = new URL(baseUrl);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`${baseUrl}: not an http(s) URL`);
    this.protocol = url.protocol === 'https:' ? https : http;
    this.host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    this.port = url.port;
    this.basePath = url.pathname.replace(/\/+$/, '');
  }

  request(x: HttpExchange): Promise<HttpAnswer> {
    const body = x.json === undefined ? undefined : Buffer.from(JSON.stringify(x.json));
    const headers = body ? { ...x.headers, 'content-type': 'application/json', 'content-length': String(body.length) } : x.headers;
    return new Promise((resolve, reject) => {
      let settled = false;
      let answered = false;
      const settle = () => {
        const first = !settled;
        settled = true;
        return first;
      };
      const req = this.protocol.request(
        {
          host: this.host,
          ...(this.port ? { port: this.port } : {}),
          path: this.basePath + x.path,
          method: x.method,
          headers,
          agent: this.protocol === https ? this.agents.https : this.agents.http,
        },
        (res) => {
          answered = true;
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > this.maxAnswerBytes) fail(`the answer is over ${this.maxAnswerBytes} bytes`, 'ERR_ANSWER_TOO_LARGE', false);
            else chunks.push(chunk);
          });
          res.on('end', () => {
            if (settle()) resolve({ status: res.statusCode ?? 0, headers: res.headers, data: readBody(Buffer.concat(chunks, size)) });
          });
          // the connection closed before the answer's last byte
          res.on('close', () => !res.complete && fail('the answer was cut off', 'ECONNRESET'));
          res.on('error', (err: NodeJS.ErrnoException) => fail(err.message, err.code ?? 'ECONNRESET'));
        },
      );
      function fail(message: string, code: string | undefined, network = true) {
        if (!settle()) return;
        const maybeDelivered = answered || req.writableFinished;
        req.destroy();
        reject(new HttpFault(message, code, network, maybeDelivered));
      }
      req.setTimeout(this.timeoutMs, () => fail(`timeout of ${this.timeoutMs} ms exceeded`, 'ETIMEDOUT'));
      req.on('error', (err: NodeJS.ErrnoException) => fail(err.message, err.code));
      req.end(body);
    });
  }
}

function readBody(bytes: Buffer): unknown {
  if (bytes.length === 0) return '';
  // a byte-order mark is not part of the JSON
  const text = bytes.toString('utf8', bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
