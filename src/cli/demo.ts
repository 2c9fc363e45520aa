import type { Command } from 'commander';
import { addOpsTargetOptions, opsRequest, opsTarget, runOps } from './ops-client.js';

type Opts = { url?: string; token?: string; clinic?: string; json?: boolean };
type GateView = { gateway: { state: string; reasons: { code: string; message: string }[] } };

/** `epj-gateway demo expire-certificate|restore-certificate`: the demo's certificate switch, against the running gateway. */
export function registerDemo(program: Command): void {
  const demo = program.command('demo').description('demo mode only: make the clinic certificate expire, or put it back');
  for (const [name, path, words] of [
    ['expire-certificate', '/ops/demo/expire-certificate', 'swap in the expired sample signing certificate; the gate closes'],
    ['restore-certificate', '/ops/demo/restore-certificate', 'put the valid sample certificate back; the gate opens and queued messages flow'],
  ] as const) {
    addOpsTargetOptions(demo.command(name).description(words).option('--json', 'print JSON')).action((opts: Opts) =>
      runOps(async () => {
        const view = await opsRequest<GateView & { ok: boolean }>(opsTarget(opts), 'POST', path);
        if (opts.json) return void process.stdout.write(`${JSON.stringify(view)}\n`);
        process.stdout.write(`gateway: ${view.gateway.state}\n`);
        for (const r of view.gateway.reasons) process.stdout.write(`  ${r.code}: ${r.message}\n`);
      }, Boolean(opts.json)),
    );
  }
}
