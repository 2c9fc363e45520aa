import { constants, createHash, createHmac, privateDecrypt, publicEncrypt, type KeyObject } from 'node:crypto';

/**
 * RSA key transport (PKCS#1 v1.5, as CMS senders in Norwegian health messaging use it).
 *
 * Node 20 refuses RSA_PKCS1_PADDING in privateDecrypt (a padding oracle, the "Marvin" attack).
 * The raw RSA operation still runs in OpenSSL at full speed; the padding is removed here in
 * constant time, and a bad padding yields a key derived from the ciphertext and the private key
 * ("implicit rejection") instead of an error, so a sender learns nothing from the difference:
 * the content decryption that follows fails the same way for both.
 */

export function encryptKey(recipient: KeyObject, contentKey: Uint8Array): Buffer {
  return publicEncrypt({ key: recipient, padding: constants.RSA_PKCS1_PADDING }, contentKey);
}

export function encryptKeyOaep(recipient: KeyObject, contentKey: Uint8Array): Buffer {
  return publicEncrypt({ key: recipient, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, contentKey);
}

const derivationKeys = new WeakMap<KeyObject, Buffer>();

/** A secret only the key holder can compute, for the implicit-rejection key. */
function derivationKey(key: KeyObject): Buffer {
  let kdk = derivationKeys.get(key);
  if (!kdk) {
    kdk = createHash('sha256')
      .update('epj-gateway implicit rejection')
      .update(key.export({ format: 'der', type: 'pkcs8' }))
      .digest();
    derivationKeys.set(key, kdk);
  }
  return kdk;
}

/**
 * The content-encryption key of `expectedLength` bytes, or, when the padding or the length is
 * wrong, a pseudo-random key of that length: never an error that tells the two apart.
 */
export function decryptKey(key: KeyObject, encryptedKey: Uint8Array, expectedLength: number): Buffer {
  const em = privateDecrypt({ key, padding: constants.RSA_NO_PADDING }, encryptedKey);
  const synthetic = createHmac('sha256', derivationKey(key)).update(encryptedKey).digest();
  const k = em.length;

  // 0x00 0x02 PS(>= 8 non-zero bytes) 0x00 M — every byte is looked at, with no early exit.
  let good = isZero(em[0]!) & isZero(em[1]! ^ 0x02);
  let found = 0;
  let zeroIndex = 0;
  for (let i = 2; i < k; i++) {
    const zero = isZero(em[i]!);
    const take = zero & (found ^ 1);
    zeroIndex = select(take, i, zeroIndex);
    found |= zero;
  }
  good &= found;
  good &= lessOrEqual(10, zeroIndex);
  good &= isZero((k - zeroIndex - 1) ^ expectedLength);

  const mask = -good & 0xff;
  const out = Buffer.allocUnsafe(expectedLength);
  const offset = k - expectedLength;
  for (let j = 0; j < expectedLength; j++) {
    const fallback = synthetic[j % synthetic.length]! ^ (j >= synthetic.length ? synthetic[(j * 7) % synthetic.length]! : 0);
    out[j] = (em[offset + j]! & mask) | (fallback & ~mask & 0xff);
  }
  return out;
}

/** 1 when x (0..2^31) is zero, else 0, without a branch. */
function isZero(x: number): number {
  return ((((x | -x) >>> 31) & 1) ^ 1) & 1;
}

/** `take` ? a : b, for take in {0, 1}. */
function select(take: number, a: number, b: number): number {
  const mask = -take;
  return (a & mask) | (b & ~mask);
}

/** 1 when a <= b (both small non-negative), else 0. */
function lessOrEqual(a: number, b: number): number {
  return (((b - a) >>> 31) & 1) ^ 1;
}
