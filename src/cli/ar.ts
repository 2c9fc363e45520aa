import { X509Certificate } from 'node:crypto';
import type { Command } from 'commander';
import axios from 'axios';
import { ConfigError, helseIdTokenUrlOf, loadConfig, type Config } from '../config.js';
import { isGatewayError } from '../errors.js';
import { namingThePort } from '../infra/listen.js';
import type { AddressRegister, RegisterCertificate } from '../ports/address-register.js';
import { uncached } from '../registry/cached-register.js';
import { addressRegisterAdapter, ownEntryAuditor } from '../registry/register-from-config.js';
import { DpopKey } from '../../adapters/transport/dpop.js';
import { HelseIdClient, loadClinicCredentials } from '../../adapters/transport/helseid.js';

/**
 * `epj-gateway ar check` audits the clinic's own address-register entry (exit 0 clean, 1 faults);
 * `ar lookup HERID` shows one entry as the gateway reads it. Both ask AR directly, without the
 * cache. In demo mode without AR_URL they use the running demo's stand-in (AR_STAND_IN_PORT), or
 * start one of their own when none answers.
 */

const EXIT_OK = 0;
const EXIT_INVALID = 1;
const EXIT_USAGE = 2;

/** The stand-in of a running demo, if one answers on its port. */
async function runningStandIn(port: number): Promise<{ soapUrl: string; restUrl: string } | undefined> {
  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    const res = await axios.get(`${baseUrl}/stand-in/entries`, { timeout: 1_000, validateStatus: () => true });
    return res.status === 200 ? { restUrl: baseUrl, soapUrl: `${baseUrl}/v1/AR/Basic` } : undefined;
  } catch {
    return undefined;
  }
}

async function withRegister<T>(config: Config, use: (register: AddressRegister) => Promise<T>): Promise<T> {
  if (config.AR_URL) return use(addressRegisterAdapter(config, config.AR_API === 'rest' ? helseIdFor(config) : {}));
  if (config.GATEWAY_MODE === 'production') throw new ConfigError('AR_URL', "production mode needs NHN's address register URL");
  const running = await runningStandIn(config.AR_STAND_IN_PORT);
  // the demo's stand-in is loaded only here, so the command works where the demo is not installed
  const own = running ? undefined : await (await import('../../demo/ar-stand-in/stand-in-server.js')).startArStandIn({ port: 0 });
  try {
    return await use(addressRegisterAdapter(config, { address: running ?? { soapUrl: own!.url, restUrl: own!.baseUrl } }));
  } finally {
    await own?.close();
  }
}

/** The clinic's HelseID client for NHN's REST register (AR_API=rest): DPoP-bound tokens for AR_HELSEID_SCOPE. */
function helseIdFor(config: Config): { accessToken: () => Promise<string>; dpop: DpopKey } {
  const tokenUrl = helseIdTokenUrlOf(config);
  if (!tokenUrl) throw new ConfigError('HELSEID_TOKEN_URL', 'the REST address register needs the HelseID token endpoint');
  const dpop = DpopKey.generate();
  const client = new HelseIdClient({
    ...loadClinicCredentials(config.CLINIC_SIGNING_CERT, config.CLINIC_SIGNING_KEY),
    tokenUrl,
    clientId: config.HELSEID_CLIENT_ID,
    scope: config.AR_HELSEID_SCOPE,
    dpop,
    timeoutMs: config.AR_TIMEOUT_MS,
  });
  return { accessToken: () => client.accessToken(), dpop };
}

async function check(flags: { json?: boolean }): Promise<number> {
  const config = loadConfig();
  const audit = await withRegister(config, (register) => ownEntryAuditor(config, uncached(register))());
  const faults = audit.faults.map((f) => ({ code: f.code, severity: f.severity, message: f.message, ...(f.service ? { service: f.service } : {}) }));
  if (audit.source === 'unavailable' && faults.length === 0)
    faults.push({
      code: 'ar-unreachable',
      severity: 'closed',
      message: "The address register could not be reached, so the clinic's entry was not checked. Check AR_URL and the network.",
    });
  if (flags.json) process.stdout.write(`${JSON.stringify({ herId: audit.herId, source: audit.source, faults }, null, 2)}\n`);
  else {
    const head = `Address-register entry of HER-id ${audit.herId} (${audit.source})`;
    if (faults.length === 0) process.stdout.write(`${head}: clean\n`);
    else {
      process.stdout.write(`${head}: ${faults.length} fault${faults.length === 1 ? '' : 's'}\n`);
      for (const f of faults) process.stdout.write(`  ${f.severity.padEnd(8)} ${f.code}\n           ${f.message}\n`);
    }
  }
  return faults.length === 0 ? EXIT_OK : EXIT_INVALID;
}

