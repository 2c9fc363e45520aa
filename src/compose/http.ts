import type { Express, Router } from 'express';
import type { Config } from '../config.js';
import { createApp } from '../http/app.js';
import { dashboardRouter } from '../http/dashboard/dashboard-router.js';
import { queueBoardRouter } from '../http/dashboard/queue-board.js';
import { epjMessageStatusRouter } from '../http/epj-messages.js';
import { epjSubmitRouter } from '../http/epj-submit.js';
import type { ReadinessSource } from '../http/health.js';
import { opsAuditRouter } from '../http/ops-audit.js';
import { opsLoginRouter } from '../http/ops-auth.js';
import { opsGateRouter } from '../http/ops-gate.js';
import { opsMessagesRouter } from '../http/ops-messages.js';
import { opsStatusRouter, type StatusSections } from '../http/ops-status.js';
import { opsWaitingRouter } from '../http/ops-waiting.js';
import { noticeToNhn } from '../gate/announce.js';
import type { ShutdownFlag } from '../lifecycle.js';
import type { Logger } from '../logging.js';
import type { Core } from './core.js';
import type { Infrastructure } from './infrastructure.js';

/** What the parts built before HTTP add to it: their routers, readiness and status sections. */
export interface HttpAdditions {
  /** runs every gate check now (POST /ops/gate/recheck) */
  recheck: () => Promise<void>;
  /** mounted under /v1 behind the EPJ token */
  epjRoutes?: Router[];
  /** mounted under /ops behind the operator token */
  opsRoutes?: Router[];
  readiness?: ReadinessSource[];
  sections?: StatusSections;
}

/** /readyz's gate and schema parts. */
function coreReadiness(config: Config, core: Core): ReadinessSource[] {
  return [
    {
      name: 'gate',
      report: () => {
        const { gateway, services } = core.gate.current();
        const perService = Object.fromEntries(Object.entries(services).map(([k, v]) => [k, v.state]));
        return { ready: gateway.state !== 'closed', state: gateway.state, services: perService, reasons: gateway.reasons.map((r) => r.code) };
      },
    },
    { name: 'schemas', report: () => ({ ready: true, schemaValidation: config.KITH_SCHEMA_DIR ? 'official' : 'own-rules' }) },
  ];
}

/** The gateway's HTTP face, assembled from the routers of every part: EPJ API, operations API and dashboard. */
export function buildHttp(config: Config, logger: Logger, infra: Infrastructure, core: Core, flag: ShutdownFlag, add: HttpAdditions): Express {
  const { redis, queues, metrics } = infra;
  const { gate, notifier, audit, store, deadLetters, outbound, schemas, throughput } = core;
  const clinic = { name: config.CLINIC_NAME, herId: config.CLINIC_HER_ID, orgNumber: config.CLINIC_ORG_NUMBER };
  return createApp({
    config,
    logger,
    redis,
    registry: metrics.registry,
    sources: [...coreReadiness(config, core), ...(add.readiness ?? [])],
    isShuttingDown: () => flag.isSet,
    epjRoutes: [epjMessageStatusRouter(store), epjSubmitRouter({ config, gate, outbound, schemas: () => schemas }), ...(add.epjRoutes ?? [])],
    opsRoutes: [
      opsMessagesRouter({ store, deadLetters }),
      opsGateRouter({
        gate,
        notifier,
        audit,
        recheck: add.recheck,
        noticeToNhn: (service, reason, operator) => noticeToNhn({ config, notifier }, service, reason, operator),
      }),
      opsAuditRouter(audit),
      opsStatusRouter({ gate, notifier, queues, redis, throughput, sections: add.sections ?? {}, clinic }),
      opsWaitingRouter({ queues, store, gate }),
      queueBoardRouter({ queues, deadLetters, audit }),
      ...(add.opsRoutes ?? []),
    ],
    opsPublicRoutes: [opsLoginRouter(config.OPS_TOKEN), dashboardRouter()],
  });
}
