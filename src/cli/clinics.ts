import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import yaml from 'js-yaml';
import type { Clinic } from '../clinics/clinic.js';
import { readClinicsFile } from '../clinics/clinics-file.js';
import { redactClinic } from '../clinics/redact-clinic.js';
import { ConfigError, loadConfig } from '../config.js';
import type { FleetRow } from '../http/ops-clinics.js';
import { readCredential, type CredentialSource } from '../trust/credential-source.js';
import { addOpsTargetOptions, opsRequest, opsTarget, runOps } from './ops-client.js';

type Opts = { url?: string; token?: string; json?: boolean };

const pad = (s: string, n: number) => (s.length >= n ? s.slice(0, n) : s + ' '.repeat(n - s.length));

function line(row: FleetRow): string {
  const closed = Object.entries(row.gate.services)
    .filter(([, s]) => s.state !== 'open')
    .map(([service, s]) => `${service} ${s.state}`);
  return [
    pad(row.herId, 10),
    pad(row.name, 32),
    pad(row.gate.state, 8),
    pad(String(row.waiting), 8),
    pad(String(row.deadLetters), 6),
    pad(row.certificateExpiryDays === null ? '—' : String(row.certificateExpiryDays), 6),
    closed.join(', '),
  ].join(' ');
}

/** Reads every credential of each clinic; the faults, one line each. */
function credentialFaults(clinic: Clinic): string[] {
  const faults: string[] = [];
  const { signing, encryption, previousEncryption, next } = clinic.credentials;
  const sources: [string, CredentialSource | undefined][] = [
    ['signing', signing],
    ['encryption', encryption],
    ['previousEncryption', previousEncryption],
    ['next.signing', next?.signing],
    ['next.encryption', next?.encryption],
  ];
  for (const [role, source] of sources) {
    if (!source) continue;
    try {
      readCredential(source);
    } catch (err) {
      faults.push(`certificates.${role}: ${(err as Error).message}`);
    }
  }
  return faults;
}

/** `epj-gateway clinics check [FILE]`: a clinics file validated offline, as the gateway would read it at start. */
function checkFile(file: string | undefined, opts: { json?: boolean }): void {
  let config;
  let clinics: Clinic[];
  try {
    config = loadConfig();
    const path = file ?? config.CLINICS_FILE;
    if (!path) throw new ConfigError('CLINICS_FILE', 'name a clinics file (epj-gateway clinics check FILE, or CLINICS_FILE)');
    clinics = readClinicsFile(path, { ...config, CLINICS_FILE: path });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    if (opts.json) process.stdout.write(`${JSON.stringify({ ok: false, error: err.message })}\n`);
    else process.stderr.write(`epj-gateway clinics check: ${err.message}\n`);
    process.exitCode = 2;
    return;
  }
  const results = clinics.map((c) => ({ clinic: redactClinic(c), faults: credentialFaults(c) }));
  const ok = results.every((r) => r.faults.length === 0);
  if (opts.json) process.stdout.write(`${JSON.stringify({ ok, clinics: results }, null, 2)}\n`);
  else
    for (const { clinic, faults } of results) {
      process.stdout.write(`${clinic.herId} ${clinic.name}: ${faults.length === 0 ? 'ok' : `${faults.length} fault${faults.length === 1 ? '' : 's'}`}\n`);
      for (const f of faults) process.stdout.write(`  ${f}\n`);
    }
  process.exitCode = ok ? 0 : 1;
}

