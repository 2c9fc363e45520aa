import fc from 'fast-check';
import { entryJson } from '../../../demo/ar-stand-in/rest-answers.js';
import { certificateOf, loadRegisterFile } from '../../../demo/ar-stand-in/register-entries.js';
import { derFromPem } from '../../../src/registry/certificate-pem.js';
import { RestAddressRegister } from '../../../src/registry/rest-client.js';
import { describeJsonInput, jsonBody, jsonInput, type JsonInput } from '../json-mutate.js';
import { contentType, startScriptedServer, status } from '../scripted-server.js';
import { crash, guarded, OK, type Surface } from '../surface.js';

/**
 * The address register's REST answers (src/registry/rest-client.ts): the stand-in's JSON for every
 * register entry and certificate, mutated field by field (any JSON value where a string or list was),
 * served by a real HTTP server with odd statuses, to each of the client's lookups.
 */

const LOOKUPS = ['party', 'organization', 'signing', 'encryption'] as const;

interface RestInput {
  lookup: (typeof LOOKUPS)[number];
  status: number;
  contentType: string;
  body: JsonInput;
}

const isText = (v: unknown) => v === undefined || typeof v === 'string';

export async function arRestSurface(): Promise<Surface<RestInput>> {
  const parties: unknown[] = [];
  const certificates: unknown[] = [{ certificate: null, ldapUrl: null }];
  for (const entry of loadRegisterFile().values()) {
    parties.push(entryJson(entry));
    for (const use of ['signing', 'encryption'] as const) {
      const c = certificateOf(entry, use);
      if (c) certificates.push({ certificate: derFromPem(c.pem).toString('base64'), ldapUrl: c.ldapUrl ?? null });
    }
  }
  const server = await startScriptedServer();
  const register = new RestAddressRegister({ baseUrl: server.url, accessToken: async () => 'fuzz-token', timeoutMs: 3_000 });
  const arbitrary = fc.constantFrom(...LOOKUPS).chain((lookup) =>
    fc.record({
      lookup: fc.constant(lookup),
      status: status([200]),
      contentType,
      body: jsonInput(lookup === 'party' || lookup === 'organization' ? parties.length : certificates.length),
    }),
  );
  return {
    name: 'ar-rest',
    arbitrary,
    describe: (i) => `${i.lookup} HTTP ${i.status} ${i.contentType} ${describeJsonInput(i.body)}`,
    run: (input) =>
      guarded(async () => {
        const samples = input.lookup === 'party' || input.lookup === 'organization' ? parties : certificates;
        server.answer = { status: input.status, headers: { 'content-type': input.contentType }, body: jsonBody(samples, input.body) };
        if (input.lookup === 'party' || input.lookup === 'organization') {
          const p = input.lookup === 'party' ? await register.getCommunicationPartyDetails('8142987') : await register.getOrganizationDetails('8142987');
          // what the cache stores and the gate compares must be the port's types, not whatever came
          if (
            !/^\d+$/.test(p.herId) ||
            typeof p.name !== 'string' ||
            !isText(p.displayName) ||
            !isText(p.parentName) ||
            !isText(p.valid?.from) ||
            !isText(p.valid?.to)
          )
            return crash(`a party with fields of the wrong type: ${JSON.stringify(p).slice(0, 200)}`);
          if (!p.electronicAddresses.every((a) => typeof a.type === 'string' && typeof a.address === 'string'))
            return crash('electronic addresses of the wrong type');
          return OK;
        }
        const c =
          input.lookup === 'signing' ? await register.getCertificateForValidatingSignature('8142987') : await register.getCertificateForEncryption('8142987');
        if (c && (typeof c.pem !== 'string' || !isText(c.ldapUrl))) return crash('a certificate with fields of the wrong type');
        return OK;
      }),
    close: () => server.close(),
  };
}
