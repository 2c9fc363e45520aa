import assert from 'node:assert/strict';
import fc from 'fast-check';
import { KithInputError } from '../../../src/kith/findings.js';
import { parseMessage } from '../../../src/kith/parse.js';
import { validateDocument } from '../../../src/kith/validate.js';
import { readXmlInput } from '../../../src/kith/xml-input.js';
import { readXmlTree } from '../../../src/kith/xml-tree.js';

function inputError(fn: () => unknown): KithInputError {
  try {
    fn();
  } catch (err) {
    if (err instanceof KithInputError) return err;
    throw err;
  }
  assert.fail('expected a KithInputError');
}

describe('kith: reading XML input', () => {
  it('checks the size limit before anything else', () => {
    const e = inputError(() => readXmlInput(Buffer.from('<!DOCTYPE x><a/>'), 8));
    assert.equal(e.finding.error, 'KITH_TOO_LARGE');
    assert.equal(e.finding.code, 'T99');
  });

  it('refuses any DOCTYPE (XXE, billion laughs) before a parser sees it', () => {
    for (const doc of ['<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>', '<?xml version="1.0"?>\n<!doctype a><a/>']) {
      assert.equal(inputError(() => readXmlInput(doc)).finding.code, 'T99');
    }
  });

  it('reads UTF-8 with a BOM, ISO-8859-1 as declared, and UTF-16 with a BOM', () => {
    assert.equal(readXmlInput(Buffer.from('\ufeff<a>ø</a>', 'utf8')).text.includes('ø'), true);
    const latin1 = Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><a>blåbær</a>', 'latin1');
    assert.equal(readXmlTree(readXmlInput(latin1).text).text, 'blåbær');
    assert.equal(parseMessage(latin1).document, 'unknown');
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<?xml version="1.0" encoding="UTF-16"?><a>å</a>', 'utf16le')]);
    assert.equal(readXmlInput(utf16).encoding, 'utf-16le');
    assert.equal(parseMessage(utf16).document, 'unknown');
  });

  it('a string is already text: its declared encoding does not apply', () => {
    const doc = parseMessage('<?xml version="1.0" encoding="ISO-8859-1"?><a xmlns="urn:x">blåbær</a>');
    assert.equal(doc.document === 'unknown' && doc.root.text, 'blåbær');
  });

  it('says so when the bytes do not match the declared or default encoding (T01)', () => {
    const wrong = Buffer.from('<?xml version="1.0" encoding="UTF-8"?><a>blåbær</a>', 'latin1');
    assert.match(inputError(() => readXmlInput(wrong)).finding.message, /declares UTF-8/);
    assert.equal(inputError(() => readXmlInput(Buffer.from('<a>blåbær</a>', 'latin1'))).finding.code, 'T01');
    assert.equal(inputError(() => readXmlInput(Buffer.from('<?xml version="1.0" encoding="KOI8-R"?><a/>'))).finding.code, 'T01');
  });

  it('names the line where a malformed document breaks, without quoting its text', () => {
    const e = inputError(() => parseMessage('<a>\n<b>Ola Testesen</c>\n</a>'));
    assert.equal(e.finding.code, 'T01');
    assert.equal(e.finding.line, 2);
    assert.ok(!e.finding.message.includes('Testesen'));
  });

  it('the tree reader decodes entities, CDATA and namespaces', () => {
    const root = readXmlTree('<r xmlns="urn:a" xmlns:b="urn:b"><b:x V="&lt;&#65;&#x42;&quot;">t &amp; <![CDATA[<raw>]]></b:x><!-- c --><y/></r>');
    assert.equal(root.ns, 'urn:a');
    const [x, y] = root.children;
    assert.deepEqual([x?.name, x?.ns, x?.attrs.V, x?.text], ['x', 'urn:b', '<AB"', 't & <raw>']);
    assert.deepEqual([y?.name, y?.ns], ['y', 'urn:a']);
  });

  it('never fails inside, whatever the bytes: every fault is a finding of its own (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }),
          fc.string({ maxLength: 300 }).map((s) => `<MsgHead xmlns="http://www.kith.no/xmlstds/msghead/2006-05-24">${s}</MsgHead>`),
        ),
        (input) => {
          const { report, findings } = validateDocument(input, { allowSyntheticIds: true });
          assert.ok(!findings.some((f) => f.error === 'INTERNAL'), JSON.stringify(report.errors));
          if (!report.ok) assert.ok(report.errors.length > 0);
        },
      ),
      { numRuns: 300 },
    );
  });
});
