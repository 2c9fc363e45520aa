import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import { NS, kid, readSoapXml, textAt } from '../../src/registry/soap-xml.js';
import { AR_OPERATIONS, UNKNOWN_HER_ID_FAULT, soapActionOf, type ArOperation } from '../../src/registry/soap-messages.js';
import { certificateAnswer, genericFault, partyAnswer, plainFault } from './soap-answers.js';
import { certificateOf, checkEntry, loadRegisterFile, mergePatch, PROJECT_DIR, type StandInEntry } from './register-entries.js';
import { STAND_IN_CPPA_PATH } from '../../src/registry/collaboration.js';
import { cppaAnswer, pairKey, type CppaStandIn } from './cppa-answers.js';
import { restAnswer } from './rest-answers.js';

/**
 * A local address register: a real HTTP server answering the WSDL's SOAP operations (and the REST
 * communication-party API) from a JSON file, for the demo, the tests and integration testers.
 * `/stand-in/…` changes it at run time: entries by HER-id (PUT replaces, PATCH merges, DELETE
 * removes), agreements (`DELETE /stand-in/agreements/{a}/{b}` withdraws one, PUT restores it) and
 * `down`/`up`, which make it drop every register call as an unreachable AR would. It also serves
 * NHN's CPPA REST API v2 under /cppa/v2 (cppa-answers.ts).
 */

export interface StandInOptions {
  port?: number;
  host?: string;
  /** the register file (default: sample-register.json beside this file) */
  file?: string;
  /** certificate paths in the file are relative to this directory (default: the project) */
  baseDir?: string;
  /** basic-auth credentials the SOAP calls must carry; unset: any or none */
  credentials?: { username: string; password: string };
  /** the parties that take the citizen's role in the CPPA answers (default: Helsenorge's 8093244) */
  helsenorgeHerIds?: readonly string[];
}

/** Where the stand-in serves NHN's CPPA REST API v2 (CPPA_URL for the gateway: `<baseUrl>/cppa/v2`). */
export const CPPA_PATH = STAND_IN_CPPA_PATH;

export interface ArStandIn {
  /** the SOAP endpoint (AR_URL for AR_API=soap) */
  url: string;
  /** the server's root: the REST API (AR_URL for AR_API=rest) and /stand-in/… */
  baseUrl: string;
  close(): Promise<void>;
  /** JSON Merge Patch of one entry, as PATCH /stand-in/entries/{herId} */
  update(herId: string, patch: Record<string, unknown>): StandInEntry;
  /** replace or create one entry, as PUT */
  replace(herId: string, entry: StandInEntry): StandInEntry;
  remove(herId: string): boolean;
  entry(herId: string): StandInEntry | undefined;
  setDown(down: boolean): void;
}

const SOAP_PATH = '/v1/AR/Basic';
const OPERATION_BY_ACTION = new Map<string, ArOperation>(AR_OPERATIONS.map((op) => [soapActionOf(op), op]));

