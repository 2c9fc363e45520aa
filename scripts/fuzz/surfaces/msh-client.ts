import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { MshClient } from '../../../adapters/transport/msh-client.js';
import { STANDARDS_DIR } from '../../../test/helpers/shared.js';
import { describeJsonInput, jsonBody, jsonInput, type JsonInput } from '../json-mutate.js';
import { contentType, startScriptedServer, status, type ScriptedServer } from '../scripted-server.js';
import { crash, guarded, OK, type Outcome, type Surface } from '../surface.js';

/**
 * The NHN message service's answers to the client (adapters/transport/msh-client.ts): every
 * operation, answered by a real HTTP server with the contract's sample answers (../shared's
 * msh-api examples when present) mutated, odd statuses and headers (Retry-After, WWW-Authenticate,
 * DPoP-Nonce), bodies that are not JSON, and dropped connections.
 */

const OPERATIONS = ['list-unread', 'get-message', 'get-business-document', 'mark-read', 'send', 'send-apprec', 'get-status', 'get-apprec-info'] as const;
type Operation = (typeof OPERATIONS)[number];

const MSG_ID = '0c8f3d36-f9e7-4e3f-9d5c-c820fa9b5773';
const BUILT_IN: Record<Operation, unknown> = {
  'list-unread': [{ id: MSG_ID, receiverHerId: 8142987, isAppRec: false, senderHerId: 8093244, businessDocumentId: 'a' }],
  'get-message': { id: MSG_ID, contentType: 'application/xml', receiverHerId: 8142987, senderHerId: 8093244, businessDocumentId: 'a', isAppRec: false },
  'get-business-document': {
    businessDocument: Buffer.from('<MsgHead/>').toString('base64'),
    contentType: 'application/xml',
    contentTransferEncoding: 'base64',
  },
  'mark-read': null,
  send: MSG_ID,
  'send-apprec': null,
  'get-status': [{ receiverHerId: 8093244, transportDeliveryState: 'Acknowledged', appRecStatus: 'Ok' }],
  'get-apprec-info': [{ receiverHerId: 8093244, appRecStatus: 'Rejected', appRecErrorList: [{ errorCode: 'T01', details: 'x' }] }],
};
const SHARED: Partial<Record<Operation, string[]>> = {
  'list-unread': ['ksfiks_msh_get-messages-response.json'],
  'get-message': [
    'ksfiks_msh_get-message-response.json',
    'ksfiks_msh_get-message-apprec-response.json',
    'ksfiks_msh_get-message-response-with-unknown-property.json',
  ],
  'get-business-document': ['ksfiks_msh_get-business-document-response.json', 'ksfiks_msh_get-business-document-apprec-response.json'],
  send: ['ksfiks_msh_post-message-response.txt'],
  'get-status': ['ksfiks_msh_get-status.json', 'ksfiks_msh_get-status-acked.json'],
  'get-apprec-info': [
    'ksfiks_msh_get-apprecinfo-multi.json',
    'ksfiks_msh_get-apprecinfo-ok.json',
    'ksfiks_msh_get-apprecinfo-rejected.json',
    'ksfiks_msh_get-apprecinfo-okerrorinmessagepart.json',
  ],
};
const EXPECTED: Record<Operation, number[]> = {
  'list-unread': [200],
  'get-message': [200],
  'get-business-document': [200],
  'mark-read': [204, 200],
  send: [201, 200],
  'send-apprec': [201, 200],
  'get-status': [200],
  'get-apprec-info': [200],
};

function samplesOf(op: Operation): unknown[] {
  const dir = path.join(STANDARDS_DIR, 'msh-api');
  const files = (SHARED[op] ?? []).map((f) => path.join(dir, f)).filter((f) => existsSync(f));
  return [BUILT_IN[op], ...files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as unknown)];
}

interface MshInput {
  operation: Operation;
  status: number;
  body: JsonInput;
  headers: Record<string, string>;
  drop: boolean;
}

