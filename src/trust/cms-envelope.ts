import type { KeyObject, X509Certificate } from 'node:crypto';
import { GatewayError, isGatewayError } from '../errors.js';
import { decryptContent, encryptContent, type DecryptionKey } from './cms-enveloped-data.js';
import { signContent, verifySignedContent } from './cms-signed-data.js';

/**
 * The CMS primitive pair Helsenorge uses: sign, then encrypt (seal); decrypt, then verify (open).
 * It knows keys and certificates only; which certificate belongs to which counterparty, and what a
 * fault means for a message, is the cms message protection's concern (cms-protection.ts).
 */

export interface CmsKeys {
  /** the clinic's signing certificate and key */
  signing: { certificate: X509Certificate; key: KeyObject };
  /** the clinic's encryption certificate and key, then the previous one during a rollover */
  decryption: DecryptionKey[];
  /** refuse DES/3DES content encryption (CMS_REJECT_3DES) */
  rejectWeakCiphers: boolean;
}

export interface OpenedEnvelope {
  content: Buffer;
  signer: X509Certificate;
  signingTime?: Date;
  /** 0: opened with the current encryption key, 1: with the previous one */
  keyIndex: number;
}

/**
 * Judges the sender's signing certificate (dates, usage, chain, revocation); throws a GatewayError
 * with CERT_INVALID (S02) or CERT_REVOKED (S03), or CERT_REVOCATION_UNAVAILABLE when the message
 * should wait.
 */
export type SignerCheck = (signer: X509Certificate) => Promise<void> | void;

export class CmsEnvelope {
  constructor(
    private readonly keys: CmsKeys,
    private readonly checkSigner?: SignerCheck,
  ) {}

  /** Signs `content` with the clinic's key and encrypts it to the receiver's encryption certificate. */
  seal(content: Uint8Array, receiverEncryption: X509Certificate, signingTime?: Date): Buffer {
    const signed = signContent(content, this.keys.signing.certificate, this.keys.signing.key, signingTime ? { signingTime } : {});
    return encryptContent(signed, receiverEncryption);
  }

  /**
   * Decrypts with the current (or previous) encryption key, then verifies the signature against
   * the sender's signing certificate from the address register, then judges that certificate.
   */
  async open(message: Uint8Array, senderSigning: X509Certificate): Promise<OpenedEnvelope> {
    let opened: OpenedEnvelope;
    try {
      const { content: signed, keyIndex } = decryptContent(message, { keys: this.keys.decryption, rejectWeakCiphers: this.keys.rejectWeakCiphers });
      opened = { ...verifySignedContent(signed, senderSigning), keyIndex };
    } catch (err) {
      // a structure no reader above expected (a broken attribute, a bundled certificate that is not one)
      if (isGatewayError(err)) throw err;
      throw new GatewayError('CMS_MALFORMED', (err as Error).message, undefined, { cause: err });
    }
    if (this.checkSigner) await this.checkSigner(opened.signer);
    return opened;
  }
}

/** The AppRec error code (code list 8221) a fault opening an envelope is answered with. */
export function appRecCodeOf(err: unknown): string {
  if (isGatewayError(err) && err.appRec) return err.appRec;
  return 'T01';
}
