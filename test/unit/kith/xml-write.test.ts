import assert from 'node:assert/strict';
import fc from 'fast-check';
import { GatewayError } from '../../../src/errors.js';
import { parseXmlDocument, readXmlInput } from '../../../src/kith/xml-input.js';
import { readXmlTree } from '../../../src/kith/xml-tree.js';
import { el, txt, xmlDocument } from '../../../src/kith/xml-write.js';

/** XML 1.0's Char production, written out independently of the writer. */
function xmlCanCarry(s: string): boolean {
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    const ok = c === 0x9 || c === 0xa || c === 0xd || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);
    if (!ok) return false;
  }
  return true;
}

function refusesCharacter(fn: () => unknown, where: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof GatewayError, String(err));
    assert.equal(err.code, 'KITH_CHARACTER_INVALID');
    assert.equal(err.details?.['where'], where);
    return true;
  });
}

/** Well-formed by libxml2's judgement, and the text and attribute read back as written. */
function readBack(xml: string): { text: string; attr: string | undefined } {
  parseXmlDocument(readXmlInput(xml)).dispose();
  const root = readXmlTree(xml);
  return { text: root.children[0]!.text, attr: root.children[0]!.attrs['DN'] };
}

describe('the XML writer refuses what XML 1.0 cannot carry', () => {
  const refused: [string, string][] = [
    ['U+0000', '\u0000'],
    ['U+0001', 'a\u0001b'],
    ['U+001F', '\u001f'],
    ['U+FFFE', 'x\ufffe'],
    ['U+FFFF', '\uffff'],
    ['a lone high surrogate', 'x\ud800y'],
    ['a lone low surrogate', '\udc00'],
    ['a high surrogate at the end', 'x\udbff'],
  ];
  for (const [what, s] of refused) {
    it(`${what} in text or in an attribute`, () => {
      refusesCharacter(() => txt('TekstNotatInnhold', s), 'TekstNotatInnhold');
      refusesCharacter(() => el('Type', { V: '1', DN: s }), 'Type/@DN');
    });
  }

  it('names the code point and its offset, never the text', () => {
    try {
      txt('Merknad', 'Pasienten Ola\u0001 Nordmann');
      assert.fail('written');
    } catch (err) {
      assert.ok(err instanceof GatewayError);
      assert.deepEqual(err.details, { where: 'Merknad', codePoint: 'U+0001', offset: 13 });
      assert.doesNotMatch(err.message, /Nordmann/);
    }
  });

  it('writes tab, line feed, carriage return, C1 controls, U+FFFD and astral characters', () => {
    const s = 'a\tb\nc\rd\u0085e\ufffd\ue000 😀 \u{10ffff}';
    const { text, attr } = readBack(xmlDocument(el('Root', {}, txt('Tekst', s, { DN: s }))));
    assert.equal(text, s);
    assert.equal(attr, s);
  });

  /** Whole code points (astral ones too) mixed with single UTF-16 units, so lone surrogates occur. */
  const anyString = fc.string({
    unit: fc.oneof(
      fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
      fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
    ),
    maxLength: 40,
  });

  it('any string: either refused with KITH_CHARACTER_INVALID, or written well-formed and read back unchanged', () => {
    fc.assert(
      fc.property(anyString, fc.string({ unit: 'grapheme-ascii', maxLength: 5 }), (s, sane) => {
        let xml: string;
        try {
          xml = xmlDocument(el('Root', {}, txt('Tekst', s, { DN: sane + s })));
        } catch (err) {
          assert.ok(err instanceof GatewayError && err.code === 'KITH_CHARACTER_INVALID', String(err));
          assert.equal(xmlCanCarry(s), false, 'refused a string XML can carry');
          return;
        }
        assert.equal(xmlCanCarry(s), true, 'wrote a string XML cannot carry');
        const { text, attr } = readBack(xml);
        assert.equal(text, s);
        assert.equal(attr, sane + s);
      }),
      { numRuns: 500 },
    );
  });
});
