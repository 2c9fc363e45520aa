import { Command, CommanderError } from 'commander';
import { registerServe } from './serve.js';
import { registerValidate } from './validate.js';
import { registerTrust } from './trust.js';
import { registerCert } from './cert.js';
import { registerSimulator } from './simulator.js';
import { registerDlq } from './dlq.js';
import { registerAudit } from './audit.js';
import { registerDemo } from './demo.js';
import { registerAr } from './ar.js';
import { registerClinics } from './clinics.js';
import { registerCommtest } from './commtest.js';
import { registerPurge } from './purge.js';
import { registerOperators } from './operators.js';

/** Exit codes shared by every command: 0 done/valid, 1 the thing checked is not valid, 2 usage error. */
export const EXIT_OK = 0;
export const EXIT_INVALID = 1;
export const EXIT_USAGE = 2;

export function buildProgram(): Command {
  const program = new Command()
    .name('epj-gateway')
    .description('Carries the Helsenorge citizen services between a GP office EPJ and Norsk helsenett')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  registerServe(program);
  registerValidate(program);
  registerTrust(program);
  registerCert(program);
  registerSimulator(program);
  registerDlq(program);
  registerAudit(program);
  registerDemo(program);
  registerAr(program);
  registerClinics(program);
  registerCommtest(program);
  registerPurge(program);
  registerOperators(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here with exitCode 0; usage errors with a non-zero one.
      process.exitCode = err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
      return;
    }
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = EXIT_USAGE;
  }
}
