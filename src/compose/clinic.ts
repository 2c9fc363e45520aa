import type { Router } from 'express';
import { FreeSlotsWebhook } from '../../adapters/epj/free-slots-webhook.js';
import { AmqpTransport } from '../../adapters/transport/amqp/amqp-transport.js';
import type { AuditLog } from '../audit/audit-log.js';
import { messageProtectionOf, type Config } from '../config.js';
import { checkCertificates } from '../gate/certificate-watcher.js';
import { OUTAGE_REASONS, startGateWatchers, type GateWatchers } from '../gate/gate-watchers.js';
import { remindOfFaults } from '../gate/announce.js';
import { tellOverdueRequests } from '../pipeline/request-age.js';
import { checkRegister } from '../gate/register-watcher.js';
import { tellHelseIdAnswers } from '../gate/helseid-answers.js';
import type { ServiceGate } from '../gate/service-gate.js';
import type { Closable, Poller } from '../lifecycle.js';
import type { Logger } from '../logging.js';
import { epjFreeSlotsRouter } from '../http/epj-free-slots.js';
import type { Metrics } from '../metrics.js';
import { redisKeys } from '../redis-keys.js';
import { FreeSlotsStore } from '../pipeline/free-slots.js';
import { answerSync } from '../pipeline/sync-answer.js';
import { inboundJudge } from '../pipeline/inbound-judge.js';
import { DigitalStatusStore, digitalUserAsker, notingDigitalStatus } from '../pipeline/digital-status.js';
import { epjDigitalStatusRouter } from '../http/epj-digital-status.js';
import type { PollScheduler } from '../pipeline/poll-scheduler.js';
import { startPipeline, type RunningPipeline } from '../pipeline/start.js';
import type { ClinicContacts } from '../clinics/clinic.js';
import type { CachedAddressRegister } from '../registry/cached-register.js';
import { CollaborationLookup, CppaClient, STAND_IN_CPPA_PATH } from '../registry/collaboration.js';
import { createAddressRegister, ownEntryAuditor } from '../registry/register-from-config.js';
import { addressRegisterReadiness } from '../registry/register-status.js';
import { checkClinicCertificates, checkOtherCertificates, type CertificateCheck } from '../trust/clinic-certificates.js';
import { CertificateRollover } from '../gate/certificate-rollover.js';
import type { ClinicKeys } from '../trust/clinic-keys.js';
import type { FleetClinic } from '../http/ops-clinics.js';
import { buildCore, type Core } from './core.js';
import { buildEpjSide, type EpjSide } from './epj.js';
import { buildHelseId, type HelseId } from './helseid.js';
import { clinicRouters, type ClinicRouters } from './http.js';
import type { Infrastructure } from './infrastructure.js';
import { buildTransport } from './transport.js';
import type { BusSide } from './bus.js';
import type { MessageTransport } from '../ports/transport.js';
import { InboundQueueSink } from '../pipeline/inbound-queue-sink.js';
import { systemClock } from '../infra/system-clock.js';
import type { Queue } from 'bullmq';
import type { InboundJobData } from '../pipeline/inbound.js';
import { buildProtection, buildTrust, clinicCertificateStatus, otherCertificateStatus, type TrustSide } from './trust.js';

/** A clinic as the composition takes it: who it is, and its effective settings. */
export interface ClinicSpec {
  herId: string;
  /** the HER-ids of its GPs and services it receives for */
  subHerIds: readonly string[];
  orgNumber: string;
  name: string;
  settings: Config;
  /** who is told of its gate by e-mail (office, IT operations provider, EPJ vendor) */
  contacts?: ClinicContacts;
}

/** Where NHN's side answers for a clinic. */
export interface FarSide {
  mshUrl: string;
  tokenUrl: string;
  /** the service bus when AMQP_URL is unset (the demo's broker) */
  amqpUrl?: string;
  /** the register's addresses when AR_URL is unset (the demo's stand-in) */
  registerAddress?: { soapUrl: string; restUrl: string };
}

