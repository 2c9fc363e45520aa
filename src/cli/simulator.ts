import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { loadClinics } from '../clinics/clinics-file.js';
import { loadConfig } from '../config.js';
import type { AppRecStatus } from '../domain/codes.js';

/**
 * `epj-gateway simulator [--port N] [--host ADDRESS]` runs the NHN simulator alone, for the clinics
 * of CLINICS_FILE or the one clinic of the CLINIC_* settings.
 * `epj-gateway send FIXTURE --as-citizen [--to HERID] [--simulator URL] [--timeout S] [--json]` has
 * the running simulator send a document as Helsenorge to a clinic (default: the first it serves) and
 * prints the AppRec the gateway answered.
 * send exits 0 on AppRec OK, 1 on any other AppRec, 2 on a usage error or an unreachable
 * simulator, 3 when no AppRec came within the timeout.
 */

const EXIT_OK = 0;
const EXIT_NOT_OK = 1;
const EXIT_USAGE = 2;
const EXIT_NO_APPREC = 3;
/** one long poll never waits longer than this, so a stopped simulator is noticed */
const POLL_SLICE_MS = 5_000;

class UsageError extends Error {}

interface SendFlags {
  asCitizen?: boolean;
  to?: string;
  simulator?: string;
  timeout: string;
  json?: boolean;
}

/** What the simulator's citizen side answers about a sent message (GET /citizen/messages/{id}), as far as this command reads it. */
interface CitizenStatus {
  id: string;
  businessDocumentId: string | null;
  clinicHerId?: number;
  read: boolean;
  appRec: { status: AppRecStatus; statusCode: string; errors: { code: string; details: string }[] } | null;
  /** the service bus: the clinic's answer to a synchronous request (HentLedigeTimer) */
  answer?: { action: string; msgId: string | null; appRec?: { status: string; errors: { code: string; details: string }[] }; slots?: string[]; ms: number };
  /** the service bus: the clinic refused the message on Helsenorge's error queue */
  transportError?: { errorCondition: string | null; errorDescription: string | null };
}

