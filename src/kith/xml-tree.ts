/**
 * A small, fast reader that turns XML text libxml2 has already accepted as well-formed into a
 * light element tree with resolved namespaces. It trusts that check: it is never given text
 * libxml2 refused, and DOCTYPEs are refused before either runs, so only the five predefined
 * entities and character references can occur.
 */

export interface XmlEl {
  /** Local name, without prefix. */
  readonly name: string;
  readonly ns: string;
  /** Attributes by their name as written (`V`, `xsi:schemaLocation`, `xmlns:fk1`). */
  readonly attrs: Record<string, string>;
  readonly children: XmlEl[];
  /** The element's own character data, entities decoded, untrimmed. */
  text: string;
  readonly line: number;
  /** Offsets of the element in the source text, start of `<` to end of the closing `>`. */
  readonly start: number;
  end: number;
}

const TOKEN = /<(?:(\/)?([^\s/>!?"'=]+)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/)?>|!--[\s\S]*?-->|!\[CDATA\[([\s\S]*?)\]\]>|\?[\s\S]*?\?>)/g;
const ATTR = /([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
const ENTITY = /&(?:(lt|gt|amp|quot|apos)|#(\d+)|#x([0-9a-fA-F]+));/g;
const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(ENTITY, (_m, named: string | undefined, dec: string | undefined, hex: string | undefined) =>
    named ? NAMED[named]! : String.fromCodePoint(dec ? Number(dec) : parseInt(hex!, 16)),
  );
}

type NsScope = Readonly<Record<string, string>>;

export function readXmlTree(text: string): XmlEl {
  const stack: { el: XmlEl; scope: NsScope }[] = [];
  let root: XmlEl | undefined;
  let last = 0;
  let line = 1;
  let lineAt = 0;
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(text); m; m = TOKEN.exec(text)) {
    const top = stack[stack.length - 1];
    if (top && m.index > last) top.el.text += decodeEntities(text.slice(last, m.index));
    last = TOKEN.lastIndex;
    if (m[5] !== undefined) {
      if (top) top.el.text += m[5];
      continue;
    }
    const qname = m[2];
    if (qname === undefined) continue; // comment or processing instruction
    if (m[1]) {
      const done = stack.pop();
      if (done) done.el.end = TOKEN.lastIndex;
      continue;
    }
    for (let i = text.indexOf('\n', lineAt); i !== -1 && i < m.index; i = text.indexOf('\n', i + 1)) {
      line++;
      lineAt = i + 1;
    }
    const attrs: Record<string, string> = {};
    let scope: NsScope = top?.scope ?? {};
    if (m[3]) {
      let ownScope: Record<string, string> | undefined;
      ATTR.lastIndex = 0;
      for (let a = ATTR.exec(m[3]); a; a = ATTR.exec(m[3])) {
        const value = decodeEntities(a[2] ?? a[3] ?? '');
        const name = a[1]!;
        attrs[name] = value;
        if (name === 'xmlns' || name.startsWith('xmlns:')) {
          ownScope ??= { ...scope };
          ownScope[name === 'xmlns' ? '' : name.slice(6)] = value;
        }
      }
      if (ownScope) scope = ownScope;
    }
    const colon = qname.indexOf(':');
    const prefix = colon === -1 ? '' : qname.slice(0, colon);
    const el: XmlEl = {
      name: colon === -1 ? qname : qname.slice(colon + 1),
      ns: scope[prefix] ?? '',
      attrs,
      children: [],
      text: '',
      line,
      start: m.index,
      end: TOKEN.lastIndex,
    };
    if (top) top.el.children.push(el);
    else root ??= el;
    if (!m[4]) stack.push({ el, scope });
  }
  if (!root) throw new Error('no root element');
  return root;
}

export function child(el: XmlEl | undefined, name: string): XmlEl | undefined {
  if (!el) return undefined;
  for (const c of el.children) if (c.name === name) return c;
  return undefined;
}

export function children(el: XmlEl | undefined, name: string): XmlEl[] {
  return el ? el.children.filter((c) => c.name === name) : [];
}

/** Follows a path of local names, first match at each step. */
export function at(el: XmlEl | undefined, ...path: string[]): XmlEl | undefined {
  let cur = el;
  for (const p of path) cur = child(cur, p);
  return cur;
}

export function textOf(el: XmlEl | undefined): string | undefined {
  return el ? el.text.trim() : undefined;
}

export function attrOf(el: XmlEl | undefined, name: string): string | undefined {
  return el?.attrs[name];
}
