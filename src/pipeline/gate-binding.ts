import type { GateSnapshot } from '../gate/gate-state.js';
import { GATED_SERVICES } from '../gate/gate-state.js';
import type { ServiceGate } from '../gate/service-gate.js';
import type { Logger } from '../logging.js';
import { outboundQueueName } from './outbound.js';
import type { WorkerSupervisor } from './worker-supervisor.js';

/**
 * Makes the gate act on this process's workers: a closed service's outbound worker pauses (its
 * queued messages wait in Redis, nothing is failed or dead-lettered), and resumes by itself, in
 * order, when the service opens. Every process binds its own workers; the gate is shared.
 */
export function bindGateToWorkers(gate: ServiceGate, workers: WorkerSupervisor, logger: Logger): () => Promise<void> {
  const paused = new Set<string>();
  const apply = async (snapshot: GateSnapshot) => {
    for (const service of GATED_SERVICES) {
      const name = outboundQueueName(service);
      if (!workers.has(name)) continue;
      // closed by the office alone, the worker runs on: it sends the auto-answers to citizens meanwhile
      const closed = snapshot.services[service].state === 'closed' && !gate.closedByOffice(service);
      if (closed && !paused.has(name)) {
        paused.add(name);
        await workers.pause(name);
        logger.warn({ service }, 'gate closed: outbound worker paused; queued messages wait');
      } else if (!closed && paused.has(name)) {
        paused.delete(name);
        workers.resume(name);
        logger.info({ service }, 'gate open: outbound worker resumed');
      }
    }
  };
  gate.on('snapshot', (s: GateSnapshot) => void apply(s).catch((err: unknown) => logger.error({ err: String(err) }, 'applying the gate failed')));
  return () => apply(gate.current());
}
