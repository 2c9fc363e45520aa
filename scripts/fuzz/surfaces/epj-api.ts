import { Agent, request } from 'node:http';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { startTestGateway, type TestGateway } from '../../../test/helpers/gateway.js';
import { hasShared, XSD_DIR } from '../../../test/helpers/shared.js';
import { describeJsonInput, jsonBody, jsonInput, type JsonInput } from '../json-mutate.js';
import { applyMutations, describeMutations, mutations, type Mutation } from '../mutate.js';
import { crash, guarded, type Outcome, type Surface } from '../surface.js';
import { kithCorpus } from './kith-judge.js';

/**
 * The EPJ API: the real gateway (infrastructure, one clinic's core, the express app) in this process
 * on a real Redis (started by main.ts), asked over a real HTTP listener on a free port. Bodies are the
 * clinic's JSON answers to requests it really received, KITH XML from the fixtures, free slots as JSON
 * or iCalendar, all mutated; headers (token, content type and charset, content encoding) and sizes
 * (up to past HTTP_MAX_BODY_BYTES) vary. Every answer must be 2xx, or an error with a code: a 5xx
 * with INTERNAL (the error handler's catch-all) or a connection dropped is a crash.
 */

const MAX_BODY = 256 * 1024;
const FIXTURE = (p: string) => readFileSync(fileURLToPath(new URL(`../../../fixtures/${p}`, import.meta.url)), 'utf8');

const ROUTES = [
  { method: 'POST', path: '/v1/messages', weight: 12 },
  { method: 'PUT', path: '/v1/free-slots', weight: 3 },
  { method: 'GET', path: '/v1/free-slots', weight: 1 },
  { method: 'GET', path: '/v1/messages/{id}', weight: 2 },
  { method: 'GET', path: '/v1/inbox{query}', weight: 2 },
  { method: 'POST', path: '/v1/inbox/{id}/ack', weight: 2 },
  { method: 'GET', path: '/v1/whoami', weight: 1 },
  { method: '{method}', path: '/v1/{segment}', weight: 1 },
] as const;

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=UTF-16',
  'application/json; charset=latin1',
  'application/json; charset=x-bogus',
  'application/xml',
  'application/xml; charset=iso-8859-1',
  'application/xml; charset=utf-16le',
  'application/xml; charset=x-bogus',
  'text/xml',
  'text/calendar',
  'text/calendar; charset=utf-8',
  'text/plain',
  'multipart/form-data; boundary=x',
  'application/x-www-form-urlencoded',
  'application/vnd.api+json',
  '',
  ';;;',
];

interface EpjInput {
  route: number;
  id: string;
  query: string;
  method: string;
  segment: string;
  auth: string | null;
  contentType: string;
  encoding: { name: string; applied: boolean } | null;
  body:
    | { kind: 'json'; json: JsonInput }
    | { kind: 'xml'; entry: number; mutations: Mutation[] }
    | { kind: 'ical'; mutations: Mutation[] }
    | { kind: 'bytes'; bytes: Uint8Array };
  /** pad the body with spaces to about this size (0: as it is) */
  padTo: number;
}