const isObject = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What the client hands the pipeline must be what its port promises. */
function checkResult(op: Operation, value: unknown): Outcome {
  const unread = (m: { id?: unknown; receiverHerId?: unknown }) =>
    isObject(m) && typeof m.id === 'string' && (m.receiverHerId === null || m.receiverHerId === undefined || typeof m.receiverHerId === 'number');
  if (op === 'list-unread' && !(Array.isArray(value) && value.every(unread))) return crash('list-unread: not messages with ids and numeric receivers');
  const typed = (m: Record<string, unknown>) =>
    (['receiverHerId', 'senderHerId'] as const).every((f) => m[f] === undefined || m[f] === null || typeof m[f] === 'number') &&
    (m.isAppRec === undefined || m.isAppRec === null || typeof m.isAppRec === 'boolean') &&
    (m.businessDocumentId === undefined || m.businessDocumentId === null || typeof m.businessDocumentId === 'string');
  if (op === 'get-message' && !(isObject(value) && typed(value as Record<string, unknown>))) return crash('get-message: not a message of the contract types');
  if (op === 'get-business-document' && !Buffer.isBuffer(value)) return crash('get-business-document: not bytes');
  if (op === 'send' && !(isObject(value) && typeof (value as { nhnMessageId?: unknown }).nhnMessageId === 'string')) return crash('send: no message id');
  if ((op === 'get-status' || op === 'get-apprec-info') && !(Array.isArray(value) && value.every(isObject))) return crash(`${op}: not a list of objects`);
  return OK;
}

export async function mshClientSurface(): Promise<Surface<MshInput>> {
  const server: ScriptedServer = await startScriptedServer();
  const samples = Object.fromEntries(OPERATIONS.map((op) => [op, samplesOf(op)])) as Record<Operation, unknown[]>;
  const client = new MshClient({
    baseUrl: server.url,
    timeoutMs: 3_000,
    retries: 0,
    auth: {
      accessToken: async () => 'fuzz-token',
      invalidate: () => undefined,
      dpop: { proof: () => 'fuzz-proof' } as never,
    },
  });
  const headerValue = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.constantFrom('0', '1', '-5', '1e9', 'Wed, 21 Oct 2015 07:28:00 GMT', 'DPoP error="use_dpop_nonce"', 'DPoP error="invalid_token"', 'Bearer'),
  );
  const arbitrary = fc.constantFrom(...OPERATIONS).chain((operation) =>
    fc.record({
      operation: fc.constant(operation),
      status: status(EXPECTED[operation]),
      body: jsonInput(samples[operation].length),
      headers: fc.record(
        { 'content-type': contentType, 'retry-after': headerValue, 'www-authenticate': headerValue, 'dpop-nonce': headerValue },
        { requiredKeys: ['content-type'] },
      ),
      drop: fc.integer({ min: 0, max: 19 }).map((n) => n === 0),
    }),
  );
  const call = (op: Operation): Promise<unknown> => {
    switch (op) {
      case 'list-unread':
        return client.listUnread(8142987);
      case 'get-message':
        return client.getMessage(MSG_ID);
      case 'get-business-document':
        return client.getBusinessDocument(MSG_ID);
      case 'mark-read':
        return client.markRead(MSG_ID, 8142987);
      case 'send':
        return client.send({ msgId: MSG_ID, document: Buffer.from('<MsgHead/>'), receiverHerId: 8093244 });
      case 'send-apprec':
        return client.sendAppRec(MSG_ID, 8093244, { status: 'Avvist', errors: [{ errorCode: 'T01', details: 'x' }] });
      case 'get-status':
        return client.getStatus(MSG_ID);
      case 'get-apprec-info':
        return client.getAppRecInfo(MSG_ID);
    }
  };
  return {
    name: 'msh-client',
    arbitrary,
    describe: (i) => `${i.operation} HTTP ${i.status}${i.drop ? ' dropped' : ''} ${JSON.stringify(i.headers).slice(0, 200)} ${describeJsonInput(i.body)}`,
    run: (input) =>
      guarded(async () => {
        server.answer = { status: input.status, headers: input.headers, body: jsonBody(samples[input.operation], input.body), drop: input.drop };
        return checkResult(input.operation, await call(input.operation));
      }),
    close: () => server.close(),
  };
}
