import fc from 'fast-check';

/**
 * Corpus-driven mutation: a real input (a fixture, a sealed message, a register answer) changed by a
 * few operations, each drawn by fast-check so a seed gives the same input again. Positions are
 * fractions of the input's length, so one operation fits any corpus entry.
 */

export type Mutation =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'set'; at: number; byte: number }
  | { op: 'delete'; at: number; length: number }
  | { op: 'duplicate'; at: number; length: number }
  | { op: 'insert'; at: number; bytes: Uint8Array }
  | { op: 'truncate'; at: number }
  | { op: 'token'; at: number; token: string }
  | { op: 'encoding-decl'; encoding: string }
  | { op: 'reencode'; to: 'latin1' | 'utf16le' | 'utf16le-bom' | 'utf16be-bom' | 'utf8-bom' }
  | { op: 'namespace'; nth: number; uri: string }
  | { op: 'strip-prefixes' }
  | { op: 'nest'; at: number; depth: number; name: string }
  | { op: 'huge-attribute'; at: number; length: number; char: string }
  | { op: 'many-attributes'; at: number; count: number }
  | { op: 'text'; nth: number; text: string }
  | { op: 'rename'; nth: number; name: string };

const KITH_NAMESPACES = [
  'http://www.kith.no/xmlstds/msghead/2006-05-24',
  'http://www.kith.no/xmlstds/dialog/2013-01-23',
  'http://www.kith.no/xmlstds/dialog/2006-10-11',
  'http://www.kith.no/xmlstds/apprec/2004-11-21',
  'http://www.kith.no/xmlstds/apprec/2012-02-15',
  'urn:ietf:params:xml:ns:icalendar-2.0',
  'http://www.w3.org/2001/XMLSchema-instance',
  'http://www.w3.org/2000/09/xmldsig#',
  'http://schemas.xmlsoap.org/soap/envelope/',
  'http://register.nhn.no/CommunicationParty',
  'http://register.nhn.no/Common',
  '',
  'urn:x',
  'not a uri',
];

/** Pieces of markup that break parsers: entities, character references, sections, odd code points. */
const TOKENS = [
  '<',
  '>',
  '&',
  '&amp;',
  '&lt;',
  '&unknown;',
  '&#0;',
  '&#x1;',
  '&#xD800;',
  '&#xFFFE;',
  '&#x10FFFF;',
  '&#99999999999;',
  '<![CDATA[',
  ']]>',
  '<![CDATA[x]]>',
  '<!-- c -->',
  '<!--',
  '<?pi x?>',
  '<?xml version="1.0"?>',
  '<!DOCTYPE x [<!ENTITY e "e">]>',
  '<!DOCTYPE x SYSTEM "file:///etc/passwd">',
  '<!ENTITY x "y">',
  ' xmlns="urn:x"',
  ' xmlns:p="urn:p"',
  ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="p:q"',
  ' xsi:nil="true"',
  ' a="1" a="2"',
  '<x:y/>',
  '</a>',
  '<a>',
  '\u0000',
  '\u0008',
  '\uFFFE',
  '\uFFFF',
  '\uD800',
  '\u202E',
  '\u00e9',
  '\u{1D11E}',
  '\r\n',
  '\t',
  '"',
  "'",
  '=',
];

const ENCODINGS = ['UTF-8', 'utf-8', 'ISO-8859-1', 'iso-8859-15', 'windows-1252', 'UTF-16', 'UTF-16LE', 'US-ASCII', 'EBCDIC-US', 'UCS-4', 'x-unknown', ''];

// uniform over [0, 1): fc.double is uniform over the doubles (mostly tiny) and biased, so most
// mutations would hit the first byte
const frac = fc.noBias(fc.integer({ min: 0, max: 2 ** 30 - 1 })).map((n) => n / 2 ** 30);
const index = (max: number) => fc.noBias(fc.nat(max));
const xmlName = fc.constantFrom('x', 'MsgHead', 'Patient', 'Ident', 'a:b', 'xsd:schema', 'Envelope', 'Body', 'HerId', 'ø', '1bad', 'a'.repeat(300));

const byteMutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: frac, bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant('set' as const), at: frac, byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant('delete' as const), at: frac, length: fc.integer({ min: 1, max: 512 }) }),
  fc.record({ op: fc.constant('duplicate' as const), at: frac, length: fc.integer({ min: 1, max: 4096 }) }),
  fc.record({ op: fc.constant('insert' as const), at: frac, bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: frac }),
);

const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.string({ maxLength: 40 }),
  fc.constantFrom('', ' ', '0', '-1', '99999999999999999999', 'NaN', 'true', '2026-13-45T25:61:61', '1e309', 'ø'.repeat(5000)),
);

