import path from 'node:path';
import { redacted } from '../adapters/transport/amqp/bus.js';
import type { Config } from '../src/config.js';
import { SupervisedRabbitMq } from '../src/infra/supervised-rabbitmq.js';
import type { Logger } from '../src/logging.js';

/** Helsenorge's HER-id in the demo (the simulator's citizen side). */
export const DEMO_HELSENORGE_HER_ID = 8093244;

/**
 * The demo's service bus (TRANSPORT=amqp): AMQP_URL's broker as it is (its queues are NHN's to
 * provision), or a RabbitMQ the demo supervises under DATA_DIR/broker on free ports, with the
 * queues of Helsenorge and of every clinic (and the HER-ids under it) declared, as NHN declares them.
 */
export async function demoBus(
  config: Config,
  logger: Logger,
  clinics: readonly { herId: string; subHerIds: readonly string[] }[],
): Promise<{ url: string; stop: () => Promise<void> }> {
  if (config.AMQP_URL) return { url: config.AMQP_URL, stop: async () => undefined };
  const broker = new SupervisedRabbitMq({ dir: path.join(config.DATA_DIR, 'broker'), logger });
  await broker.start();
  try {
    await broker.provision({
      exchange: config.AMQP_EXCHANGE,
      parties: [DEMO_HELSENORGE_HER_ID, ...clinics.flatMap((c) => [c.herId, ...c.subHerIds].map(Number))],
    });
  } catch (err) {
    await broker.stop();
    throw err;
  }
  logger.info({ url: redacted(broker.url) }, 'service bus broker started');
  return { url: broker.url, stop: () => broker.stop() };
}
