import type { Command } from 'commander';
import type { FleetRow } from '../http/ops-clinics.js';
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

/** `epj-gateway clinics list|show HERID`: the fleet view of a running gateway, worst first. */
export function registerClinics(program: Command): void {
  const clinics = program.command('clinics').description('the clinics a running gateway serves: their gate, queues and certificates');
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
