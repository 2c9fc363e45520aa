import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../../../src/config.js';
import { readOperatorsFile, settingsAccounts, tokenSha256 } from '../../../src/operators/operator-accounts.js';
import { roleAllows } from '../../../src/operators/roles.js';
import { tempDir } from '../../helpers/tmp.js';

const HASH = tokenSha256('kari-token-0123456789abcdef');
const base = { OPS_TOKEN: 'demo-ops-token', OPS_TOKEN_ROLE: 'operator', GATEWAY_MODE: 'demo' } as const;

function file(name: string, text: string): string {
  const p = path.join(tempDir('operators'), name);
  writeFileSync(p, text);
  return p;
}

const faultOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    assert.equal(err.setting, 'OPERATORS_FILE');
    return err.message;
  }
  assert.fail('expected a ConfigError');
};

describe('operator accounts from the settings and the operators file', () => {
  it('roles include the ones below them', () => {
    assert.ok(roleAllows('admin', 'operator') && roleAllows('operator', 'viewer') && roleAllows('viewer', 'viewer'));
    assert.ok(!roleAllows('viewer', 'operator') && !roleAllows('operator', 'admin'));
  });

  it('reads YAML and JSON files of name, role and token hash', () => {
    const yaml = file('ops.yaml', `operators:\n  - name: kari.drift\n    role: admin\n    tokenSha256: ${HASH.toUpperCase()}\n`);
    assert.deepEqual(readOperatorsFile(yaml), [{ name: 'kari.drift', role: 'admin', tokenSha256: HASH, source: 'file' }]);
    const json = file('ops.json', JSON.stringify({ operators: [{ name: 'ola', role: 'viewer', tokenSha256: HASH }] }));
    assert.equal(readOperatorsFile(json)[0]!.name, 'ola');
  });

  it('says which entry and field is wrong', () => {
    assert.match(
      faultOf(() => readOperatorsFile(file('a.yaml', `operators:\n  - { name: kari, role: boss, tokenSha256: ${HASH} }\n`))),
      /operators\[0\]\.role: one of viewer, operator, admin/,
    );
    assert.match(
      faultOf(() => readOperatorsFile(file('b.yaml', 'operators:\n  - { name: kari, role: viewer, token: hunter2 }\n'))),
      /operators\[0\]/,
    );
    assert.match(
      faultOf(() => readOperatorsFile(file('c.yaml', 'operators:\n  - { name: kari, role: viewer, tokenSha256: abc }\n'))),
      /tokenSha256: the hex SHA-256/,
    );
    assert.match(
      faultOf(() =>
        readOperatorsFile(
          file(
            'd.yaml',
            `operators:\n  - { name: kari, role: viewer, tokenSha256: ${HASH} }\n  - { name: kari, role: admin, tokenSha256: ${tokenSha256('x')} }\n`,
          ),
        ),
      ),
      /operators\[1\]\.name: "kari" is taken/,
    );
    assert.match(
      faultOf(() => readOperatorsFile(file('e.yaml', 'operators: [\n'))),
      /not valid YAML/,
    );
    assert.match(
      faultOf(() => readOperatorsFile('/nonexistent/operators.yaml')),
      /cannot read/,
    );
  });

  it('demo mode adds the demo viewer and admin beside OPS_TOKEN; an operators file replaces them; production refuses demo tokens in it', () => {
    assert.deepEqual(
      settingsAccounts(base).map((a) => `${a.name}:${a.role}`),
      ['ops:operator', 'viewer:viewer', 'admin:admin'],
    );
    const f = file('f.yaml', `operators:\n  - { name: kari, role: viewer, tokenSha256: ${HASH} }\n`);
    assert.deepEqual(
      settingsAccounts({ ...base, OPERATORS_FILE: f, OPS_TOKEN_ROLE: 'admin' }).map((a) => `${a.name}:${a.role}`),
      ['ops:admin', 'kari:viewer'],
    );
    const demo = file('g.yaml', `operators:\n  - { name: kari, role: viewer, tokenSha256: ${tokenSha256('demo-viewer-token')} }\n`);
    assert.match(
      faultOf(() => settingsAccounts({ ...base, GATEWAY_MODE: 'production', OPS_TOKEN: 'a-real-secret-token', OPERATORS_FILE: demo })),
      /refuses the demo tokens/,
    );
  });
});
