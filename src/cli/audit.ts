import type { Command } from 'commander';
import { addOpsTargetOptions, opsRequest, opsTarget, runOps } from './ops-client.js';

/** `epj-gateway audit export --since ISO`: the audit log as JSON lines. */
export function registerAudit(program: Command): void {
  const audit = program.command('audit').description('the audit log of a running gateway');
  addOpsTargetOptions(
    audit.command('export').description('print audit entries as JSON lines, oldest first').option('--since <iso>', 'from this time on (ISO 8601)'),
  ).action((opts: { url?: string; token?: string; since?: string }) =>
    runOps(async () => {
      const target = opsTarget(opts);
      let after: string | undefined;
      // Pages of 1,000 until the log is exhausted.
      for (;;) {
        const params = new URLSearchParams({ limit: '1000' });
        if (after) params.set('after', after);
        else if (opts.since) params.set('since', opts.since);
        const page = await opsRequest<string>(target, 'GET', `/ops/audit?${params.toString()}`);
        const lines = page.split('\n').filter(Boolean);
        if (lines.length) process.stdout.write(`${lines.join('\n')}\n`);
        if (lines.length < 1000) return;
        after = (JSON.parse(lines.at(-1)!) as { id: string }).id;
      }
    }, true),
  );
}
