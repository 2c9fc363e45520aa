/**
 * How a business document is protected on its way between the clinic and its counterparty, applied
 * by the pipeline on both sides (the transport only moves bytes): `cms` signs with the clinic's key
 * and encrypts to the receiver's certificate, and opens and verifies what comes in; `none` leaves
 * the document as it is, for NHN's service protecting the exchange itself (HelseID, TLS).
 *
 * A fault the sender must fix is a refusal, answered with an AppRec carrying its code (S01, S02,
 * S03, T01, T10). A fault on our side (the address register or the CRL host unreachable) is thrown
 * with `retryable` and `reason`, so the message waits and is tried again; it is never refused for it.
 */

export type ProtectionKind = 'cms' | 'none';

export interface Refusal {
  /** the AppRec error code (code list 8221) */
  errorCode: string;
  /** the gateway's error code (src/errors.ts), for a transport that names the fault its own way */
  code?: string;
  /** words for the sender; never patient data */
  details: string;
}

export type Unprotected = { document: Buffer } | { refused: Refusal };

export interface MessageProtection {
  readonly kind: ProtectionKind;
  /** the document as it goes on the wire to `receiverHerId` */
  protect(document: Buffer, receiverHerId: number): Promise<Buffer>;
  /** the document a counterparty sent, opened and checked, or why it is refused */
  unprotect(wire: Buffer, senderHerId: number | null | undefined): Promise<Unprotected>;
}
