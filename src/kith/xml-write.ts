/**
 * A minimal XML writer for the documents the gateway builds: elements with attributes and
 * escaped text, no mixed content. Attributes whose value is undefined are left out, so optional
 * parts can be written inline.
 */

export type Attrs = Readonly<Record<string, string | undefined>>;

export interface Node {
  readonly xml: string;
}

const TEXT_ESC = /[&<>]/g;
const ATTR_ESC = /[&<>"\n\r\t]/g;
const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\n': '&#10;', '\r': '&#13;', '\t': '&#9;' };

export function escapeText(s: string): string {
  return s.replace(TEXT_ESC, (c) => ESC[c]!);
}

export function escapeAttr(s: string): string {
  return s.replace(ATTR_ESC, (c) => ESC[c]!);
}

function attrs(a: Attrs | undefined): string {
  if (!a) return '';
  let out = '';
  for (const k in a) {
    const v = a[k];
    if (v !== undefined) out += ` ${k}="${escapeAttr(v)}"`;
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
  return { xml: inner ? `<${name}${attrs(a)}>${inner}</${name}>` : `<${name}${attrs(a)}/>` };
}

/** An element holding text; skipped when the text is undefined. */
export function txt(name: string, text: string | undefined, a?: Attrs): Node | undefined {
  if (text === undefined) return undefined;
  return { xml: `<${name}${attrs(a)}>${escapeText(text)}</${name}>` };
}

/** Text already known to need no escaping (Base64), written without a copy through the escaper. */
export function rawText(name: string, safeText: string, a?: Attrs): Node {
  return { xml: `<${name}${attrs(a)}>${safeText}</${name}>` };
}

export function xmlDocument(root: Node): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${root.xml}\n`;
}

/** A coded value element (CS/CV): V, S, DN. */
export function coded(name: string, c: { v?: string | undefined; s?: string | undefined; dn?: string | undefined }): Node {
  return el(name, { V: c.v, S: c.s, DN: c.dn });
}
