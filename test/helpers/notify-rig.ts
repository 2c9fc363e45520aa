import { Queue, type Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { startSmtpStandIn, type SmtpStandIn } from '../../demo/smtp-stand-in.js';
import { Notifier, type Notification, type NotificationTarget, type NotifierOptions } from '../../src/gate/notifier.js';
import { MailChannel, WebhookChannel } from '../../src/notify/channels.js';
import { NOTIFICATIONS_QUEUE, NotificationDelivery, type DeliveryOptions } from '../../src/notify/delivery.js';
import { startTestRedis, type TestRedis } from './redis.js';

/** The demo's clinic and its people, as the notification tests use them. */
export const RIG_CLINIC = { herId: '8142987', orgNumber: '921543212', name: 'Fjordvik legekontor AS' };
export const RIG_CONTACTS = { office: 'kontor@fjordvik.example', itProvider: 'drift@fjellnett-it.example', epjVendor: 'support@journal.example' };

/** A closing of e-consultation at the rig's clinic for a register fault, as the gate announces it. */
export function closedNotification(id: string, at = '2027-01-10T12:00:00.000Z'): Notification {
  return {
    id,
    kind: 'gate-closed',
    title: 'e-consultation is CLOSED at Fjordvik legekontor AS',
    text: 'ar-service-not-registered: Register the service.',
    clinic: RIG_CLINIC,
    details: { scope: 'e-consultation', from: 'open', to: 'closed', reasons: ['ar-service-not-registered'] },
    at,
  };
}

export interface NotifyRig {
  redis: TestRedis;
  client: Redis;
  smtp: SmtpStandIn;
  /** one gateway process's delivery: its own queue and worker on the shared Redis */
  process(options?: Partial<DeliveryOptions>, webhooks?: NotificationTarget[]): Promise<{ delivery: NotificationDelivery; notifier: Notifier }>;
  mailTo(address: string): ReturnType<SmtpStandIn['received']>;
  stop(): Promise<void>;
}

/** A real Redis, a real SMTP server (the demo's stand-in) and, per `process()`, a notifier delivering through them. */
export async function startNotifyRig(prefix: string, contacts: NotifierOptions['contacts'] = RIG_CONTACTS): Promise<NotifyRig> {
  const redis = await startTestRedis();
  const client = new Redis(redis.url);
  const smtp = await startSmtpStandIn();
  const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined } as never;
  const closers: (() => Promise<unknown> | void)[] = [];
  return {
    redis,
    client,
    smtp,
    async process(options = {}, webhooks = []) {
      const workerConnection = new Redis(redis.url, { maxRetriesPerRequest: null });
      const queue = new Queue(NOTIFICATIONS_QUEUE, { connection: client, prefix });
      const delivery = new NotificationDelivery({
        queue,
        prefix,
        redis: client,
        mail: new MailChannel({ host: '127.0.0.1', port: smtp.port, security: 'none', from: 'epj-gateway@fjellnett-it.example', timeoutMs: 2_000 }),
        webhook: new WebhookChannel(undefined),
        logger: quiet,
        attempts: 8,
        backoffMs: 300,
        ...options,
      });
      const worker: Worker = delivery.worker(workerConnection, prefix);
      closers.push(
        () => worker.close(),
        () => queue.close(),
        () => workerConnection.disconnect(),
      );
      return { delivery, notifier: new Notifier(client, prefix, webhooks, quiet, undefined, { delivery, contacts, language: 'nb' }) };
    },
    mailTo: (address) => smtp.received().filter((m) => m.to.includes(address)),
    async stop() {
      for (const close of closers) await close();
      await smtp.close();
      client.disconnect();
      await redis.stop();
    },
  };
}
