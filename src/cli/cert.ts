import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { registerCertRollover } from './cert-rollover.js';
import { ConfigError, loadConfig } from '../config.js';
import { isGatewayError } from '../errors.js';
import { validateCertificate, type CertificateValidation } from '../trust/certificate-validation.js';
import { parseCertificate, type CertificateRole, type EnterpriseCertificate } from '../trust/enterprise-certificate.js';
import type { RevocationState } from '../trust/revocation.js';
import { trustFromConfig } from '../trust/trust-from-config.js';

/**
 * `epj-gateway cert inspect FILE [--json] [--role signing|encryption] [--org ORGNR]`: reads one
 * enterprise certificate (PEM or DER) and judges it as the gateway would, with the trust store and
 * revocation settings in force (TRUST_CA_FILES, REVOCATION_HTTP_PROXY, …). Exit 0 valid for the role
 * asked, 1 not valid, 2 usage error.
 */

const EXIT_OK = 0;
const EXIT_INVALID = 1;
const EXIT_USAGE = 2;

class UsageError extends Error {}

interface InspectFlags {
  json?: boolean;
  role?: string;
  org?: string;
}

/** The printed contract: these keys, in this order. */
export interface CertificateReport {
  profile: 'SEID1' | 'SEID2' | null;
  orgNumber: string | null;
  orgName: string | null;
  issuer: string | null;
  serial: string | null;
  notBefore: string | null;
  notAfter: string | null;
  keyUsage: string[];
  role: CertificateRole | null;
  status: 'valid' | 'invalid';
  errors: string[];
  expiresInDays: number;
}

export function reportOf(cert: EnterpriseCertificate | null, result: Pick<CertificateValidation, 'status' | 'errors' | 'expiresInDays'>): CertificateReport {
  return {
    profile: cert?.profile ?? null,
    orgNumber: cert?.orgNumber ?? null,
    orgName: cert?.orgName ?? null,
    issuer: cert?.issuer ?? null,
    serial: cert?.serial ?? null,
    notBefore: cert?.notBefore.toISOString() ?? null,
    notAfter: cert?.notAfter.toISOString() ?? null,
    keyUsage: cert?.keyUsage ?? [],
    role: cert?.role ?? null,
    status: result.status,
    errors: result.errors,
    expiresInDays: result.expiresInDays,
  };
}

async function inspect(file: string, flags: InspectFlags): Promise<number> {
  if (flags.role !== undefined && flags.role !== 'signing' && flags.role !== 'encryption')
    throw new UsageError(`--role is signing or encryption (got "${flags.role}").`);
  if (flags.org !== undefined && !/^\d{9}$/.test(flags.org)) throw new UsageError(`--org needs a nine-digit organisation number (got "${flags.org}").`);
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
  const trust = trustFromConfig(config);

  let bytes: Buffer | null = null;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const cert = bytes ? parseCertificate(bytes, { policyOids: trust.policyOids }) : null;
  const result = await validateCertificate(cert, {
    role: flags.role,
    expectedOrgNumber: flags.org,
    trustStore: trust.trustStore,
    revocation: trust.revocation,
  });
  const report = reportOf(cert, result);
  if (flags.json) process.stdout.write(`${JSON.stringify(report)}\n`);
  else process.stdout.write(summary(file, report, result));
  return report.status === 'valid' ? EXIT_OK : EXIT_INVALID;
}

const REVOCATION_WORDS: Record<RevocationState, string> = {
  good: 'not revoked',
  revoked: 'REVOKED',
  unavailable: 'not known: the CA could not be reached; inside the soft-fail window this is no fault',
  unknown: 'not known past the soft-fail window',
};

function summary(file: string, r: CertificateReport, result: CertificateValidation): string {
  const lines = [`${r.status === 'valid' ? 'valid' : 'NOT valid'}: ${file}${r.errors.length ? ` (${r.errors.join(', ')})` : ''}`];
  if (r.serial) {
    lines.push(
      `  organisation: ${r.orgName ?? '?'} (${r.orgNumber ?? 'no organisation number'})`,
      `  profile:      ${r.profile ?? 'not an enterprise certificate'}`,
      `  role:         ${r.role ?? 'none'} (key usage: ${r.keyUsage.join(', ') || 'none'})`,
      `  issuer:       ${r.issuer}`,
      `  serial:       ${r.serial}`,
      `  valid:        ${r.notBefore} .. ${r.notAfter} (${r.expiresInDays} days left)`,
    );
  }
  if (result.chainProblem) lines.push(`  chain:        ${result.chainProblem}`);
  const rev = result.revocation;
  if (rev)
    lines.push(`  revocation:   ${REVOCATION_WORDS[rev.state]}${rev.source ? ` (${rev.source})` : ''}${rev.problem ? `\n                ${rev.problem}` : ''}`);
  return `${lines.join('\n')}\n`;
}

export function registerCert(program: Command): void {
  const cert = program.command('cert').description('enterprise certificates (virksomhetssertifikat)');
  registerCertRollover(cert);
  cert
    .command('inspect')
    .description('read one certificate (PEM or DER) and judge it: profile, organisation, role, validity, chain, revocation')
    .argument('<file>', 'the certificate file')
    .option('--json', 'print one JSON object')
    .option('--role <role>', 'the use to judge it for: signing or encryption (default: what its key usage says)')
    .option('--org <orgnr>', 'the organisation number it must belong to')
    .action(async (file: string, flags: InspectFlags) => {
      try {
        process.exitCode = await inspect(file, flags);
      } catch (err) {
        if (err instanceof UsageError) {
          process.stderr.write(`epj-gateway cert inspect: ${err.message}\n`);
          process.exitCode = EXIT_USAGE;
        } else if (isGatewayError(err)) {
          process.stderr.write(`epj-gateway cert inspect: ${err.code}: ${err.message}\n`);
          process.exitCode = EXIT_INVALID;
        } else throw err;
      }
    });
}
