import type { Command } from 'commander';
import type { RolloverState, RolloverStep } from '../gate/certificate-rollover.js';
import { addOpsTargetOptions, opsRequest, opsTarget, runOps, OpsRequestError } from './ops-client.js';

/**
 * `epj-gateway cert rollover --clinic HERID`: guides the operations provider through a certificate
 * rollover against the running gateway. Without an action it shows the state (what is installed,
 * what the address register publishes, the step left); `--install` installs the next pairs,
 * `--switch` puts them in use, `--retire` makes them the current ones. Each action is audited.
 */

interface RolloverOpts {
  url?: string;
  token?: string;
  clinic?: string;
  json?: boolean;
  install?: boolean;
  switch?: boolean;
  retire?: boolean;
  signingCert?: string;
  signingKey?: string;
  signingP12?: string;
  encryptionCert?: string;
  encryptionKey?: string;
  encryptionP12?: string;
  p12Password?: string;
  helseidKey?: string;
}

const STEP_WORDS: Record<RolloverStep, string> = {
  'install-next': 'install the next certificates and keys (--install)',
  'publish-next': 'upload the next certificates to the address register (NHN), for each role with a next pair',
  switch: 'switch to the next certificates (--switch)',
  'retire-current': 'retire the old certificates (--retire)',
};

/** A pair as the clinics file takes it: PEM files or a PKCS#12 file. */
function pairOf(cert: string | undefined, key: string | undefined, p12: string | undefined, password: string | undefined, role: string) {
  if (p12) return { p12, ...(password !== undefined ? { password } : {}) };
  if (cert && key) return { cert, key };
  if (cert || key) throw new OpsRequestError(0, 'USAGE', `--${role}-cert and --${role}-key go together`);
  return undefined;
}

function printState(s: RolloverState): void {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(`Certificate rollover for clinic ${s.clinic}: ${s.phase === 'none' ? 'none in progress' : s.phase}`);
  for (const role of ['signing', 'encryption'] as const) {
    const { current, next } = s.installed[role];
    const cert = (c: typeof current) => (c ? `serial ${c.serial} until ${c.notAfter.slice(0, 10)}${c.faults.length ? ` (${c.faults.join(', ')})` : ''}` : '—');
    out(`  ${role.padEnd(10)} current ${cert(current)}; next ${cert(next)}; the address register publishes: ${s.addressRegister[role]}`);
  }
  out(`  outbound is signed with the ${s.signingWith} signing certificate`);
  if (s.switched) out(`  switched ${s.switched.at} by ${s.switched.by}`);
  out(`  steps: ${s.steps.map((step) => `[${step.done ? 'x' : ' '}] ${step.step}`).join('  ')}`);
  out(s.nextStep ? `  step left: ${STEP_WORDS[s.nextStep]}` : '  step left: none (to begin one: --install)');
}

export function registerCertRollover(cert: Command): void {
  addOpsTargetOptions(
    cert
      .command('rollover')
      .description('a certificate rollover for a clinic, step by step: the state (default), --install, --switch, --retire; the gate stays open')
      .option('--install', 'install the next pairs (with --signing-cert/--signing-key and/or --encryption-cert/--encryption-key, or the --*-p12 files)')
      .option('--switch', 'put the next pairs in use (once the address register publishes them)')
      .option('--retire', 'make the next pairs the current ones in the clinics file (after the switch)')
      .option('--signing-cert <file>', 'the next signing certificate (PEM), for --install')
      .option('--signing-key <file>', 'its private key')
      .option('--signing-p12 <file>', 'or the next signing pair as one PKCS#12 file')
      .option('--encryption-cert <file>', 'the next encryption certificate (PEM), for --install')
      .option('--encryption-key <file>', 'its private key')
      .option('--encryption-p12 <file>', 'or the next encryption pair as one PKCS#12 file')
      .option('--p12-password <password>', 'the password of the PKCS#12 files')
      .option('--helseid-key <file>', "the HelseID client's next key, when it has a key of its own")
      .option('--json', 'print the state as one JSON object'),
  ).action((opts: RolloverOpts) =>
    runOps(async () => {
      const target = opsTarget(opts);
      const actions = [opts.install, opts.switch, opts.retire].filter(Boolean).length;
      if (actions > 1) throw new OpsRequestError(0, 'USAGE', 'one of --install, --switch, --retire at a time: they are steps in that order');
      let state: RolloverState;
      if (opts.install) {
        const signing = pairOf(opts.signingCert, opts.signingKey, opts.signingP12, opts.p12Password, 'signing');
        const encryption = pairOf(opts.encryptionCert, opts.encryptionKey, opts.encryptionP12, opts.p12Password, 'encryption');
        if (!signing && !encryption) throw new OpsRequestError(0, 'USAGE', '--install needs the next signing pair, the next encryption pair, or both');
        state = await opsRequest<RolloverState>(target, 'POST', '/ops/certificates/rollover/next', {
          ...(signing ? { signing } : {}),
          ...(encryption ? { encryption } : {}),
          ...(opts.helseidKey ? { helseIdKey: opts.helseidKey } : {}),
        });
      } else if (opts.switch) state = await opsRequest<RolloverState>(target, 'POST', '/ops/certificates/rollover/switch', {});
      else if (opts.retire) state = await opsRequest<RolloverState>(target, 'POST', '/ops/certificates/rollover/retire', {});
      else state = await opsRequest<RolloverState>(target, 'GET', '/ops/certificates/rollover');
      if (opts.json) return void process.stdout.write(`${JSON.stringify(state)}\n`);
      printState(state);
    }, Boolean(opts.json)),
  );
}
