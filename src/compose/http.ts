import { Router, type Express, type NextFunction, type Request, type Response } from 'express';
import type { Config } from '../config.js';
import { GatewayError } from '../errors.js';
import { noticeToNhn } from '../gate/announce.js';
import { openAndNoticeNhn } from '../gate/nhn-reopen-notice.js';
import { createApp } from '../http/app.js';
import type { ClientToken } from '../http/auth.js';
import { dashboardRouter } from '../http/dashboard/dashboard-router.js';
import { boardClinicOf, queueBoardRouter } from '../http/dashboard/queue-board.js';
import { epjMessageStatusRouter } from '../http/epj-messages.js';
import { epjSubmitRouter } from '../http/epj-submit.js';
import type { OfficeSubmissionDeps } from '../pipeline/office-submission.js';
import { epjRequestsRouter } from '../http/epj-requests.js';
import { readOpenRequestAges } from '../pipeline/request-age.js';
import type { ReadinessSource } from '../http/health.js';
import { opsAuditRouter } from '../http/ops-audit.js';
import { opsLoginRouter } from '../http/ops-auth.js';
import { opsOperatorsRouter } from '../http/ops-operators.js';
import { opsOidcRouter } from '../http/ops-oidc.js';
import { settingsAccounts, type OperatorAccount } from '../operators/operator-accounts.js';
import { OperatorDirectory } from '../operators/operator-directory.js';
import type { AuditLog } from '../audit/audit-log.js';
import { opsGateRouter } from '../http/ops-gate.js';
import { opsMessagesRouter } from '../http/ops-messages.js';
import { opsStatusRouter, type StatusSections } from '../http/ops-status.js';
import { opsWaitingRouter } from '../http/ops-waiting.js';
import { opsCommtestRouter } from '../http/ops-commtest.js';
import { opsRetentionRouter } from '../http/ops-retention.js';
import { opsPurgeRouter } from '../http/ops-purge.js';
import { retentionTable } from '../retention/retention-policy.js';
import type { ShutdownFlag } from '../lifecycle.js';
import type { Logger } from '../logging.js';
import type { Core } from './core.js';
import type { Infrastructure } from './infrastructure.js';

/** What a clinic's parts add to its routers: the pull inbox, the demo's switch, readiness and status sections. */
export interface ClinicHttpAdditions {
  /** runs every gate check of the clinic now (POST /ops/gate/recheck) */
  recheck: () => Promise<void>;
  /** mounted under /v1 behind the clinic's EPJ tokens */
  epjRoutes?: Router[];
  /** mounted under /ops for this clinic */
  opsRoutes?: Router[];
  /** asks Helsenorge whether a citizen is a digital user, for office-started messages sent with onlyIfDigitalUser */
  digitalUser?: OfficeSubmissionDeps['digitalUser'];
  sections?: StatusSections;
}

/** One clinic's HTTP face: its EPJ API and its operations API, each seeing only this clinic's state. */
export interface ClinicRouters {
  herId: string;
  epj: Router;
  ops: Router;
  tokens: ClientToken[];
  readiness: ReadinessSource[];
  /** the clinic's audit log: deployment-wide operator actions (accounts) are written to every clinic's */
  audit: AuditLog;
}

export function clinicRouters(settings: Config, core: Core, add: ClinicHttpAdditions, readiness: ReadinessSource[] = []): ClinicRouters {
  const { gate, notifier, audit, store, deadLetters, outbound, schemas, throughput, queues } = core;
  const clinic = { name: settings.CLINIC_NAME, herId: settings.CLINIC_HER_ID, orgNumber: settings.CLINIC_ORG_NUMBER };
  const epj = Router();
  for (const r of [
    epjMessageStatusRouter(store),
    epjSubmitRouter({
      config: settings,
      gate,
      outbound,
      schemas: () => schemas,
      requests: core.requests,
      ...(add.digitalUser ? { digitalUser: add.digitalUser } : {}),
    }),
    epjRequestsRouter(core.requests, settings.REQUEST_AGE_LIMITS),
    ...(add.epjRoutes ?? []),
  ])
    epj.use(r);
  const ops = Router();
  for (const r of [
    opsMessagesRouter({ store, deadLetters, audit }),
    opsGateRouter({
      gate,
      notifier,
      audit,
      recheck: add.recheck,
      noticeToNhn: (service, reason, operator) => noticeToNhn({ config: settings, notifier }, service, reason, operator),
      openByOffice: (service, operator) => openAndNoticeNhn({ config: settings, notifier, gate }, service, operator),
      resend: async (id, recipient) => {
        const n = await notifier.find(id);
        return n ? core.delivery.resend(n, recipient) : false;
      },
    }),
    opsAuditRouter(audit, settings.CLINIC_HER_ID),
    opsStatusRouter({
      gate,
      notifier,
      queues,
      redis: core.redis,
      throughput,
      sections: { openRequests: () => readOpenRequestAges(core.requests, settings.REQUEST_AGE_LIMITS), ...add.sections },
      clinic,
    }),
    opsWaitingRouter({ queues, store, gate }),
    opsCommtestRouter({ tests: core.communicationTests, audit }),
    queueBoardRouter({ herId: settings.CLINIC_HER_ID, queues, deadLetters, audit }),
    opsRetentionRouter({ table: retentionTable(settings), job: core.retention, audit, intervalMin: settings.RETENTION_INTERVAL_MIN }),
    opsPurgeRouter(core.purger),
    ...(add.opsRoutes ?? []),
  ])
    ops.use(r);
  return {
    herId: settings.CLINIC_HER_ID,
    epj,
    ops,
    tokens: settings.EPJ_TOKENS.map((t) => ({ ...t, clinic: settings.CLINIC_HER_ID })),
    readiness: [gateReadiness(core), ...readiness],
    audit,
  };
}

