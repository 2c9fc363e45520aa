import { createHash } from 'node:crypto';
import { UnrecoverableError, Worker, type Job, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Deliverer, Notification, Recipient, Role } from '../gate/notifier.js';
import type { Logger } from '../logging.js';
import { DeliveryFailure, type MailChannel, type WebhookChannel } from './channels.js';
import { render } from './templates.js';

/**
 * Notifications as jobs: one BullMQ job per event and recipient, its id made from both, so an event
 * is delivered once to each recipient however many processes see it, and a recipient whose channel
 * fails never holds up the others. A job is retried with backoff until the channel takes it; a
 * permanent refusal (an SMTP 5xx for the address) or the last try leaves it dead, with the reason,
 * until an operator resends it. Each recipient's state is kept beside the event for the dashboard.
 */

export type { Recipient, Role } from '../gate/notifier.js';

export interface DeliveryState {
  recipient: string;
  role: Role;
  channel: 'mail' | 'webhook';
  state: 'queued' | 'retrying' | 'delivered' | 'dead';
  attempts: number;
  reason?: string;
  at: string;
}

export interface NotificationJob {
  notification: Notification;
  recipient: Recipient;
}

export const NOTIFICATIONS_QUEUE = 'notifications';

const hash = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 24);
const recipientKey = (r: Recipient) => `${r.channel}:${r.address}`;
/** How a recipient is shown: its address, or a webhook's name. */
const shownAs = (r: Recipient) => (r.name === r.role ? r.address : r.name);

export interface DeliveryOptions {
  queue: Queue;
  /** the clinic's key prefix (the delivery states live beside its other keys) */
  prefix: string;
  redis: Redis;
  mail?: MailChannel;
  webhook: WebhookChannel;
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  attempts?: number;
  backoffMs?: number;
}

export class NotificationDelivery implements Deliverer {
  constructor(private readonly options: DeliveryOptions) {}

  private stateKey(id: string): string {
    return `${this.options.prefix}:notification-delivery:${hash(id)}`;
  }

  /** Queues the notification for each recipient (once per event and recipient). */
  async enqueue(n: Notification, recipients: readonly Recipient[]): Promise<void> {
    const { queue, redis } = this.options;
    const at = new Date().toISOString();
    for (const recipient of recipients) {
      const key = recipientKey(recipient);
      const state: DeliveryState = {
        recipient: shownAs(recipient),
        role: recipient.role,
        channel: recipient.channel,
        state: 'queued',
        attempts: 0,
        at,
      };
      await redis
        .multi()
        .hsetnx(this.stateKey(n.id), key, JSON.stringify(state))
        .expire(this.stateKey(n.id), 400 * 24 * 3600)
        .exec();
      await queue.add('notify', { notification: n, recipient } satisfies NotificationJob, {
        jobId: `n-${hash(n.id)}-${hash(key)}`,
        attempts: this.options.attempts ?? 12,
        backoff: { type: 'exponential', delay: this.options.backoffMs ?? 5_000 },
        removeOnComplete: { age: 30 * 24 * 3600 },
        removeOnFail: { age: 400 * 24 * 3600 },
      });
    }
  }

  /** Each recipient's delivery state of an event. */
  async states(id: string): Promise<DeliveryState[]> {
    const all = await this.options.redis.hgetall(this.stateKey(id));
    return Object.values(all).map((v) => JSON.parse(v) as DeliveryState);
  }

  /** Queues a dead delivery again (an operator's resend; the recipient by address, or a webhook by name); false when there is none. */
  async resend(n: Notification, address: string): Promise<boolean> {
    const job = (await this.options.queue.getFailed(0, 1000)).find(
      (j: Job<NotificationJob>) => j.data.notification.id === n.id && (j.data.recipient.address === address || j.data.recipient.name === address),
    ) as Job<NotificationJob> | undefined;
    if (!job) return false;
    await job.retry('failed');
    await this.record(job.data, { state: 'queued', attempts: 0 });
    return true;
  }

  private async record(job: NotificationJob, change: Pick<DeliveryState, 'state' | 'attempts'> & { reason?: string }): Promise<void> {
    const { recipient, notification } = job;
    const state: DeliveryState = {
      recipient: shownAs(recipient),
      role: recipient.role,
      channel: recipient.channel,
      ...change,
      at: new Date().toISOString(),
    };
    await this.options.redis.hset(this.stateKey(notification.id), recipientKey(recipient), JSON.stringify(state));
  }

  /** Delivers one job; throws to have it tried again, UnrecoverableError when it cannot succeed. */
  async process(job: Job<NotificationJob>): Promise<void> {
    const { notification, recipient } = job.data;
    const attempts = job.attemptsMade + 1;
    try {
      if (recipient.channel === 'mail') {
        if (!this.options.mail) throw new DeliveryFailure('no SMTP server is configured (SMTP_HOST)', true);
        await this.options.mail.send(recipient.address, render(notification, recipient.language), { 'X-Epj-Gateway-Clinic': notification.clinic.herId });
      } else {
        await this.options.webhook.send(recipient.address, { ...notification, rendered: render(notification, recipient.language) });
      }
    } catch (err) {
      const permanent = err instanceof DeliveryFailure && err.permanent;
      const last = permanent || attempts >= (job.opts.attempts ?? 1);
      const reason = (err as Error).message;
      await this.record(job.data, { state: last ? 'dead' : 'retrying', attempts, reason });
      this.options.logger.warn(
        { notification: notification.id, kind: notification.kind, role: recipient.role, channel: recipient.channel, attempts, dead: last, reason },
        last ? 'notification not delivered: dead-lettered' : 'notification not delivered: tried again later',
      );
      if (permanent) throw new UnrecoverableError(reason);
      throw err;
    }
    await this.record(job.data, { state: 'delivered', attempts });
    this.options.logger.info(
      { notification: notification.id, kind: notification.kind, role: recipient.role, channel: recipient.channel, attempts },
      'notification delivered',
    );
  }

  /** The worker for the clinic's notifications queue. */
  worker(connection: Redis, prefix: string): Worker {
    return new Worker(NOTIFICATIONS_QUEUE, (job: Job<NotificationJob>) => this.process(job), { connection, prefix, concurrency: 4 });
  }
}
