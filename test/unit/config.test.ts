import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config.js';
import { tempDir } from '../helpers/tmp.js';

const productionBase = {
  GATEWAY_MODE: 'production',
  EPJ_TOKENS: 'epj-a:0123456789abcdef',
  OPS_TOKEN: 'ops-0123456789abcdef',
  TRUST_CA_FILES: '/etc/epj/buypass.pem,/etc/epj/commfides.pem',
  CLINIC_SIGNING_CERT: '/etc/epj/sign.pem',
  CLINIC_SIGNING_KEY: '/etc/epj/sign.key',
  CLINIC_ENCRYPTION_CERT: '/etc/epj/enc.pem',
  CLINIC_ENCRYPTION_KEY: '/etc/epj/enc.key',
  MSH_BASE_URL: 'https://msh.example.test',
  HELSEID_TOKEN_URL: 'https://helseid.example.test/connect/token',
  AR_URL: 'https://ar.example.test/v1/AR/Basic',
  JOB_ENCRYPTION_KEYS: `2026:${Buffer.alloc(32, 7).toString('base64')}`,
};

function errorOf(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err;
  }
  assert.fail('expected a ConfigError');
}

describe('config', () => {
  it('has a working demo default for every setting', () => {
    const c = loadConfig({});
    assert.equal(c.GATEWAY_MODE, 'demo');
    assert.equal(c.PORT, 8080);
    assert.equal(c.DATA_DIR, './var');
    assert.deepEqual(c.EPJ_TOKENS, [{ client: 'demo-epj', token: 'demo-token' }]);
    assert.equal(c.OPS_TOKEN, 'demo-ops-token');
    assert.equal(c.REDIS_URL, undefined);
    assert.deepEqual(c.CERT_WARN_DAYS, [30, 14, 7, 1]);
  });

  it('names the bad setting in one line', () => {
    const err = errorOf({ PORT: 'eighty' });
    assert.equal(err.setting, 'PORT');
    assert.match(err.message, /^Setting PORT: a whole number from 0 to 65535 \(got "eighty"\)$/);
    assert.equal(err.message.split('\n').length, 1);
    assert.equal(errorOf({ REDIS_URL: 'http://localhost' }).setting, 'REDIS_URL');
    assert.equal(errorOf({ GATEWAY_MODE: 'test' }).setting, 'GATEWAY_MODE');
    assert.equal(errorOf({ CERT_WARN_DAYS: '30,soon' }).setting, 'CERT_WARN_DAYS');
    const unsigned = errorOf({ FREE_SLOTS_WEBHOOK_URL: 'https://epj.example/slots' });
    assert.equal(unsigned.setting, 'FREE_SLOTS_WEBHOOK_URL');
    assert.match(unsigned.message, /EPJ_WEBHOOK_SECRET/);
    assert.equal(errorOf({ FREE_SLOTS_MAX_AGE_S: '5' }).setting, 'FREE_SLOTS_MAX_AGE_S');
  });

  it('never echoes a token it refuses', () => {
    const err = errorOf({ EPJ_TOKENS: 'clinic:short' });
    assert.equal(err.setting, 'EPJ_TOKENS');
    assert.doesNotMatch(err.message, /short/);
  });

  it('parses EPJ_TOKENS as client:token pairs', () => {
    const c = loadConfig({ EPJ_TOKENS: 'epj-a:aaaaaaaaaa, epj-b:bbbbbbbbbb' });
    assert.deepEqual(
      c.EPJ_TOKENS.map((t) => t.client),
      ['epj-a', 'epj-b'],
    );
  });

  it('production mode refuses demo tokens, sample certificates and the simulator', () => {
    assert.doesNotThrow(() => loadConfig(productionBase));
    assert.equal(errorOf({ ...productionBase, EPJ_TOKENS: 'demo-epj:demo-token' }).setting, 'EPJ_TOKENS');
    assert.equal(errorOf({ ...productionBase, OPS_TOKEN: 'demo-ops-token' }).setting, 'OPS_TOKEN');
    assert.equal(errorOf({ ...productionBase, CLINIC_SIGNING_CERT: 'certs-sample/clinic-signing.cert.pem' }).setting, 'CLINIC_SIGNING_CERT');
    assert.equal(errorOf({ ...productionBase, TRUST_CA_FILES: 'certs-sample/ca.cert.pem' }).setting, 'TRUST_CA_FILES');
    const { MSH_BASE_URL: _drop, ...noMsh } = productionBase;
    assert.equal(errorOf(noMsh).setting, 'MSH_BASE_URL');
    const { AR_URL: _noAr, ...noAr } = productionBase;
    assert.equal(errorOf(noAr).setting, 'AR_URL');
  });

  it('reads an optional JSON file, with the environment winning', () => {
    const dir = tempDir('config');
    const file = path.join(dir, 'gateway.json');
    writeFileSync(file, JSON.stringify({ PORT: 9090, CLINIC_NAME: 'Fra fil legesenter' }));
    const c = loadConfig({ CONFIG_FILE: file, PORT: '9191' });
    assert.equal(c.PORT, 9191);
    assert.equal(c.CLINIC_NAME, 'Fra fil legesenter');
    writeFileSync(file, '[1,2]');
    assert.equal(errorOf({ CONFIG_FILE: file }).setting, 'CONFIG_FILE');
    assert.equal(errorOf({ CONFIG_FILE: path.join(dir, 'missing.json') }).setting, 'CONFIG_FILE');
  });
});