export async function epjApiSurface(): Promise<Surface<EpjInput>> {
  const redisUrl = process.env.FUZZ_REDIS_URL;
  if (!redisUrl) throw new Error('FUZZ_REDIS_URL: the epj-api surface needs the Redis main.ts starts');
  const { gateway, url, logs } = await startTestGateway(
    redisUrl,
    { HTTP_MAX_BODY_BYTES: String(MAX_BODY), ...(hasShared ? { KITH_SCHEMA_DIR: XSD_DIR } : {}) },
    // the log is kept in memory: only what a crash writes
    { logLevel: 'error' },
  );
  const inReplyTo: Record<string, string> = {};
  for (const [service, file] of [
    ['office-contact', 'office-contact/request.xml'],
    ['prescription-renewal', 'prescription-renewal/request.xml'],
    ['e-consultation', 'e-consultation/request.xml'],
    ['appointment', 'appointment/timeonske-request.xml'],
  ] as const)
    inReplyTo[service] = await received(gateway, FIXTURE(file));

  const answers: unknown[] = [
    {
      service: 'office-contact',
      inReplyTo: inReplyTo['office-contact'],
      text: 'Attesten er klar.',
      attachments: [{ fileName: 'attest.pdf', mimeType: 'application/pdf', base64: Buffer.from('%PDF-1.4 test').toString('base64') }],
    },
    {
      service: 'prescription-renewal',
      inReplyTo: inReplyTo['prescription-renewal'],
      prescriptions: [
        { name: 'Paracetamol 500 mg', outcome: 'renewed' },
        { name: 'Diazepam 5 mg', outcome: 'needs-consultation', reason: 'må vurderes ved time' },
      ],
    },
    { service: 'e-consultation', inReplyTo: inReplyTo['e-consultation'], text: 'Vi tar en videokonsultasjon.', videoLink: 'https://video.example.no/rom/123' },
    {
      service: 'appointment',
      inReplyTo: inReplyTo.appointment,
      kind: 'offer',
      slots: [{ start: '2026-12-01T09:00:00', end: '2026-12-01T09:20:00', location: 'Fjordvik legekontor, rom 2', practitioner: 'Kari Lege' }],
      text: 'Time tilbys.',
    },
    { slots: [{ start: '2026-12-10T09:00:00+01:00', end: '2026-12-10T09:20:00+01:00' }] },
  ];
  const xmlCorpus = kithCorpus().filter((e) => /answer|request/.test(e.name));
  const ical = Buffer.from(
    'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nDTSTART:20261210T090000Z\r\nDTEND:20261210T092000Z\r\nLOCATION:Rom 2\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n',
  );
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });

  const text = fc.oneof(
    fc.string({ maxLength: 30 }),
    fc.constantFrom('', '%00', '%ff', '..', '%2e%2e%2f', 'a'.repeat(5000), '0c8f3d36-f9e7-4e3f-9d5c-c820fa9b5773'),
  );
  const arbitrary: fc.Arbitrary<EpjInput> = fc.record({
    route: fc.oneof(...ROUTES.map((r, i) => ({ arbitrary: fc.constant(i), weight: r.weight }))),
    id: fc.oneof({ arbitrary: text.map(encodeURIComponent), weight: 4 }, { arbitrary: fc.constantFrom('%ff', '%', '%E0%A4%A', '%00', '%C0%AF'), weight: 1 }),
    query: fc.constantFrom(
      '',
      '?limit=0',
      '?limit=-5',
      '?limit=abc',
      '?limit=1e9',
      '?cursor=1-1',
      '?cursor=x',
      '?cursor=99999999999999999999-1',
      '?limit=1&limit=2',
      '?cursor[]=1',
    ),
    method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'),
    segment: text.map(encodeURIComponent),
    auth: fc.oneof(
      { arbitrary: fc.constant('Bearer demo-token'), weight: 12 },
      {
        arbitrary: fc.constantFrom(
          null,
          'Bearer',
          'Bearer wrong-token',
          'bearer   demo-token  ',
          'Basic ZGVtbzpkZW1v',
          'Bearer demo-token extra',
          `Bearer ${'x'.repeat(8000)}`,
        ),
        weight: 2,
      },
      { arbitrary: fc.string({ maxLength: 40 }).map((s) => s.replace(/[^\t\x20-\x7e]/g, '')), weight: 1 },
    ),
    contentType: fc.oneof({ arbitrary: fc.constant(''), weight: 1 }, { arbitrary: fc.constantFrom(...CONTENT_TYPES), weight: 8 }),
    encoding: fc.oneof(
      { arbitrary: fc.constant(null), weight: 12 },
      { arbitrary: fc.record({ name: fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'x-bogus', 'gzip, gzip'), applied: fc.boolean() }), weight: 1 },
    ),
    body: fc.oneof(
      { arbitrary: fc.record({ kind: fc.constant('json' as const), json: jsonInput(answers.length) }), weight: 6 },
      {
        arbitrary: fc.record({
          kind: fc.constant('xml' as const),
          entry: fc.nat(xmlCorpus.length - 1),
          mutations: fc.oneof(fc.constant([] as Mutation[]), mutations('xml', 3)),
        }),
        weight: 3,
      },
      { arbitrary: fc.record({ kind: fc.constant('ical' as const), mutations: fc.oneof(fc.constant([] as Mutation[]), mutations('bytes', 3)) }), weight: 1 },
      { arbitrary: fc.record({ kind: fc.constant('bytes' as const), bytes: fc.uint8Array({ maxLength: 256 }) }), weight: 1 },
    ),
    padTo: fc.oneof({ arbitrary: fc.constant(0), weight: 12 }, { arbitrary: fc.constantFrom(MAX_BODY - 64, MAX_BODY + 1, 3 * 1024 * 1024), weight: 1 }),
  });

  const bodyOf = (i: EpjInput): Buffer => {
    let body: Buffer;
    if (i.body.kind === 'json') body = jsonBody(answers, i.body.json);
    else if (i.body.kind === 'xml') body = applyMutations(xmlCorpus[i.body.entry]!.bytes, i.body.mutations);
    else if (i.body.kind === 'ical') body = applyMutations(ical, i.body.mutations);
    else body = Buffer.from(i.body.bytes);
    if (i.padTo > body.length) body = Buffer.concat([body, Buffer.alloc(i.padTo - body.length, 0x20)]);
    if (i.encoding?.applied) {
      const name = i.encoding.name;
      body = name === 'gzip' ? gzipSync(body) : name === 'deflate' ? deflateSync(body) : name === 'br' ? brotliCompressSync(body) : body;
    }
    return body;
  };

  return {
    name: 'epj-api',
    arbitrary,
    describe: (i) => {
      const r = ROUTES[i.route]!;
      const body =
        i.body.kind === 'json'
          ? describeJsonInput(i.body.json)
          : i.body.kind === 'xml'
            ? `${xmlCorpus[i.body.entry]!.name} ${describeMutations(i.body.mutations)}`
            : i.body.kind === 'ical'
              ? `ical ${describeMutations(i.body.mutations)}`
              : `${i.body.bytes.length} random bytes`;
      return `${r.method} ${r.path} id=${i.id.slice(0, 40)} auth=${JSON.stringify(i.auth?.slice(0, 30))} type=${JSON.stringify(i.contentType)} encoding=${JSON.stringify(i.encoding)} pad=${i.padTo} ${body}`;
    },
    run: (i) =>
      guarded(async () => {
        const r = ROUTES[i.route]!;
        const method = r.method === '{method}' ? i.method : r.method;
        const path = r.path.replace('{id}', i.id).replace('{query}', i.query).replace('{segment}', i.segment);
        const body = method === 'GET' || method === 'HEAD' ? Buffer.alloc(0) : bodyOf(i);
        const headers: Record<string, string> = { 'content-length': String(body.length) };
        if (i.auth !== null) headers.authorization = i.auth;
        if (i.contentType) headers['content-type'] = i.contentType;
        if (i.encoding) headers['content-encoding'] = i.encoding.name;
        const outcome = judgeAnswer(await send(agent, `${url}${path}`, method, headers, body), method);
        if (outcome.kind === 'crash' && /INTERNAL/.test(outcome.reason)) {
          // the cause is in the gateway's log line for the request (the answer names only the request id)
          const last = logs().trim().split('\n').at(-1) ?? '';
          const err = (JSON.parse(last || '{}') as { err?: { type?: string; stack?: string } }).err;
          return crash(`${outcome.reason.slice(0, 60)} ${err?.type ?? ''}: ${(err?.stack ?? '').split('\n').slice(0, 4).join(' | ')}`);
        }
        return outcome;
      }),
    close: async () => {
      agent.destroy();
      await gateway.shutdown('fuzz over');
    },
  };
}

