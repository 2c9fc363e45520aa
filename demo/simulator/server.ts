import { randomUUID, type X509Certificate } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { SchemaSet } from '../../src/kith/schema-set.js';
import { CitizenSide } from './citizen.js';
import type { CitizenCms } from './citizen-cms.js';
import { ClinicDirectory, clinicInfo, servedClinic, type ClinicInfo, type ServedClinic, type SimulatorClinic } from './clinics.js';
import { citizenRouter, controlRouter } from './control-routes.js';
import { Faults } from './faults.js';
import { SimulatedHelseId } from './helseid-server.js';
import { Mailbox } from './mailbox.js';
import { mshRouter, nhnError } from './msh-routes.js';
import { AmqpBus } from '../../adapters/transport/amqp/bus.js';
import type { Addressing } from '../../adapters/transport/amqp/wire.js';
import { BusBridge } from './bus-bridge.js';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * The NHN simulator: a real HTTP server with the message-service subset the gateway uses, a
 * HelseID token endpoint, the citizen's end as Helsenorge, and faults on demand, for one clinic or
 * a fleet of them. Started by the demo, the tests and `epj-gateway simulator`.
 */

export type { SimulatorClinic } from './clinics.js';

export interface SimulatorOptions {
  /** default 0: a free port */
  port?: number;
  host?: string;
  /**
   * The clinics served, each with its HelseID client (registered for its HER-ids with its signing
   * certificate) and the certificates the citizen side protects for it with; the first is where a
   * citizen message goes by default. Without it: one clinic, `clinicHerId`, whose clients are `clients`.
   */
  clinics?: SimulatorClinic[];
  /** the one clinic's HER-id when `clinics` is not given; default 8142987 */
  clinicHerId?: number;
  helsenorgeHerId?: number;
  /** more HelseID clients and the certificates they sign assertions with; herIds default: the first clinic's */
  clients?: { clientId: string; certificate: X509Certificate | string | Buffer; herIds?: number[] }[];
  /** official schemas for judging the clinic's answers (KITH_SCHEMA_DIR) */
  schemas?: SchemaSet;
  maxBytes?: number;
  tokenLifetimeS?: number;
  requireNonce?: boolean;
  requireApiNonce?: boolean;
  appRecsToInbox?: boolean;
  /** end-to-end protection (CMS) of the documents both ways (MESSAGE_PROTECTION=cms), to and from each clinic's certificates */
  protection?: CitizenCms;
  /**
   * The sample CA's CRL, served to requests for `crl.sample-ca.test` that come through this server
   * as an HTTP proxy (REVOCATION_HTTP_PROXY), so the demo's revocation checks have a CA to ask.
   */
  sampleCrl?: Buffer;
  /** the service bus (TRANSPORT=amqp): Helsenorge's end on it, besides the REST service */
  bus?: { url: string; addressing: Addressing };
}

/** One request as the simulator saw it: what the contract requires, never a body. */
export interface SeenRequest {
  method: string;
  path: string;
  status: number;
  apiVersion: string | undefined;
  sourceSystem: string | undefined;
  authScheme: string | undefined;
  dpop: boolean;
}

export interface Simulator {
  url: string;
  tokenUrl: string;
  /** the first clinic's HER-id */
  clinicHerId: number;
  /** every clinic served, the first first */
  clinics: ClinicInfo[];
  helsenorgeHerId: number;
  citizen: CitizenSide;
  faults: Faults;
  helseId: SimulatedHelseId;
  mailbox: Mailbox;
  /** Helsenorge's end on the service bus, when the simulator was given one */
  bus: BusBridge | undefined;
  /** the latest requests to the message service and the token endpoint */
  requests: SeenRequest[];
  registerClient(clientId: string, certificate: X509Certificate | string | Buffer, herIds?: number[]): void;
  /** empties the mailbox, the citizen's records, the faults and HelseID's tokens */
  reset(): void;
  close(): Promise<void>;
}

const KEEP_REQUESTS = 1_000;

/** The clinics of the options: the list, or the single clinic of `clinicHerId`. */
function clinicsOf(options: SimulatorOptions): ClinicDirectory {
  const clinics: ServedClinic[] = options.clinics?.length
    ? options.clinics.map(servedClinic)
    : [{ herId: options.clinicHerId ?? 8142987, subHerIds: [], certificates: {} }];
  if (options.protection && options.clinics?.length) {
    const lacking = clinics.find((c) => !c.certificates.encryption);
    if (lacking) throw new Error(`clinic ${lacking.herId} needs an encryptionCert: the citizen side protects what it sends (protection)`);
  }
  return new ClinicDirectory(clinics);
}

/**
 * Each clinic's HelseID client for its HER-ids. Clinics sharing a client (one a provider holds for
 * several offices) share its HER-ids, as NHN links one client to many; not with two certificates.
 */
