import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ERRORS, GatewayError } from '../../src/errors.js';
import { renderErrorsDoc } from '../../src/errors-doc.js';

describe('error table', () => {
  it('docs/errors.md is generated from the table (run npm run docs:errors)', () => {
    const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
    assert.equal(doc, renderErrorsDoc());
  });

  it('every AppRec code is a code-list 8221 shaped value', () => {
    for (const [code, def] of Object.entries(ERRORS) as [string, { appRec?: string }][]) {
      if (def.appRec) assert.match(def.appRec, /^[A-Z]\d{2}$/, code);
    }
  });

  it('a GatewayError carries its status and code', () => {
    const err = new GatewayError('AUTH_MISSING');
    assert.equal(err.status, 401);
    assert.equal(err.toJSON().code, 'AUTH_MISSING');
  });
});
