import type { Router } from 'express';
import type { JobType } from 'bullmq';
import type { Clinic } from '../clinics/clinic.js';
import { findFleetConflict } from '../clinics/fleet-conflicts.js';
import type { Config } from '../config.js';
import { GatewayError } from '../errors.js';
import { GATED_SERVICES } from '../gate/gate-state.js';
import type { ClientToken } from '../http/auth.js';
import { closeInOrder, type Closable, type Poller, type Workers } from '../lifecycle.js';
import type { Logger } from '../logging.js';
import type { OutboundJobData } from '../pipeline/outbound.js';
import type { PollScheduler } from '../pipeline/poll-scheduler.js';
import type { BusSide } from './bus.js';
import { composeClinic, type ClinicParts, type DemoHooks, type FarSide } from './clinic.js';
import type { ClinicRouters } from './http.js';
import type { Infrastructure } from './infrastructure.js';

const WORK_STATES: JobType[] = ['waiting', 'active', 'delayed', 'paused', 'prioritized'];
const MOVABLE: JobType[] = ['waiting', 'delayed', 'paused', 'prioritized'];

/** What a clinic still has to do: jobs per queue that are not done. */
export type InFlight = Record<string, number>;

export interface FleetDeps {
  config: Config;
  logger: Logger;
  infra: Infrastructure;
  far: FarSide;
  opsRoutes?: (hooks: DemoHooks) => Router[];
  scheduler?: PollScheduler;
  /** the service bus (TRANSPORT=amqp) */
  bus?: BusSide;
}

/**
 * The clinics this process serves, as they are now: the composition adds the configured ones at
 * start, and the clinics file's changes add, rebuild or remove one at run time without touching
 * the others. HTTP asks it for the clinic of each request; shutdown asks it for every clinic's
 * pollers, workers and parts. It is the one piece of the composition that changes after start,
 * because the clinics do.
 */
export class Fleet implements Poller, Workers {
  readonly name = 'clinics';
  private readonly clinics = new Map<string, ClinicParts>();
  private routerCache: { routers: ClinicRouters[]; tokens: ClientToken[] } | undefined;

  constructor(private readonly deps: FleetDeps) {}

  list(): ClinicParts[] {
    return [...this.clinics.values()];
  }

  get(herId: string): ClinicParts | undefined {
    return this.clinics.get(herId);
  }

  /** Every clinic's routers and EPJ tokens; the same arrays until the fleet changes. */
  routers(): ClinicRouters[] {
    return this.cache().routers;
  }

  tokens(): ClientToken[] {
    return this.cache().tokens;
  }

  private cache() {
    this.routerCache ??= (() => {
      const routers = this.list().map((c) => c.routers);
      return { routers, tokens: routers.flatMap((r) => r.tokens) };
    })();
    return this.routerCache;
  }

  /** Builds a clinic's parts and starts them; refused when it shares a HER-id, token or folder with a clinic served. */
  async add(clinic: Clinic): Promise<ClinicParts> {
    const others = this.list()
      .filter((c) => c.clinic.herId !== clinic.herId)
      .map((c) => c.clinic as Clinic);
    if (this.clinics.has(clinic.herId)) throw new GatewayError('CLINIC_CONFLICT', `(HER-id ${clinic.herId} is served already)`);
    const conflict = findFleetConflict([...others, clinic]);
    if (conflict) throw new GatewayError('CLINIC_CONFLICT', `(${conflict.field}: ${conflict.message})`);
    const { config, logger, infra, far, opsRoutes, scheduler, bus } = this.deps;
    const parts = await composeClinic(clinic, infra.metrics.forClinic(clinic.herId), {
      deploymentPrefix: config.QUEUE_PREFIX,
      infra,
      far,
      logger,
      ...(opsRoutes ? { demoRoutes: opsRoutes } : {}),
      ...(scheduler ? { scheduler } : {}),
      ...(bus ? { bus } : {}),
    });
    this.clinics.set(clinic.herId, parts);
    this.routerCache = undefined;
    logger.info({ clinic: clinic.herId }, 'clinic added');
    return parts;
  }