const xmlMutation: fc.Arbitrary<Mutation> = fc.oneof(
  { arbitrary: byteMutation, weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('token' as const), at: frac, token: fc.constantFrom(...TOKENS) }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant('encoding-decl' as const), encoding: fc.constantFrom(...ENCODINGS) }), weight: 1 },
  {
    arbitrary: fc.record({ op: fc.constant('reencode' as const), to: fc.constantFrom('latin1', 'utf16le', 'utf16le-bom', 'utf16be-bom', 'utf8-bom') }),
    weight: 1,
  },
  {
    arbitrary: fc.record({ op: fc.constant('namespace' as const), nth: index(40), uri: fc.oneof(fc.constantFrom(...KITH_NAMESPACES), fc.string()) }),
    weight: 2,
  },
  { arbitrary: fc.constant({ op: 'strip-prefixes' as const }), weight: 1 },
  {
    arbitrary: fc.record({
      op: fc.constant('nest' as const),
      at: frac,
      depth: fc.oneof(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 256, max: 5_000 }), fc.integer({ min: 20_000, max: 100_000 })),
      name: xmlName,
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      op: fc.constant('huge-attribute' as const),
      at: frac,
      length: fc.oneof(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 100_000, max: 1_500_000 })),
      char: fc.constantFrom('x', 'ø', '&amp;', '<', '"', '\u{1D11E}'),
    }),
    weight: 1,
  },
  { arbitrary: fc.record({ op: fc.constant('many-attributes' as const), at: frac, count: fc.integer({ min: 2, max: 20_000 }) }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant('text' as const), nth: index(200), text }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant('rename' as const), nth: index(200), name: xmlName }), weight: 1 },
);

/** Mutations that keep a document well-formed XML, so the input reaches the rules and the schemas. */
const wellFormedMutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('encoding-decl' as const), encoding: fc.constantFrom('UTF-8', 'utf-8', 'ISO-8859-1') }),
  fc.record({ op: fc.constant('namespace' as const), nth: index(40), uri: fc.constantFrom(...KITH_NAMESPACES) }),
  fc.record({
    op: fc.constant('nest' as const),
    at: frac,
    depth: fc.oneof(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 256, max: 5_000 })),
    name: fc.constantFrom('x', 'Patient', 'Ident'),
  }),
  fc.record({
    op: fc.constant('huge-attribute' as const),
    at: frac,
    length: fc.oneof(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 100_000, max: 1_000_000 })),
    char: fc.constantFrom('x', 'ø', '&amp;'),
  }),
  fc.record({ op: fc.constant('many-attributes' as const), at: frac, count: fc.integer({ min: 2, max: 5_000 }) }),
  { arbitrary: fc.record({ op: fc.constant('text' as const), nth: index(200), text }), weight: 4 },
);

export const mutations = (kind: 'bytes' | 'xml', max = 4): fc.Arbitrary<Mutation[]> =>
  kind === 'xml'
    ? fc.oneof(fc.array(xmlMutation, { minLength: 1, maxLength: max }), fc.array(wellFormedMutation, { minLength: 1, maxLength: max }))
    : fc.array(byteMutation, { minLength: 1, maxLength: max });

const pos = (length: number, at: number) => Math.min(length, Math.floor(at * (length + 1)));
const utf8 = (b: Buffer) => b.toString('utf8');

/** The position just after the `>` of a start tag at or after `at`, for inserting markup inside an element. */
function afterTag(s: string, at: number): number {
  const i = s.indexOf('>', pos(s.length, at));
  return i === -1 ? s.length : i + 1;
}

/** The position just after a start tag's name, for inserting attributes. */
function inStartTag(s: string, at: number): number {
  const re = /<[A-Za-z_][\w:.-]*/g;
  re.lastIndex = pos(s.length, at);
  const m = re.exec(s) ?? /<[A-Za-z_][\w:.-]*/.exec(s);
  return m ? m.index + m[0].length : 0;
}

function nth<T>(items: T[], n: number): T | undefined {
  return items.length === 0 ? undefined : items[n % items.length];
}

