import type { Command } from 'commander';
import { ChainCheck, type ExportedEntry } from '../audit/audit-chain.js';
import { addOpsTargetOptions, opsRequest, opsTarget, runOps, type OpsTarget } from './ops-client.js';

const PAGE = 1000;

/** Every entry from `since` on, oldest first, page by page as the operations API gives them (1,000 a page). */
async function* auditLines(target: OpsTarget, since: string | undefined): AsyncGenerator<string[]> {
  let after: string | undefined;
  for (;;) {
    const params = new URLSearchParams({ limit: String(PAGE) });
    if (after) params.set('after', after);
    else if (since) params.set('since', since);
    const page = await opsRequest<string>(target, 'GET', `/ops/audit?${params.toString()}`);
    const lines = page.split('\n').filter(Boolean);
    if (lines.length) yield lines;
    if (lines.length < PAGE) return;
    after = (JSON.parse(lines.at(-1)!) as { id: string }).id;
  }
}

/**
 * `epj-gateway audit export --since ISO`: the audit log as JSON lines, each with the clinic and its
 * link of the hash chain. `epj-gateway audit verify`: checks the chain and names the first broken link.
 */
export function registerAudit(program: Command): void {
  const audit = program.command('audit').description('the audit log of a running gateway');
  addOpsTargetOptions(
    audit.command('export').description('print audit entries as JSON lines, oldest first').option('--since <iso>', 'from this time on (ISO 8601)'),
  ).action((opts: { url?: string; token?: string; clinic?: string; since?: string }) =>
    runOps(async () => {
      for await (const lines of auditLines(opsTarget(opts), opts.since)) process.stdout.write(`${lines.join('\n')}\n`);
    }, true),
  );

  addOpsTargetOptions(
    audit
      .command('verify')
      .description("check the audit log's hash chain; exit 1 naming the first broken link")
      .option('--since <iso>', 'from this time on (ISO 8601); the first entry is then taken on trust')
      .option('--json', 'print JSON'),
  ).action((opts: { url?: string; token?: string; clinic?: string; since?: string; json?: boolean }) =>
    runOps(async () => {
      const target = opsTarget(opts);
      const check = new ChainCheck();
      let intact = true;
      for await (const lines of auditLines(target, opts.since)) {
        for (const line of lines) if (!(intact = check.add(JSON.parse(line) as ExportedEntry))) break;
        if (!intact) break;
      }
      const { head, clinic } = await opsRequest<{ head: string; clinic: string }>(target, 'GET', '/ops/audit/head');
      const report = check.finish(head);
      if (!report.ok) process.exitCode = 1;
      if (opts.json) return void process.stdout.write(`${JSON.stringify({ clinic, ...report })}\n`);
      if (report.ok)
        return void process.stdout.write(
          `audit chain of clinic ${clinic} intact: ${report.checked} entries${report.first ? ` (${report.first} … ${report.last})` : ''}${report.unchained ? `, ${report.unchained} older entries before the chain began` : ''}\n`,
        );
      const b = report.brokenAt!;
      process.stdout.write(`audit chain of clinic ${clinic} BROKEN at entry ${b.id} (${b.at}, ${b.action}): ${b.message} [${b.reason}]\n`);
    }, Boolean(opts.json)),
  );
}
