import { Router } from 'express';
import type { JobType, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { GateLevel } from '../gate/gate-state.js';
import type { ServiceGate } from '../gate/service-gate.js';
import type { Queues } from '../pipeline/queues.js';
import { GatewayError } from '../errors.js';
import { operatorOf } from './operator.js';
import { redisKeys } from '../redis-keys.js';
import { needs } from './ops-roles.js';

/** What the fleet view reads of one clinic. */
export interface FleetClinic {
  herId: string;
  name: string;
  orgNumber: string;
  prefix: string;
  gate: Pick<ServiceGate, 'current'>;
  queues: Queues;
  redis: Redis;
  /** days until the first of the clinic's enterprise certificates expires (negative: expired) */
  nearestCertificateExpiryDays: () => number | undefined;
  lastSuccessfulPoll: () => Date | undefined;
}

export interface FleetRow {
  herId: string;
  name: string;
  orgNumber: string;
  gate: { state: GateLevel; services: Record<string, { state: GateLevel; reasons: { code: string; message: string }[] }> };
  waiting: number;
  deadLetters: number;
  certificateExpiryDays: number | null;
  lastSuccessfulPoll: string | null;
  appRecsMissing: number;
}

const WAITING_STATES = ['waiting', 'active', 'delayed', 'paused', 'prioritized'] as const;
const LEVEL: Record<GateLevel, number> = { closed: 2, warning: 1, open: 0 };

async function countOf(queue: Queue, states: readonly JobType[]): Promise<number> {
  const counts = await queue.getJobCounts(...states);
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

export async function fleetRow(clinic: FleetClinic): Promise<FleetRow> {
  const { gateway, services } = clinic.gate.current();
  const work = Object.entries(clinic.queues).filter(([name]) => name !== 'dead-letter');
  const [waiting, deadLetters, missing] = await Promise.all([
    Promise.all(work.map(([, q]) => countOf(q, WAITING_STATES))).then((n) => n.reduce((a, b) => a + b, 0)),
    countOf(clinic.queues['dead-letter'], ['waiting', 'delayed', 'paused', 'failed']),
    clinic.redis.get(redisKeys(clinic.prefix).appRecMissing),
  ]);
  const lastPoll = clinic.lastSuccessfulPoll();
  return {
    herId: clinic.herId,
    name: clinic.name,
    orgNumber: clinic.orgNumber,
    gate: {
      state: gateway.state,
      services: Object.fromEntries(
        Object.entries(services).map(([service, s]) => [service, { state: s.state, reasons: s.reasons.map((r) => ({ code: r.code, message: r.message })) }]),
      ),
    },
    waiting,
    deadLetters,
    certificateExpiryDays: clinic.nearestCertificateExpiryDays() ?? null,
    lastSuccessfulPoll: lastPoll ? lastPoll.toISOString() : null,
    appRecsMissing: Number(missing ?? 0),
  };
}

/** Worst first: closed before warning before open, then more dead letters, more waiting, sooner expiry. */
export function worstFirst(a: FleetRow, b: FleetRow): number {
  return (
    LEVEL[b.gate.state] - LEVEL[a.gate.state] ||
    b.deadLetters - a.deadLetters ||
    b.waiting - a.waiting ||
    (a.certificateExpiryDays ?? Infinity) - (b.certificateExpiryDays ?? Infinity) ||
    a.herId.localeCompare(b.herId)
  );
}

/** Adding and removing clinics at run time (through the clinics file). */
export interface ClinicsManagement {
  add(entry: unknown): Promise<unknown>;
  remove(herId: string, options: { force?: boolean; actor: string }): Promise<{ movedToDeadLetters: number }>;
}

/**
 * GET /ops/clinics: one row per clinic, worst first — the fleet view an operations provider starts
 * from; GET /ops/clinics/{herId}: one. POST /ops/clinics (a clinics-file entry) adds a clinic and
 * DELETE /ops/clinics/{herId}[?force=true] removes one, both audited.
 */
export function opsClinicsRouter(clinics: () => readonly FleetClinic[], manage: ClinicsManagement): Router {
  const router = Router();
  router.get('/clinics', needs('viewer'), async (_req, res) => {
    const rows = await Promise.all(clinics().map(fleetRow));
    res.json(rows.sort(worstFirst));
  });
  router.post('/clinics', needs('admin'), async (req, res) => {
    res.status(201).json(await manage.add(req.body));
  });
  router.delete('/clinics/:herId', needs('admin'), async (req, res) => {
    const force = req.query.force === 'true' || req.query.force === '1';
    const result = await manage.remove(req.params.herId, { force, actor: operatorOf(req) });
    res.json({ herId: req.params.herId, removed: true, ...result });
  });
  router.get('/clinics/:herId', needs('viewer'), async (req, res) => {
    const clinic = clinics().find((c) => c.herId === req.params.herId);
    if (!clinic) throw new GatewayError('CLINIC_UNKNOWN', `(HER-id ${req.params.herId.slice(0, 12)})`);
    res.json(await fleetRow(clinic));
  });
  return router;
}
