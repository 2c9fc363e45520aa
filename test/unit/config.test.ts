import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
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

describe('config: the SMTP settings, checked at start', () => {
  const smtp = { SMTP_HOST: 'smtp.fjellnett-it.example', SMTP_FROM: 'EPJ-gateway <gw@fjellnett-it.example>' };
  const caDir = tempDir('smtp-ca-setting');
  const notPem = path.join(caDir, 'not.pem');
  writeFileSync(notPem, 'no certificate here\n');
  const brokenPem = path.join(caDir, 'broken.pem');
  writeFileSync(brokenPem, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
  const goodPem = path.join(caDir, 'ca.pem');
  writeFileSync(goodPem, readFileSync(new URL('../../certs-sample/ca.cert.pem', import.meta.url), 'utf8'));

  const cases: [string, Record<string, string>, string, RegExp][] = [
    ['a URL for a host', { SMTP_HOST: 'smtp://smtp.example' }, 'SMTP_HOST', /without scheme or port/],
    ['a port in the host', { SMTP_HOST: 'smtp.example:587' }, 'SMTP_HOST', /the port is SMTP_PORT/],
    ['STARTTLS on 465', { SMTP_PORT: '465' }, 'SMTP_SECURITY', /set SMTP_SECURITY=tls/],
    ['TLS on 587', { SMTP_SECURITY: 'tls' }, 'SMTP_SECURITY', /set SMTP_SECURITY=starttls/],
    ['a CA file that is not there', { SMTP_CA_FILE: path.join(caDir, 'missing.pem') }, 'SMTP_CA_FILE', /cannot read .* \(ENOENT\)/],
    ['a CA file without a certificate', { SMTP_CA_FILE: notPem }, 'SMTP_CA_FILE', /holds no PEM certificate/],
    ['a CA file with a broken certificate', { SMTP_CA_FILE: brokenPem }, 'SMTP_CA_FILE', /cannot be read/],
    ['a CA file for plain SMTP', { SMTP_CA_FILE: goodPem, SMTP_SECURITY: 'none', SMTP_PORT: '25' }, 'SMTP_CA_FILE', /uses no TLS/],
    ['a user without a password', { SMTP_USER: 'gateway' }, 'SMTP_PASSWORD', /give its password too/],
    [
      'a password over plain SMTP',
      { SMTP_USER: 'gateway', SMTP_PASSWORD: 's3cret-pass', SMTP_SECURITY: 'none', SMTP_PORT: '25' },
      'SMTP_SECURITY',
      /never sent over plain SMTP/,
    ],
  ];
  for (const [name, env, setting, reason] of cases)
    it(`refuses ${name}, naming the setting`, () => {
      const err = errorOf({ ...smtp, ...env });
      assert.equal(err.setting, setting);
      assert.match(err.message, reason);
      assert.doesNotMatch(err.message, /s3cret-pass/, 'a password is never echoed');
    });

  it('a CA file without an SMTP server is a mistake too', () => {
    assert.equal(errorOf({ SMTP_CA_FILE: goodPem }).setting, 'SMTP_CA_FILE');
  });

  it('takes a private CA, the usual port of each security, and an IP address', () => {
    assert.equal(loadConfig({ ...smtp, SMTP_CA_FILE: goodPem }).SMTP_CA_FILE, goodPem);
    assert.equal(loadConfig({ ...smtp, SMTP_SECURITY: 'tls', SMTP_PORT: '465' }).SMTP_PORT, 465);
    assert.equal(loadConfig({ ...smtp, SMTP_HOST: '10.0.0.25', SMTP_SECURITY: 'none', SMTP_PORT: '25' }).SMTP_HOST, '10.0.0.25');
  });
});
