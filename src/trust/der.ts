/**
 * The small part of ASN.1 that CMS needs, written for speed: a DER writer for what the gateway
 * builds, and a BER reader for what it receives (other implementations send indefinite lengths and
 * constructed OCTET STRINGs; both are read here). Values are views into the input, never copies,
 * so a 10 KB message is read without allocating its content twice.
 */

export interface Tlv {
  /** the identifier octet: class, constructed bit and tag number (tags above 30 are not used by CMS) */
  tag: number;
  constructed: boolean;
  /** the contents octets (for indefinite lengths: up to, not including, the end-of-contents) */
  value: Uint8Array;
  /** the whole element, header included */
  raw: Uint8Array;
  /** how many constructed elements enclose it in the input it was read from (0 for the outermost) */
  depth: number;
}

export class DerError extends Error {}

/**
 * CMS nests about a dozen levels (ContentInfo, SignedData, certificates, extensions); a crafted
 * input can nest millions, and the readers that recurse (indefinite lengths, octets) would run
 * out of stack. Deeper than this is refused as malformed.
 */
export const MAX_NESTING_DEPTH = 64;

export const TAG = {
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  SEQUENCE: 0x30,
  SET: 0x31,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
} as const;

/** One element at `offset`; returns it and the offset after it. */
export function readTlv(buf: Uint8Array, offset = 0): { tlv: Tlv; next: number } {
  return readTlvAt(buf, offset, 0);
}