function applyOne(input: Buffer, m: Mutation): Buffer {
  const n = input.length;
  switch (m.op) {
    case 'flip': {
      if (n === 0) return input;
      const out = Buffer.from(input);
      const i = Math.min(n - 1, pos(n, m.at));
      out[i] = out[i]! ^ (1 << m.bit);
      return out;
    }
    case 'set': {
      if (n === 0) return input;
      const out = Buffer.from(input);
      out[Math.min(n - 1, pos(n, m.at))] = m.byte;
      return out;
    }
    case 'delete': {
      const i = pos(n, m.at);
      return Buffer.concat([input.subarray(0, i), input.subarray(i + m.length)]);
    }
    case 'duplicate': {
      const i = pos(n, m.at);
      const piece = input.subarray(i, i + m.length);
      return Buffer.concat([input.subarray(0, i), piece, piece, input.subarray(i + m.length)]);
    }
    case 'insert': {
      const i = pos(n, m.at);
      return Buffer.concat([input.subarray(0, i), m.bytes, input.subarray(i)]);
    }
    case 'truncate':
      return input.subarray(0, pos(n, m.at));
    case 'token': {
      const s = utf8(input);
      const i = pos(s.length, m.at);
      return Buffer.from(s.slice(0, i) + m.token + s.slice(i), 'utf8');
    }
    case 'encoding-decl': {
      const s = utf8(input);
      const decl = m.encoding ? `<?xml version="1.0" encoding="${m.encoding}"?>` : '<?xml version="1.0"?>';
      return Buffer.from(/^<\?xml[^>]*\?>/.test(s) ? s.replace(/^<\?xml[^>]*\?>/, decl) : decl + s, 'utf8');
    }
    case 'reencode': {
      const s = utf8(input);
      if (m.to === 'latin1') return Buffer.from(s, 'latin1');
      if (m.to === 'utf8-bom') return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), input]);
      const le = Buffer.from(s, 'utf16le');
      if (m.to === 'utf16le') return le;
      if (m.to === 'utf16le-bom') return Buffer.concat([Buffer.from([0xff, 0xfe]), le]);
      const be = Buffer.from(le);
      be.swap16();
      return Buffer.concat([Buffer.from([0xfe, 0xff]), be]);
    }
    case 'namespace': {
      const s = utf8(input);
      const decls = [...s.matchAll(/xmlns(:[\w.-]+)?="[^"]*"/g)];
      const d = nth(decls, m.nth);
      if (!d) return input;
      const replaced = `xmlns${d[1] ?? ''}="${m.uri.replace(/"/g, '&quot;')}"`;
      return Buffer.from(s.slice(0, d.index) + replaced + s.slice(d.index + d[0].length), 'utf8');
    }
    case 'strip-prefixes':
      return Buffer.from(utf8(input).replace(/<(\/?)[\w.-]+:/g, '<$1'), 'utf8');
    case 'nest': {
      const s = utf8(input);
      const i = afterTag(s, m.at);
      return Buffer.from(s.slice(0, i) + `<${m.name}>`.repeat(m.depth) + `</${m.name}>`.repeat(m.depth) + s.slice(i), 'utf8');
    }
    case 'huge-attribute': {
      const s = utf8(input);
      const i = inStartTag(s, m.at);
      return Buffer.from(`${s.slice(0, i)} huge="${m.char.repeat(Math.ceil(m.length / m.char.length))}"${s.slice(i)}`, 'utf8');
    }
    case 'many-attributes': {
      const s = utf8(input);
      const i = inStartTag(s, m.at);
      let attrs = '';
      for (let k = 0; k < m.count; k++) attrs += ` a${k}="${k}"`;
      return Buffer.from(s.slice(0, i) + attrs + s.slice(i), 'utf8');
    }
    case 'text': {
      const s = utf8(input);
      const texts = [...s.matchAll(/>([^<]+)</g)];
      const t = nth(texts, m.nth);
      if (!t) return input;
      const escaped = m.text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
      return Buffer.from(s.slice(0, t.index + 1) + escaped + s.slice(t.index + 1 + t[1]!.length), 'utf8');
    }
    case 'rename': {
      const s = utf8(input);
      const tags = [...s.matchAll(/<([A-Za-z_][\w:.-]*)/g)];
      const t = nth(tags, m.nth);
      if (!t) return input;
      return Buffer.from(s.slice(0, t.index + 1) + m.name + s.slice(t.index + 1 + t[1]!.length), 'utf8');
    }
  }
}

export function applyMutations(input: Uint8Array, ms: readonly Mutation[]): Buffer {
  let out: Buffer = Buffer.from(input);
  for (const m of ms) out = applyOne(out, m);
  return out;
}

/** A mutation list in a few words, for the replay line. */
export function describeMutations(ms: readonly Mutation[]): string {
  return ms
    .map((m) => {
      const { op, ...rest } = m;
      const args = Object.entries(rest as Record<string, unknown>).map(([k, v]) => {
        const shown =
          v instanceof Uint8Array ? `${v.length}B` : typeof v === 'string' ? JSON.stringify(v.slice(0, 20)) : typeof v === 'number' ? +v.toFixed(4) : String(v);
        return `${k}=${String(shown)}`;
      });
      return `${op}(${args.join(',')})`;
    })
    .join(' ');
}

export interface CorpusEntry {
  name: string;
  bytes: Buffer;
}

export interface CorpusInput {
  entry: CorpusEntry;
  mutations: Mutation[];
}

/** A corpus entry and the mutations laid over it. */
export function mutatedCorpus(corpus: readonly CorpusEntry[], kind: 'bytes' | 'xml', max = 4): fc.Arbitrary<CorpusInput> {
  return fc.record({
    entry: fc.constantFrom(...corpus),
    mutations: mutations(kind, max),
  });
}

/** Any JSON value, deep and wide enough to reach the corners a shape check forgets. */
export const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.constantFrom(null, 0, -1, 1e308, '', [], {}, [null], { length: 1 }, '__proto__', { __proto__: null }, 'x'.repeat(100_000), true),
);
