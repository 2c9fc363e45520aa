import { constants, createHash, sign as rsaSign, verify as rsaVerify, X509Certificate, type KeyObject } from 'node:crypto';
import { GatewayError } from '../errors.js';
import { DIGEST_BY_OID, identityOf, namesCertificate, OID } from './cms-identity.js';
import {
  algorithm,
  children,
  DerError,
  explicit,
  expectTag,
  octets,
  octetString,
  oid,
  oidOf,
  readOne,
  readTime,
  seq,
  setOf,
  smallInt,
  tlv,
  TAG,
  time,
  type Tlv,
} from './der.js';

/**
 * CMS SignedData (RFC 5652) as Helsenorge uses it: attached content, one signer named by issuer
 * and serial, the signing certificate included, SHA-256 with RSA over the signed attributes.
 * The RSA work runs in OpenSSL through Node's crypto.
 */

export interface SignOptions {
  signingTime?: Date;
}

export function signContent(content: Uint8Array, signer: X509Certificate, key: KeyObject, options: SignOptions = {}): Buffer {
  const id = identityOf(signer);
  const digest = createHash('sha256').update(content).digest();
  const attributes = [
    seq(oid(OID.attrContentType), setOf(oid(OID.data))),
    seq(oid(OID.attrSigningTime), setOf(time(options.signingTime ?? new Date()))),
    seq(oid(OID.attrMessageDigest), setOf(octetString(digest))),
  ];
  const signedAttrs = setOf(...attributes); // the DER SET is what is signed …
  const signature = rsaSign('sha256', signedAttrs, { key, padding: constants.RSA_PKCS1_PADDING });
  signedAttrs[0] = 0xa0; // … and it is carried as [0] IMPLICIT
  const signerInfo = seq(
    smallInt(1),
    seq(id.issuer, tlv(TAG.INTEGER, id.serial)),
    algorithm(OID.sha256),
    signedAttrs,
    algorithm(OID.rsaEncryption),
    octetString(signature),
  );
  const signedData = seq(
    smallInt(1),
    setOf(algorithm(OID.sha256)),
    seq(oid(OID.data), explicit(0, octetString(content))),
    tlv(0xa0, signer.raw),
    setOf(signerInfo),
  );
  return seq(oid(OID.signedData), explicit(0, signedData));
}

export interface VerifiedContent {
  content: Buffer;
  /** the certificate that made the signature, as found in the message (or the expected one) */
  signer: X509Certificate;
  signingTime?: Date;
}

/**
 * Verifies a SignedData against the signer the sender should have (from the address register).
 * The signer is found by the SignerInfo's identifier, never by its position among the bundled
 * certificates; a message signed by any other certificate is refused even when its signature holds.
 */
export function verifySignedContent(der: Uint8Array, expectedSigner: X509Certificate): VerifiedContent {
  let parts: SignedParts;
  try {
    parts = readSignedData(der, expectedSigner);
  } catch (err) {
    if (err instanceof GatewayError) throw err;
    throw new GatewayError('CMS_UNSIGNED', (err as Error).message, undefined, { cause: err });
  }
  const { signerInfo, certificates, content, contentType } = parts;
  const si = children(signerInfo);
  if (si.length < 5) throw new GatewayError('CMS_UNSIGNED', 'the SignerInfo is incomplete');
  const sid = si[1]!;
  const inMessage = certificates.find((c) => namesCertificate(sid, c));
  if (!namesCertificate(sid, expectedSigner)) {
    throw new GatewayError('CMS_SIGNER_MISMATCH', "the SignerInfo names a certificate other than the sender's signing certificate");
  }
  if (inMessage && !Buffer.from(inMessage.raw).equals(expectedSigner.raw)) {
    throw new GatewayError('CMS_SIGNER_MISMATCH', "the certificate in the message is not the sender's signing certificate");
  }
  const digestName = DIGEST_BY_OID[oidOf(children(si[2]!)[0]!)];
  if (!digestName) throw new GatewayError('CMS_SIGNATURE_INVALID', 'the digest algorithm is not supported');
  let at = 3;
  let signedAttrs: Tlv | undefined;
  if (si[at]!.tag === 0xa0) signedAttrs = si[at++];
  const signatureAlgorithm = oidOf(children(si[at++]!)[0]!);
  const signature = expectTag(si[at], TAG.OCTET_STRING, 'signature').value;
  if (![OID.rsaEncryption, OID.sha1WithRsa, OID.sha256WithRsa, OID.sha384WithRsa, OID.sha512WithRsa].includes(signatureAlgorithm as never)) {
    throw new GatewayError('CMS_SIGNATURE_INVALID', `the signature algorithm ${signatureAlgorithm} is not supported`);
  }

  let signedBytes: Uint8Array = content;
  let signingTime: Date | undefined;
  if (signedAttrs) {
    const attrs = readAttributes(signedAttrs);
    const digest = createHash(digestName).update(content).digest();
    const messageDigest = attrs.get(OID.attrMessageDigest);
    if (!messageDigest || !digest.equals(octets(messageDigest))) {
      throw new GatewayError('CMS_SIGNATURE_INVALID', 'the content does not match its signed digest');
    }
    const typeAttr = attrs.get(OID.attrContentType);
    if (!typeAttr || oidOf(typeAttr) !== contentType) throw new GatewayError('CMS_SIGNATURE_INVALID', 'the signed content type does not match');
    const timeAttr = attrs.get(OID.attrSigningTime);
    if (timeAttr) signingTime = readTime(timeAttr);
    const asSet = Buffer.from(signedAttrs.raw);
    asSet[0] = TAG.SET;
    signedBytes = asSet;
  }
  const ok = rsaVerify(digestName, signedBytes, { key: expectedSigner.publicKey, padding: constants.RSA_PKCS1_PADDING }, signature);
  if (!ok) throw new GatewayError('CMS_SIGNATURE_INVALID', "the signature does not verify with the sender's certificate");
  return { content: Buffer.from(content), signer: expectedSigner, ...(signingTime ? { signingTime } : {}) };
}

