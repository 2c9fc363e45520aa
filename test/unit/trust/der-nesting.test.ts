import assert from 'node:assert/strict';
import fc from 'fast-check';
import { children, DerError, MAX_NESTING_DEPTH, octets, oidOf, readOne, readTime, TAG, type Tlv } from '../../../src/trust/der.js';

/** `depth` constructed elements around one INTEGER, every one with an indefinite length. */
function indefinitelyNested(depth: number, tag: number = TAG.SEQUENCE): Buffer {
  return Buffer.concat([Buffer.alloc(depth * 2, Buffer.from([tag, 0x80])), Buffer.from([0x02, 0x01, 0x07]), Buffer.alloc(depth * 2)]);
}

function lengthOctets(n: number): number[] {
  if (n < 0x80) return [n];
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return [0x80 | bytes.length, ...bytes];
}

/** `depth` constructed OCTET STRINGs with definite lengths around one primitive segment: what octets() joins. */
function definitelyNested(depth: number): Buffer {
  const sizes = [3];
  for (let i = 1; i <= depth; i++) sizes.push(1 + lengthOctets(sizes[i - 1]!).length + sizes[i - 1]!);
  const out: number[] = [];
  for (let i = depth; i >= 1; i--) out.push(0x24, ...lengthOctets(sizes[i - 1]!));
  out.push(0x04, 0x01, 0x41);
  return Buffer.from(out);
}

function refusedForNesting(fn: () => unknown): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof DerError, `expected a DerError, got ${String(err)}`);
    assert.match(err.message, new RegExp(`nested deeper than ${MAX_NESTING_DEPTH}`));
    return true;
  });
}

/** Every reader der.ts offers, over every element, as a CMS reader might call them (without recursion of its own). */
function readEverything(bytes: Uint8Array): void {
  const todo: Tlv[] = [readOne(bytes)];
  for (let tlv = todo.pop(); tlv; tlv = todo.pop()) {
    if ((tlv.tag & 0xdf) === TAG.OCTET_STRING) octets(tlv);
    if (tlv.tag === TAG.OID) oidOf(tlv);
    if (tlv.tag === TAG.UTC_TIME || tlv.tag === TAG.GENERALIZED_TIME) readTime(tlv);
    if (tlv.constructed) todo.push(...children(tlv));
  }
}

/** Only DerError may come out, and quickly: the reader is linear in the input, times the depth cap. */
function onlyDerErrors(bytes: Uint8Array): void {
  const started = performance.now();
  try {
    readEverything(bytes);
  } catch (err) {
    if (!(err instanceof DerError)) throw new Error(`not a DerError: ${String(err)}`, { cause: err });
  }
  const ms = performance.now() - started;
  assert.ok(ms < 2_000, `${bytes.length} bytes took ${Math.round(ms)} ms`);
}

/** A random BER tree: primitives, and constructed values with definite or indefinite lengths. */
const berTree: fc.Arbitrary<Buffer> = fc.letrec<{ node: Buffer }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc
      .tuple(fc.constantFrom(0x02, 0x04, 0x05, 0x06, 0x0c, 0x17, 0x18, 0x80, 0x81), fc.uint8Array({ maxLength: 40 }))
      .map(([tag, v]) => Buffer.from([tag, ...lengthOctets(v.length), ...v])),
    fc.tuple(fc.constantFrom(0x30, 0x31, 0x24, 0xa0, 0xa1), fc.boolean(), fc.array(tie('node'), { maxLength: 4 })).map(([tag, indefinite, kids]) => {
      const body = Buffer.concat(kids);
      return indefinite
        ? Buffer.concat([Buffer.from([tag, 0x80]), body, Buffer.alloc(2)])
        : Buffer.concat([Buffer.from([tag, ...lengthOctets(body.length)]), body]);
    }),
  ),
})).node;

describe('der.ts: nesting is capped, and nothing but DerError comes out of any input', () => {
  it(`reads ${MAX_NESTING_DEPTH} levels of indefinite-length nesting and refuses one more`, () => {
    readEverything(indefinitelyNested(MAX_NESTING_DEPTH));
    refusedForNesting(() => readOne(indefinitelyNested(MAX_NESTING_DEPTH + 1)));
  });

  it('refuses 100,000 levels of indefinite-length nesting with a DerError, not a stack overflow', () => {
    refusedForNesting(() => readOne(indefinitelyNested(100_000)));
    refusedForNesting(() => readOne(indefinitelyNested(100_000, 0x24)));
  });

  it('refuses deeply nested constructed OCTET STRINGs with definite lengths when their segments are joined', () => {
    assert.equal(Buffer.from(octets(readOne(definitelyNested(MAX_NESTING_DEPTH)))).toString(), 'A');
    refusedForNesting(() => octets(readOne(definitelyNested(MAX_NESTING_DEPTH + 1))));
    refusedForNesting(() => octets(readOne(definitelyNested(100_000))));
  });

  it('refuses children of an element already at the cap', () => {
    let tlv = readOne(definitelyNested(MAX_NESTING_DEPTH + 1));
    for (let i = 0; i < MAX_NESTING_DEPTH; i++) tlv = children(tlv)[0]!;
    refusedForNesting(() => children(tlv));
  });

  it('random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 512 }), onlyDerErrors), { numRuns: 2_000 });
  });

  it('random BER trees, whole, truncated and with a byte changed', () => {
    fc.assert(
      fc.property(berTree, fc.nat(), fc.nat(), fc.integer({ min: 0, max: 255 }), (tree, cut, at, byte) => {
        onlyDerErrors(tree);
        onlyDerErrors(tree.subarray(0, cut % (tree.length + 1)));
        const changed = Buffer.from(tree);
        changed[at % changed.length] = byte;
        onlyDerErrors(changed);
      }),
      { numRuns: 1_000 },
    );
  });

  it('deep nestings of any depth, definite or indefinite, truncated or not', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 20_000 }), fc.boolean(), fc.nat(), fc.boolean(), (depth, indefinite, cut, truncate) => {
        const whole = indefinite ? indefinitelyNested(depth, 0x24) : definitelyNested(depth);
        onlyDerErrors(truncate ? whole.subarray(0, cut % (whole.length + 1)) : whole);
      }),
      { numRuns: 200 },
    );
  });
});
