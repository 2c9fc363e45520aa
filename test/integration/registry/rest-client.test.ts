import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isGatewayError } from '../../../src/errors.js';
import { RestAddressRegister } from '../../../src/registry/rest-client.js';
import { SoapAddressRegister } from '../../../src/registry/soap-client.js';
import { startArStandIn, type ArStandIn } from '../../../demo/ar-stand-in/stand-in-server.js';

const der = (name: string) => new X509Certificate(readFileSync(new URL(`../../../certs-sample/${name}.cert.pem`, import.meta.url))).raw;

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (err: unknown) => isGatewayError(err) && err.code === code);
}

describe('registry: the REST communication-party adapter', () => {
  describe('against a small NHN-shaped server', () => {
    let server: Server;
    let baseUrl: string;
    const seen: { path: string; authorization?: string }[] = [];
    let handler: (req: IncomingMessage, res: ServerResponse) => void;
    const json = (res: ServerResponse, status: number, body: unknown) =>
      res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));

    before(async () => {
      server = createServer((req, res) => {
        seen.push({ path: req.url ?? '', ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) });
        handler(req, res);
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    });
    after(
      () =>
        new Promise<void>((r) => {
          server.closeAllConnections();
          server.close(() => r());
        }),
    );
    beforeEach(() => {
      seen.length = 0;
    });

    const client = (timeoutMs = 1_000) => new RestAddressRegister({ baseUrl, accessToken: async () => 'token-from-helseid', timeoutMs });

    it('reads a party, an organisation and certificates, sending the token it is given', async () => {
      handler = (req, res) => {
        if (req.url === '/api/v1/communicationparty/8142987')
          return json(res, 200, {
            herId: 8142987,
            name: 'Fjordvik legekontor AS',
            type: 'Organization',
            active: true,
            isValidCommunicationParty: true,
            parentHerId: 0,
            organizationNumber: 921543212,
            electronicAddresses: [
              { typeCodeValue: 'E_EDI', address: 'fjordvik@edi.test' },
              { typeCodeValue: null, address: 'x' },
            ],
            people: [{ herId: 8142989, name: 'Ingrid Kontorsen', title: 'Kontaktperson', active: true }],
            services: [{ herId: 8142993, name: 'Kontakt', active: true, code: { codeValue: 'DIALOG_INNBYGGER_EKONTAKT', codeText: 'eKontakt' } }],
            someFieldAddedLater: { ignored: true },
          });
        if (req.url === '/api/v1/certificate/8142987/signing') return json(res, 200, { certificate: der('clinic-signing').toString('base64'), ldapUrl: null });
        if (req.url === '/api/v1/certificate/8142987/encryption') return json(res, 200, { certificate: null });
        return json(res, 404, { message: 'not found' });
      };
      const org = await client().getOrganizationDetails('8142987');
      assert.equal(org.organizationNumber, '921543212');
      assert.equal(org.parentHerId, undefined);
      assert.deepEqual(org.electronicAddresses, [{ type: 'E_EDI', address: 'fjordvik@edi.test' }]);
      assert.deepEqual(org.people, [{ herId: '8142989', name: 'Ingrid Kontorsen', title: 'Kontaktperson', active: true }]);
      assert.deepEqual(org.services[0]!.code, { value: 'DIALOG_INNBYGGER_EKONTAKT', text: 'eKontakt' });
      const party = await client().getCommunicationPartyDetails('8142987');
      assert.equal(party.type, 'Organization');
      const signing = await client().getCertificateForValidatingSignature('8142987');
      assert.ok(signing && new X509Certificate(signing.pem).raw.equals(der('clinic-signing')));
      assert.equal(await client().getCertificateForEncryption('8142987'), undefined);
      assert.ok(seen.every((s) => s.authorization === 'Bearer token-from-helseid'));
    });

    it('with a DPoP key: the token as DPoP and a proof for the exact URL', async () => {
      handler = (_req, res) => json(res, 200, { herId: 8142988, type: 'Person', name: 'Kari Lege', active: true });
      const proofs: { method: string; url: string; accessToken: string }[] = [];
      const dpop = { proof: (r: { method: string; url: string; accessToken: string }) => (proofs.push(r), 'proof-jwt') };
      const seenHeaders: Record<string, string | undefined>[] = [];
      const before = handler;
      handler = (req, res) => {
        seenHeaders.push({ authorization: req.headers.authorization, dpop: req.headers.dpop as string | undefined });
        before(req, res);
      };
      await new RestAddressRegister({ baseUrl, accessToken: async () => 'bound-token', timeoutMs: 1_000, dpop }).getCommunicationPartyDetails('8142988');
      assert.deepEqual(seenHeaders, [{ authorization: 'DPoP bound-token', dpop: 'proof-jwt' }]);
      assert.deepEqual(proofs, [{ method: 'GET', url: `${baseUrl}api/v1/communicationparty/8142988`, accessToken: 'bound-token' }]);
    });

    it('maps statuses to the AR error codes', async () => {
      for (const [status, code] of [
        [404, 'AR_HER_ID_UNKNOWN'],
        [401, 'AR_AUTH_REFUSED'],
        [403, 'AR_AUTH_REFUSED'],
        [429, 'AR_SERVER_FAULT'],
        [502, 'AR_SERVER_FAULT'],
        [400, 'AR_RESPONSE_INVALID'],
      ] as const) {
        handler = (_req, res) => json(res, status, { message: 'x' });
        await rejectsWith(client().getCommunicationPartyDetails('8142987'), code);
      }
      handler = (_req, res) => json(res, 200, { name: 'no herId' });
      await rejectsWith(client().getCommunicationPartyDetails('8142987'), 'AR_RESPONSE_INVALID');
      handler = (_req, res) => json(res, 200, { herId: 8142988, type: 'Person', name: 'Kari Lege' });
      await rejectsWith(client().getOrganizationDetails('8142988'), 'AR_NOT_AN_ORGANIZATION');
      handler = () => undefined;
      await rejectsWith(client(150).getCommunicationPartyDetails('8142987'), 'AR_UNREACHABLE');
    });
  });

  describe('against the stand-in, which answers the same entries as over SOAP', () => {
    let standIn: ArStandIn;
    before(async () => {
      standIn = await startArStandIn();
    });
    after(() => standIn.close());

    it('gives the same values through either adapter', async () => {
      const rest = new RestAddressRegister({ baseUrl: standIn.baseUrl, accessToken: async () => 'demo', timeoutMs: 1_000 });
      const soap = new SoapAddressRegister({ url: standIn.url, timeoutMs: 1_000 });
      const withoutLastChanged = <T extends { lastChanged?: string; displayName?: string }>(v: T) => ({ ...v, lastChanged: undefined, displayName: undefined });
      for (const herId of ['8142987', '8090001'])
        assert.deepEqual(withoutLastChanged(await rest.getOrganizationDetails(herId)), withoutLastChanged(await soap.getOrganizationDetails(herId)));
      for (const herId of ['8142988', '8093244'])
        assert.deepEqual(
          withoutLastChanged(await rest.getCommunicationPartyDetails(herId)),
          withoutLastChanged(await soap.getCommunicationPartyDetails(herId)),
        );
      assert.equal((await rest.getCertificateForEncryption('8093244'))!.pem, (await soap.getCertificateForEncryption('8093244'))!.pem);
      await rejectsWith(rest.getCommunicationPartyDetails('999999'), 'AR_HER_ID_UNKNOWN');
      await rejectsWith(
        new RestAddressRegister({ baseUrl: standIn.baseUrl, accessToken: async () => '', timeoutMs: 1_000 }).getCommunicationPartyDetails('8142987'),
        'AR_AUTH_REFUSED',
      );
    });
  });
});
