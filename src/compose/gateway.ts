import type { Server } from 'node:http';
import type { Router } from 'express';
import { ConfigError, helseIdTokenUrlOf, type Config } from '../config.js';
import { bindPort, type BoundPort } from '../infra/listen.js';
import { Fleet } from './fleet.js';
import { systemClock } from '../infra/system-clock.js';
import { PollLeases, leaseOwnerId } from '../pipeline/poll-lease.js';
import { PollScheduler } from '../pipeline/poll-scheduler.js';
import { ClinicsManager } from './clinics-manager.js';
import { closeInOrder, Lifecycle, ShutdownFlag, type Closable } from '../lifecycle.js';
import type { Logger } from '../logging.js';
import type { MetricsRoot } from '../metrics.js';
import type { Clinic } from '../clinics/clinic.js';
import type { ClinicParts, DemoHooks, FarSide } from './clinic.js';
import { loadClinics } from '../clinics/clinics-file.js';
import { opsClinicsRouter } from '../http/ops-clinics.js';
import { opsRolloverRouter } from '../http/ops-rollover.js';
import { settingsAccounts } from '../operators/operator-accounts.js';
import { buildHttp } from './http.js';
import { buildInfrastructure, type Infrastructure } from './infrastructure.js';
import { buildBus, type BusSide } from './bus.js';

export type { ClinicSpec, DemoHooks, FarSide } from './clinic.js';

/**
 * The composition root: every part of the gateway built once, top to bottom, each from the parts
 * above it and nothing else; nothing is changed after it is built.
 *
 *   settings -> infrastructure (Redis, connections, metrics registry)          once per process
 *            -> per clinic (compose/clinic.ts), all keys under <QUEUE_PREFIX>:<HER-id>:
 *                 core (queues, workers, service gate, audit, store, sealed payloads, dead letters)
 *                 -> clinic trust (keys) -> HelseID -> address register -> message protection
 *                 -> NHN transport -> EPJ side -> gate watchers -> pipeline -> its routers
 *            -> HTTP (each EPJ token reaches its own clinic; /ops?clinic=HERID) -> listening
 *            -> lifecycle (listener, every clinic's pollers and workers, clinics, connections, redis-server)
 *
 * The far side (NHN's message service, HelseID and the address register) comes from the settings
 * in production; the demo (demo/compose-demo.ts) starts stand-ins and passes their addresses in.
 */

export interface ComposeOptions {
  /** the clinics served; default: CLINICS_FILE's, or the one clinic the CLINIC_* settings describe */
  clinics?: Clinic[];
  /** where NHN's side answers; default: from the settings */
  far?: FarSide;
  /** extra operations routes per clinic, built from its composed parts (the demo's certificate switch) */
  opsRoutes?: (hooks: DemoHooks) => Router[];
  /** closed last, after the supervised redis-server (the demo's stand-ins) */
  finalClosers?: Closable[];
}

/** What a running gateway process is, whatever it serves: its shared parts, its address and its lifecycle. */
export interface GatewayProcess extends Omit<Infrastructure, 'closers' | 'finalClosers' | 'metrics'> {
  /** the process's metrics registry (a clinic's view is `metrics`) */
  metricsRoot: MetricsRoot;
  config: Config;
  logger: Logger;
  url: string;
  server: Server;
  lifecycle: Lifecycle;
  shutdown(reason: string): Promise<void>;
}

/**
 * The built gateway, as values: what the process entry, tests and benchmarks read. The parts of the
 * first clinic are spread on it as well, so a deployment of one clinic reads as before.
 */
export interface Gateway extends GatewayProcess, Omit<ClinicParts, 'settings' | 'closers' | 'pollers'> {}

export interface ComposedGateway extends Gateway {
  /** every clinic's parts at start, in the order configured (the fleet has them as they are now) */
  clinics: ClinicParts[];
  fleet: Fleet;
  clinicsFile: ClinicsManager;
}

/** NHN's side as the settings describe it (production, or the demo pointed at real endpoints). */
export function farSideFromSettings(config: Config): FarSide {
  const mshUrl = config.MSH_BASE_URL;
  // on the service bus the REST message service is not used
  if (!mshUrl && config.TRANSPORT !== 'amqp')
    throw new ConfigError('MSH_BASE_URL', "set NHN's message service URL (in demo mode, leave it unset for the simulator)");
  return { mshUrl: mshUrl ?? '', tokenUrl: helseIdTokenUrlOf(config)! };
}

