import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import yaml from 'js-yaml';
import { readClinicsFile } from '../../../src/clinics/clinics-file.js';
import { loadConfig, type Config } from '../../../src/config.js';
import { tempDir } from '../../../test/helpers/tmp.js';
import { describeJsonInput, jsonBody, jsonInput, applyJsonMutations, type JsonInput } from '../json-mutate.js';
import { applyMutations, describeMutations, mutations, type Mutation } from '../mutate.js';
import { crash, guarded, OK, type Surface } from '../surface.js';

/**
 * The clinics file (src/clinics/clinics-file.ts): the demo's three clinics, mutated as text (YAML
 * that breaks: tags, anchors, odd bytes) or as data (any value where a field was), written as YAML
 * or JSON, read in demo and in production mode. A ConfigError naming the field is the coded answer.
 */

const DEMO_FILE = fileURLToPath(new URL('../../../demo/clinics.yaml', import.meta.url));

const YAML_TOKENS = [
  '!!js/function "x"',
  '!!binary',
  '&a [*a]',
  '*a',
  '<<: *a',
  '? ',
  '- ',
  ': ',
  '{',
  '[',
  '---\n',
  '...\n',
  '%YAML 1.2\n',
  '\t',
  '~',
  '!!str',
  '0x1F',
  '1e999',
  '"\\u0000"',
];

interface ClinicsInput {
  form: 'yaml-text' | 'yaml-data' | 'json-data';
  production: boolean;
  data: JsonInput;
  text: Mutation[];
  tokens: { at: number; token: string }[];
}

export async function clinicsFileSurface(): Promise<Surface<ClinicsInput>> {
  const dir = tempDir('fuzz-clinics');
  const demoText = readFileSync(DEMO_FILE, 'utf8');
  const demoData = yaml.load(demoText, { schema: yaml.CORE_SCHEMA });
  const configs: Record<'demo' | 'production', Config> = {
    demo: loadConfig({ DATA_DIR: dir, CLINICS_FILE: path.join(dir, 'c.yaml') }),
    production: loadConfig({
      DATA_DIR: dir,
      CLINICS_FILE: path.join(dir, 'c.yaml'),
      GATEWAY_MODE: 'production',
      OPS_TOKEN: 'an-operator-secret-of-some-length',
      TRUST_CA_FILES: path.join(dir, 'ca.pem'),
      MSH_BASE_URL: 'https://msh.example',
      JOB_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
      HELSEID_TOKEN_URL: 'https://helseid.example/connect/token',
      AR_URL: 'https://ar.example/v1/AR/Basic',
    }),
  };
  const arbitrary = fc.record({
    form: fc.constantFrom('yaml-text' as const, 'yaml-data' as const, 'json-data' as const),
    production: fc.boolean(),
    data: jsonInput(1),
    text: fc.oneof(fc.constant([] as Mutation[]), mutations('bytes', 3)),
    tokens: fc.array(fc.record({ at: fc.noBias(fc.integer({ min: 0, max: 2 ** 30 - 1 })).map((n) => n / 2 ** 30), token: fc.constantFrom(...YAML_TOKENS) }), {
      maxLength: 3,
    }),
  });
  let n = 0;
  return {
    name: 'clinics-file',
    arbitrary,
    describe: (i) =>
      `${i.form} ${i.production ? 'production' : 'demo'} ${i.form === 'yaml-text' ? `text[${describeMutations(i.text)}] tokens[${i.tokens.map((t) => JSON.stringify(t.token)).join(' ')}]` : describeJsonInput(i.data)}`,
    run: (input) =>
      guarded(
        () => {
          let bytes: Buffer;
          if (input.form === 'yaml-text') {
            let text = demoText;
            for (const t of input.tokens) {
              const at = Math.floor(t.at * (text.length + 1));
              text = text.slice(0, at) + t.token + text.slice(at);
            }
            bytes = applyMutations(Buffer.from(text, 'utf8'), input.text);
          } else if (input.form === 'json-data') bytes = jsonBody([demoData], input.data);
          else bytes = Buffer.from(yaml.dump(applyJsonMutations(demoData, input.data.json) ?? null, { schema: yaml.CORE_SCHEMA }), 'utf8');
          const file = path.join(dir, `c${n++ % 8}.${input.form === 'json-data' ? 'json' : 'yaml'}`);
          writeFileSync(file, bytes);
          const clinics = readClinicsFile(file, configs[input.production ? 'production' : 'demo']);
          if (!Array.isArray(clinics) || clinics.some((c) => typeof c.herId !== 'string' || !/^\d+$/.test(c.herId))) return crash('clinics without HER-ids');
          return OK;
        },
        { settings: true },
      ),
  };
}