function clinicClients(clinics: ClinicDirectory): { clientId: string; certificate: X509Certificate; herIds: number[] }[] {
  const byId = new Map<string, { clientId: string; certificate: X509Certificate; herIds: number[] }>();
  for (const c of clinics.list) {
    if (!c.clientId || !c.certificates.signing) continue;
    const known = byId.get(c.clientId);
    if (known && !known.certificate.raw.equals(c.certificates.signing.raw))
      throw new Error(`clinics ${known.herIds[0]} and ${c.herId} give HelseID client ${c.clientId} two different signing certificates`);
    if (known) known.herIds.push(c.herId, ...c.subHerIds);
    else byId.set(c.clientId, { clientId: c.clientId, certificate: c.certificates.signing, herIds: [c.herId, ...c.subHerIds] });
  }
  return [...byId.values()];
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const clinics = clinicsOf(options);
  const clinicHerId = clinics.first.herId;
  const helsenorgeHerId = options.helsenorgeHerId ?? 8093244;
  const mailbox = new Mailbox();
  const faults = new Faults();
  const helseId = new SimulatedHelseId({
    ...(options.tokenLifetimeS !== undefined ? { tokenLifetimeS: options.tokenLifetimeS } : {}),
    ...(options.requireNonce !== undefined ? { requireNonce: options.requireNonce } : {}),
    ...(options.requireApiNonce !== undefined ? { requireApiNonce: options.requireApiNonce } : {}),
  });
  const citizen = new CitizenSide(mailbox, {
    clinics,
    helsenorgeHerId,
    validation: { ...(options.schemas ? { schemas: options.schemas } : {}), ...(options.maxBytes ? { maxBytes: options.maxBytes } : {}) },
    ...(options.appRecsToInbox !== undefined ? { appRecsToInbox: options.appRecsToInbox } : {}),
    ...(options.protection ? { protection: options.protection } : {}),
  });
  const registerClient = (clientId: string, certificate: X509Certificate | string | Buffer, herIds = [clinicHerId]) =>
    helseId.register({ clientId, certificate, herIds });
  for (const client of clinicClients(clinics)) helseId.register(client);
  for (const c of options.clients ?? []) registerClient(c.clientId, c.certificate, c.herIds);

  const requests: SeenRequest[] = [];
  const reset = () => {
    mailbox.clear();
    citizen.reset();
    faults.clear();
    helseId.reset();
    requests.length = 0;
  };

  const app = express();
  app.disable('x-powered-by');
  if (options.sampleCrl) {
    const crl = options.sampleCrl;
    app.use((req: Request, res: Response, next: NextFunction) => {
      if (req.hostname !== 'crl.sample-ca.test') return next();
      res.type('application/pkix-crl').send(crl);
    });
  }
  app.use('/citizen', citizenRouter(citizen));
  app.use(
    '/simulator',
    controlRouter(faults, reset, () => info()),
  );

  // Below: what the gateway talks to, each request recorded and open to faults.
  app.use((req: Request, res: Response, next: NextFunction) => {
    res.locals.requestId = randomUUID();
    // Taken now: mounted routers rewrite req.url while they run.
    const path = req.path;
    res.on('finish', () => {
      const [scheme] = (req.get('authorization') ?? '').split(' ');
      requests.push({
        method: req.method,
        path,
        status: res.statusCode,
        apiVersion: req.get('api-version'),
        sourceSystem: req.get('nhn-source-system'),
        authScheme: scheme || undefined,
        dpop: Boolean(req.get('dpop')),
      });
      if (requests.length > KEEP_REQUESTS) requests.splice(0, requests.length - KEEP_REQUESTS);
    });
    next();
  });
  app.use(faults.middleware);
  app.post('/connect/token', express.urlencoded({ extended: false }), helseId.tokenEndpoint);
  app.use('/Messages', helseId.requireToken);
  app.use(mshRouter(mailbox, citizen));
  app.use((_req: Request, res: Response) => nhnError(res, 404, 'No such route in the simulator'));
  app.use((err: Error & { status?: number; type?: string }, _req: Request, res: Response, _next: NextFunction) => {
    const status = err.status && err.status >= 400 && err.status < 500 ? err.status : 500;
    if (!res.locals.requestId) res.locals.requestId = randomUUID();
    nhnError(
      res,
      status,
      status === 413 ? 'The request body is too large' : status === 400 ? 'The request body could not be read' : 'An unknown error occurred',
    );
  });

  const server = app.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port, address } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  const url = `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${port}`;
  const tokenUrl = `${url}/connect/token`;
  const clinicList = clinics.list.map(clinicInfo);
  let amqp: AmqpBus | undefined;
  let bridge: BusBridge | undefined;
  if (options.bus) {
    amqp = new AmqpBus({ url: options.bus.url, addressing: options.bus.addressing, logger: quiet, containerId: `nhn-simulator-${process.pid}` });
    try {
      await amqp.start();
    } catch (err) {
      server.close();
      throw err;
    }
    bridge = new BusBridge({ bus: amqp, mailbox, citizen, clinics, helsenorgeHerId, ...(options.protection ? { protection: options.protection } : {}) });
    bridge.start();
  }
  const info = () => ({
    url,
    tokenUrl,
    clinicHerId,
    clinics: clinicList,
    helsenorgeHerId,
    clients: [...helseId.clients.keys()],
    faults: faults.list(),
  });

  return {
    url,
    tokenUrl,
    clinicHerId,
    clinics: clinicList,
    helsenorgeHerId,
    citizen,
    faults,
    helseId,
    mailbox,
    bus: bridge,
    requests,
    registerClient,
    reset,
    close: async () => {
      faults.clear();
      await bridge?.stop();
      await amqp?.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