function describeCertificate(c: RegisterCertificate | undefined): Record<string, string> | null {
  if (!c) return null;
  const x = new X509Certificate(c.pem);
  return {
    subject: x.subject.replace(/\n/g, ', '),
    validFrom: x.validFrom,
    validTo: x.validTo,
    fingerprint256: x.fingerprint256,
    ...(c.ldapUrl ? { ldapUrl: c.ldapUrl } : {}),
  };
}

async function lookup(herId: string, flags: { json?: boolean }): Promise<number> {
  if (!/^\d{1,9}$/.test(herId)) throw new ConfigError('HERID', 'a HER-id of digits');
  const config = loadConfig();
  const entry = await withRegister(config, async (register) => {
    const party = await register.getCommunicationPartyDetails(herId);
    const organization = party.type === 'Organization' ? await register.getOrganizationDetails(herId) : undefined;
    const certificates = {
      encryption: describeCertificate(await register.getCertificateForEncryption(herId)),
      signing: describeCertificate(await register.getCertificateForValidatingSignature(herId)),
    };
    return { party: organization ?? party, organization, certificates };
  });
  if (flags.json) process.stdout.write(`${JSON.stringify({ ...entry.party, certificates: entry.certificates }, null, 2)}\n`);
  else {
    const { party: p0, organization: org } = entry;
    process.stdout.write(`${p0.herId} ${p0.name} (${p0.type}; ${p0.active ? 'active' : 'inactive'}, ${p0.isValid ? 'valid' : 'not valid'})\n`);
    if (p0.parentHerId) process.stdout.write(`  under ${p0.parentHerId} ${p0.parentName ?? ''} (org ${p0.parentOrganizationNumber ?? '-'})\n`);
    if (org) {
      process.stdout.write(`  organisation number ${org.organizationNumber ?? '(none)'}\n`);
      for (const p of org.people) process.stdout.write(`  person  ${p.herId} ${p.title ?? ''}${p.active ? '' : ' (inactive)'}\n`);
      for (const s of org.services) process.stdout.write(`  service ${s.herId} ${s.code?.value ?? '(no code)'} ${s.name}${s.active ? '' : ' (inactive)'}\n`);
    }
    for (const a of p0.electronicAddresses) process.stdout.write(`  address ${a.type} ${a.address}\n`);
    for (const [use, c] of Object.entries(entry.certificates))
      process.stdout.write(`  ${use} certificate: ${c ? `${c.subject}, valid to ${c.validTo}` : '(none)'}\n`);
  }
  return EXIT_OK;
}

function run(name: string, work: () => Promise<number>): Promise<void> {
  return work().then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      if (err instanceof ConfigError) {
        process.stderr.write(`epj-gateway ar ${name}: ${err.message}\n`);
        process.exitCode = EXIT_USAGE;
      } else if (isGatewayError(err)) {
        process.stderr.write(`epj-gateway ar ${name}: ${err.code}: ${err.message}\n`);
        process.exitCode = EXIT_INVALID;
      } else throw err;
    },
  );
}

/** Runs the stand-in until SIGINT/SIGTERM, for integration testers (and a demo on another host). */
async function serveStandIn(flags: { port: string; host: string; file?: string; username?: string; password?: string }): Promise<void> {
  const port = Number(flags.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError('--port', 'a port number');
  const { startArStandIn } = await import('../../demo/ar-stand-in/stand-in-server.js');
  const standIn = await namingThePort('--port', port, flags.host, () =>
    startArStandIn({
      port,
      host: flags.host,
      ...(flags.file ? { file: flags.file } : {}),
      ...(flags.username ? { credentials: { username: flags.username, password: flags.password ?? '' } } : {}),
    }),
  );
  process.stdout.write(`AR stand-in: SOAP at ${standIn.url}, REST and /stand-in/… at ${standIn.baseUrl}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await standIn.close();
}

export function registerAr(program: Command): void {
  const ar = program.command('ar').description("the address register (Adresseregisteret): the clinic's own entry, and lookups");
  ar.command('check')
    .description("audit the clinic's own entry: every fault with its fix; exit 0 when clean, 1 otherwise")
    .option('--json', 'print {"herId", "source", "faults": [{code, severity, message}]}')
    .action((flags: { json?: boolean }) => run('check', () => check(flags)));
  ar.command('lookup')
    .description('show one communication party as the gateway reads it (details, organisation, certificates)')
    .argument('<herid>', 'the HER-id')
    .option('--json', 'print the entry as JSON')
    .action((herId: string, flags: { json?: boolean }) => run('lookup', () => lookup(herId, flags)));
  ar.command('stand-in')
    .description('run the AR stand-in: the SOAP operations and REST API from a JSON register, changeable under /stand-in/')
    .option('--port <port>', 'TCP port', '8092')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--file <file>', 'the register file (default: the sample register)')
    .option('--username <user>', 'require basic auth with this user on SOAP calls')
    .option('--password <password>', 'and this password')
    .action((flags: { port: string; host: string; file?: string; username?: string; password?: string }) =>
      run('stand-in', async () => {
        await serveStandIn(flags);
        return EXIT_OK;
      }),
    );
}
