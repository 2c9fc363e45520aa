/**
 * OCSP (RFC 6960), the fallback when no CRL can be had: a request for one certificate, and the
 * answer trusted only when it is signed by the issuing CA or a responder it delegated to.
 */
import { createHash, createPublicKey, verify } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

export type OcspCertStatus = 'good' | 'revoked' | 'unknown';

export interface OcspAnswer {
  status: OcspCertStatus;
  thisUpdate: Date;
  nextUpdate: Date | null;
}

export class OcspError extends Error {}

export async function buildOcspRequest(cert: pkijs.Certificate, issuer: pkijs.Certificate): Promise<Buffer> {
  const request = new pkijs.OCSPRequest();
  // SHA-1 CertIDs are what every responder, Buypass's and Commfides' included, answers to.
  await request.createForCertificate(cert, { hashAlgorithm: 'SHA-1', issuerCertificate: issuer });
  return Buffer.from(request.toSchema(true).toBER(false));
}

/** Clock skew allowed between the responder and this host. */
const SKEW_MS = 5 * 60_000;

export async function readOcspResponse(bytes: Buffer, cert: pkijs.Certificate, issuer: pkijs.Certificate, now: Date): Promise<OcspAnswer> {
  let basic: pkijs.BasicOCSPResponse;
  try {
    const response = pkijs.OCSPResponse.fromBER(bytes);
    const status = response.responseStatus.valueBlock.valueDec;
    if (status !== 0) throw new OcspError(`the responder answered status ${status} (not successful)`);
    if (!response.responseBytes) throw new OcspError('the answer has no response bytes');
    basic = pkijs.BasicOCSPResponse.fromBER(response.responseBytes.response.valueBlock.valueHexView);
  } catch (err) {
    if (err instanceof OcspError) throw err;
    throw new OcspError(`not an OCSP response (${err instanceof Error ? err.message : String(err)})`);
  }
  if (!(await signedByIssuerOrDelegate(basic, issuer))) throw new OcspError('the answer is not signed by the issuing CA or a responder it delegated to');

  const single = await singleResponseFor(basic, cert, issuer);
  const thisUpdate = single.thisUpdate;
  const nextUpdate = single.nextUpdate ?? null;
  if (thisUpdate.getTime() > now.getTime() + SKEW_MS) throw new OcspError('the answer is dated in the future');
  if (nextUpdate && nextUpdate.getTime() < now.getTime() - SKEW_MS) throw new OcspError('the answer is out of date');
  const tag = (single.certStatus as asn1js.BaseBlock).idBlock.tagNumber;
  return { status: tag === 0 ? 'good' : tag === 1 ? 'revoked' : 'unknown', thisUpdate, nextUpdate };
}

async function singleResponseFor(basic: pkijs.BasicOCSPResponse, cert: pkijs.Certificate, issuer: pkijs.Certificate): Promise<pkijs.SingleResponse> {
  const serial = Buffer.from(cert.serialNumber.valueBlock.valueHexView);
  for (const single of basic.tbsResponseData.responses) {
    if (!Buffer.from(single.certID.serialNumber.valueBlock.valueHexView).equals(serial)) continue;
    const id = new pkijs.CertID();
    await id.createForCertificate(cert, { hashAlgorithm: hashName(single.certID.hashAlgorithm.algorithmId), issuerCertificate: issuer });
    if (id.isEqual(single.certID)) return single;
  }
  throw new OcspError('the answer does not speak of this certificate');
}

function hashName(oid: string): string {
  const names: Record<string, string> = {
    '1.3.14.3.2.26': 'SHA-1',
    '2.16.840.1.101.3.4.2.1': 'SHA-256',
    '2.16.840.1.101.3.4.2.2': 'SHA-384',
    '2.16.840.1.101.3.4.2.3': 'SHA-512',
  };
  const name = names[oid];
  if (!name) throw new OcspError(`unsupported CertID hash ${oid}`);
  return name;
}

/**
 * CAs that answer OCSP themselves seldom attach their own certificate, which pkijs's verify
 * requires; those answers are checked here against the issuer's key. A delegated responder's
 * answer carries the responder certificate, and pkijs checks its chain and OCSP-signing purpose.
 */
async function signedByIssuerOrDelegate(basic: pkijs.BasicOCSPResponse, issuer: pkijs.Certificate): Promise<boolean> {
  const responder: unknown = basic.tbsResponseData.responderID;
  const issuerKey = Buffer.from(issuer.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView);
  const isIssuer =
    responder instanceof pkijs.RelativeDistinguishedNames
      ? responder.isEqual(issuer.subject)
      : responder instanceof asn1js.OctetString && Buffer.from(responder.valueBlock.valueHexView).equals(createHash('sha1').update(issuerKey).digest());
  if (isIssuer) {
    const hash = SIGNATURE_HASHES[basic.signatureAlgorithm.algorithmId];
    if (!hash) return false;
    const key = createPublicKey({ key: Buffer.from(issuer.subjectPublicKeyInfo.toSchema().toBER(false)), format: 'der', type: 'spki' });
    return verify(hash, basic.tbsResponseData.tbsView, key, basic.signature.valueBlock.valueHexView);
  }
  try {
    return await basic.verify({ trustedCerts: [issuer], issuerCerts: [issuer] });
  } catch {
    return false;
  }
}

const SIGNATURE_HASHES: Record<string, string> = {
  '1.2.840.113549.1.1.5': 'sha1',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
};
