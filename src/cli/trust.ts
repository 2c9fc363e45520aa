import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { GatewayError, isGatewayError } from '../errors.js';
import { readCertificate, readPrivateKey } from '../trust/clinic-keys.js';
import { appRecCodeOf, CmsEnvelope, type SignerCheck } from '../trust/cms-envelope.js';

/**
 * `epj-gateway cms protect|unprotect`: the gateway's message protection on files (DER in and out),
 * for integration testers who need to build or open a message by hand. Exit 0 done, 1 the message
 * could not be opened (the AppRec code first on stderr), 2 usage error.
 */

class UsageError extends Error {}

function readInput(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new UsageError(`cannot read ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

/** The trust layer's readers, with an unreadable file as a usage error (exit 2). */
function asUsage<T>(read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (isGatewayError(err)) throw new UsageError(err.message);
    throw err;
  }
}

const loadCertificateFile = (file: string) => asUsage(() => readCertificate(file));
const loadPrivateKeyFile = (file: string) => asUsage(() => readPrivateKey(file));

function writeOutput(bytes: Buffer, out: string | undefined): void {
  if (out) writeFileSync(out, bytes);
  else process.stdout.write(bytes);
}

/** The date checks the gateway always makes of a signer; chain and revocation need the trust store. */
const signerDates: SignerCheck = (signer) => {
  const now = Date.now();
  if (Date.parse(signer.validTo) < now) throw new GatewayError('CERT_INVALID', '(expired)', { errors: ['expired'] });
  if (Date.parse(signer.validFrom) > now) throw new GatewayError('CERT_INVALID', '(not-yet-valid)', { errors: ['not-yet-valid'] });
};

interface ProtectFlags {
  signerCert: string;
  signerKey: string;
  recipientCert: string;
  out?: string;
}

function protect(input: string, flags: ProtectFlags): number {
  const content = readInput(input, 'input');
  const envelope = new CmsEnvelope({
    signing: { certificate: loadCertificateFile(flags.signerCert), key: loadPrivateKeyFile(flags.signerKey) },
    decryption: [],
    rejectWeakCiphers: true,
  });
  writeOutput(envelope.seal(content, loadCertificateFile(flags.recipientCert)), flags.out);
  return 0;
}

interface UnprotectFlags {
  recipientCert: string;
  recipientKey: string;
  previousCert?: string;
  previousKey?: string;
  signerCert: string;
  out?: string;
  json?: boolean;
  allow3des?: boolean;
}

async function unprotect(input: string, flags: UnprotectFlags): Promise<number> {
  if ((flags.previousCert === undefined) !== (flags.previousKey === undefined)) throw new UsageError('--previous-cert and --previous-key go together');
  const message = readInput(input, 'input');
  const decryption = [{ certificate: loadCertificateFile(flags.recipientCert), key: loadPrivateKeyFile(flags.recipientKey) }];
  if (flags.previousCert && flags.previousKey)
    decryption.push({ certificate: loadCertificateFile(flags.previousCert), key: loadPrivateKeyFile(flags.previousKey) });
  const signer = loadCertificateFile(flags.signerCert);
  const envelope = new CmsEnvelope({ signing: { certificate: signer, key: decryption[0]!.key }, decryption, rejectWeakCiphers: !flags.allow3des }, signerDates);
  try {
    const opened = await envelope.open(message, signer);
    if (flags.out || !flags.json) writeOutput(opened.content, flags.out);
    if (flags.json) {
      const report = {
        status: 'ok',
        bytes: opened.content.length,
        signer: { subject: opened.signer.subject, serial: opened.signer.serialNumber },
        signingTime: opened.signingTime?.toISOString() ?? null,
        decryptedWith: opened.keyIndex === 0 ? 'current' : 'previous',
      };
      process.stdout.write(`${JSON.stringify(report)}\n`);
    }
    return 0;
  } catch (err) {
    const appRec = appRecCodeOf(err);
    const code = isGatewayError(err) ? err.code : 'CMS_MALFORMED';
    const message = err instanceof Error ? err.message : String(err);
    if (flags.json) process.stdout.write(`${JSON.stringify({ status: 'error', appRec, code, message })}\n`);
    process.stderr.write(`${appRec} ${code}: ${message}\n`);
    return 1;
  }
}

function exitWith(action: () => number | Promise<number>): () => Promise<void> {
  return async () => {
    try {
      process.exitCode = await action();
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      process.stderr.write(`${err.message}\n`);
      process.exitCode = 2;
    }
  };
}

export function registerTrust(program: Command): void {
  const cms = program.command('cms').description('sign-then-encrypt (CMS) on files, as the gateway does for messages');
  cms
    .command('protect')
    .description('sign IN with the signer key, then encrypt it to the recipient certificate (DER out)')
    .argument('<in>', 'the content to protect')
    .requiredOption('--signer-cert <file>', 'signing certificate (PEM or DER)')
    .requiredOption('--signer-key <file>', 'its private key')
    .requiredOption('--recipient-cert <file>', "the receiver's encryption certificate")
    .option('--out <file>', 'write here instead of stdout')
    .action((input: string, flags: ProtectFlags) => exitWith(() => protect(input, flags))());
  cms
    .command('unprotect')
    .description('decrypt IN (DER) with our key, then verify its signature against the signer certificate')
    .argument('<in>', 'the protected message (DER)')
    .requiredOption('--recipient-cert <file>', 'our encryption certificate')
    .requiredOption('--recipient-key <file>', 'its private key')
    .option('--previous-cert <file>', 'the previous encryption certificate, during a rollover')
    .option('--previous-key <file>', 'its private key')
    .requiredOption('--signer-cert <file>', "the sender's signing certificate (from the address register)")
    .option('--out <file>', 'write the content here instead of stdout')
    .option('--json', 'print a JSON report instead of the content (the content goes to --out when given)')
    .option('--allow-3des', 'accept DES/3DES content encryption (refused by default)')
    .action((input: string, flags: UnprotectFlags) => exitWith(() => unprotect(input, flags))());
}
