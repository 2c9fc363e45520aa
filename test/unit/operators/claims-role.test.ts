import assert from 'node:assert/strict';
import { loadConfig } from '../../../src/config.js';
import { nameFromClaims, roleFromClaims, type RoleMapping } from '../../../src/operators/claims-role.js';

const MAP: RoleMapping[] = [
  { value: 'gw-vakt', role: 'viewer' },
  { value: 'gw-drift', role: 'operator' },
  { value: 'gw-admin', role: 'admin' },
];

describe('operator roles from OpenID Connect claims', () => {
  it('takes the highest mapped value of a list, a string or a nested claim (Keycloak realm_access.roles)', () => {
    assert.equal(roleFromClaims({ roles: ['x', 'gw-drift', 'gw-vakt'] }, 'roles', MAP), 'operator');
    assert.equal(roleFromClaims({ roles: 'gw-vakt gw-admin' }, 'roles', MAP), 'admin');
    assert.equal(roleFromClaims({ realm_access: { roles: ['gw-vakt'] } }, 'realm_access.roles', MAP), 'viewer');
    assert.equal(roleFromClaims({ roles: ['alle-ansatte'] }, 'roles', MAP), undefined);
    assert.equal(roleFromClaims({}, 'groups', MAP), undefined);
  });

  it('names the person by the name claim, then email, then sub, in the account-name alphabet', () => {
    assert.equal(nameFromClaims({ preferred_username: 'kari.drift', sub: '1' }, 'preferred_username'), 'kari.drift');
    assert.equal(nameFromClaims({ email: 'kari@klinikk.no', sub: '1' }, 'preferred_username'), 'kari@klinikk.no');
    assert.equal(nameFromClaims({ name: 'Kari Drift', sub: 'abc' }, 'name'), 'Kari_Drift');
  });

  it('the settings: a role map of value=role pairs, a client id, and https in production', () => {
    const c = loadConfig({ OIDC_ISSUER: 'https://idp.example/realms/gp', OIDC_CLIENT_ID: 'gw', OIDC_ROLE_MAP: 'gw-vakt=viewer, a=b=admin' });
    assert.deepEqual(c.OIDC_ROLE_MAP, [
      { value: 'gw-vakt', role: 'viewer' },
      { value: 'a=b', role: 'admin' },
    ]);
    assert.throws(() => loadConfig({ OIDC_ISSUER: 'https://idp.example', OIDC_ROLE_MAP: 'x=viewer' }), /OIDC_CLIENT_ID/);
    assert.throws(() => loadConfig({ OIDC_ISSUER: 'https://idp.example', OIDC_CLIENT_ID: 'gw' }), /OIDC_ROLE_MAP/);
    assert.throws(() => loadConfig({ OIDC_ROLE_MAP: 'gw-vakt=root' }), /Setting OIDC_ROLE_MAP: claim value=role pairs/);
  });
});
