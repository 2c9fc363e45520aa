import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { MessagePurge, PatientPurge } from '../retention/purge.js';
import { addOpsTargetOptions, opsRequest, opsTarget, runOps } from './ops-client.js';

type Opts = { url?: string; token?: string; clinic?: string; msgId?: string; patient?: string; reason: string; json?: boolean };

const line = (m: MessagePurge) =>
  `${m.found ? 'purged' : 'nothing found for'} ${m.msgId}: ${m.jobs.length} job(s)${m.cancelled.length ? ` (cancelled, not sent: ${m.cancelled.join(', ')})` : ''}, ${m.redisEntries} Redis entr${m.redisEntries === 1 ? 'y' : 'ies'}, ${m.files.length} file(s)\n`;

/**
 * `epj-gateway purge --msg-id ID --reason …` and `purge --patient ID --reason …`: removes a message,
 * or every message of one patient, from a running gateway (DELETE /ops/messages/{msgId}, DELETE
 * /ops/patients). `--patient -` reads the national id from standard input, out of the shell's history.
 */
export function registerPurge(program: Command): void {
  addOpsTargetOptions(
    program
      .command('purge')
      .description("remove a message, or all of one patient's, everywhere (queues, store, folders); the audit log keeps who, when, why and which MsgId")
      .option('--msg-id <msgId>', 'the message to purge')
      .option('--patient <nationalId>', "the patient whose messages to purge (FNR/DNR/HNR; '-' reads it from standard input); never stored")
      .requiredOption('--reason <text>', 'why, for the audit log (e.g. "the patient has died", "consent withdrawn")')
      .option('--json', 'print JSON'),
  ).action((opts: Opts) =>
    runOps(async () => {
      if (Boolean(opts.msgId) === Boolean(opts.patient)) {
        process.stderr.write('epj-gateway purge: give exactly one of --msg-id and --patient\n');
        process.exitCode = 2;
        return;
      }
      const target = opsTarget(opts);
      if (opts.msgId) {
        const { purged } = await opsRequest<{ purged: MessagePurge }>(target, 'DELETE', `/ops/messages/${encodeURIComponent(opts.msgId)}`, {
          reason: opts.reason,
        });
        if (opts.json) return void process.stdout.write(`${JSON.stringify({ ok: true, purged })}\n`);
        return void process.stdout.write(line(purged));
      }
      const nationalId = opts.patient === '-' ? readFileSync(0, 'utf8').trim() : opts.patient!;
      const purged = await opsRequest<PatientPurge>(target, 'DELETE', '/ops/patients', { nationalId, reason: opts.reason });
      if (opts.json) return void process.stdout.write(`${JSON.stringify({ ok: true, messages: purged.messages, patientKeys: purged.patientKeys })}\n`);
      process.stdout.write(`purged ${purged.messages.length} message(s) of the patient\n`);
      for (const m of purged.messages) process.stdout.write(`  ${line(m)}`);
    }, Boolean(opts.json)),
  );
}
