import type { Server } from 'node:http';
import type { Router } from 'express';
import { ConfigError, messageProtectionOf, type Config } from '../config.js';
import { checkCertificates } from '../gate/certificate-watcher.js';
import { startGateWatchers, type GateWatchers } from '../gate/gate-watchers.js';
import { checkRegister } from '../gate/register-watcher.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { ServiceGate } from '../gate/service-gate.js';
import { listen } from '../infra/listen.js';
import { closeInOrder, Lifecycle, ShutdownFlag, type Closable } from '../lifecycle.js';
import type { Logger } from '../logging.js';
import { inboundJudge } from '../pipeline/inbound-judge.js';
import { startPipeline, type RunningPipeline } from '../pipeline/start.js';
import type { CachedAddressRegister } from '../registry/cached-register.js';
import { createAddressRegister, ownEntryAuditor } from '../registry/register-from-config.js';
import { addressRegisterReadiness, registerAddressRegisterMetrics } from '../registry/register-status.js';
import { checkClinicCertificates } from '../trust/clinic-certificates.js';
import type { ClinicKeys } from '../trust/clinic-keys.js';
import type { MshClient } from '../../adapters/transport/msh-client.js';
import { buildCore, type Core } from './core.js';
import { buildEpjSide, type EpjSide } from './epj.js';
import { buildHelseId, type HelseId } from './helseid.js';
import { buildHttp } from './http.js';
import { buildInfrastructure, type Infrastructure } from './infrastructure.js';
import { buildTransport } from './transport.js';
import { buildProtection, buildTrust, clinicCertificateStatus, type TrustSide } from './trust.js';

/**
 * The composition root: every part of the gateway built once, top to bottom, each from the parts
 * above it and nothing else; nothing is changed after it is built.
 *
 *   settings -> infrastructure (Redis, queues, metrics, workers)
 *            -> core (service gate, audit, store, sealed payloads, dead letters, outbound queues)
 *            -> HelseID -> address register -> trust (keys, counterparties, message protection)
 *            -> NHN transport -> EPJ side -> gate watchers -> pipeline (workers, poller)
 *            -> HTTP (routers of every part) -> listening -> lifecycle (what it stops, in order)
 *
 * The far side (NHN's message service, HelseID and the address register) comes from the settings
 * in production; the demo (demo/compose-demo.ts) starts stand-ins and passes their addresses in.
 */

/** Where NHN's side answers. */
export interface FarSide {
  mshUrl: string;
  tokenUrl: string;
  /** the register's addresses when AR_URL is unset (the demo's stand-in) */
  registerAddress?: { soapUrl: string; restUrl: string };
}

/** What the demo may reach to switch the clinic's certificate files and recheck. */
export interface DemoHooks {
  gate: ServiceGate;
  audit: AuditLog;
  keys: ClinicKeys;
  recheck: () => Promise<void>;
}

export interface ComposeOptions {
  far?: FarSide;
  /** extra operations routes built from the composed parts (the demo's certificate switch) */
  opsRoutes?: (hooks: DemoHooks) => Router[];
  /** closed last, after the supervised redis-server (the demo's stand-ins) */
  finalClosers?: Closable[];
}

/** The built gateway, as values: what the process entry, tests and benchmarks read. */
export interface Gateway extends Infrastructure, Core {
  config: Config;
  logger: Logger;
  url: string;
  server: Server;
  lifecycle: Lifecycle;
  shutdown(reason: string): Promise<void>;
}

export interface ComposedGateway extends Gateway {
  register: CachedAddressRegister;
  trust: TrustSide;
  helseId: HelseId;
  transport: MshClient;
  epj: EpjSide;
  pipeline: RunningPipeline;
  watchers: GateWatchers;
}

/** NHN's side as the settings describe it (production, or the demo pointed at real endpoints). */
export function farSideFromSettings(config: Config): FarSide {
  const mshUrl = config.MSH_BASE_URL;
  if (!mshUrl) throw new ConfigError('MSH_BASE_URL', "set NHN's message service URL (in demo mode, leave it unset for the simulator)");
  return { mshUrl, tokenUrl: config.HELSEID_TOKEN_URL ?? `${mshUrl.replace(/\/+$/, '')}/connect/token` };
}

export async function composeGateway(config: Config, logger: Logger, options: ComposeOptions = {}): Promise<ComposedGateway> {
  const far = options.far ?? farSideFromSettings(config);
  const infra = await buildInfrastructure(config, logger);
  let core: Core | undefined;
  try {
    core = await buildCore(config, logger, infra);
    return await composeOnCore(config, logger, infra, core, far, options);
  } catch (err) {
    // what was started is stopped again, so a failed start leaves no redis-server or timer behind
    await closeInOrder([...(core?.closers ?? []), ...infra.closers, ...infra.finalClosers, ...(options.finalClosers ?? [])], logger);
    await infra.workers.close(1_000);
    throw err;
  }
}