/** `epj-gateway clinics list|show HERID|check [FILE]`: the fleet view of a running gateway, worst first, and a clinics file checked offline. */
export function registerClinics(program: Command): void {
  const clinics = program.command('clinics').description('the clinics a running gateway serves: their gate, queues and certificates');
  clinics
    .command('check')
    .argument('[file]', 'the clinics file (default: CLINICS_FILE)')
    .description(
      'validate a clinics file offline: its schema, conflicts between clinics, every certificate and key (exit 0 ok, 1 a credential unusable, 2 the file invalid)',
    )
    .option('--json', 'print JSON (secrets redacted)')
    .action((file: string | undefined, opts: { json?: boolean }) => checkFile(file, opts));
  addOpsTargetOptions(clinics.command('list').description('one line per clinic, worst first').option('--json', 'print JSON')).action((opts: Opts) =>
    runOps(async () => {
      const rows = await opsRequest<FleetRow[]>(opsTarget(opts), 'GET', '/ops/clinics');
      if (opts.json) return void process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      process.stdout.write(
        `${[pad('HER-id', 10), pad('name', 32), pad('gate', 8), pad('waiting', 8), pad('dead', 6), pad('cert', 6), 'services not open'].join(' ')}\n`,
      );
      for (const row of rows) process.stdout.write(`${line(row)}\n`);
    }, Boolean(opts.json)),
  );
  addOpsTargetOptions(
    clinics
      .command('add')
      .argument('<file>', "a YAML or JSON file with one clinic's entry, as in the clinics file (paths absolute, or relative to the clinics file)")
      .description('serve one more clinic, without a restart: the running gateway checks the entry, adds it to its clinics file and starts it')
      .option('--json', 'print JSON'),
  ).action((file: string, opts: Opts) =>
    runOps(async () => {
      const text = readFileSync(file, 'utf8');
      const entry: unknown = file.endsWith('.json') ? JSON.parse(text) : yaml.load(text, { schema: yaml.CORE_SCHEMA });
      const added = await opsRequest<{ herId: string; name: string }>(opsTarget(opts), 'POST', '/ops/clinics', entry);
      if (opts.json) return void process.stdout.write(`${JSON.stringify(added, null, 2)}\n`);
      process.stdout.write(`added ${added.herId} ${added.name}\n`);
    }, Boolean(opts.json)),
  );
  addOpsTargetOptions(
    clinics
      .command('remove')
      .argument('<herId>', "the clinic's HER-id")
      .description('stop serving a clinic, without a restart; refused while it has work in flight unless --force (its unsent answers go to its dead letters)')
      .option('--force', 'move its unsent answers to the dead letters instead of waiting for them')
      .option('--json', 'print JSON'),
  ).action((herId: string, opts: Opts & { force?: boolean }) =>
    runOps(async () => {
      const result = await opsRequest<{ movedToDeadLetters: number }>(
        opsTarget(opts),
        'DELETE',
        `/ops/clinics/${encodeURIComponent(herId)}${opts.force ? '?force=true' : ''}`,
      );
      if (opts.json) return void process.stdout.write(`${JSON.stringify(result)}\n`);
      process.stdout.write(`removed ${herId}${result.movedToDeadLetters ? `; ${result.movedToDeadLetters} unsent answers moved to its dead letters` : ''}\n`);
    }, Boolean(opts.json)),
  );
  addOpsTargetOptions(
    clinics
      .command('show')
      .argument('<herId>', "the clinic's HER-id")
      .description('one clinic: gate with every reason, queues, certificates, polls')
      .option('--json', 'print JSON'),
  ).action((herId: string, opts: Opts) =>
    runOps(async () => {
      const row = await opsRequest<FleetRow>(opsTarget(opts), 'GET', `/ops/clinics/${encodeURIComponent(herId)}`);
      if (opts.json) return void process.stdout.write(`${JSON.stringify(row, null, 2)}\n`);
      process.stdout.write(`${row.name} (HER-id ${row.herId}, org ${row.orgNumber}): ${row.gate.state}\n`);
      for (const [service, s] of Object.entries(row.gate.services)) {
        process.stdout.write(`  ${service}: ${s.state}\n`);
        for (const r of s.reasons) process.stdout.write(`    ${r.code}: ${r.message}\n`);
      }
      process.stdout.write(`  waiting ${row.waiting}, dead letters ${row.deadLetters}, AppRecs missing ${row.appRecsMissing}\n`);
      process.stdout.write(`  nearest certificate expiry: ${row.certificateExpiryDays === null ? 'unknown' : `${row.certificateExpiryDays} days`}\n`);
      process.stdout.write(`  last successful poll: ${row.lastSuccessfulPoll ?? 'not yet'}\n`);
    }, Boolean(opts.json)),
  );
}
