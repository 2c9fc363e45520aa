import fc from 'fast-check';
import { readTlv, type Tlv } from '../../src/trust/der.js';

/**
 * Structure-aware mutations of DER/BER: an element of the input is cut short, filled with noise,
 * given another tag or a length it does not have, made indefinite, duplicated, dropped or nested
 * deep; or the whole is wrapped in SEQUENCEs past any sane depth.
 */

export type DerMutation =
  | { op: 'wrap'; depth: number; indefinite: boolean }
  | { op: 'node-truncate'; node: number; keep: number }
  | { op: 'node-noise'; node: number; bytes: Uint8Array }
  | { op: 'node-tag'; node: number; tag: number }
  | { op: 'node-length'; node: number; octets: Uint8Array }
  | { op: 'node-indefinite'; node: number }
  | { op: 'node-duplicate'; node: number }
  | { op: 'node-drop'; node: number }
  | { op: 'node-nest'; node: number; depth: number };

interface Node {
  offset: number;
  headerLength: number;
  end: number;
  constructed: boolean;
}

/** Every element that can be read, outermost first; reading stops quietly where the input breaks. */
function nodesOf(buf: Buffer): Node[] {
  const out: Node[] = [];
  const visit = (t: Tlv, depth: number) => {
    const offset = t.raw.byteOffset - buf.byteOffset;
    out.push({ offset, headerLength: t.raw.length - t.value.length, end: offset + t.raw.length, constructed: t.constructed });
    if (!t.constructed || depth > 40 || out.length > 2000) return;
    let pos = 0;
    try {
      while (pos < t.value.length) {
        const { tlv, next } = readTlv(t.value, pos);
        visit(tlv, depth + 1);
        pos = next;
      }
    } catch {
      /* the rest is not DER: not walked */
    }
  };
  try {
    visit(readTlv(buf, 0).tlv, 0);
  } catch {
    /* no element at all */
  }
  return out;
}

function lengthOctets(n: number): Buffer {
  if (n < 0x80) return Buffer.of(n);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

const element = (tag: number, value: Buffer) => Buffer.concat([Buffer.of(tag), lengthOctets(value.length), value]);

function replaceNode(buf: Buffer, n: Node, by: Buffer): Buffer {
  return Buffer.concat([buf.subarray(0, n.offset), by, buf.subarray(n.end)]);
}

function applyOne(buf: Buffer, m: DerMutation): Buffer {
  if (m.op === 'wrap') {
    let out = buf;
    for (let i = 0; i < m.depth; i++) out = m.indefinite ? Buffer.concat([Buffer.of(0x30, 0x80), out, Buffer.of(0, 0)]) : element(0x30, out);
    return out;
  }
  const nodes = nodesOf(buf);
  const n = nodes[m.node % Math.max(1, nodes.length)];
  if (!n) return buf;
  const tag = buf[n.offset]!;
  const value = buf.subarray(n.offset + n.headerLength, n.end);
  switch (m.op) {
    case 'node-truncate':
      // the header still claims the old length: the element runs into what follows it
      return Buffer.concat([buf.subarray(0, n.offset + n.headerLength), value.subarray(0, m.keep % (value.length + 1)), buf.subarray(n.end)]);
    case 'node-noise':
      return replaceNode(buf, n, element(tag, Buffer.from(m.bytes)));
    case 'node-tag': {
      const out = Buffer.from(buf);
      out[n.offset] = m.tag;
      return out;
    }
    case 'node-length':
      return Buffer.concat([buf.subarray(0, n.offset + 1), Buffer.from(m.octets), buf.subarray(n.offset + n.headerLength)]);
    case 'node-indefinite':
      return replaceNode(buf, n, Buffer.concat([Buffer.of(tag | 0x20, 0x80), value, Buffer.of(0, 0)]));
    case 'node-duplicate':
      return Buffer.concat([buf.subarray(0, n.end), buf.subarray(n.offset, n.end), buf.subarray(n.end)]);
    case 'node-drop':
      return replaceNode(buf, n, Buffer.alloc(0));
    case 'node-nest': {
      let inner: Buffer = Buffer.from(value);
      for (let i = 0; i < m.depth; i++) inner = element(0x30, inner);
      return replaceNode(buf, n, element(tag | 0x20, inner));
    }
  }
}

export function applyDerMutations(buf: Buffer, ms: readonly DerMutation[]): Buffer {
  let out = buf;
  for (const m of ms) out = applyOne(out, m);
  return out;
}

const node = fc.noBias(fc.nat(400));
export const derMutation: fc.Arbitrary<DerMutation> = fc.oneof(
  fc.record({
    op: fc.constant('wrap' as const),
    depth: fc.oneof(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 60, max: 5000 })),
    indefinite: fc.boolean(),
  }),
  fc.record({ op: fc.constant('node-truncate' as const), node, keep: fc.nat() }),
  fc.record({ op: fc.constant('node-noise' as const), node, bytes: fc.uint8Array({ maxLength: 48 }) }),
  fc.record({ op: fc.constant('node-tag' as const), node, tag: fc.integer({ min: 0, max: 255 }) }),
  fc.record({
    op: fc.constant('node-length' as const),
    node,
    octets: fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 6 }),
      fc.constantFrom(Uint8Array.of(0x80), Uint8Array.of(0x84, 0xff, 0xff, 0xff, 0xff), Uint8Array.of(0x81, 0x00)),
    ),
  }),
  fc.record({ op: fc.constant('node-indefinite' as const), node }),
  fc.record({ op: fc.constant('node-duplicate' as const), node }),
  fc.record({ op: fc.constant('node-drop' as const), node }),
  fc.record({ op: fc.constant('node-nest' as const), node, depth: fc.oneof(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 60, max: 3000 })) }),
);

export function describeDerMutations(ms: readonly DerMutation[]): string {
  return ms
    .map(
      ({ op, ...rest }) =>
        `${op}(${Object.entries(rest)
          .map(([k, v]) => `${k}=${v instanceof Uint8Array ? Buffer.from(v).toString('hex').slice(0, 24) : String(v)}`)
          .join(',')})`,
    )
    .join(' ');
}
