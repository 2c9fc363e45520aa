import { ParseOption, XmlDocument, XmlParseError } from 'libxml2-wasm';
import { finding, KithInputError } from './findings.js';

/**
 * The first gate for any XML the gateway reads: size limit before anything else, encoding
 * checked against the declaration, DOCTYPE refused before a parser sees it, then one libxml2
 * parse with external entities and network access off. Everything that fails here is T01/T99.
 */

export const DEFAULT_MAX_BYTES = 20 * 1024 * 1024;

export interface XmlInput {
  readonly bytes: Uint8Array;
  readonly text: string;
  /** The encoding the bytes were read with. */
  readonly encoding: 'utf-8' | 'iso-8859-1' | 'utf-16le' | 'utf-16be';
  /** True when the text was given as a string (so libxml2 must read the bytes as UTF-8). */
  readonly fromString: boolean;
}

const DECLARED_ENCODING = /^<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z0-9._-]+)["']/;
const UTF8 = new TextDecoder('utf-8', { fatal: true });

function fail(error: 'KITH_TOO_LARGE' | 'KITH_ENCODING' | 'KITH_DOCTYPE' | 'KITH_NOT_XML', detail: string, line?: number): never {
  throw new KithInputError(finding(error, detail, { layer: 'input', ...(line ? { line } : {}) }));
}

function declaredEncoding(bytes: Uint8Array): string | undefined {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 256)).toString('latin1');
  return DECLARED_ENCODING.exec(head)?.[1]?.toLowerCase();
}

function decode(bytes: Uint8Array): { text: string; encoding: XmlInput['encoding'] } {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { text: new TextDecoder('utf-16le').decode(bytes), encoding: 'utf-16le' };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { text: new TextDecoder('utf-16be').decode(bytes), encoding: 'utf-16be' };
  const declared = declaredEncoding(bytes);
  if (declared === 'iso-8859-1' || declared === 'latin1' || declared === 'iso_8859-1' || declared === 'l1') {
    return { text: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1'), encoding: 'iso-8859-1' };
  }
  if (declared !== undefined && declared !== 'utf-8' && declared !== 'utf8' && declared !== 'us-ascii' && declared !== 'ascii') {
    fail('KITH_ENCODING', `The declared encoding "${declared}" is not supported.`);
  }
  try {
    return { text: UTF8.decode(bytes), encoding: 'utf-8' };
  } catch {
    fail(
      'KITH_ENCODING',
      declared ? 'The message declares UTF-8 but its bytes are not UTF-8.' : 'The message has no encoding declaration and its bytes are not UTF-8.',
    );
  }
}

/** Size, encoding and DOCTYPE checks; gives the bytes for libxml2 and the text for the reader. */
export function readXmlInput(input: string | Uint8Array, maxBytes: number = DEFAULT_MAX_BYTES): XmlInput {
  const fromString = typeof input === 'string';
  const size = fromString ? Buffer.byteLength(input) : input.byteLength;
  if (size > maxBytes) fail('KITH_TOO_LARGE', `It has ${size} bytes; the limit is ${maxBytes}.`);
  if (size === 0) fail('KITH_NOT_XML', 'The message is empty.');
  let text: string;
  let bytes: Uint8Array;
  let encoding: XmlInput['encoding'];
  if (fromString) {
    text = input;
    bytes = Buffer.from(input, 'utf8');
    encoding = 'utf-8';
  } else {
    bytes = input;
    ({ text, encoding } = decode(input));
  }
  // Why anywhere and not just the prolog: a DOCTYPE is never legitimate in a KITH message, and
  // refusing the bytes outright means no parser ever sees an entity declaration.
  if (/<!DOCTYPE/i.test(text)) fail('KITH_DOCTYPE', 'DOCTYPE found.');
  return { bytes, text, encoding, fromString };
}

const PARSE_OPTIONS =
  ParseOption.XML_PARSE_NONET |
  ParseOption.XML_PARSE_NO_XXE |
  ParseOption.XML_PARSE_BIG_LINES |
  // The size limit above bounds the input; without this a large attachment's text node is refused.
  ParseOption.XML_PARSE_HUGE;

/** libxml2's words without the raw bytes it sometimes quotes (they may be patient text). */
export function cleanLibxmlMessage(message: string): string {
  return message
    .replace(/\s*Bytes:.*$/s, '')
    .replace(/\{[^}]*\}/g, '')
    .trim();
}

/** Parses with libxml2; the caller owns the document and must dispose it. */
export function parseXmlDocument(input: XmlInput): XmlDocument {
  try {
    return XmlDocument.fromBuffer(input.bytes, {
      option: PARSE_OPTIONS,
      ...(input.fromString ? { encoding: 'utf-8' } : {}),
    });
  } catch (err) {
    if (err instanceof XmlParseError) {
      const first = err.details.find((d) => d.level >= 2) ?? err.details[0];
      fail('KITH_NOT_XML', first ? cleanLibxmlMessage(first.message) : 'The parser refused it.', first?.line);
    }
    fail('KITH_NOT_XML', 'The parser refused it.');
  }
}
