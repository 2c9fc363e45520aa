import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../../src/config.js';
import { freePort } from '../../../src/infra/supervised-redis.js';
import { createAddressRegister, ownEntryAuditor } from '../../../src/registry/register-from-config.js';
import { standInAddress, startDemoStandIn } from '../../../demo/start-ar-stand-in.js';
import { useTestRedis } from '../../helpers/redis.js';

describe('registry: the address register the settings describe', () => {
  const ctx = useTestRedis();

  it('demo mode without AR_URL: the stand-in on AR_STAND_IN_PORT, SOAP or REST, audited clean', async () => {
    const port = await freePort();
    const config = loadConfig({ AR_STAND_IN_PORT: String(port), QUEUE_PREFIX: 'cfg1' });
    const standIn = await startDemoStandIn(config);
    assert.ok(standIn);
    try {
      assert.equal(new URL(standIn.url).port, String(port));
      const soap = createAddressRegister(config, ctx.redis, undefined, { address: standInAddress(standIn) });
      assert.equal((await soap.organization('8142987')).value.organizationNumber, '921543212');
      assert.ok(await ctx.redis.exists('cfg1:ar:organization:8142987'));
      const audit = await ownEntryAuditor(config, soap)();
      assert.deepEqual([audit.source, audit.faults], ['live', []]);
      const rest = createAddressRegister({ ...config, AR_API: 'rest', QUEUE_PREFIX: 'cfg2' }, ctx.redis, undefined, { address: standInAddress(standIn) });
      assert.equal((await rest.communicationParty('8093244')).value.parentHerId, '8090001');
    } finally {
      await standIn.close();
    }
  });

  it('AR_URL set: no stand-in; production without AR_URL: refused, naming the setting', async () => {
    assert.equal(await startDemoStandIn(loadConfig({ AR_URL: 'https://ws-web.test.nhn.no/v1/AR/Basic' })), undefined);
    const production = { ...loadConfig({}), GATEWAY_MODE: 'production' as const };
    assert.throws(
      () => createAddressRegister(production, ctx.redis),
      (err: unknown) => err instanceof ConfigError && err.setting === 'AR_URL',
    );
    const restWithoutToken = loadConfig({ AR_URL: 'https://api.test/', AR_API: 'rest' });
    assert.throws(
      () => createAddressRegister(restWithoutToken, ctx.redis),
      (err: unknown) => err instanceof ConfigError && err.setting === 'AR_API',
    );
  });

  it('settings are validated with one line naming the setting', () => {
    assert.throws(() => loadConfig({ AR_API: 'ldap' }), /AR_API/);
    assert.throws(() => loadConfig({ AR_URL: 'ftp://x' }), /AR_URL/);
    assert.throws(() => loadConfig({ AR_CACHE_TTL_S: '0' }), /AR_CACHE_TTL_S/);
    const defaults = loadConfig({});
    assert.deepEqual(
      [defaults.AR_API, defaults.AR_CACHE_TTL_S, defaults.AR_STALE_LIMIT_S, defaults.AR_STAND_IN_PORT, defaults.AR_TIMEOUT_MS],
      ['soap', 3600, 86400, 8092, 10000],
    );
  });
});
