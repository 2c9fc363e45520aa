import { PRODUCT_VERSION } from '../../src/version.js';

/**
 * Headers NHN's message service requires on every call: the API version the client was written
 * for, and the system calling (NHN uses it to find a misbehaving client among many).
 */

export const MSH_API_VERSION = '2';

/** `epj-gateway 0.1.0` */
export const SOURCE_SYSTEM = `epj-gateway ${PRODUCT_VERSION}`;

export function mshHeaders(): Record<string, string> {
  return { 'api-version': MSH_API_VERSION, 'nhn-source-system': SOURCE_SYSTEM, accept: 'application/json' };
}

/** NHN's limit for one business document; the base64 body around it is a third larger. */
export const MAX_DOCUMENT_BYTES = 35 * 1024 * 1024;
export const MAX_HTTP_BODY_BYTES = Math.ceil((MAX_DOCUMENT_BYTES * 4) / 3) + 1024 * 1024;
