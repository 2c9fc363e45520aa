import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isGatewayError } from '../../../src/errors.js';
import { SoapAddressRegister } from '../../../src/registry/soap-client.js';
import { startArStandIn, type ArStandIn } from '../../../demo/ar-stand-in/stand-in-server.js';

const credentials = { username: 'fjordvik-ar', password: 'stand-in-secret' };

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (err: unknown) => isGatewayError(err) && err.code === code);
}

function pemOf(name: string): string {
  return readFileSync(new URL(`../../../certs-sample/${name}.cert.pem`, import.meta.url), 'utf8');
}

describe('registry: the SOAP client against the AR stand-in over HTTP', () => {
  let standIn: ArStandIn;
  let client: SoapAddressRegister;

  before(async () => {
    standIn = await startArStandIn({ credentials });
    client = new SoapAddressRegister({ url: standIn.url, ...credentials, timeoutMs: 2_000 });
  });
  after(() => standIn.close());

  it('GetCommunicationPartyDetails: the GP under the clinic', async () => {
    const gp = await client.getCommunicationPartyDetails('8142988');
    assert.equal(gp.name, 'Kari Lege');
    assert.equal(gp.type, 'Person');
    assert.equal(gp.parentHerId, '8142987');
    assert.equal(gp.parentOrganizationNumber, '921543212');
    assert.equal(gp.active, true);
  });

  it('GetOrganizationDetails: the clinic with its contact person and four services', async () => {
    const clinic = await client.getOrganizationDetails('8142987');
    assert.equal(clinic.organizationNumber, '921543212');
    assert.equal(clinic.people.length, 1);
    assert.equal(clinic.services.length, 4);
    const helsenorgeOwner = await client.getOrganizationDetails('8090001');
    assert.equal(helsenorgeOwner.organizationNumber, '998877660');
    assert.deepEqual(
      helsenorgeOwner.services.map((s) => s.herId),
      ['8093244'],
    );
  });

  it('GetCertificateDetailsForEncryption and …ForValidatingSignature: the published certificates', async () => {
    const enc = await client.getCertificateForEncryption('8093244');
    const sig = await client.getCertificateForValidatingSignature('8093244');
    assert.ok(enc && sig);
    assert.ok(new X509Certificate(enc.pem).raw.equals(new X509Certificate(pemOf('helsenorge-encryption')).raw));
    assert.ok(new X509Certificate(sig.pem).raw.equals(new X509Certificate(pemOf('helsenorge-signing')).raw));
  });

  it('an entry changed at run time is what the next call reads; a removed certificate reads as none', async () => {
    standIn.update('8142987', { people: [], certificates: { signing: null } });
    try {
      assert.deepEqual((await client.getOrganizationDetails('8142987')).people, []);
      assert.equal(await client.getCertificateForValidatingSignature('8142987'), undefined);
    } finally {
      standIn.update('8142987', {
        people: [{ herId: '8142989', name: 'Ingrid Kontorsen', title: 'Kontaktperson', active: true }],
        certificates: { signing: 'certs-sample/clinic-signing.cert.pem' },
      });
    }
  });

  it("a SOAP fault: an unknown HER-id is AR_HER_ID_UNKNOWN with the register's words kept", async () => {
    await assert.rejects(client.getCommunicationPartyDetails('999999'), (err: unknown) => {
      assert.ok(isGatewayError(err));
      assert.equal(err.code, 'AR_HER_ID_UNKNOWN');
      assert.equal(err.details?.errorCode, 'InvalidHerIdSupplied');
      assert.equal(err.details?.faultCode, 's:Client');
      return true;
    });
    await rejectsWith(client.getOrganizationDetails('8142988'), 'AR_FAULT');
  });

  it('wrong or missing credentials: AR_AUTH_REFUSED', async () => {
    await rejectsWith(
      new SoapAddressRegister({ url: standIn.url, username: credentials.username, password: 'wrong', timeoutMs: 2_000 }).getCommunicationPartyDetails(
        '8142987',
      ),
      'AR_AUTH_REFUSED',
    );
    await rejectsWith(new SoapAddressRegister({ url: standIn.url, timeoutMs: 2_000 }).getCommunicationPartyDetails('8142987'), 'AR_AUTH_REFUSED');
  });

  it('the stand-in taken down: AR_UNREACHABLE; up again: answers', async () => {
    const down = await fetch(`${standIn.baseUrl}/stand-in/down`, { method: 'POST' });
    assert.deepEqual(await down.json(), { down: true });
    await rejectsWith(client.getCommunicationPartyDetails('8142987'), 'AR_UNREACHABLE');
    await fetch(`${standIn.baseUrl}/stand-in/up`, { method: 'POST' });
    assert.equal((await client.getCommunicationPartyDetails('8142987')).herId, '8142987');
  });

  it("a closed port is AR_UNREACHABLE; a request refused by the HER-id's form never leaves", async () => {
    const closed = await startArStandIn();
    const url = closed.url;
    await closed.close();
    await rejectsWith(new SoapAddressRegister({ url, timeoutMs: 1_000 }).getCommunicationPartyDetails('8142987'), 'AR_UNREACHABLE');
    await rejectsWith(client.getCommunicationPartyDetails('81429x7'), 'AR_HER_ID_UNKNOWN');
  });

  describe('a far side that is not the register', () => {
    let server: Server;
    let url: string;
    let answer: (res: ServerResponse) => void = () => undefined;
    before(async () => {
      server = createServer((_req, res) => answer(res));
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/AR/Basic`;
    });
    after(
      () =>
        new Promise<void>((r) => {
          server.closeAllConnections();
          server.close(() => r());
        }),
    );

    it('no answer within the timeout: AR_UNREACHABLE', async () => {
      answer = () => undefined; // never answers
      await rejectsWith(new SoapAddressRegister({ url, timeoutMs: 200 }).getCommunicationPartyDetails('8142987'), 'AR_UNREACHABLE');
    });

    it("a proxy's 503 page: AR_SERVER_FAULT; a 404 page: AR_RESPONSE_INVALID", async () => {
      answer = (res) => res.writeHead(503, { 'Content-Type': 'text/html' }).end('<html>Service Unavailable</html>');
      await rejectsWith(new SoapAddressRegister({ url, timeoutMs: 1_000 }).getCommunicationPartyDetails('8142987'), 'AR_SERVER_FAULT');
      answer = (res) => res.writeHead(404, { 'Content-Type': 'text/html' }).end('<html>Not Found</html>');
      await rejectsWith(new SoapAddressRegister({ url, timeoutMs: 1_000 }).getCommunicationPartyDetails('8142987'), 'AR_RESPONSE_INVALID');
    });
  });
});

describe("registry: the AR stand-in's control API", () => {
  let standIn: ArStandIn;
  before(async () => {
    standIn = await startArStandIn();
  });
  after(() => standIn.close());

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${standIn.baseUrl}${path}`, {
      method,
      ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } } : {}),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('PATCH merges (null removes), PUT replaces, DELETE removes, GET shows', async () => {
    const patched = await call('PATCH', '/stand-in/entries/8142987', { organizationNumber: '974760673', electronicAddresses: null });
    assert.equal(patched.status, 200);
    assert.equal(patched.body.organizationNumber, '974760673');
    assert.equal(patched.body.electronicAddresses, undefined);
    assert.equal((await call('GET', '/stand-in/entries/8142987')).body.name, 'Fjordvik legekontor AS');
    const put = await call('PUT', '/stand-in/entries/8142999', { type: 'Person', name: 'Per Vikar' });
    assert.equal(put.status, 200);
    assert.equal(put.body.herId, '8142999');
    assert.equal((await call('DELETE', '/stand-in/entries/8142999')).status, 200);
    assert.equal((await call('GET', '/stand-in/entries/8142999')).status, 404);
  });

  it('refuses an entry it could not answer from, and patches of unknown entries', async () => {
    assert.equal((await call('PUT', '/stand-in/entries/8142999', { type: 'Robot', name: 'x' })).status, 400);
    assert.equal((await call('PATCH', '/stand-in/entries/7777777', { name: 'x' })).status, 404);
    const bad = await fetch(`${standIn.baseUrl}/stand-in/entries/8142987`, { method: 'PATCH', body: '{not json' });
    assert.equal(bad.status, 400);
  });
});
