import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadConfig } from '../../../src/config.js';
import { RETENTION_KINDS, retentionTable } from '../../../src/retention/retention-policy.js';

const DOC = readFileSync(new URL('../../../docs/operations.md', import.meta.url), 'utf8');

describe('retention: the documented table is the one the clean-up enforces', () => {
  it('docs/operations.md lists every kind with its setting and default, in order', () => {
    const rows = [...DOC.matchAll(/^\| `([a-z-]+)` \| `([A-Z_]+)` \| (\d+) days/gm)].map((m) => [m[1], m[2], Number(m[3])]);
    const table = retentionTable(loadConfig({}));
    assert.deepEqual(
      rows,
      table.map((r) => [r.kind, r.setting, r.days]),
    );
    assert.deepEqual(
      table.map((r) => r.kind),
      [...RETENTION_KINDS],
    );
  });

  it('a limit may be a fraction of a day; 0 or less is refused with the setting named', () => {
    const config = loadConfig({ RETENTION_DEAD_LETTERS_DAYS: '0.5' });
    assert.equal(retentionTable(config).find((r) => r.kind === 'dead-letters')?.days, 0.5);
    assert.throws(() => loadConfig({ RETENTION_JOBS_DAYS: '0' }), /Setting RETENTION_JOBS_DAYS: a number of days above 0/);
  });
});
