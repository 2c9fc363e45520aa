/**
 * A minimal XML writer for the documents the gateway builds: elements with attributes and
 * escaped text, no mixed content. Attributes whose value is undefined are left out, so optional
 * parts can be written inline. Text XML 1.0 cannot carry is refused (KITH_CHARACTER_INVALID).
 */

import { GatewayError } from '../errors.js';

export type Attrs = Readonly<Record<string, string | undefined>>;

export interface Node {
  readonly xml: string;
}

const TEXT_ESC = /[&<>]/g;
const ATTR_ESC = /[&<>"\n\r\t]/g;
const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\n': '&#10;', '\r': '&#13;', '\t': '&#9;' };

/**
 * The complement of XML 1.0's Char production. No escape helps here (&#1; is not well-formed
 * either), so such text is refused rather than written into a document every reader rejects; with
 * the u flag a lone surrogate is one code point and matches too.
 */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/** The first character of `s` XML 1.0 cannot carry, as U+XXXX and its UTF-16 offset; undefined when there is none. */
export function unwritableCharacter(s: string): { codePoint: string; offset: number } | undefined {
  const m = NOT_XML_CHAR.exec(s);
  if (!m) return undefined;
  return { codePoint: `U+${m[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`, offset: m.index };
}

/** `where` names the element or attribute; the text itself is never quoted, it may be about a patient. */
function refuseUnwritable(s: string, where: string): void {
  const bad = unwritableCharacter(s);
  if (!bad) return;
  throw new GatewayError('KITH_CHARACTER_INVALID', `(${bad.codePoint} in ${where} at offset ${bad.offset})`, { where, ...bad });
}

export function escapeText(s: string, where = 'text'): string {
  refuseUnwritable(s, where);
  return s.replace(TEXT_ESC, (c) => ESC[c]!);
}

export function escapeAttr(s: string, where = 'attribute'): string {
  refuseUnwritable(s, where);
  return s.replace(ATTR_ESC, (c) => ESC[c]!);
}

function attrs(name: string, a: Attrs | undefined): string {
  if (!a) return '';
  let out = '';
  for (const k in a) {
    const v = a[k];
    if (v !== undefined) out += ` ${k}="${escapeAttr(v, `${name}/@${k}`)}"`;
  }
  return out;
}

type Child = Node | undefined | false | readonly (Node | undefined | false)[];

/** An element with child elements (undefined/false children are skipped). */
export function el(name: string, a?: Attrs, ...kids: Child[]): Node {
  let inner = '';
  for (const k of kids) {
    if (!k) continue;
    if (Array.isArray(k)) {
      for (const kk of k as readonly (Node | undefined | false)[]) if (kk) inner += kk.xml;
    } else inner += (k as Node).xml;
  }
  return { xml: inner ? `<${name}${attrs(name, a)}>${inner}</${name}>` : `<${name}${attrs(name, a)}/>` };
}

/** An element holding text; skipped when the text is undefined. */
export function txt(name: string, text: string | undefined, a?: Attrs): Node | undefined {
  if (text === undefined) return undefined;
  return { xml: `<${name}${attrs(name, a)}>${escapeText(text, name)}</${name}>` };
}

/** Text already known to need no escaping (Base64), written without a copy through the escaper. */
export function rawText(name: string, safeText: string, a?: Attrs): Node {
  return { xml: `<${name}${attrs(name, a)}>${safeText}</${name}>` };
}

export function xmlDocument(root: Node): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${root.xml}\n`;
}

/** A coded value element (CS/CV): V, S, DN. */
export function coded(name: string, c: { v?: string | undefined; s?: string | undefined; dn?: string | undefined }): Node {
  return el(name, { V: c.v, S: c.s, DN: c.dn });
}