export function registerSimulator(program: Command): void {
  program
    .command('simulator')
    .description("run the NHN simulator alone: the message service, HelseID's token endpoint, the citizen side and faults")
    .option('--port <n>', 'TCP port (default SIMULATOR_PORT, 8091; 0 picks a free one)')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .action(async (flags: { port?: string; host: string }) => {
      const config = loadConfig();
      const port = flags.port === undefined ? config.SIMULATOR_PORT : Number(flags.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port needs a port number (got "${flags.port}").`);
      // CLINICS_FILE: every clinic of the file, as the demo's `serve` has them (the third demo clinic's
      // near-expiry signing certificate under DATA_DIR, else HelseID would refuse that clinic); without
      // it the one clinic of the CLINIC_* settings
      const { demoClinics } = await import('../../demo/compose-demo.js');
      const clinics = config.CLINICS_FILE ? demoClinics(config) : loadClinics(config);
      const { startDemoSimulator } = await import('../../demo/start-simulator.js');
      // on the service bus too when TRANSPORT=amqp: Helsenorge's end of it, on the broker AMQP_URL names
      if (config.TRANSPORT === 'amqp' && !config.AMQP_URL) throw new UsageError('TRANSPORT=amqp: set AMQP_URL to the broker the simulator should use.');
      const amqpUrl = config.TRANSPORT === 'amqp' ? config.AMQP_URL : undefined;
      const sim = await startDemoSimulator(config, { port, host: flags.host }, clinics, amqpUrl).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'EADDRINUSE')
          throw new Error(`port ${port} on ${flags.host} is taken (another simulator?); choose one with --port or SIMULATOR_PORT.`);
        throw err;
      });
      const [first, ...others] = sim.clinics;
      process.stdout.write(
        `NHN simulator listening on ${sim.url}\n` +
          `  token endpoint ${sim.tokenUrl}, HelseID client ${first?.clientId ?? config.HELSEID_CLIENT_ID}\n` +
          `  clinic HER ${sim.clinicHerId}, citizen side as Helsenorge HER ${sim.helsenorgeHerId}\n` +
          others.map((c) => `  clinic HER ${c.herId}, HelseID client ${c.clientId ?? '(none)'}\n`).join(''),
      );
      await new Promise<void>((resolve) => {
        process.once('SIGTERM', () => resolve());
        process.once('SIGINT', () => resolve());
      });
      await sim.close();
      process.stdout.write('simulator stopped\n');
    });

  program
    .command('send <fixture>')
    .description('have the running simulator send a document to the clinic as a citizen, and print the AppRec it got back')
    .option('--as-citizen', 'send as Helsenorge on behalf of a citizen (the only side the simulator plays)')
    .option('--to <herId>', "the clinic's HER-id (default: the first clinic the simulator serves)")
    .option('--simulator <url>', 'the running simulator (default MSH_BASE_URL, else http://127.0.0.1:SIMULATOR_PORT)')
    .option('--timeout <seconds>', 'how long to wait for the AppRec', '30')
    .option('--json', 'print the outcome as one JSON object')
    .action(async (fixture: string, flags: SendFlags) => {
      try {
        process.exitCode = await send(fixture, flags);
      } catch (err) {
        if (!(err instanceof UsageError)) throw err;
        process.stderr.write(`${err.message}\n`);
        process.exitCode = EXIT_USAGE;
      }
    });
}

async function readDocument(fixture: string): Promise<Buffer> {
  const { fixturePath } = await import('../../demo/simulator/citizen.js');
  const file = existsSync(fixture) ? fixture : fixturePath(fixture);
  if (!file || !existsSync(file)) throw new UsageError(`no file ${fixture}, and no fixture of that name under fixtures/ (e.g. office-contact/request).`);
  return readFileSync(file);
}

async function simulatorCall<T>(url: string, init?: RequestInit): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch {
    throw new UsageError(`the simulator at ${new URL(url).origin} is not reachable; start it with: epj-gateway simulator`);
  }
  const body = (await res.json().catch(() => ({}))) as T & { error?: string };
  if (!res.ok) throw new UsageError(`the simulator answered ${res.status}: ${body.error ?? 'no reason given'}`);
  return body;
}

async function send(fixture: string, flags: SendFlags): Promise<number> {
  if (!flags.asCitizen) throw new UsageError('send needs --as-citizen: the simulator sends as Helsenorge on behalf of a citizen.');
  const timeoutS = Number(flags.timeout);
  if (!Number.isFinite(timeoutS) || timeoutS <= 0) throw new UsageError(`--timeout needs a number of seconds (got "${flags.timeout}").`);
  if (flags.to !== undefined && !/^\d+$/.test(flags.to)) throw new UsageError(`--to needs a clinic's HER-id (got "${flags.to}").`);
  const document = await readDocument(fixture);
  const config = loadConfig();
  const base = (flags.simulator ?? config.MSH_BASE_URL ?? `http://127.0.0.1:${config.SIMULATOR_PORT}`).replace(/\/+$/, '');

  const to = flags.to === undefined ? '' : `?to=${flags.to}`;
  const sent = await simulatorCall<{ id: string; businessDocumentId: string | null; clinicHerId?: number }>(`${base}/citizen/messages${to}`, {
    method: 'POST',
    headers: { 'content-type': 'application/xml' },
    body: document,
  });
  const deadline = Date.now() + timeoutS * 1000;
  let status: CitizenStatus = { ...sent, read: false, appRec: null };
  const settled = (st: CitizenStatus) => st.appRec || st.answer || st.transportError;
  while (!settled(status) && Date.now() < deadline) {
    const waitMs = Math.min(POLL_SLICE_MS, Math.max(1, deadline - Date.now()));
    status = await simulatorCall<CitizenStatus>(`${base}/citizen/messages/${encodeURIComponent(sent.id)}?waitMs=${waitMs}`);
  }
  print(status, flags.json ?? false, timeoutS);
  if (status.transportError) return EXIT_NOT_OK;
  if (status.answer) return status.answer.action === 'APPREC' ? EXIT_NOT_OK : EXIT_OK;
  if (!status.appRec) return EXIT_NO_APPREC;
  return status.appRec.status === 'OK' ? EXIT_OK : EXIT_NOT_OK;
}

function print(status: CitizenStatus, json: boolean, timeoutS: number): void {
  const appRec = status.appRec ? { status: status.appRec.status, statusCode: status.appRec.statusCode, errors: status.appRec.errors } : null;
  if (json) {
    const out = {
      nhnMessageId: status.id,
      msgId: status.businessDocumentId,
      ...(status.clinicHerId !== undefined ? { clinicHerId: status.clinicHerId } : {}),
      readByClinic: status.read,
      appRec,
      ...(status.answer ? { answer: status.answer } : {}),
      ...(status.transportError ? { transportError: status.transportError } : {}),
      ...(appRec || status.answer || status.transportError ? {} : { timedOut: true }),
    };
    process.stdout.write(`${JSON.stringify(out)}\n`);
    return;
  }
  const about = `MsgId ${status.businessDocumentId ?? '(unreadable)'}, NHN message ${status.id}`;
  if (status.transportError) {
    const e = status.transportError;
    process.stdout.write(
      `refused on the service bus's error queue for ${about}\n  ${e.errorCondition ?? '(no condition)'}${e.errorDescription ? `: ${e.errorDescription}` : ''}\n`,
    );
    return;
  }
  if (status.answer) {
    const a = status.answer;
    if (a.appRec) {
      process.stdout.write(`answer AppRec (status ${a.appRec.status}) in ${a.ms} ms for ${about}\n`);
      for (const e of a.appRec.errors) process.stdout.write(`  ${e.code}${e.details ? `: ${e.details}` : ''}\n`);
    } else {
      process.stdout.write(`answer ${a.action} (MsgId ${a.msgId ?? '?'}) in ${a.ms} ms for ${about}: ${a.slots?.length ?? 0} free slots\n`);
      for (const start of a.slots ?? []) process.stdout.write(`  ${start}\n`);
    }
    return;
  }
  if (!appRec) {
    process.stdout.write(
      `no AppRec within ${timeoutS} s for ${about}${status.read ? ' (the clinic has read it)' : ' (the clinic has not read it; is the gateway running?)'}\n`,
    );
    return;
  }
  process.stdout.write(`AppRec ${appRec.status} (status ${appRec.statusCode}) for ${about}\n`);
  for (const e of appRec.errors) process.stdout.write(`  ${e.code}${e.details ? `: ${e.details}` : ''}\n`);
}
