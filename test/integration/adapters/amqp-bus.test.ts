import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { AmqpBus } from '../../../adapters/transport/amqp/bus.js';
import { AmqpInboundSource } from '../../../adapters/transport/amqp/amqp-inbound.js';
import { bodyOf, readIncoming, toWire, type Incoming, type WireMessage } from '../../../adapters/transport/amqp/wire.js';
import { eventually } from '../../helpers/eventually.js';
import { startTestBroker, type TestBroker } from '../../helpers/rabbitmq.js';

/** The bus connection on a real RabbitMQ (AMQP 1.0 plugin): properties intact, settlement, and a broker that goes away. */
describe('service bus connection (rhea on a real RabbitMQ)', function () {
  this.timeout(120_000);
  let broker: TestBroker;
  const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const addressing = { form: 'v1' as const, exchange: 'DigitalDialog' };
  const message = (id: string, body = 'cms bytes') =>
    toWire(
      {
        messageId: id,
        subject: 'DIALOG_INNBYGGER_EKONTAKT',
        fromHerId: 8093244,
        toHerId: 8142987,
        queue: '8142987_async',
        kind: 'async',
        cpaId: 'cpa-7',
        body: Buffer.from(body),
      },
      addressing,
      (b) => ({
        typecode: 0x75,
        content: b,
      }),
    );

  before(async () => {
    broker = await startTestBroker();
    await broker.provision({ exchange: 'DigitalDialog', parties: [8093244, 8142987] });
  });
  after(() => broker?.stop());

  it('carries every property and application property Helsenorge.Messaging sets, settling only what the handler accepts', async () => {
    const bus = new AmqpBus({ url: broker.url, addressing, logger: quiet });
    await bus.start();
    const got: Incoming[] = [];
    let refuseOnce = true;
    const receiver = bus.receive('8142987_async', async (m) => {
      // the first delivery is released: it must come again
      if (refuseOnce) {
        refuseOnce = false;
        return 'release';
      }
      const read = readIncoming(m, [8142987]);
      if ('ok' in read) got.push(read.ok);
      return 'accept';
    });
    try {
      await bus.send(message('m-props'));
      await eventually(() => got.length === 1, 10_000, 'the message, delivered again after the release');
      const m = got[0]!;
      assert.equal(m.messageId, 'm-props');
      assert.equal(m.subject, 'DIALOG_INNBYGGER_EKONTAKT');
      assert.equal(m.fromHerId, 8093244);
      assert.equal(m.toHerId, 8142987);
      assert.equal(m.cpaId, 'cpa-7');
      assert.match(m.applicationTimeStamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      assert.equal(m.contentType, 'application/pkcs7-mime; smime-type=signed-and-enveloped-data');
      assert.equal(m.body.toString(), 'cms bytes');
    } finally {
      await receiver.close();
      await bus.close();
    }
  });

  it('a paused receiver takes nothing more (its link detached); the rest wait on the broker until it resumes', async () => {
    const bus = new AmqpBus({ url: broker.url, addressing, logger: quiet });
    await bus.start();
    const taken: string[] = [];
    let paused = false;
    const receiver = bus.receive(
      '8142987_async',
      async (m) => {
        if (paused) return 'release';
        taken.push(String(m.message_id));
        return 'accept';
      },
      4,
    );
    try {
      await bus.send(message('m-before'));
      await eventually(() => taken.includes('m-before'), 10_000, 'the first message');
      paused = true;
      receiver.pause();
      for (let i = 0; i < 20; i++) await bus.send(message(`m-paused-${i}`));
      await new Promise((r) => setTimeout(r, 1_000));
      assert.deepEqual(taken, ['m-before'], 'nothing taken while paused');
      paused = false;
      receiver.resume();
      await eventually(() => taken.length === 21, 15_000, 'all twenty once resumed');
      assert.equal(new Set(taken).size, 21, 'each once');
    } finally {
      await receiver.close();
      await bus.close();
    }
  });

  it('a queue deleted under its receiver and declared again (RabbitMQ 3.10 drops the whole connection for it): the receiver takes what comes after by itself', async () => {
    const bus = new AmqpBus({ url: broker.url, addressing, logger: quiet });
    await bus.start();
    const taken: string[] = [];
    const receiver = bus.receive('8142987_async', async (m) => {
      taken.push(String(m.message_id));
      return 'accept';
    });
    try {
      await bus.send(message('m-first'));
      await eventually(() => taken.includes('m-first'), 10_000, 'the first message');
      await broker.deleteQueue('8142987_async');
      await broker.provision({ exchange: 'DigitalDialog', parties: [8142987] });
      // a send in between fails retryably while the connection is down; the job's retry is this loop
      await eventually(
        () =>
          bus.send(message('m-after')).then(
            () => true,
            (err: { retryable?: boolean }) => (assert.equal(err.retryable, true), false),
          ),
        20_000,
        'a send accepted again',
      );
      await eventually(() => taken.includes('m-after'), 15_000, 'a message on the queue declared again');
    } finally {
      await receiver.close();
      await bus.close();
    }
  });

  it('a send to a queue the broker does not have is a retryable failure', async () => {
    const bus = new AmqpBus({ url: broker.url, addressing, logger: quiet, sendTimeoutMs: 3_000 });
    await bus.start();
    try {
      const err = (await bus
        .send({ ...message('m-nowhere'), to: '/exchange/NoSuchExchange/9999_async' })
        .then(() => undefined)
        .catch((e: unknown) => e)) as { retryable?: boolean } | undefined;
      assert.ok(err, 'refused');
      assert.equal(err.retryable, true);
    } finally {
      await bus.close();
    }
  });

  it('kill -9 of the broker: a message it accepted is still there after the restart, and the connection comes back by itself', async () => {
    const bus = new AmqpBus({ url: broker.url, addressing, logger: quiet, sendTimeoutMs: 3_000 });
    await bus.start();
    try {
      await bus.send(message('m-durable', 'kept across a crash'));
      await broker.kill();
      await eventually(() => !bus.isOpen, 10_000, 'the connection to notice');
      await broker.start();
      await eventually(() => bus.isOpen, 30_000, 'the connection back');
      const got: Incoming[] = [];
      const receiver = bus.receive('8142987_async', async (m) => {
        const read = readIncoming(m, [8142987]);
        if ('ok' in read) got.push(read.ok);
        return 'accept';
      });
      await eventually(() => got.some((m) => m.messageId === 'm-durable'), 15_000, 'the message accepted before the kill');
      await receiver.close();
      // sending works again on the same connection object
      await eventually(
        () =>
          bus.send(message('m-after')).then(
            () => true,
            () => false,
          ),
        15_000,
        'a send after the restart',
      );
    } finally {
      await bus.close();
    }
  });

  it('a message whose handling keeps failing is released to come again, then moved to the receiver’s _dl queue with the reason after the set tries', async () => {
    const bus = new AmqpBus({ url: broker.url, addressing, logger: quiet });
    await bus.start();
    const source = new AmqpInboundSource(bus, quiet, { maxTries: 3, gateCheckMs: 60_000 });
    // what earlier tests left on the queue is taken too: count this test's messages only
    const tries = new Map<string, number>();
    const kept = (id: string) => tries.get(id) ?? 0;
    let failing = true;
    source.add({
      herId: '8142987',
      receiverHerIds: ['8142987'],
      sink: { offer: () => Promise.resolve({ taken: 1 }) },
      mayTake: () => true,
      keep: (_id, m) => {
        tries.set(m.messageId, kept(m.messageId) + 1);
        return failing ? Promise.reject(new Error('Redis is unreachable')) : Promise.resolve();
      },
    });
    source.start();
    const dead: WireMessage[] = [];
    const dl = bus.receive('8142987_dl', async (m) => {
      dead.push(m);
      return 'accept';
    });
    try {
      await bus.send(message('m-poison'));
      const poison = () => dead.filter((d) => d.message_id === 'm-poison');
      await eventually(() => poison().length === 1, 15_000, 'the message on 8142987_dl');
      assert.equal(kept('m-poison'), 3, 'tried three times');
      const m = poison()[0]!;
      assert.equal(m.message_id, 'm-poison');
      assert.equal(m.subject, 'DIALOG_INNBYGGER_EKONTAKT');
      assert.equal(m.application_properties?.fromHerId, '8093244');
      assert.equal(m.application_properties?.cpaId, 'cpa-7');
      assert.equal(m.application_properties?.deadLetterReason, 'MaxDeliveryCountExceeded');
      assert.equal(m.application_properties?.deadLetterErrorDescription, 'Redis is unreachable');
      assert.equal(m.application_properties?.deliveryTries, 3);
      assert.equal(bodyOf(m.body)?.toString(), 'cms bytes', 'the body as it came');
      assert.match(source.status('8142987')?.lastError ?? '', /moved to 8142987_dl after 3 tries/);
      // it does not come again; the next message, which can be taken, is taken at once
      failing = false;
      await bus.send(message('m-good'));
      await eventually(() => kept('m-good') === 1, 10_000, 'the next message taken');
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(kept('m-poison'), 3);
      assert.equal(kept('m-good'), 1);
      assert.equal(poison().length, 1);
    } finally {
      await dl.close();
      await source.pause();
      await bus.close();
    }
  });

  it('stop leaves no broker process behind', async () => {
    const other = await startTestBroker();
    const port = other.port;
    await other.stop();
    const left = (() => {
      try {
        return execFileSync('pgrep', ['-af', `beam.*${port}`]).toString();
      } catch {
        return '';
      }
    })();
    assert.equal(left.trim(), '');
  });
});
