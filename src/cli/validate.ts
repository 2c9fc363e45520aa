import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { isHerId } from '../domain/identifiers.js';
import { isGatewayError } from '../errors.js';
import { buildAppRecFor } from '../kith/apprec-build.js';
import { judgementOf } from '../kith/judge.js';
import { loadSchemaSet, type SchemaSet } from '../kith/schema-set.js';
import { validateDocument, type ValidateOptions } from '../kith/validate.js';
import { DEFAULT_MAX_BYTES } from '../kith/xml-input.js';

/**
 * `epj-gateway validate FILE [--json] [--apprec] [--as-receiver HERID]`: judges one MsgHead or
 * AppRec document on its own. Exit 0 valid, 1 not valid, 2 usage error. Never prints patient data.
 */

const EXIT_OK = 0;
const EXIT_INVALID = 1;
const EXIT_USAGE = 2;

class UsageError extends Error {}

/** KITH_SCHEMA_DIR, KITH_MAX_BYTES and GATEWAY_MODE, read straight from the environment. */
export function kithSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): Omit<ValidateOptions, 'ownHerIds'> {
  const maxRaw = env.KITH_MAX_BYTES?.trim();
  const maxBytes = maxRaw ? Number(maxRaw) : DEFAULT_MAX_BYTES;
  if (!Number.isInteger(maxBytes) || maxBytes <= 0) throw new UsageError(`KITH_MAX_BYTES must be a positive whole number of bytes (got "${maxRaw}").`);
  const mode = env.GATEWAY_MODE?.trim() || 'demo';
  if (mode !== 'demo' && mode !== 'production') throw new UsageError(`GATEWAY_MODE must be demo or production (got "${mode}").`);
  const dir = env.KITH_SCHEMA_DIR?.trim();
  let schemas: SchemaSet | undefined;
  if (dir) {
    try {
      schemas = loadSchemaSet(dir);
    } catch (err) {
      throw new UsageError(isGatewayError(err) ? err.message : `KITH_SCHEMA_DIR: ${String(err)}`);
    }
  }
  return { maxBytes, allowSyntheticIds: mode !== 'production', ...(schemas ? { schemas } : {}) };
}

interface ValidateFlags {
  json?: boolean;
  apprec?: boolean;
  asReceiver?: string;
}

function run(file: string, flags: ValidateFlags): number {
  if (flags.asReceiver !== undefined && !isHerId(flags.asReceiver)) throw new UsageError(`--as-receiver needs a HER-id (got "${flags.asReceiver}").`);
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const settings = kithSettingsFromEnv();
  const result = validateDocument(bytes, { ...settings, ...(flags.asReceiver ? { ownHerIds: [flags.asReceiver] } : {}) });
  const { report } = result;
  if (flags.apprec && report.document === 'AppRec') throw new UsageError('an AppRec is never answered with an AppRec.');
  const appRecXml = flags.apprec ? buildAppRecFor(judgementOf(result), flags.asReceiver ? { fallbackSender: { herId: flags.asReceiver } } : {}) : undefined;
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(appRecXml ? { ...report, appRecXml } : report, null, 2)}\n`);
  } else if (appRecXml) {
    process.stdout.write(appRecXml);
  } else {
    const what = [report.document, report.version, report.msgType, report.service && `${report.service}/${report.action ?? '?'}`].filter(Boolean).join(' ');
    process.stdout.write(`${report.ok ? 'valid' : 'NOT valid'}: ${what || 'unreadable document'} (schema validation: ${report.schemaValidation})\n`);
    for (const ns of report.unvalidated) process.stdout.write(`  unvalidated: ${ns}\n`);
    for (const e of report.errors) process.stdout.write(`  ${e.code}${e.line ? ` line ${e.line}` : ''}: ${e.message}\n`);
  }
  return report.ok ? EXIT_OK : EXIT_INVALID;
}

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('judge one MsgHead or AppRec document: well-formed, schema, codes, MsgId, patient id')
    .argument('<file>', 'the XML document')
    .option('--json', 'print one JSON object with the verdict')
    .option('--apprec', 'print the AppRec the gateway would answer with')
    .option('--as-receiver <herid>', 'also check that this HER-id is the receiver (E21)')
    .action((file: string, flags: ValidateFlags) => {
      try {
        process.exitCode = run(file, flags);
      } catch (err) {
        if (!(err instanceof UsageError)) throw err;
        process.stderr.write(`epj-gateway validate: ${err.message}\n`);
        process.exitCode = EXIT_USAGE;
      }
    });
}