/** As the inbound worker leaves a received request: recorded, its document sealed; the clinic can answer it. */
async function received(gateway: TestGateway, xml: string): Promise<string> {
  const msgId = /<MsgId>([^<]+)<\/MsgId>/.exec(xml)![1]!;
  await gateway.store.create({ msgId, direction: 'inbound', service: 'unknown', state: 'delivered' });
  await gateway.store.putDocument(msgId, gateway.crypto.seal({ xml, receiverHerId: 8142987, receivedAt: new Date().toISOString() }, msgId));
  return msgId;
}

type Answer = { status: number; body: string } | { error: string };

function send(agent: Agent, url: string, method: string, headers: Record<string, string>, body: Buffer): Promise<Answer> {
  return new Promise((resolve) => {
    const req = request(url, { method, headers, agent, timeout: 30_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (err) => resolve({ error: err.message }));
    });
    req.on('error', (err) => resolve({ error: err.message }));
    req.end(body);
  });
}

function judgeAnswer(answer: Answer, method: string): Outcome {
  if ('error' in answer) return crash(`the connection failed: ${answer.error}`);
  if (answer.status >= 200 && answer.status < 300) return { kind: 'ok' };
  if (method === 'HEAD') return answer.status >= 500 ? crash(`HEAD answered ${answer.status}`) : { kind: 'coded', code: `HEAD ${answer.status}` };
  let code: unknown;
  try {
    code = (JSON.parse(answer.body) as { error?: { code?: unknown } }).error?.code;
  } catch {
    return crash(`HTTP ${answer.status} without a JSON error: ${answer.body.slice(0, 200)}`);
  }
  if (typeof code !== 'string') return crash(`HTTP ${answer.status} without an error code: ${answer.body.slice(0, 200)}`);
  if (code === 'INTERNAL') return crash(`HTTP ${answer.status} INTERNAL: ${answer.body.slice(0, 200)}`);
  return { kind: 'coded', code };
}
