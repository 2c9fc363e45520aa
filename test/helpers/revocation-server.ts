/**
 * A real local HTTP server standing where the clinic's web proxy would: the gateway sends it the
 * full `http://crl.sample-ca.test/…` and `http://ocsp.sample-ca.test/` URLs (REVOCATION_HTTP_PROXY),
 * and it answers as the sample CA would: the CRL, and OCSP answers signed with the CA's key.
 * Switches let a test take the CA down, serve a forged CRL, or count requests.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { webcrypto } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { certificateDer } from '../../src/trust/enterprise-certificate.js';
import { normaliseSerial } from '../../src/trust/crl.js';
import { PROJECT_DIR } from './cli.js';

export const SAMPLE_DIR = `${PROJECT_DIR}certs-sample`;
export const sample = (name: string) => readFileSync(`${SAMPLE_DIR}/${name}`);

export interface RevocationServer {
  url: string;
  /** CRL bytes served per path on crl.*.test hosts; absent: 404 */
  crls: Map<string, Buffer>;
  /** serials (hex) the OCSP responder calls revoked; every other serial it calls good */
  ocspRevoked: Set<string>;
  /** false: no OCSP answers (503) */
  ocspUp: boolean;
  /** false: every request is cut off, as when the CA is unreachable */
  up: boolean;
  requests: string[];
  /** the responder's clock, for OCSP answers dated as the test's clock says */
  clock: () => Date;
  close(): Promise<void>;
}

export async function startRevocationServer(): Promise<RevocationServer> {
  const caDer = certificateDer(sample('ca.cert.pem'));
  const caCert = pkijs.Certificate.fromBER(caDer);
  const caKey = await webcrypto.subtle.importKey(
    'pkcs8',
    Buffer.from(
      sample('ca.key.pem')
        .toString()
        .replace(/-----[^-]+-----|\s/g, ''),
      'base64',
    ),
    { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const state: Omit<RevocationServer, 'url' | 'close'> = {
    crls: new Map([['/ca.crl', sample('ca.crl.der')]]),
    ocspRevoked: new Set([normaliseSerial(readSerial('clinic-signing-revoked.cert.pem'))]),
    ocspUp: true,
    up: true,
    requests: [],
    clock: () => new Date(),
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      state.requests.push(`${req.method} ${req.url}`);
      if (!state.up) {
        req.socket.destroy();
        return;
      }
      const target = new URL(req.url ?? '/', 'http://unknown.test');
      if (target.hostname.startsWith('crl.')) {
        const body = state.crls.get(target.pathname);
        if (!body) return void res.writeHead(404).end();
        return void res.writeHead(200, { 'content-type': 'application/pkix-crl' }).end(body);
      }
      if (target.hostname.startsWith('ocsp.') && req.method === 'POST') {
        if (!state.ocspUp) return void res.writeHead(503).end();
        ocspAnswer(Buffer.concat(chunks), caCert, caKey, state.ocspRevoked, state.clock()).then(
          (body) => res.writeHead(200, { 'content-type': 'application/ocsp-response' }).end(body),
          () => res.writeHead(400).end(),
        );
        return;
      }
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

function readSerial(file: string): string {
  return Buffer.from(pkijs.Certificate.fromBER(certificateDer(sample(file))).serialNumber.valueBlock.valueHexView).toString('hex');
}

/** An OCSP answer for the request's first certificate, signed by the CA itself (no delegated responder). */
async function ocspAnswer(body: Buffer, caCert: pkijs.Certificate, caKey: webcrypto.CryptoKey, revoked: Set<string>, now: Date): Promise<Buffer> {
  const request = pkijs.OCSPRequest.fromBER(body);
  const certID = request.tbsRequest.requestList[0]!.reqCert;
  const serial = normaliseSerial(Buffer.from(certID.serialNumber.valueBlock.valueHexView).toString('hex'));
  const certStatus = revoked.has(serial)
    ? new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 1 }, value: [new asn1js.GeneralizedTime({ valueDate: new Date('2025-05-01T00:00:00Z') })] })
    : new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 0 } });
  const basic = new pkijs.BasicOCSPResponse();
  basic.tbsResponseData.responderID = caCert.subject;
  basic.tbsResponseData.producedAt = now;
  basic.tbsResponseData.responses.push(new pkijs.SingleResponse({ certID, certStatus, thisUpdate: now, nextUpdate: new Date(now.getTime() + 3_600_000) }));
  await basic.sign(caKey, 'SHA-256');
  const response = new pkijs.OCSPResponse();
  response.responseStatus.valueBlock.valueDec = 0;
  response.responseBytes = new pkijs.ResponseBytes({
    responseType: '1.3.6.1.5.5.7.48.1.1',
    response: new asn1js.OctetString({ valueHex: basic.toSchema().toBER(false) }),
  });
  return Buffer.from(response.toSchema().toBER(false));
}