/** /readyz's gate part for one clinic. */
function gateReadiness(core: Core): ReadinessSource {
  return {
    name: 'gate',
    report: () => {
      const { gateway, services } = core.gate.current();
      const perService = Object.fromEntries(Object.entries(services).map(([k, v]) => [k, v.state]));
      return { ready: gateway.state !== 'closed', state: gateway.state, services: perService, reasons: gateway.reasons.map((r) => r.code) };
    },
  };
}

/**
 * Readiness of the deployment. With one clinic, its parts as they are (a closed gate is not ready,
 * as before). With several, a part is ready while at least one clinic's is: one clinic's closed
 * gate must not take the others out of a load balancer; the report names each clinic's state.
 */
function fleetReadiness(config: Config, clinics: () => ClinicRouters[]): ReadinessSource[] {
  const schemas: ReadinessSource = { name: 'schemas', report: () => ({ ready: true, schemaValidation: config.KITH_SCHEMA_DIR ? 'official' : 'own-rules' }) };
  const part =
    (name: string): ReadinessSource['report'] =>
    async () => {
      const now = clinics();
      if (now.length === 1) return (await now[0]!.readiness.find((r) => r.name === name)?.report()) ?? { ready: true };
      const byClinic: Record<string, unknown> = {};
      let ready = now.length === 0;
      for (const c of now) {
        const source = c.readiness.find((r) => r.name === name);
        if (!source) continue;
        const report = await source.report();
        byClinic[c.herId] = report;
        ready ||= report.ready;
      }
      return { ready, clinics: byClinic };
    };
  const [first, ...rest] = (clinics()[0]?.readiness ?? []).map((r) => r.name);
  return [...(first ? [{ name: first, report: part(first) }] : []), schemas, ...rest.map((name) => ({ name, report: part(name) }))];
}

/** Picks the clinic a request is about: the EPJ token's clinic, or `clinic=HERID` on /ops (default: the first). */
function dispatch(clinics: () => ClinicRouters[], pick: (req: Request, res: Response) => string | undefined, which: 'epj' | 'ops') {
  let index: { from: ClinicRouters[]; byHerId: Map<string, ClinicRouters> } | undefined;
  return (req: Request, res: Response, next: NextFunction) => {
    const now = clinics();
    if (index?.from !== now) index = { from: now, byHerId: new Map(now.map((c) => [c.herId, c])) };
    const herId = pick(req, res) ?? now[0]?.herId ?? '';
    const clinic = index.byHerId.get(herId);
    if (!clinic) return next(new GatewayError('CLINIC_UNKNOWN', `(HER-id ${herId.slice(0, 12)})`));
    res.locals.clinic = herId;
    clinic[which](req, res, next);
  };
}

/** The clinic an /ops request names: `clinic=HERID`, or the HER-id in a queue board path. */
const clinicParam = (req: Request) => {
  const value = req.query.clinic;
  return typeof value === 'string' && value !== '' ? value : boardClinicOf(req.path);
};

/** The deployment's HTTP face: health, the EPJ API (each token reaches its own clinic) and the operations API (per clinic, and the fleet). */
export function buildHttp(
  config: Config,
  logger: Logger,
  infra: Infrastructure,
  fleet: { routers(): ClinicRouters[]; tokens(): readonly ClientToken[] },
  flag: ShutdownFlag,
  extra: { opsRoutes?: Router[]; accounts?: OperatorAccount[] } = {},
): Express {
  const operators = new OperatorDirectory(infra.redis, config.QUEUE_PREFIX, extra.accounts ?? settingsAccounts(config));
  return createApp({
    config,
    logger,
    redis: infra.redis,
    registry: infra.metrics.registry,
    sources: fleetReadiness(config, () => fleet.routers()),
    isShuttingDown: () => flag.isSet,
    epjTokens: () => fleet.tokens(),
    epjRoutes: [
      Router().use(
        dispatch(
          () => fleet.routers(),
          (_req, res) => res.locals.clinic as string | undefined,
          'epj',
        ),
      ),
    ],
    operators,
    opsRoutes: [
      opsOperatorsRouter(operators, () => fleet.routers().map((r) => r.audit)),
      ...(extra.opsRoutes ?? []),
      Router().use(dispatch(() => fleet.routers(), clinicParam, 'ops')),
    ],
    opsPublicRoutes: [opsLoginRouter(operators, config.OPS_TOKEN), opsOidcRouter(config, config.OPS_TOKEN), dashboardRouter()],
  });
}
