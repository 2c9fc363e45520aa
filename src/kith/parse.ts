import type { XmlDocument } from 'libxml2-wasm';
import { readAppRec } from './apprec-read.js';
import type { KithDocument } from './model.js';
import { readMsgHead } from './msghead-read.js';
import { NS } from './namespaces.js';
import { DEFAULT_MAX_BYTES, parseXmlDocument, readXmlInput, type XmlInput } from './xml-input.js';
import { readXmlTree } from './xml-tree.js';

export interface ParseOptions {
  /** Size limit in bytes (KITH_MAX_BYTES); checked before anything is read. */
  readonly maxBytes?: number;
}

export interface Parsed {
  readonly message: KithDocument;
  readonly input: XmlInput;
  /** libxml2's tree of the same bytes, for the schema layer; disposed when the callback returns. */
  readonly xml: XmlDocument;
}

function toModel(input: XmlInput): KithDocument {
  const root = readXmlTree(input.text);
  if (root.name === 'MsgHead' && root.ns === NS.msgHead) return readMsgHead(root);
  if (root.name === 'AppRec' && root.ns === NS.appRec11) return readAppRec(root, '1.1');
  if (root.name === 'AppRec' && root.ns === NS.appRec10) return readAppRec(root, '1.0');
  return { document: 'unknown', root };
}

/**
 * Reads a message once (size, encoding and DOCTYPE checks, one libxml2 parse for
 * well-formedness, one pass into the model) and hands both trees to `use`, then frees libxml2's.
 * Throws KithInputError (T01/T99) when the input cannot be read as XML at all.
 */
export function withParsedMessage<T>(source: string | Uint8Array, opts: ParseOptions, use: (parsed: Parsed) => T): T {
  const input = readXmlInput(source, opts.maxBytes ?? DEFAULT_MAX_BYTES);
  const xml = parseXmlDocument(input);
  try {
    return use({ message: toModel(input), input, xml });
  } finally {
    xml.dispose();
  }
}

/** Reads a MsgHead or AppRec into the model; throws KithInputError when it is not readable XML. */
export function parseMessage(source: string | Uint8Array, opts: ParseOptions = {}): KithDocument {
  return withParsedMessage(source, opts, (p) => p.message);
}