export async function composeGateway(config: Config, logger: Logger, options: ComposeOptions = {}): Promise<ComposedGateway> {
  const far = options.far ?? farSideFromSettings(config);
  const specs = options.clinics ?? loadClinics(config);
  // read before anything starts, so a bad operators file stops the start like a bad setting
  const accounts = settingsAccounts(config);
  let port: BoundPort | undefined;
  let infra: Infrastructure | undefined;
  let bus: BusSide | undefined;
  try {
    port = await bindPort(config.PORT, config.HOST);
    infra = await buildInfrastructure(config, logger);
    bus = await buildBus(config, logger, far.amqpUrl);
  } catch (err) {
    port?.server.close();
    await closeInOrder([...(infra ? [...infra.closers, ...infra.finalClosers] : []), ...(options.finalClosers ?? [])], logger);
    throw err;
  }
  const busClosers: Closable[] = bus ? [{ name: 'service bus', close: () => bus.bus.close() }] : [];
  // One polling loop for every clinic; with several processes, a lease per clinic lets one poll it.
  const scheduler = new PollScheduler({
    clock: systemClock,
    leases: new PollLeases(infra.workerConnection, config.QUEUE_PREFIX, leaseOwnerId(), config.POLL_LEASE_TTL_MS),
    intervalMs: config.POLL_INTERVAL_MS,
    maxIntervalMs: config.POLL_MAX_INTERVAL_MS ?? (config.GATEWAY_MODE === 'demo' ? config.POLL_INTERVAL_MS : Math.max(60_000, config.POLL_INTERVAL_MS)),
    concurrency: config.POLL_CONCURRENCY,
    logger,
  });
  const fleet = new Fleet({ config, logger, infra, far, scheduler, ...(bus ? { bus } : {}), ...(options.opsRoutes ? { opsRoutes: options.opsRoutes } : {}) });
  try {
    for (const spec of specs) await fleet.add(spec);
    scheduler.start();
    bus?.inbound.start();
    const clinicsFile = new ClinicsManager(fleet, config, logger);

    const flag = new ShutdownFlag();
    const app = buildHttp(config, logger, infra, fleet, flag, {
      opsRoutes: [
        opsClinicsRouter(() => fleet.list().map((c) => c.fleetRow), clinicsFile),
        opsRolloverRouter(
          () => fleet.list().map((c) => ({ herId: c.clinic.herId, rollover: c.rollover, audit: c.audit, recheck: c.watchers.recheck })),
          clinicsFile,
        ),
      ],
      accounts,
    });
    port.serve(app);
    const { server, url } = port;
    clinicsFile.watch();

    const lifecycle = new Lifecycle(logger, config.SHUTDOWN_DEADLINE_MS, {
      flag,
      server,
      pollers: [
        { name: 'clinics file', pause: async () => clinicsFile.stop() },
        scheduler,
        ...(bus ? [{ name: 'service bus receivers', pause: () => bus.inbound.pause() }] : []),
        fleet,
      ],
      workers: fleet,
      parts: [...fleet.closers(), ...busClosers, ...infra.closers],
      finalParts: [...infra.finalClosers, ...(options.finalClosers ?? [])],
    });

    const { closers: _c, finalClosers: _f, metrics: metricsRoot, ...shared } = infra;
    const { settings: _s, closers: _cc, pollers: _p, ...first } = fleet.list()[0]!;
    return {
      ...shared,
      ...first,
      metricsRoot,
      config,
      logger,
      url,
      server,
      lifecycle,
      shutdown: (reason) => lifecycle.shutdown(reason),
      fleet,
      clinicsFile,
      clinics: fleet.list(),
    };
  } catch (err) {
    // what was started is stopped again, as a shutdown would, so a failed start leaves no
    // redis-server, worker or timer behind: a job in hand of a clinic already built gets the
    // shutdown's deadline to finish (cut short, its message could be sent again by another replica)
    logger.error({ err: String(err) }, 'the start failed: stopping what was started');
    await scheduler.pause();
    await bus?.inbound.pause();
    await fleet.pause();
    await fleet.close(config.SHUTDOWN_DEADLINE_MS);
    await closeInOrder([...fleet.closers(), ...busClosers, ...infra.closers, ...infra.finalClosers, ...(options.finalClosers ?? [])], logger);
    port.server.close();
    throw err;
  }
}