interface SignedParts {
  contentType: string;
  content: Uint8Array;
  certificates: X509Certificate[];
  signerInfo: Tlv;
}

/**
 * The certificates messages carry are few (each sender's signing certificate) and parsing one costs
 * about 0.3 ms: the parsed ones are kept, by their DER bytes, the oldest forgotten first. An
 * X509Certificate is immutable; nothing about trust is cached here, only the parsing.
 */
const parsed = new Map<string, X509Certificate>();
const PARSED_MAX = 512;

function certificateOf(raw: Uint8Array): X509Certificate {
  const key = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64');
  let cert = parsed.get(key);
  if (!cert) {
    cert = new X509Certificate(raw);
    if (parsed.size >= PARSED_MAX) parsed.delete(parsed.keys().next().value!);
    parsed.set(key, cert);
  }
  return cert;
}

/** `known`: a certificate the message usually bundles; its bytes are taken as that certificate instead of being parsed again. */
function readSignedData(der: Uint8Array, known: X509Certificate): SignedParts {
  const info = children(expectTag(readOne(der), TAG.SEQUENCE, 'ContentInfo'));
  if (info[0]?.tag !== TAG.OID || oidOf(info[0]) !== OID.signedData) throw new GatewayError('CMS_UNSIGNED', 'the content is not SignedData');
  const sd = children(expectTag(children(expectTag(info[1], 0xa0, '[0] content'))[0], TAG.SEQUENCE, 'SignedData'));
  const encap = children(expectTag(sd[2], TAG.SEQUENCE, 'EncapsulatedContentInfo'));
  const contentType = oidOf(encap[0]!);
  if (!encap[1]) throw new GatewayError('CMS_UNSIGNED', 'the signature is detached; the content must be attached');
  const eContent = children(expectTag(encap[1], 0xa0, '[0] eContent'))[0];
  if (!eContent || (eContent.tag & 0xdf) !== TAG.OCTET_STRING) throw new DerError('expected the eContent OCTET STRING');
  const content = octets(eContent);
  let at = 3;
  const certificates: X509Certificate[] = [];
  if (sd[at]?.tag === 0xa0) {
    const knownRaw = known.raw;
    for (const c of children(sd[at]!)) {
      if (c.tag !== TAG.SEQUENCE) continue;
      // the sender's own certificate, as the register gave it: parsing it again cost ~0.2 ms a message
      certificates.push(Buffer.from(c.raw.buffer, c.raw.byteOffset, c.raw.byteLength).equals(knownRaw) ? known : certificateOf(c.raw));
    }
    at++;
  }
  if (sd[at]?.tag === 0xa1) at++; // CRLs
  const signerInfos = children(expectTag(sd[at], TAG.SET, 'SignerInfos'));
  if (signerInfos.length !== 1) throw new GatewayError('CMS_UNSIGNED', `the message has ${signerInfos.length} signers; exactly one is expected`);
  return { contentType, content, certificates, signerInfo: signerInfos[0]! };
}

function readAttributes(signedAttrs: Tlv): Map<string, Tlv> {
  const out = new Map<string, Tlv>();
  for (const attr of children(signedAttrs)) {
    const [type, values] = children(attr);
    if (!type || !values) throw new DerError('attribute without values');
    const first = children(values)[0];
    if (first) out.set(oidOf(type), first);
  }
  return out;
}
