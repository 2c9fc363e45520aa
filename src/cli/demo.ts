import type { Command } from 'commander';
import { addOpsTargetOptions, opsRequest, opsTarget, runOps } from './ops-client.js';

type Opts = { url?: string; token?: string; clinic?: string; json?: boolean };
type GateView = { gateway: { state: string; reasons: { code: string; message: string }[] } };

/** `epj-gateway demo expire-certificate|restore-certificate`: the demo's certificate switch, against the running gateway. */
export function registerDemo(program: Command): void {
  const demo = program.command('demo').description('demo mode only: make the clinic certificate expire, or put it back; roll a certificate over');
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
  addOpsTargetOptions(
    demo
      .command('rollover')
      .description("roll the clinic's encryption certificate over against the AR stand-in while citizen messages flow; the gate must never close")
      .option('--json', 'print one JSON object: {"ok":…,"steps":[…],"gateClosed":…,"messagesLost":…}'),
  ).action((opts: Opts) =>
    runOps(async () => {
      const result = await opsRequest<DemoRollover>(opsTarget(opts), 'POST', '/ops/demo/rollover');
      const { ok, steps, gateClosed, messagesLost } = result;
      if (!ok) process.exitCode = 1;
      if (opts.json) return void process.stdout.write(`${JSON.stringify({ ok, steps, gateClosed, messagesLost })}\n`);
      for (const s of steps) process.stdout.write(`${s.step}: gate ${s.gate}${s.nextStep ? `; step left: ${s.nextStep}` : ''}\n`);
      process.stdout.write(`${ok ? 'ok' : 'FAILED'}: the gate ${gateClosed ? 'closed' : 'never closed'}, ${messagesLost} messages lost\n`);
    }, Boolean(opts.json)),
  );
}

type DemoRollover = { ok: boolean; steps: { step: string; gate: string; nextStep: string | null }[]; gateClosed: boolean; messagesLost: number };