async function composeOnCore(
  config: Config,
  logger: Logger,
  infra: Infrastructure,
  core: Core,
  far: FarSide,
  options: ComposeOptions,
): Promise<ComposedGateway> {
  const { redis, metrics } = infra;
  const { gate } = core;
  const demo = config.GATEWAY_MODE === 'demo';

  // The clinic's keys first: HelseID signs with them, and the certificate files may change under a
  // running gateway (the demo's switch, a rollover), so every reader asks for them as they are now.
  const clinicTrust = buildTrust(config, { redis, logger });
  const certificatesNow = () => ({ ...config, ...clinicTrust.keys.settingsNow() });

  const helseId = buildHelseId({ config, tokenUrl: far.tokenUrl, certificatesNow, gate, logger });
  // NHN's REST register takes the clinic's HelseID token (DPoP-bound); the demo's stand-in needs none
  const arTokens = config.AR_URL && config.AR_API === 'rest' ? helseId.tokensFor(config.AR_HELSEID_SCOPE) : undefined;
  const register = createAddressRegister(config, redis, logger, {
    ...(far.registerAddress ? { address: far.registerAddress } : {}),
    ...(arTokens ? { accessToken: arTokens.accessToken, dpop: arTokens.dpop } : {}),
  });
  registerAddressRegisterMetrics(metrics.registry, register);
  const trust = buildProtection(config, clinicTrust, register);

  const transport = buildTransport({ config, mshUrl: far.mshUrl, tokens: helseId.tokensFor(config.HELSEID_SCOPE), logger });
  const submission = { config, gate, outbound: core.outbound, schemas: () => core.schemas };
  const epj = buildEpjSide({ config, logger, redis, crypto: core.crypto, submission });

  const clinic = { herId: config.CLINIC_HER_ID, orgNumber: config.CLINIC_ORG_NUMBER, name: config.CLINIC_NAME };
  const auditOwnEntry = () => ownEntryAuditor(certificatesNow(), register)();
  const watchers = startGateWatchers(
    [
      async () => {
        await checkCertificates({
          check: () => checkClinicCertificates(certificatesNow(), { trust: trust.trust }),
          gate,
          notifier: core.notifier,
          warnDays: config.CERT_WARN_DAYS,
          clinic,
          metrics,
        });
      },
      () => checkRegister({ audit: auditOwnEntry, gate, metrics }).then(() => undefined),
      () => helseId.checkAuth(),
    ],
    config.GATE_CHECK_INTERVAL_S,
    logger,
  );
  await watchers.recheck();

  const pipeline = await startPipeline(
    { config, logger, ...infra, ...core },
    {
      transport,
      judge: inboundJudge({
        allowSyntheticIds: demo,
        ownHerIds: [config.CLINIC_HER_ID],
        maxBytes: config.KITH_MAX_BYTES,
        ...(core.schemas ? { schemas: core.schemas } : {}),
      }),
      epj: epj.port,
      protection: trust.protection,
    },
  );
  epj.outbox.start();

  const flag = new ShutdownFlag();
  const app = buildHttp(config, logger, infra, core, flag, {
    recheck: watchers.recheck,
    epjRoutes: epj.routes,
    opsRoutes: options.opsRoutes?.({ gate, audit: core.audit, keys: trust.keys, recheck: watchers.recheck }) ?? [],
    readiness: [addressRegisterReadiness(register, config.AR_API)],
    sections: {
      certificates: () => clinicCertificateStatus(certificatesNow(), trust.trust),
      addressRegister: async () => {
        const audit = await auditOwnEntry();
        return {
          herId: config.CLINIC_HER_ID,
          source: audit.source,
          faults: audit.faults.length > 0 ? audit.faults.map((f) => `${f.code}: ${f.message}`) : 'none',
        };
      },
      transport: () => {
        const { tokensFetched, refused } = helseId.state();
        const lastPoll = pipeline.poller.lastSuccessAt;
        return {
          endpoint: far.mshUrl,
          protection: messageProtectionOf(config) === 'cms' ? 'CMS, end to end' : "NHN's (HelseID + TLS)",
          lastSuccessfulPoll: lastPoll ? lastPoll.toISOString() : 'not yet',
          pollError: pipeline.poller.lastError ?? 'none',
          helseIdTokens: tokensFetched,
          helseId: refused ? `refused: ${refused}` : 'accepted',
        };
      },
    },
  });
  const { server, url } = await listen(app, config.PORT, config.HOST);

  const lifecycle = new Lifecycle(logger, config.SHUTDOWN_DEADLINE_MS, {
    flag,
    server,
    pollers: [pipeline.poller, epj.outbox],
    workers: infra.workers,
    parts: [...core.closers, { name: 'gate watchers', close: () => watchers.stop() }, ...infra.closers],
    finalParts: [...infra.finalClosers, ...(options.finalClosers ?? [])],
  });

  return {
    config,
    logger,
    ...infra,
    ...core,
    url,
    server,
    lifecycle,
    shutdown: (reason) => lifecycle.shutdown(reason),
    register,
    trust,
    helseId,
    transport,
    epj,
    pipeline,
    watchers,
  };
}
