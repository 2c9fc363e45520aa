import { AmqpBus } from '../../adapters/transport/amqp/bus.js';
import { AmqpInboundSource } from '../../adapters/transport/amqp/amqp-inbound.js';
import { ConfigError, type Config } from '../config.js';
import type { Logger } from '../logging.js';

/** The service bus (TRANSPORT=amqp): one connection per process, and the inbound source every clinic's receivers hang on. */
export interface BusSide {
  bus: AmqpBus;
  inbound: AmqpInboundSource;
}

/** Connects to the service bus when TRANSPORT=amqp (`url`: the demo's broker when AMQP_URL is unset); undefined for REST. */
export async function buildBus(config: Config, logger: Logger, url: string | undefined): Promise<BusSide | undefined> {
  if (config.TRANSPORT !== 'amqp') return undefined;
  const at = url ?? config.AMQP_URL;
  if (!at) throw new ConfigError('AMQP_URL', 'set the service bus URL (amqp:// or amqps://) for TRANSPORT=amqp');
  const bus = new AmqpBus({ url: at, addressing: { form: config.AMQP_ADDRESS_FORM, exchange: config.AMQP_EXCHANGE }, logger });
  await bus.start();
  return { bus, inbound: new AmqpInboundSource(bus, logger, { maxTries: config.AMQP_MAX_TRIES }) };
}
