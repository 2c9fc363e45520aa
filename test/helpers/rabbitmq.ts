import { SupervisedRabbitMq, type Provisioning } from '../../src/infra/supervised-rabbitmq.js';
import { tempDir } from './tmp.js';

/** A RabbitMQ of the test's own (AMQP 1.0 plugin), on free ports under a temp dir. */
export interface TestBroker {
  url: string;
  port: number;
  /** declares each party's four queues, bound to the exchange by name */
  provision(p: Provisioning): Promise<void>;
  /** deletes a queue under its consumers */
  deleteQueue(name: string): Promise<void>;
  /** kill -9; start() brings it back on the same port with its data */
  kill(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestBroker(): Promise<TestBroker> {
  const broker = new SupervisedRabbitMq({ dir: tempDir('rabbitmq') });
  await broker.start();
  return {
    url: broker.url,
    port: broker.port,
    provision: (p) => broker.provision(p),
    deleteQueue: (name) => broker.deleteQueue(name),
    kill: () => broker.kill(),
    start: () => broker.start(),
    stop: () => broker.stop(),
  };
}