  /** Jobs a clinic has not finished, per queue (AppRec tracking and dead letters are not work in flight). */
  async inFlight(herId: string): Promise<InFlight> {
    const parts = this.require(herId);
    const out: InFlight = {};
    for (const [name, queue] of Object.entries(parts.queues)) {
      if (name === 'dead-letter' || name === 'apprec-tracking') continue;
      const counts = await queue.getJobCounts(...WORK_STATES);
      const total = Object.values(counts).reduce((a, b) => a + b, 0);
      if (total > 0) out[name] = total;
    }
    return out;
  }

  /**
   * Stops serving a clinic. Refused while it has work in flight, unless `force`: then the answers it
   * has not sent go to its dead letters (replayable if it comes back) and the received messages not
   * yet taken stay unread at NHN; citizen requests still on their way to its EPJ are never dropped,
   * so those refuse even a forced removal. Its data stays in Redis under its HER-id.
   */
  async remove(herId: string, options: { force?: boolean; actor: string }): Promise<{ movedToDeadLetters: number }> {
    const parts = this.require(herId);
    const inFlight = await this.inFlight(herId);
    const toEpj = inFlight['epj-delivery'] ?? 0;
    if (toEpj > 0 || (!options.force && Object.keys(inFlight).length > 0))
      throw new GatewayError(
        'CLINIC_BUSY',
        `(${Object.entries(inFlight)
          .map(([q, n]) => `${q}: ${n}`)
          .join(', ')})`,
        { inFlight },
      );

    // Stop taking work first, then move what waits.
    await this.deps.scheduler?.remove(herId);
    await this.deps.bus?.inbound.remove(herId);
    for (const poller of [parts.pipeline.poller, parts.epj.outbox]) await poller.pause().catch(() => undefined);
    await parts.workers.close(this.deps.config.SHUTDOWN_DEADLINE_MS);
    let moved = 0;
    if (options.force) moved = await this.deadLetterOutbound(parts, options.actor);
    await parts.queues.inbound.drain(true);
    await parts.audit.record({ actor: options.actor, action: 'clinic.removed', outcome: options.force ? `forced; ${moved} moved to dead letters` : 'idle' });

    this.clinics.delete(herId);
    this.routerCache = undefined;
    await closeInOrder(parts.closers, this.deps.logger);
    this.deps.infra.metrics.removeClinic(herId);
    this.deps.logger.info({ clinic: herId, forced: Boolean(options.force), movedToDeadLetters: moved }, 'clinic removed');
    return { movedToDeadLetters: moved };
  }

  private async deadLetterOutbound(parts: ClinicParts, actor: string): Promise<number> {
    let moved = 0;
    const reason = `the clinic was removed from the gateway by ${actor} before this was sent`;
    for (const service of GATED_SERVICES) {
      const queue = parts.queues[`outbound-${service}`];
      for (const job of await queue.getJobs(MOVABLE)) {
        const data = job.data as OutboundJobData;
        const msgId = job.id ?? data.msgId;
        await parts.queues['dead-letter'].add('dead', { ...data, reason, from: queue.name, at: new Date().toISOString() }, { jobId: msgId });
        await parts.store.update(msgId, { state: 'dead-lettered', deadLetterReason: reason, waitingReason: null, nextAttemptAt: null });
        await parts.store.addHistory(msgId, { event: 'dead-letter', outcome: 'failed', reason });
        await job.remove();
        moved++;
      }
    }
    return moved;
  }

  private require(herId: string): ClinicParts {
    const parts = this.clinics.get(herId);
    if (!parts) throw new GatewayError('CLINIC_UNKNOWN', `(HER-id ${herId.slice(0, 12)})`);
    return parts;
  }

  /** Lifecycle: every clinic's pollers. */
  async pause(): Promise<void> {
    for (const c of this.list()) for (const p of c.pollers) await p.pause().catch(() => undefined);
  }

  /** Lifecycle: every clinic's workers within the one deadline. */
  async close(deadlineMs: number): Promise<{ forced: string[] }> {
    const results = await Promise.all(this.list().map((c) => c.workers.close(deadlineMs)));
    return { forced: results.flatMap((r) => r.forced) };
  }

  /** Lifecycle: every clinic's parts, after the workers. */
  closers(): Closable[] {
    return [
      {
        name: 'clinics',
        close: () =>
          closeInOrder(
            this.list().flatMap((c) => c.closers),
            this.deps.logger,
          ),
      },
    ];
  }
}
