/**
 * Where CMS protection of a business document would go (sign, then encrypt to the receiver's
 * certificate from the address register). NHN's message service protects the exchange itself (TLS,
 * HelseID, DPoP) and expects the plain XML, so the client uses `plainDocuments`; a transport that
 * carries documents end-to-end protected plugs src/trust's protect/unprotect in here.
 */
export interface DocumentProtection {
  protect(document: Buffer, receiverHerId: number): Promise<Buffer>;
  unprotect(document: Buffer): Promise<Buffer>;
}

export const plainDocuments: DocumentProtection = {
  protect: async (document) => document,
  unprotect: async (document) => document,
};
