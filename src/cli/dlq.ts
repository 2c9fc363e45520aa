import type { Command } from 'commander';
import type { DeadLetter } from '../pipeline/dead-letters.js';
import { addOpsTargetOptions, opsRequest, opsTarget, runOps } from './ops-client.js';

type Opts = { url?: string; token?: string; json?: boolean };

/** `epj-gateway dlq list|show|replay`: the dead-letter queue of a running gateway. */
export function registerDlq(program: Command): void {
  const dlq = program.command('dlq').description('list, inspect and replay dead-lettered messages of a running gateway');

  addOpsTargetOptions(dlq.command('list').description('messages that could not be sent, with why').option('--json', 'print JSON')).action((opts: Opts) =>
    runOps(async () => {
      const { deadLetters } = await opsRequest<{ deadLetters: DeadLetter[] }>(opsTarget(opts), 'GET', '/ops/dead-letters');
      if (opts.json) return void process.stdout.write(`${JSON.stringify({ ok: true, deadLetters })}\n`);
      if (deadLetters.length === 0) return void process.stdout.write('no dead letters\n');
      for (const d of deadLetters) process.stdout.write(`${d.msgId}  ${d.service}  ${d.at}  ${d.reason}\n`);
    }, Boolean(opts.json)),
  );

  addOpsTargetOptions(dlq.command('show').argument('<msgId>').description('one dead letter with its attempt history').option('--json', 'print JSON')).action(
    (msgId: string, opts: Opts) =>
      runOps(async () => {
        const shown = await opsRequest<{ deadLetter: DeadLetter; history: { at: string; event: string; outcome: string; reason?: string }[] }>(
          opsTarget(opts),
          'GET',
          `/ops/dead-letters/${encodeURIComponent(msgId)}`,
        );
        if (opts.json) return void process.stdout.write(`${JSON.stringify({ ok: true, ...shown })}\n`);
        process.stdout.write(`${shown.deadLetter.msgId} (${shown.deadLetter.service}): ${shown.deadLetter.reason}\n`);
        for (const h of shown.history) process.stdout.write(`  ${h.at}  ${h.event}  ${h.outcome}${h.reason ? `  ${h.reason}` : ''}\n`);
      }, Boolean(opts.json)),
  );

  addOpsTargetOptions(dlq.command('replay').argument('<msgId>').description('send it again, with the same MsgId').option('--json', 'print JSON')).action(
    (msgId: string, opts: Opts) =>
      runOps(async () => {
        const { replayed } = await opsRequest<{ replayed: DeadLetter }>(opsTarget(opts), 'POST', `/ops/dead-letters/${encodeURIComponent(msgId)}/replay`);
        if (opts.json) return void process.stdout.write(`${JSON.stringify({ ok: true, replayed })}\n`);
        process.stdout.write(`replayed ${replayed.msgId} (${replayed.service})\n`);
      }, Boolean(opts.json)),
  );
}
