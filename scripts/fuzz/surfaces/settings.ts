import { writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { configSchema, loadConfig, type ConfigInput } from '../../../src/config.js';
import { tempDir } from '../../../test/helpers/tmp.js';
import { describeJsonInput, jsonBody, jsonInput, type JsonInput } from '../json-mutate.js';
import { crash, guarded, OK, type Surface } from '../surface.js';

/**
 * Settings (src/config.ts): the environment with any settings set to any text (numbers out of range,
 * lists, URLs, tokens, odd code points), and now and then a CONFIG_FILE of mutated JSON beside it.
 * A ConfigError naming the setting is the coded answer; a Config is the valid result.
 */

const KEYS = Object.keys(configSchema.shape);
const VALUES = [
  '',
  ' ',
  '0',
  '-1',
  '1',
  '1.5',
  '1e3',
  '99999999999',
  'NaN',
  'true',
  'yes',
  'off',
  'demo',
  'production',
  'cms',
  'none',
  'folder',
  'webhook',
  'pull',
  'rest',
  'soap',
  'amqp',
  'nb',
  'en',
  'starttls',
  'http://localhost:1',
  'https://[::1]:99999/x',
  'ftp://x',
  'redis://:p@h:6379/0',
  'a:b',
  'a:12345678,b:12345678',
  ':12345678',
  'demo-epj:demo-token',
  'h:26379,[::1]:26379',
  'h:0',
  `k1:${Buffer.alloc(32, 1).toString('base64')}`,
  'k1:AAAA',
  'certs-sample/ca.cert.pem',
  '/nonexistent/file',
  'name=https://x.example/hook',
  '8142987',
  '921543212',
  '1.2.3,4.5',
  'ø'.repeat(300),
];

interface SettingsInput {
  env: [string, string][];
  file: JsonInput | null;
}

export async function settingsSurface(): Promise<Surface<SettingsInput>> {
  const dir = tempDir('fuzz-settings');
  const value = fc.oneof(
    { arbitrary: fc.constantFrom(...VALUES), weight: 4 },
    { arbitrary: fc.string({ maxLength: 30 }), weight: 2 },
    { arbitrary: fc.string({ unit: 'binary', maxLength: 30 }), weight: 1 },
  );
  const sample = {
    GATEWAY_MODE: 'demo',
    PORT: 8080,
    EPJ_TOKENS: 'demo-epj:demo-token',
    POLL_INTERVAL_MS: 1000,
    NOTIFY_WEBHOOKS: ['a=https://x.example'],
    CMS_REJECT_3DES: true,
  };
  const arbitrary = fc.record({
    env: fc.array(fc.tuple(fc.constantFrom(...KEYS), value), { maxLength: 8 }),
    file: fc.oneof({ arbitrary: fc.constant(null), weight: 4 }, { arbitrary: jsonInput(1), weight: 1 }),
  });
  let n = 0;
  return {
    name: 'settings',
    arbitrary,
    describe: (i) => `env ${JSON.stringify(Object.fromEntries(i.env)).slice(0, 300)}${i.file ? ` file ${describeJsonInput(i.file)}` : ''}`,
    run: (input) =>
      guarded(
        () => {
          const env: ConfigInput = { DATA_DIR: dir, ...Object.fromEntries(input.env) };
          if (input.file) {
            const file = path.join(dir, `settings${n++ % 8}.json`);
            writeFileSync(file, jsonBody([sample], input.file));
            env.CONFIG_FILE = file;
          }
          const config = loadConfig(env);
          if (typeof config.PORT !== 'number' || !Array.isArray(config.EPJ_TOKENS)) return crash('a Config of the wrong shape');
          return OK;
        },
        { settings: true },
      ),
  };
}
