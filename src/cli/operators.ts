import type { Command } from 'commander';
import { newOperatorToken, tokenSha256 } from '../operators/operator-accounts.js';
import type { OperatorView } from '../operators/operator-directory.js';
import { ROLES } from '../operators/roles.js';
import { addOpsTargetOptions, opsRequest, opsTarget, runOps } from './ops-client.js';

type Opts = { url?: string; token?: string; json?: boolean };
const print = (value: unknown): void => void process.stdout.write(`${JSON.stringify(value)}\n`);

/**
 * `epj-gateway operators`: the named operator accounts. `token` makes a token and the hash the
 * operators file keeps (offline); `list`, `add`, `remove` act on a running gateway (admin only).
 */
export function registerOperators(program: Command): void {
  const operators = program.command('operators').description('operator accounts: a token for the operators file, or accounts of a running gateway');

  operators
    .command('token')
    .description('make a new operator token and print it with the tokenSha256 line for OPERATORS_FILE')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) => {
      const token = newOperatorToken();
      if (opts.json) return print({ token, tokenSha256: tokenSha256(token) });
      process.stdout.write(
        `token (give it to the operator, keep it nowhere else): ${token}\ntokenSha256 (for the operators file):             ${tokenSha256(token)}\n`,
      );
    });

  addOpsTargetOptions(operators.command('list').description('the accounts (never their tokens)').option('--json', 'print JSON')).action((opts: Opts) =>
    runOps(async () => {
      const list = await opsRequest<OperatorView[]>(opsTarget(opts), 'GET', '/ops/operators');
      if (opts.json) return print(list);
      for (const a of list) process.stdout.write(`${a.name.padEnd(24)} ${a.role.padEnd(8)} ${a.source}${a.createdBy ? ` (by ${a.createdBy})` : ''}\n`);
    }, Boolean(opts.json)),
  );

  addOpsTargetOptions(
    operators
      .command('add <name>')
      .description('make an account on the running gateway; its token is printed once')
      .requiredOption('--role <role>', ROLES.join(' | '))
      .option('--json', 'print JSON'),
  ).action((name: string, opts: Opts & { role: string }) =>
    runOps(async () => {
      const made = await opsRequest<{ account: OperatorView; token: string }>(opsTarget(opts), 'POST', '/ops/operators', { name, role: opts.role });
      if (opts.json) return print({ ...made.account, token: made.token });
      process.stdout.write(`${made.account.name} (${made.account.role}); token, shown this once: ${made.token}\n`);
    }, Boolean(opts.json)),
  );

  addOpsTargetOptions(operators.command('remove <name>').description('remove an account made through the API').option('--json', 'print JSON')).action(
    (name: string, opts: Opts) =>
      runOps(async () => {
        const result = await opsRequest<unknown>(opsTarget(opts), 'DELETE', `/ops/operators/${encodeURIComponent(name)}`);
        if (opts.json) return print(result);
        process.stdout.write(`${name} removed\n`);
      }, Boolean(opts.json)),
  );
}