function readTlvAt(buf: Uint8Array, offset: number, depth: number): { tlv: Tlv; next: number } {
  if (depth > MAX_NESTING_DEPTH) throw new DerError(`elements nested deeper than ${MAX_NESTING_DEPTH} levels`);
  if (offset + 2 > buf.length) throw new DerError('truncated element header');
  const tag = buf[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError('high tag numbers are not used in CMS');
  const constructed = (tag & 0x20) !== 0;
  let pos = offset + 1;
  const first = buf[pos++]!;
  if (first === 0x80) {
    if (!constructed) throw new DerError('indefinite length on a primitive element');
    const start = pos;
    while (true) {
      if (pos + 2 > buf.length) throw new DerError('indefinite length without end-of-contents');
      if (buf[pos] === 0 && buf[pos + 1] === 0) break;
      pos = readTlvAt(buf, pos, depth + 1).next;
    }
    return { tlv: { tag, constructed, value: buf.subarray(start, pos), raw: buf.subarray(offset, pos + 2), depth }, next: pos + 2 };
  }
  let length = first;
  if (first & 0x80) {
    const n = first & 0x7f;
    if (n > 4) throw new DerError('element length too large');
    length = 0;
    for (let i = 0; i < n; i++) {
      if (pos >= buf.length) throw new DerError('truncated length');
      length = length * 256 + buf[pos++]!;
    }
  }
  const end = pos + length;
  if (end > buf.length) throw new DerError('element runs past the end of the input');
  return { tlv: { tag, constructed, value: buf.subarray(pos, end), raw: buf.subarray(offset, end), depth }, next: end };
}

/** The one element that makes up `buf`; trailing bytes are an error. */
export function readOne(buf: Uint8Array): Tlv {
  const { tlv, next } = readTlv(buf, 0);
  if (next !== buf.length) throw new DerError('trailing bytes after the element');
  return tlv;
}

/** The elements inside a constructed element. */
export function children(tlv: Tlv): Tlv[] {
  if (!tlv.constructed) throw new DerError('expected a constructed element');
  const out: Tlv[] = [];
  let pos = 0;
  while (pos < tlv.value.length) {
    const { tlv: child, next } = readTlvAt(tlv.value, pos, tlv.depth + 1);
    out.push(child);
    pos = next;
  }
  return out;
}

/** The element must carry `tag`; `what` names it in the error. */
export function expectTag(tlv: Tlv | undefined, tag: number, what: string): Tlv {
  if (!tlv || tlv.tag !== tag) throw new DerError(`expected ${what}`);
  return tlv;
}

/** The bytes of an OCTET STRING (or an implicitly tagged one), joining BER's constructed segments. */
export function octets(tlv: Tlv): Uint8Array {
  if (!tlv.constructed) return tlv.value;
  const parts = children(tlv).map(octets);
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

/** Dotted form of an OBJECT IDENTIFIER. */
export function oidOf(tlv: Tlv): string {
  if (tlv.tag !== TAG.OID) throw new DerError('expected an object identifier');
  const v = tlv.value;
  if (v.length === 0) throw new DerError('empty object identifier');
  const arcs: number[] = [];
  let n = 0;
  for (let i = 0; i < v.length; i++) {
    n = n * 128 + (v[i]! & 0x7f);
    if ((v[i]! & 0x80) === 0) {
      if (arcs.length === 0) arcs.push(n < 80 ? Math.floor(n / 40) : 2, n < 80 ? n % 40 : n - 80);
      else arcs.push(n);
      n = 0;
    }
  }
  return arcs.join('.');
}

// --- writing ------------------------------------------------------------------------------------

function lengthOctets(n: number): Uint8Array {
  if (n < 0x80) return Uint8Array.of(n);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

/** One DER element from its tag and its contents (already encoded children, or raw octets). */
export function tlv(tag: number, ...contents: Uint8Array[]): Buffer {
  const body = contents.length === 1 ? contents[0]! : Buffer.concat(contents);
  return Buffer.concat([Uint8Array.of(tag), lengthOctets(body.length), body]);
}

export const seq = (...items: Uint8Array[]) => tlv(TAG.SEQUENCE, ...items);

/** A DER SET OF: the elements sorted by their encodings, as DER requires (and signatures depend on). */
export function setOf(...items: Uint8Array[]): Buffer {
  const sorted = [...items].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return tlv(TAG.SET, ...sorted);
}

export const octetString = (bytes: Uint8Array) => tlv(TAG.OCTET_STRING, bytes);
export const DER_NULL = Buffer.from([0x05, 0x00]);

/** A small non-negative INTEGER. */
export function smallInt(n: number): Buffer {
  return tlv(TAG.INTEGER, Uint8Array.of(n));
}

const oidCache = new Map<string, Buffer>();

export function oid(dotted: string): Buffer {
  const hit = oidCache.get(dotted);
  if (hit) return hit;
  const arcs = dotted.split('.').map(Number);
  const first = arcs[0]! * 40 + arcs[1]!;
  const bytes: number[] = [];
  for (const arc of [first, ...arcs.slice(2)]) {
    const chunk: number[] = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  const encoded = tlv(TAG.OID, Uint8Array.from(bytes));
  oidCache.set(dotted, encoded);
  return encoded;
}

/** AlgorithmIdentifier with the given parameters (or NULL). */
export function algorithm(dotted: string, params: Uint8Array = DER_NULL): Buffer {
  return seq(oid(dotted), params);
}

/** [n] EXPLICIT, constructed context tag around encoded elements. */
export const explicit = (n: number, ...inner: Uint8Array[]) => tlv(0xa0 | n, ...inner);

/** UTCTime for dates before 2050, GeneralizedTime after, as RFC 5280 prescribes. */
export function time(date: Date): Buffer {
  const iso = date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return date.getUTCFullYear() < 2050 ? tlv(TAG.UTC_TIME, Buffer.from(`${iso.slice(2)}Z`)) : tlv(TAG.GENERALIZED_TIME, Buffer.from(`${iso}Z`));
}

export function readTime(t: Tlv): Date {
  const s = Buffer.from(t.value).toString('latin1');
  const full = t.tag === TAG.UTC_TIME ? `${Number(s.slice(0, 2)) < 50 ? '20' : '19'}${s}` : s;
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?/.exec(full);
  if (!m) throw new DerError('unreadable time');
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +(m[6] ?? 0)));
}
