import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import express from 'express';
import { DpopKey } from '../../../../adapters/transport/dpop.js';
import { TransportError } from '../../../../adapters/transport/errors.js';
import { mshHeaders } from '../../../../adapters/transport/headers.js';
import { MshClient } from '../../../../adapters/transport/msh-client.js';
import type { Simulator } from '../../../../demo/simulator/server.js';
import { parseMessage } from '../../../../src/kith/parse.js';
import { STANDARDS_DIR, needsShared } from '../../../helpers/shared.js';
import { CLINIC_HER, HELSENORGE_HER, helseIdFor, mshClientFor, startTestSimulator } from '../../../helpers/nhn-setup.js';

/**
 * Both sides held to NHN's published contract (../shared/standards/msh-api): the client reads NHN's
 * own sample answers and sends bodies its schemas allow; the simulator answers in the shapes the
 * schemas describe (additionalProperties false included).
 */

const MSH_DIR = path.join(STANDARDS_DIR, 'msh-api');
type Schema = Record<string, unknown>;

/** The JSON Schema subset the contract uses: $ref, allOf, type, nullable, enum, required, properties, additionalProperties, items, minLength. */
function conforms(value: unknown, schema: Schema, schemas: Record<string, Schema>, at = '$'): string[] {
  if (schema.$ref) return conforms(value, schemas[(schema.$ref as string).split('/').pop()!]!, schemas, at);
  if (schema.allOf) return (schema.allOf as Schema[]).flatMap((s) => conforms(value, { ...s, ...(schema.nullable ? { nullable: true } : {}) }, schemas, at));
  if (value === null) return schema.nullable ? [] : [`${at} is null`];
  if (schema.enum && !(schema.enum as unknown[]).includes(value)) return [`${at} is not one of ${(schema.enum as unknown[]).join(', ')}`];
  switch (schema.type) {
    case 'string':
      if (typeof value !== 'string') return [`${at} is not a string`];
      return typeof schema.minLength === 'number' && value.length < schema.minLength ? [`${at} is too short`] : [];
    case 'integer':
      return Number.isInteger(value) ? [] : [`${at} is not an integer`];
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${at} is not a boolean`];
    case 'array':
      return Array.isArray(value) ? value.flatMap((v, i) => conforms(v, schema.items as Schema, schemas, `${at}[${i}]`)) : [`${at} is not an array`];
    case 'object': {
      if (!value || typeof value !== 'object' || Array.isArray(value)) return [`${at} is not an object`];
      const props = (schema.properties ?? {}) as Record<string, Schema>;
      const o = value as Record<string, unknown>;
      const out = ((schema.required ?? []) as string[]).filter((k) => !(k in o)).map((k) => `${at}.${k} is missing`);
      for (const [k, v] of Object.entries(o)) {
        if (props[k]) out.push(...conforms(v, props[k], schemas, `${at}.${k}`));
        else if (schema.additionalProperties === false) out.push(`${at}.${k} is not in the contract`);
      }
      return out;
    }
    default:
      return [];
  }
}

describe('MSH v2 contract (NHN samples and schemas)', () => {
  let schemas: Record<string, Schema>;
  const sample = (name: string) => readFileSync(path.join(MSH_DIR, name), 'utf8');
  const check = (value: unknown, schema: Schema) => assert.deepEqual(conforms(value, schema, schemas), []);

  before(function () {
    needsShared(this);
    schemas = (JSON.parse(sample('msh-api-v2.json')) as { components: { schemas: Record<string, Schema> } }).components.schemas;
  });

  describe("the client reads NHN's sample answers and posts bodies the schemas allow", () => {
    let close: () => Promise<void>;
    let msh: MshClient;
    const posted: { path: string; body: unknown }[] = [];

    before(async function () {
      needsShared(this);
      // NHN's far side as its samples show it; the client under test is the real one.
      const app = express();
      app.use(express.json({ limit: '60mb' }));
      const send =
        (file: string, status = 200) =>
        (_req: express.Request, res: express.Response) =>
          void res.status(status).type('application/json').send(sample(file));
      app.get('/Messages', send('ksfiks_msh_get-messages-response.json'));
      app.get(
        '/Messages/unknown',
        (_req, res) =>
          void res
            .status(404)
            .json({ error: 'Could not find database document', errorCode: 0, validationErrors: null, requestId: 'fe896e1b-91fe-455f-9173-edf66c7d4c72' }),
      );
      app.get('/Messages/:id/business-document', send('ksfiks_msh_get-business-document-response.json'));
      app.get('/Messages/:id/apprec', send('ksfiks_msh_get-apprecinfo-multi.json'));
      app.get('/Messages/:id/status', send('ksfiks_msh_get-status-acked.json'));
      app.get('/Messages/:id', send('ksfiks_msh_get-message-response-with-unknown-property.json'));
      app.post('/Messages/:id/apprec/:her', (req, res) => {
        posted.push({ path: req.path, body: req.body });
        res.status(201).type('application/json').send(sample('ksfiks_msh_post-apprec-response.txt'));
      });
      app.post('/Messages', (req, res) => {
        posted.push({ path: req.path, body: req.body });
        res.status(201).type('application/json').send(sample('ksfiks_msh_post-message-response.txt'));
      });
      const server = app.listen(0, '127.0.0.1');
      await new Promise((r) => server.once('listening', r));
      close = () => new Promise((r) => server.close(() => r()));
      const dpop = DpopKey.generate();
      const auth = { accessToken: async () => 'sample-token', invalidate: () => undefined, dpop };
      msh = new MshClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, timeoutMs: 2_000, auth });
    });
    after(() => close?.());

    it('lists, reads metadata (an unknown property tolerated), the document, status and AppRec info', async () => {
      assert.deepEqual(await msh.listUnread(8143060), [
        { id: '0c8f3d36-f9e7-4e3f-9d5c-c820fa9b5773', receiverHerId: 8143060 },
        { id: '99607d81-18bd-45ee-a96f-85e3687a5e05', receiverHerId: 8143060 },
      ]);
      const meta = await msh.getMessage('80383714-f0de-4cf8-900f-c79ba3af028c');
      assert.deepEqual([meta.senderHerId, meta.isAppRec, meta.businessDocumentId], [8094866, false, 'c88389b7-f8ad-40b2-81e1-090e715b7530']);
      const doc = await msh.getBusinessDocument('80383714-f0de-4cf8-900f-c79ba3af028c');
      assert.equal(parseMessage(doc).document, 'MsgHead');
      assert.deepEqual(
        (await msh.getStatus('x')).map((s) => [s.transportDeliveryState, s.appRecStatus]),
        [['Acknowledged', 'OK']],
      );
      const infos = await msh.getAppRecInfo('x');
      assert.deepEqual(
        infos.map((i) => i.appRecStatus),
        ['Avvist', 'OK'],
      );
      assert.equal(infos[0]!.appRecErrorList?.[0]?.errorCode, 'E10');
    });

    it("keeps the requestId of NHN's 404 example", async () => {
      const err = await msh.getMessage('unknown').catch((e: unknown) => e);
      assert.ok(err instanceof TransportError);
      assert.equal(err.requestId, 'fe896e1b-91fe-455f-9173-edf66c7d4c72');
    });

    it('posts a message and an AppRec with bodies that follow PostMessageRequest and PostAppRecRequest', async () => {
      assert.deepEqual(await msh.send({ msgId: 'm', document: Buffer.from('<?xml version="1.0" encoding="UTF-8"?><MsgHead/>'), receiverHerId: 1 }), {
        nhnMessageId: '0556bccf-ccf9-4597-9673-14cbd1a96d99',
      });
      await msh.sendAppRec('0c8f3d36-f9e7-4e3f-9d5c-c820fa9b5773', 8143060, {
        status: 'Avvist',
        errors: [{ errorCode: 'E10', details: 'Ugyldig meldingsidentifikator' }],
      });
      check(posted[0]!.body, schemas.PostMessageRequest!);
      check(posted[1]!.body, schemas.PostAppRecRequest!);
      assert.equal(posted[1]!.path, '/Messages/0c8f3d36-f9e7-4e3f-9d5c-c820fa9b5773/apprec/8143060');
      assert.deepEqual(posted[1]!.body, { appRecStatus: 'Rejected', appRecErrorList: [{ errorCode: 'E10', details: 'Ugyldig meldingsidentifikator' }] });
    });
  });

  describe('the simulator answers in the shapes the schemas describe', () => {
    let sim: Simulator;
    before(async function () {
      needsShared(this);
      sim = await startTestSimulator();
    });
    after(() => sim?.close());

    it('Message, GetBusinessDocumentResponse, StatusInfo, ApprecInfo and ErrorMessage', async () => {
      const auth = helseIdFor(sim);
      const get = async (p: string) => {
        const token = await auth.accessToken();
        const url = `${sim.url}${p}`;
        const res = await fetch(url, {
          headers: { ...mshHeaders(), authorization: `DPoP ${token}`, dpop: auth.dpop.proof({ method: 'GET', url, accessToken: token }) },
        });
        return { status: res.status, body: await res.json() };
      };
      const sent = sim.citizen.sendFixture('office-contact/request');
      const answered = await mshClientFor(sim).send({
        msgId: 'a',
        document: readFileSync(new URL('../../../../fixtures/office-contact/answer.xml', import.meta.url)),
        receiverHerId: HELSENORGE_HER,
      });

      const list = await get(`/Messages?receiverHerIds=${CLINIC_HER}&includeMetadata=true`);
      check(list.body, { type: 'array', items: { $ref: '#/components/schemas/Message' } });
      check((await get(`/Messages/${sent.id}`)).body, schemas.Message!);
      check((await get(`/Messages/${sent.id}/business-document`)).body, schemas.GetBusinessDocumentResponse!);
      check((await get(`/Messages/${answered.nhnMessageId}/status`)).body, { type: 'array', items: { $ref: '#/components/schemas/StatusInfo' } });
      check((await get(`/Messages/${answered.nhnMessageId}/apprec`)).body, { type: 'array', items: { $ref: '#/components/schemas/ApprecInfo' } });
      const missing = await get('/Messages/3d924740-9f7b-4c33-93af-ff72e118d1e6');
      assert.equal(missing.status, 404);
      check(missing.body, schemas.ErrorMessage!);
    });
  });
});
