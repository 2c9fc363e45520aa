/**
 * Parse + validate throughput of the KITH layer with the official schemas on, on one core:
 *   npm run bench:xml        (KITH_SCHEMA_DIR, or ../shared/standards/xsd when present)
 * Ends with one JSON line: {"validate_per_s_5kb": N, "validate_mb_per_s_1mb": N}.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSchemaSet, type SchemaSet } from '../src/kith/schema-set.js';
import { validateDocument, type ValidateOptions } from '../src/kith/validate.js';
import { HELSENORGE, CLINIC, PATIENTS, sampleCases } from '../test/helpers/sample-messages.js';
import { buildCitizenRequest } from '../src/kith/citizen-request.js';
import { rate } from './measure.js';

function schemaDir(): string | undefined {
  const fromEnv = process.env.KITH_SCHEMA_DIR?.trim();
  if (fromEnv) return fromEnv;
  const shared = fileURLToPath(new URL('../../shared/standards/xsd', import.meta.url));
  return existsSync(path.join(shared, 'MsgHead-v1_2.xsd')) ? shared : undefined;
}

/** A renewal request of about 5 KB: the fixture's request with a longer question. */
function renewal5kb(): Buffer {
  const base = sampleCases()['prescription-renewal']![0]!.xml;
  const pad = 5 * 1024 - Buffer.byteLength(base);
  const question = 'Jeg bruker astmasprayen morgen og kveld og trenger ny resept før ferien. ';
  const longer = base.replace(
    /<Sporsmal>([^<]*)<\/Sporsmal>/,
    (_m, q: string) => `<Sporsmal>${q} ${question.repeat(Math.max(0, Math.ceil(pad / question.length)))}</Sporsmal>`,
  );
  return Buffer.from(longer, 'utf8');
}

/** An office-contact request with an attachment, about 1 MB in all. */
function attachment1mb(): Buffer {
  const data = Buffer.alloc(768 * 1024);
  for (let i = 0; i < data.length; i++) data[i] = (i * 31 + 7) & 0xff;
  return Buffer.from(
    buildCitizenRequest({
      msgType: 'DIALOG_INNBYGGER_EKONTAKT',
      sender: HELSENORGE,
      receiver: CLINIC,
      patient: PATIENTS.sigrid,
      foresporsel: { type: { v: 'BA', s: '2.16.578.1.12.4.1.1.7601', dn: 'Bestille attest' }, question: 'Vedlagt skjema.' },
      attachments: [{ mimeType: 'application/pdf', description: 'skjema.pdf', data }],
    }),
    'utf8',
  );
}

const dir = schemaDir();
let schemas: SchemaSet | undefined;
if (dir) schemas = loadSchemaSet(dir);
else console.log('KITH_SCHEMA_DIR not set and ../shared absent: measuring the own rules only');
const opts: ValidateOptions = { allowSyntheticIds: true, ...(schemas ? { schemas } : {}) };

const small = renewal5kb();
const large = attachment1mb();
for (const [name, bytes] of [
  ['5 KB', small],
  ['1 MB', large],
] as const) {
  const { report } = validateDocument(bytes, opts);
  if (!report.ok) throw new Error(`the ${name} message is not valid: ${JSON.stringify(report.errors)}`);
}

const perS5 = rate(() => validateDocument(small, opts), 3000);
console.log(
  `renewal request ${small.length} bytes: ${perS5.toFixed(0)} parse+validate/s (${(1e6 / perS5).toFixed(0)} µs each, schema validation: ${schemas ? 'official' : 'own-rules'})`,
);
const perS1m = rate(() => validateDocument(large, opts), 3000);
const mbPerS = (perS1m * large.length) / (1024 * 1024);
console.log(`attachment message ${large.length} bytes: ${perS1m.toFixed(1)} parse+validate/s, ${mbPerS.toFixed(1)} MB/s`);
console.log(JSON.stringify({ validate_per_s_5kb: Math.round(perS5), validate_mb_per_s_1mb: Math.round(mbPerS * 10) / 10 }));