function readBody(req: IncomingMessage, limit = 1024 * 1024): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) reject(new Error('body too large'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

const json = (res: ServerResponse, status: number, value: unknown) => send(res, status, 'application/json', JSON.stringify(value));
const xml = (res: ServerResponse, status: number, body: string) => send(res, status, 'text/xml; charset=utf-8', body);

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export async function startArStandIn(options: StandInOptions = {}): Promise<ArStandIn> {
  const entries = loadRegisterFile(options.file);
  const baseDir = options.baseDir ?? PROJECT_DIR;
  let down = false;
  const cppa: CppaStandIn = { helsenorgeHerIds: new Set(options.helsenorgeHerIds ?? ['8093244']), withdrawn: new Set() };

  const authorised = (req: IncomingMessage): boolean => {
    if (!options.credentials) return true;
    const m = /^Basic (.+)$/i.exec(req.headers.authorization ?? '');
    if (!m) return false;
    const [user, ...rest] = Buffer.from(m[1]!, 'base64').toString('utf8').split(':');
    return sameSecret(user ?? '', options.credentials.username) && sameSecret(rest.join(':'), options.credentials.password);
  };

  const soap = async (req: IncomingMessage, res: ServerResponse) => {
    if (!authorised(req)) {
      res.setHeader('WWW-Authenticate', 'Basic realm="AR stand-in"');
      return send(res, 401, 'text/plain', 'Unauthorized');
    }
    const action = String(req.headers.soapaction ?? '').replace(/^"|"$/g, '');
    const operation = OPERATION_BY_ACTION.get(action);
    if (!operation) return xml(res, 500, plainFault('a:ActionNotSupported', `The stand-in does not answer the action '${action}'.`));
    let herId: string | undefined;
    try {
      const envelope = readSoapXml(await readBody(req));
      const request = kid(kid(envelope, NS.soap11, 'Body'), NS.party, operation);
      herId = textAt(request, NS.party, 'herId');
    } catch {
      /* answered below */
    }
    if (!herId || !/^\d+$/.test(herId)) return xml(res, 500, plainFault('s:Client', `${operation} needs a herId (xs:int) in the ${NS.party} namespace.`));
    const entry = entries.get(String(Number(herId)));
    if (!entry) return xml(res, 500, genericFault(UNKNOWN_HER_ID_FAULT, `HerId ${herId} not found.`));
    if (operation === 'GetCommunicationPartyDetails') return xml(res, 200, partyAnswer(operation, entry));
    if (operation === 'GetOrganizationDetails') {
      if (entry.type !== 'Organization') return xml(res, 500, genericFault('NotAnOrganization', `HerId ${herId} is not an organization.`));
      return xml(res, 200, partyAnswer(operation, entry));
    }
    const use = operation === 'GetCertificateDetailsForEncryption' ? 'encryption' : 'signing';
    return xml(res, 200, certificateAnswer(operation, certificateOf(entry, use, baseDir)));
  };

  const control = async (req: IncomingMessage, res: ServerResponse, pathname: string) => {
    if (req.method === 'POST' && (pathname === '/stand-in/down' || pathname === '/stand-in/up')) {
      down = pathname.endsWith('/down');
      return json(res, 200, { down });
    }
    if (req.method === 'GET' && pathname === '/stand-in/entries') return json(res, 200, { down, entries: [...entries.values()] });
    const agreement = /^\/stand-in\/agreements\/(\d{1,9})\/(\d{1,9})$/.exec(pathname);
    if (agreement && (req.method === 'DELETE' || req.method === 'PUT')) {
      const key = pairKey(agreement[1]!, agreement[2]!);
      if (req.method === 'DELETE') cppa.withdrawn.add(key);
      else cppa.withdrawn.delete(key);
      return json(res, 200, { agreement: key, withdrawn: cppa.withdrawn.has(key) });
    }
    const m = /^\/stand-in\/entries\/(\d{1,9})$/.exec(pathname);
    if (!m) return json(res, 404, { error: 'no such stand-in resource' });
    const herId = m[1]!;
    if (req.method === 'GET') return entries.has(herId) ? json(res, 200, entries.get(herId)) : json(res, 404, { error: `no entry ${herId}` });
    if (req.method === 'DELETE') return json(res, entries.delete(herId) ? 200 : 404, { removed: herId });
    if (req.method !== 'PUT' && req.method !== 'PATCH') return json(res, 405, { error: 'GET, PUT, PATCH or DELETE' });
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req));
    } catch {
      return json(res, 400, { error: 'the body must be JSON' });
    }
    try {
      const next = req.method === 'PUT' ? api.replace(herId, body as StandInEntry) : api.update(herId, body as Record<string, unknown>);
      return json(res, 200, next);
    } catch (err) {
      return json(res, req.method === 'PATCH' && !entries.has(herId) ? 404 : 400, { error: (err as Error).message });
    }
  };

  const server = createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://stand-in').pathname;
    const handle = async () => {
      if (pathname.startsWith('/stand-in/')) return control(req, res, pathname);
      if (down) {
        req.socket.destroy();
        return;
      }
      if (req.method === 'POST') return soap(req, res);
      if (req.method === 'GET' && pathname.startsWith('/api/v1/')) return restAnswer(req, res, pathname, (id) => entries.get(id), baseDir);
      if (req.method === 'GET' && pathname.startsWith(`${CPPA_PATH}/`))
        return cppaAnswer(
          req,
          res,
          pathname.slice(CPPA_PATH.length),
          (id) => entries.get(id),
          () => entries.values(),
          cppa,
          baseDir,
        );
      return json(res, 404, { error: `POST SOAP to ${SOAP_PATH}, or GET /api/v1/…` });
    };
    handle().catch((err: unknown) => {
      if (!res.headersSent) json(res, 500, { error: String(err) });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://${options.host ?? '127.0.0.1'}:${port}`;

  const api: ArStandIn = {
    url: `${baseUrl}${SOAP_PATH}`,
    baseUrl,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
    update(herId, patch) {
      const current = entries.get(herId);
      if (!current) throw new Error(`no entry ${herId}`);
      const next = checkEntry({ ...(mergePatch(current, patch) as StandInEntry), herId });
      entries.set(herId, next);
      return next;
    },
    replace(herId, entry) {
      const next = checkEntry({ ...entry, herId });
      entries.set(herId, next);
      return next;
    },
    remove: (herId) => entries.delete(herId),
    entry: (herId) => entries.get(herId),
    setDown(value) {
      down = value;
    },
  };
  return api;
}
