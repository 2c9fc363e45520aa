import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadSchemaSet, type SchemaSet } from '../../../src/kith/schema-set.js';
import { validateDocument } from '../../../src/kith/validate.js';
import { STANDARDS_DIR, XSD_DIR, needsShared } from '../../helpers/shared.js';

const VALID = [
  'DIALOG_INNBYGGER_EKONTAKT.xml',
  'DIALOG_INNBYGGER_RESEPTFORNYELSE.xml',
  'ksfiks_app-rec_1.0_example-ok.xml',
  'ksfiks_app-rec_1.1_example-avvist.xml',
];

describe('kith: the real sample messages', function () {
  let schemas: SchemaSet;
  before(function () {
    needsShared(this);
    schemas = loadSchemaSet(XSD_DIR);
  });

  for (const name of VALID) {
    it(`${name} is valid with and without the official schemas`, () => {
      const bytes = readFileSync(path.join(STANDARDS_DIR, 'examples', name));
      for (const opts of [{}, { schemas }]) {
        const { report } = validateDocument(bytes, { allowSyntheticIds: false, ...opts });
        assert.deepEqual(report.errors, [], `${name} ${report.schemaValidation}`);
        assert.equal(report.ok, true);
      }
    });
  }

  it('the renewal answer carries eResept M1 documents, reported unvalidated, not rejected', () => {
    const bytes = readFileSync(path.join(STANDARDS_DIR, 'examples', 'DIALOG_INNBYGGER_RESEPTFORNYELSE.xml'));
    const { report } = validateDocument(bytes, { allowSyntheticIds: false, schemas });
    assert.equal(report.schemaValidation, 'official');
    assert.deepEqual(report.unvalidated, ['http://www.kith.no/xmlstds/eresept/m1/2010-05-01']);
    assert.equal(report.service, 'prescription-renewal');
    assert.equal(report.action, 'Svar');
    assert.equal(report.patientIdType, 'FNR');
    assert.ok(!JSON.stringify(report).includes('Harboe'));
  });

  it('a professional dialog message is a type this gateway does not serve (T10)', () => {
    const bytes = readFileSync(path.join(STANDARDS_DIR, 'examples', 'ksfiks_dialogmelding_1.1_helsefaglig-dialog_samsvar-test-message.xml'));
    const { report } = validateDocument(bytes, { allowSyntheticIds: true, schemas });
    assert.deepEqual(
      report.errors.map((e) => e.code),
      ['T10'],
    );
  });

  it('loads the schema directory once and reuses it', () => {
    assert.equal(loadSchemaSet(XSD_DIR), schemas);
  });
});