/** What the demo may reach to switch a clinic's certificate files and recheck. */
export interface DemoHooks {
  herId: string;
  gate: ServiceGate;
  audit: AuditLog;
  keys: ClinicKeys;
  recheck: () => Promise<void>;
  /** the clinic's certificate rollover (the demo's rollover runs it) */
  rollover: CertificateRollover;
  /** drops the register's cached answers for the clinic */
  forgetRegister: () => Promise<void>;
}

/** Every part of one clinic, built from its settings on the shared infrastructure. */
export interface ClinicParts extends Core {
  clinic: ClinicSpec;
  /** the clinic's settings as its parts use them: QUEUE_PREFIX carries the clinic's HER-id */
  settings: Config;
  register: CachedAddressRegister;
  trust: TrustSide;
  helseId: HelseId;
  transport: MessageTransport;
  epj: EpjSide;
  pipeline: RunningPipeline;
  watchers: GateWatchers;
  routers: ClinicRouters;
  /** the clinic's certificate rollover: its state, the switch */
  rollover: CertificateRollover;
  /** the clinic's row in the fleet view */
  fleetRow: FleetClinic;
  pollers: Poller[];
  /** closed after the workers, before the shared connections */
  closers: Closable[];
}

/** Every key of a clinic sits under `<QUEUE_PREFIX>:<HER-id>`, so no two clinics share a key, a queue or a gate. */
export function clinicSettings(clinic: ClinicSpec, deploymentPrefix: string): Config {
  return { ...clinic.settings, QUEUE_PREFIX: `${deploymentPrefix}:${clinic.herId}` };
}

/** What every clinic is built on: the shared infrastructure and NHN's side. */
export interface ClinicContext {
  deploymentPrefix: string;
  infra: Infrastructure;
  far: FarSide;
  logger: Logger;
  demoRoutes?: (hooks: DemoHooks) => Router[];
  /** the process's one polling loop; each clinic's mailboxes are polled on it, under a lease per clinic */
  scheduler?: PollScheduler;
  /** the service bus (TRANSPORT=amqp): the clinic's messages are pushed to it instead of polled */
  bus?: BusSide;
}

export async function composeClinic(clinic: ClinicSpec, metrics: Metrics, context: ClinicContext): Promise<ClinicParts> {
  const settings = clinicSettings(clinic, context.deploymentPrefix);
  const logger = context.logger.child({ clinic: clinic.herId });
  const core = await buildCore(settings, logger, context.infra, metrics, clinic.contacts ?? {});
  try {
    return await composeOnCore(clinic, settings, core, metrics, { ...context, logger });
  } catch (err) {
    await core.workers.close(1_000);
    for (const c of core.closers) await c.close().catch(() => undefined);
    throw err;
  }
}

