import { XMLParser } from 'fast-xml-parser';

/**
 * SOAP answers read into a small element tree with resolved namespaces. The register's WCF service
 * chooses its own prefixes (and default namespaces) from one answer to the next, so elements are
 * matched by namespace URI and local name, never by the prefix written.
 */

export const NS = {
  soap11: 'http://schemas.xmlsoap.org/soap/envelope/',
  soap12: 'http://www.w3.org/2003/05/soap-envelope',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
  party: 'http://register.nhn.no/CommunicationParty',
  common: 'http://register.nhn.no/Common',
  hpr: 'http://register.nhn.no/HPR',
  certificate: 'http://register.nhn.no/CertificateDetails',
} as const;

export interface SoapEl {
  ns: string;
  name: string;
  /** attributes by their resolved `{ns}local` name, or the plain name when unqualified */
  attrs: Record<string, string>;
  children: SoapEl[];
  text: string;
}

type Ordered = Record<string, unknown>;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
  // WCF answers never carry a DOCTYPE; one here is refused rather than expanded
  ignoreDeclaration: true,
});

function split(qname: string): [string | undefined, string] {
  const i = qname.indexOf(':');
  return i < 0 ? [undefined, qname] : [qname.slice(0, i), qname.slice(i + 1)];
}

function build(node: Ordered, scope: Record<string, string>): SoapEl | undefined {
  const qname = Object.keys(node).find((k) => k !== ':@');
  if (!qname || qname.startsWith('#') || qname.startsWith('?') || qname.startsWith('!')) return undefined;
  const raw = (node[':@'] ?? {}) as Record<string, string>;
  const local: Record<string, string> = { ...scope };
  for (const [k, v] of Object.entries(raw)) {
    if (k === 'xmlns') local[''] = v;
    else if (k.startsWith('xmlns:')) local[k.slice(6)] = v;
  }
  const [prefix, name] = split(qname);
  const attrs: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (k === 'xmlns' || k.startsWith('xmlns:')) continue;
    const [p, n] = split(k);
    attrs[p === undefined ? n : `{${local[p] ?? p}}${n}`] = v;
  }
  const el: SoapEl = { ns: local[prefix ?? ''] ?? '', name, attrs, children: [], text: '' };
  for (const child of (node[qname] as Ordered[]) ?? []) {
    if ('#text' in child) el.text += String(child['#text']);
    else {
      const built = build(child, local);
      if (built) el.children.push(built);
    }
  }
  return el;
}

/** Parses XML text into the tree; throws on text that is not XML. */
export function readSoapXml(text: string): SoapEl {
  if (/<!DOCTYPE/i.test(text)) throw new Error('a DOCTYPE in a SOAP answer');
  const nodes = parser.parse(text) as Ordered[];
  for (const node of nodes) {
    const el = build(node, {});
    if (el) return el;
  }
  throw new Error('no root element');
}

export function kid(el: SoapEl | undefined, ns: string, name: string): SoapEl | undefined {
  return el?.children.find((c) => c.ns === ns && c.name === name);
}

export function kids(el: SoapEl | undefined, ns: string, name: string): SoapEl[] {
  return el ? el.children.filter((c) => c.ns === ns && c.name === name) : [];
}

export function isNil(el: SoapEl | undefined): boolean {
  return el?.attrs[`{${NS.xsi}}nil`] === 'true';
}

/** The text of a child, undefined when absent, nil or empty. */
export function textAt(el: SoapEl | undefined, ns: string, name: string): string | undefined {
  const c = kid(el, ns, name);
  if (!c || isNil(c) || c.text === '') return undefined;
  return c.text;
}

/** xsi:type's local name (WCF writes derived data contracts such as Organization this way). */
export function xsiType(el: SoapEl): string | undefined {
  const t = el.attrs[`{${NS.xsi}}type`];
  return t === undefined ? undefined : split(t)[1];
}
