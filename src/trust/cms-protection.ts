import type { X509Certificate } from 'node:crypto';
import { GatewayError, isGatewayError } from '../errors.js';
import type { MessageProtection, Unprotected } from '../ports/message-protection.js';
import type { CmsEnvelope } from './cms-envelope.js';

/**
 * The `cms` message protection (MESSAGE_PROTECTION=cms): the clinic's envelope with the
 * counterparty's certificates from the address register. A fault the sender must fix becomes a
 * refusal with the code the fault carries (S01, S02, S03, T01, T10); a fault on our side (the
 * register or the CRL host unreachable, no encryption certificate published yet) is thrown, so the
 * message waits and is tried again — it is never refused for it.
 */

export interface CounterpartyCertificates {
  /** the counterparty's signing certificate as published in the address register */
  signingCertificateOf(herId: number): Promise<X509Certificate | undefined>;
  /** the counterparty's encryption certificate as published in the address register */
  encryptionCertificateOf(herId: number): Promise<X509Certificate | undefined>;
}

/** A DER SEQUENCE (CMS) rather than XML text. */
export function isCms(document: Uint8Array): boolean {
  return document.length > 2 && document[0] === 0x30 && (document[1]! & 0x80) !== 0;
}

function refusal(err: GatewayError): Unprotected {
  return { refused: { errorCode: err.appRec ?? 'T01', code: err.code, details: err.message } };
}

/** `envelope` is asked on every message, so keys the clinic replaces on disk take effect at once. */
export function cmsProtection(envelope: () => CmsEnvelope, certificates: CounterpartyCertificates): MessageProtection {
  return {
    kind: 'cms',
    async protect(document, receiverHerId) {
      const recipient = await certificates.encryptionCertificateOf(receiverHerId);
      if (!recipient) {
        throw Object.assign(new GatewayError('CERT_INVALID', `The receiver (HER-id ${receiverHerId}) has no encryption certificate in the address register.`), {
          retryable: true,
          reason: `no encryption certificate for HER-id ${receiverHerId} in the address register`,
        });
      }
      return envelope().seal(document, recipient);
    },
    async unprotect(wire, senderHerId) {
      if (!isCms(wire)) return refusal(new GatewayError('CMS_UNSIGNED', 'The business document came as plain XML; it must be signed and encrypted.'));
      if (!senderHerId) return refusal(new GatewayError('CMS_SIGNER_MISMATCH', 'The message names no sender HER-id to find its signing certificate by.'));
      const signer = await certificates.signingCertificateOf(senderHerId);
      if (!signer) return refusal(new GatewayError('CERT_INVALID', `The sender (HER-id ${senderHerId}) has no signing certificate in the address register.`));
      try {
        return { document: (await envelope().open(wire, signer)).content };
      } catch (err) {
        if (isGatewayError(err) && err.appRec) return refusal(err);
        throw err;
      }
    },
  };
}