async function composeOnCore(clinic: ClinicSpec, settings: Config, core: Core, metrics: Metrics, context: ClinicContext): Promise<ClinicParts> {
  const { infra, far, logger, demoRoutes, scheduler, bus } = context;
  const { redis } = infra;
  const { gate } = core;
  const demo = settings.GATEWAY_MODE === 'demo';

  // The clinic's keys first: HelseID signs with them, and the certificate files may change under a
  // running gateway (the demo's switch, a rollover), so every reader asks for them as they are now.
  const clinicTrust = buildTrust(settings, { redis, logger });
  const certificatesNow = () => ({ ...settings, ...clinicTrust.keys.settingsNow() });

  const answers = tellHelseIdAnswers({
    redis,
    key: redisKeys(settings.QUEUE_PREFIX).helseIdSeen,
    notifier: core.notifier,
    clinic: { herId: clinic.herId, orgNumber: clinic.orgNumber, name: clinic.name },
    logger,
  });
  const helseId = buildHelseId({ config: settings, tokenUrl: far.tokenUrl, certificatesNow, gate, logger, answers });
  // NHN's REST register takes the clinic's HelseID token (DPoP-bound); the demo's stand-in needs none
  const arTokens = settings.AR_URL && settings.AR_API === 'rest' ? helseId.tokensFor(settings.AR_HELSEID_SCOPE) : undefined;
  const register = createAddressRegister(settings, redis, logger, {
    ...(far.registerAddress ? { address: far.registerAddress } : {}),
    ...(arTokens ? { accessToken: arTokens.accessToken, dpop: arTokens.dpop } : {}),
  });
  infra.arMetrics.add(clinic.herId, register);
  const trust = buildProtection(settings, clinicTrust, register);

  // the service bus routes by the CPA: NHN's CPPA register (HelseID, DPoP), or the demo's stand-in
  const cppaUrl = settings.CPPA_URL ?? (demo && far.registerAddress ? `${far.registerAddress.restUrl.replace(/\/+$/, '')}${STAND_IN_CPPA_PATH}` : undefined);
  const collaboration =
    bus && cppaUrl
      ? new CollaborationLookup(
          new CppaClient({
            baseUrl: cppaUrl,
            timeoutMs: settings.AR_TIMEOUT_MS,
            ...(settings.CPPA_URL
              ? (() => {
                  const t = helseId.tokensFor(settings.CPPA_HELSEID_SCOPE);
                  return { accessToken: t.accessToken, dpop: t.dpop };
                })()
              : { accessToken: () => Promise.resolve('stand-in') }),
          }),
          redis,
          { herId: clinic.herId, prefix: settings.QUEUE_PREFIX, ttlS: settings.CPPA_CACHE_TTL_S, logger },
        )
      : undefined;
  const amqp = bus
    ? new AmqpTransport({
        herId: Number(clinic.herId),
        redis,
        prefix: settings.QUEUE_PREFIX,
        bus: bus.bus,
        protection: trust.protection,
        ...(collaboration ? { routeOf: (herId, msgType, action) => collaboration.route(String(herId), msgType, action) } : {}),
      })
    : undefined;
  const transport: MessageTransport =
    amqp ?? buildTransport({ config: settings, mshUrl: far.mshUrl, tokens: helseId.tokensFor(settings.HELSEID_SCOPE), logger });
  const statuses = new DigitalStatusStore(redis, (checkId) => redisKeys(settings.QUEUE_PREFIX).digitalStatus(checkId));
  const plainSubmission = { config: settings, gate, outbound: core.outbound, schemas: () => core.schemas, statuses, requests: core.requests };
  const digitalUser = digitalUserAsker(plainSubmission, settings.DIGITAL_STATUS_TIMEOUT_MS);
  const submission = { ...plainSubmission, digitalUser };
  const freeSlots = new FreeSlotsStore(redis, redisKeys(settings.QUEUE_PREFIX).freeSlots);
  const slotsWebhook = settings.FREE_SLOTS_WEBHOOK_URL
    ? new FreeSlotsWebhook(settings.FREE_SLOTS_WEBHOOK_URL, settings.EPJ_WEBHOOK_SECRET ?? '', clinic.herId)
    : undefined;
  const epj = buildEpjSide({ config: settings, logger, redis, crypto: core.crypto, submission });

  const who = { herId: clinic.herId, orgNumber: clinic.orgNumber, name: clinic.name };
  // a certificate rollover (docs/trust.md): the register may publish the current or the next certificate
  const auditOwnEntry = () => ownEntryAuditor(certificatesNow(), register, certificateRollover.heldFiles())();
  const certificateRollover: CertificateRollover = new CertificateRollover({
    herId: clinic.herId,
    redis,
    key: redisKeys(settings.QUEUE_PREFIX).rollover,
    keys: trust.keys,
    judge: (pairs) => checkOtherCertificates(pairs, 'next', clinic.orgNumber, { trust: trust.trust }),
    auditRegister: auditOwnEntry,
  });
  await certificateRollover.sync();
  const otherCertificates = () => {
    const slots = trust.keys.slotsNow();
    return slots.phase === 'none'
      ? Promise.resolve([])
      : checkOtherCertificates(slots.other, slots.phase === 'switched' ? 'old' : 'next', clinic.orgNumber, { trust: trust.trust });
  };
  // the fleet view reads the certificate watcher's last check, not the files on every request
  let lastCertificateCheck: CertificateCheck[] = [];
  const watchers = startGateWatchers(
    [
      async () => {
        lastCertificateCheck = await checkCertificates({
          check: async () => [...(await checkClinicCertificates(certificatesNow(), { trust: trust.trust })), ...(await otherCertificates())],
          gate,
          notifier: core.notifier,
          warnDays: settings.CERT_WARN_DAYS,
          clinic: who,
          metrics,
        });
      },
      async () =>
        checkRegister({
          audit: async () => {
            await certificateRollover.sync();
            const audit = await auditOwnEntry();
            certificateRollover.noteRegister(audit);
            return audit;
          },
          gate,
          metrics,
          grace: { contactPersonH: settings.AR_GRACE_CONTACT_PERSON_H, serviceH: settings.AR_GRACE_SERVICE_H },
          changes: { redis: core.redis, key: redisKeys(settings.QUEUE_PREFIX).registerEntrySeen, notifier: core.notifier, clinic: who },
        }).then(() => undefined),
      () => helseId.checkAuth(),
      () => remindOfFaults({ gate, notifier: core.notifier, config: settings, everyH: settings.NOTIFY_REMINDER_HOURS }).then(() => undefined),
      // not a gate check, but on the same per-clinic timer: the office is told of requests past their age limit
      () => tellOverdueRequests({ requests: core.requests, notifier: core.notifier, limits: settings.REQUEST_AGE_LIMITS, clinic: who }).then(() => undefined),
    ],
    settings.GATE_CHECK_INTERVAL_S,
    logger,
    { retryS: settings.GATE_RETRY_INTERVAL_S, pending: () => gate.current().gateway.reasons.some((r) => OUTAGE_REASONS.has(r.code)) },
  );
  await watchers.recheck();

  const pipeline = await startPipeline(
    { config: settings, logger, workerConnection: infra.workerConnection, ...core },
    {
      transport,
      judge: notingDigitalStatus(
        inboundJudge({
          allowSyntheticIds: demo,
          ownHerIds: [clinic.herId, ...clinic.subHerIds],
          maxBytes: settings.KITH_MAX_BYTES,
          ...(core.schemas ? { schemas: core.schemas } : {}),
        }),
        statuses,
      ),
      epj: epj.port,
      protection: trust.protection,
      scheduledPolling: scheduler !== undefined || bus !== undefined,
    },
  );
  if (amqp && bus)
    bus.inbound.add({
      herId: clinic.herId,
      receiverHerIds: [clinic.herId, ...clinic.subHerIds],
      sink: new InboundQueueSink(core.queues.inbound as Queue<InboundJobData>, systemClock),
      mayTake: () => pipeline.poller.active,
      keep: (id, message) => amqp.keep(id, message),
      ...(collaboration ? { checkCpa: (message) => collaboration.checkInbound(String(message.fromHerId), String(message.toHerId), message.cpaId) } : {}),
      answerSync: async (message) => {
        const started = Date.now();
        try {
          const answer = await amqp.answerSynchronously(message, (opened) =>
            answerSync(opened, clinic.herId, String(message.fromHerId), {
              slots: freeSlots,
              open: () => pipeline.poller.active,
              maxAgeMs: settings.FREE_SLOTS_MAX_AGE_S * 1000,
              limit: settings.FREE_SLOTS_LIMIT,
              now: () => new Date(),
              ...(slotsWebhook ? { askEpj: (deadline: Date) => slotsWebhook.ask(deadline), askTimeoutMs: settings.FREE_SLOTS_WEBHOOK_TIMEOUT_MS } : {}),
            }),
          );
          const seconds = (Date.now() - started) / 1000;
          metrics.observeSyncAnswer(answer?.action ?? 'error-queue', answer?.outcome ?? 'refused', seconds);
          logger.info(
            {
              clinic: clinic.herId,
              action: answer?.action ?? 'error-queue',
              outcome: answer?.outcome ?? 'refused',
              reason: answer?.reason,
              ms: Math.round(seconds * 1000),
            },
            'synchronous request answered',
          );
        } catch (err) {
          metrics.observeSyncAnswer('none', 'failed', (Date.now() - started) / 1000);
          throw err;
        }
      },
    });
  else
    scheduler?.add({
      herId: clinic.herId,
      mayPoll: () => pipeline.poller.active,
      poll: async () => ({ taken: (await pipeline.poller.pollOrThrow()).taken }),
    });
  epj.outbox.start();
  /** the last poll that answered (REST), or the last message the bus pushed (AMQP) */
  const lastInbound = () => (bus ? bus.inbound.status(clinic.herId)?.lastSuccessAt : pipeline.poller.lastSuccessAt);

  const routers = clinicRouters(
    settings,
    core,
    {
      recheck: watchers.recheck,
      epjRoutes: [...epj.routes, epjFreeSlotsRouter(freeSlots), epjDigitalStatusRouter(submission)],
      digitalUser,
      opsRoutes:
        demoRoutes?.({
          herId: clinic.herId,
          gate,
          audit: core.audit,
          keys: trust.keys,
          recheck: watchers.recheck,
          rollover: certificateRollover,
          forgetRegister: () => register.forget(clinic.herId),
        }) ?? [],
      sections: {
        certificates: async () => [
          ...(await clinicCertificateStatus(certificatesNow(), trust.trust)),
          ...(await otherCertificateStatus(trust.keys, clinic.orgNumber, trust.trust)),
        ],
        addressRegister: async () => {
          const audit = await auditOwnEntry();
          return { herId: clinic.herId, source: audit.source, faults: audit.faults.length > 0 ? audit.faults.map((f) => `${f.code}: ${f.message}`) : 'none' };
        },
        transport: () => {
          const { tokensFetched, refused } = helseId.state();
          const lastPoll = lastInbound();
          return {
            endpoint: bus ? `NHN's service bus (AMQP 1.0, ${settings.AMQP_ADDRESS_FORM} addresses)` : far.mshUrl,
            protection: messageProtectionOf(settings) === 'cms' ? 'CMS, end to end' : "NHN's (HelseID + TLS)",
            lastSuccessfulPoll: lastPoll ? lastPoll.toISOString() : 'not yet',
            pollError: (bus ? bus.inbound.status(clinic.herId)?.lastError : pipeline.poller.lastError) ?? 'none',
            helseIdTokens: tokensFetched,
            helseId: refused ? `refused: ${refused}` : 'accepted',
          };
        },
      },
    },
    [addressRegisterReadiness(register, settings.AR_API)],
  );

  return {
    ...core,
    clinic,
    settings,
    register,
    trust,
    helseId,
    transport,
    epj,
    pipeline,
    watchers,
    routers,
    rollover: certificateRollover,
    fleetRow: {
      herId: clinic.herId,
      name: clinic.name,
      orgNumber: clinic.orgNumber,
      prefix: settings.QUEUE_PREFIX,
      gate,
      queues: core.queues,
      redis,
      nearestCertificateExpiryDays: () => {
        const days = lastCertificateCheck.filter((c) => c.serial && !c.slot).map((c) => c.expiresInDays);
        return days.length > 0 ? Math.min(...days) : undefined;
      },
      lastSuccessfulPoll: lastInbound,
    },
    pollers: [pipeline.poller, epj.outbox],
    closers: [...core.closers, { name: 'gate watchers', close: () => watchers.stop() }],
  };
}
