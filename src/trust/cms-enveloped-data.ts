import { createCipheriv, createDecipheriv, constants, privateDecrypt, randomBytes, type KeyObject, type X509Certificate } from 'node:crypto';
import { GatewayError } from '../errors.js';
import { describeIdentifier, identityOf, namesCertificate, OID } from './cms-identity.js';
import {
  algorithm,
  children,
  DerError,
  expectTag,
  explicit,
  octets,
  octetString,
  oid,
  oidOf,
  readOne,
  seq,
  setOf,
  smallInt,
  tlv,
  TAG,
  type Tlv,
} from './der.js';
import { decryptKey, encryptKey } from './rsa-key-transport.js';

/**
 * CMS EnvelopedData (RFC 5652): AES-256-CBC content encryption, RSA key transport to the
 * receiver's encryption certificate, recipient named by issuer and serial.
 */

interface ContentCipher {
  name: string;
  keyLength: number;
  weak: boolean;
}

const CIPHERS: Record<string, ContentCipher> = {
  [OID.aes128Cbc]: { name: 'aes-128-cbc', keyLength: 16, weak: false },
  [OID.aes192Cbc]: { name: 'aes-192-cbc', keyLength: 24, weak: false },
  [OID.aes256Cbc]: { name: 'aes-256-cbc', keyLength: 32, weak: false },
  [OID.desEde3Cbc]: { name: 'des-ede3-cbc', keyLength: 24, weak: true },
  [OID.desCbc]: { name: 'des-cbc', keyLength: 8, weak: true },
};

export function encryptContent(content: Uint8Array, recipient: X509Certificate): Buffer {
  const id = identityOf(recipient);
  const contentKey = randomBytes(32);
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-256-cbc', contentKey, iv);
  const encrypted = Buffer.concat([cipher.update(content), cipher.final()]);
  const recipientInfo = seq(
    smallInt(0),
    seq(id.issuer, tlv(TAG.INTEGER, id.serial)),
    algorithm(OID.rsaEncryption),
    octetString(encryptKey(recipient.publicKey, contentKey)),
  );
  const envelopedData = seq(smallInt(0), setOf(recipientInfo), seq(oid(OID.data), algorithm(OID.aes256Cbc, octetString(iv)), tlv(0x80, encrypted)));
  return seq(oid(OID.envelopedData), explicit(0, envelopedData));
}

/** A certificate of ours that messages may be encrypted to, with its private key. */
export interface DecryptionKey {
  certificate: X509Certificate;
  key: KeyObject;
}

export interface DecryptOptions {
  /** current first, then the previous one during a rollover */
  keys: DecryptionKey[];
  /** refuse DES and 3DES content encryption (default true) */
  rejectWeakCiphers?: boolean;
}

export interface DecryptedContent {
  content: Buffer;
  /** which of the given keys opened it: 0 the current, 1 the previous */
  keyIndex: number;
}

export function decryptContent(der: Uint8Array, options: DecryptOptions): DecryptedContent {
  let parsed: EnvelopeParts;
  try {
    parsed = readEnvelope(der);
  } catch (err) {
    if (err instanceof GatewayError) throw err;
    throw new GatewayError('CMS_MALFORMED', (err as Error).message, undefined, { cause: err });
  }
  const { recipients, cipherOid, iv, encrypted } = parsed;
  const cipher = CIPHERS[cipherOid];
  if (!cipher) throw new GatewayError('CMS_DECRYPT_FAILED', `the content encryption algorithm ${cipherOid} is not supported`);
  if (cipher.weak && options.rejectWeakCiphers !== false) throw new GatewayError('CMS_WEAK_CIPHER', `(${cipher.name})`);

  for (let keyIndex = 0; keyIndex < options.keys.length; keyIndex++) {
    const ours = options.keys[keyIndex]!;
    const match = recipients.find((r) => namesCertificate(r.rid, ours.certificate));
    if (!match) continue;
    const contentKey = unwrapKey(match, ours.key, cipher.keyLength);
    try {
      const decipher = createDecipheriv(cipher.name, contentKey, iv);
      return { content: Buffer.concat([decipher.update(encrypted), decipher.final()]), keyIndex };
    } catch (err) {
      throw new GatewayError('CMS_DECRYPT_FAILED', undefined, undefined, { cause: err });
    }
  }
  const named = recipients.map((r) => describeIdentifier(r.rid)).join(', ');
  throw new GatewayError('CMS_NOT_FOR_US', `It is encrypted to: ${named || 'no key-transport recipient'}.`);
}

function unwrapKey(recipient: RecipientParts, key: KeyObject, keyLength: number): Buffer {
  if (recipient.algorithm === OID.rsaEncryption) return decryptKey(key, recipient.encryptedKey, keyLength);
  if (recipient.algorithm === OID.rsaOaep) {
    try {
      const cek = privateDecrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, recipient.encryptedKey);
      if (cek.length === keyLength) return cek;
    } catch {
      // answered below, the same way as a wrong key
    }
    throw new GatewayError('CMS_DECRYPT_FAILED');
  }
  throw new GatewayError('CMS_DECRYPT_FAILED', `the key transport algorithm ${recipient.algorithm} is not supported`);
}

interface RecipientParts {
  rid: Tlv;
  algorithm: string;
  encryptedKey: Uint8Array;
}

interface EnvelopeParts {
  recipients: RecipientParts[];
  cipherOid: string;
  iv: Uint8Array;
  encrypted: Uint8Array;
}

function readEnvelope(der: Uint8Array): EnvelopeParts {
  const info = children(expectTag(readOne(der), TAG.SEQUENCE, 'ContentInfo'));
  if (info[0]?.tag !== TAG.OID || oidOf(info[0]) !== OID.envelopedData) throw new DerError('the message is not CMS EnvelopedData');
  const ed = children(expectTag(children(expectTag(info[1], 0xa0, '[0] content'))[0], TAG.SEQUENCE, 'EnvelopedData'));
  let at = 1;
  if (ed[at]?.tag === 0xa0) at++; // originatorInfo
  const recipients: RecipientParts[] = [];
  for (const ri of children(expectTag(ed[at++], TAG.SET, 'RecipientInfos'))) {
    if (ri.tag !== TAG.SEQUENCE) continue; // key agreement, KEK and password recipients are not ours
    const [, rid, alg, encryptedKey] = children(ri);
    if (!rid || !alg || !encryptedKey) throw new DerError('incomplete KeyTransRecipientInfo');
    recipients.push({ rid, algorithm: oidOf(children(alg)[0]!), encryptedKey: octets(encryptedKey) });
  }
  const eci = children(expectTag(ed[at], TAG.SEQUENCE, 'EncryptedContentInfo'));
  const alg = children(expectTag(eci[1], TAG.SEQUENCE, 'ContentEncryptionAlgorithmIdentifier'));
  const cipherOid = oidOf(alg[0]!);
  const ivTlv = alg[1];
  const content = eci[2];
  if (!content || (content.tag & 0xdf) !== 0x80) throw new DerError('the encrypted content is missing');
  if (!ivTlv || (ivTlv.tag & 0xdf) !== TAG.OCTET_STRING) {
    if (CIPHERS[cipherOid]) throw new DerError('the content encryption IV is missing');
    return { recipients, cipherOid, iv: new Uint8Array(), encrypted: octets(content) };
  }
  return { recipients, cipherOid, iv: octets(ivTlv), encrypted: octets(content) };
}
