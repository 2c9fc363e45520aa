import type { MessageProtection } from '../ports/message-protection.js';

/**
 * The `none` message protection (MESSAGE_PROTECTION=none): NHN's message service protects the
 * exchange itself (HelseID, DPoP, TLS) and expects the plain XML, so documents pass as they are.
 */
export const noProtection: MessageProtection = {
  kind: 'none',
  protect: async (document) => document,
  unprotect: async (wire) => ({ document: wire }),
};
