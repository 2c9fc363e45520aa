import axios from 'axios';
import type { Redis } from 'ioredis';
import type { Logger } from '../logging.js';
import { redisKeys, type RedisKeys } from '../redis-keys.js';

/**
 * Tells the office, its IT operations provider and its EPJ vendor about gate events: certificate
 * expiry warnings, closings and reopenings, the notice for NHN. Each event has an id and is sent
 * once, however many gateway processes see it and however often they restart: the first to claim
 * the id in Redis queues it, a job per recipient (src/notify/delivery.ts), retried until delivered
 * or dead-lettered. A log line is always written, whatever the recipients say.
 */

export interface NotificationTarget {
  name: string;
  url: string;
}

export interface Notification {
  /** stable id of the event: the same event always has the same id */
  id: string;
  kind: 'certificate-expiry-warning' | 'gate-closed' | 'gate-opened' | 'gate-warning' | 'nhn-notice' | NotificationKindAdded | 'request-overdue';
  title: string;
  text: string;
  clinic: { herId: string; orgNumber: string; name: string };
  details?: Record<string, unknown>;
  at: string;
}

/** Kinds added later, each told on its own: the register entry changed; HelseID refusing the client, and accepting it again. */
export type NotificationKindAdded = 'register-changed' | 'helseid-refused' | 'helseid-accepted';

/** Who must act on a notification, and how it reaches them. */
export type Role = 'office' | 'itProvider' | 'epjVendor' | 'webhook';

export interface Recipient {
  role: Role;
  channel: 'mail' | 'webhook';
  /** an e-mail address, or the webhook's URL */
  address: string;
  /** the webhook's name; for mail, the role */
  name: string;
  language: 'nb' | 'en';
}

/** Which roles each event kind goes to (the ones that must act); webhooks get every kind. */
export const ROLES_BY_KIND: Record<Notification['kind'], readonly Role[]> = {
  'certificate-expiry-warning': ['office', 'itProvider'],
  'gate-warning': ['office', 'itProvider'],
  'gate-closed': ['office', 'itProvider', 'epjVendor'],
  'gate-opened': ['office', 'itProvider', 'epjVendor'],
  // the IT operations provider forwards it to NHN's customer centre, as NHN's terms ask
  'nhn-notice': ['itProvider'],
  // the office keeps its entry right; the IT operations provider tells NHN (with the notice for NHN)
  'register-changed': ['office', 'itProvider'],
  // the HelseID client (its registration, certificate, grants) is the IT operations provider's to set right
  'helseid-refused': ['itProvider'],
  'helseid-accepted': ['itProvider'],
  // a citizen request past its service's age limit (REQUEST_AGE_LIMITS): the office answers it
  'request-overdue': ['office'],
};

/** The durable delivery (src/notify/delivery.ts): a job per event and recipient, retried until delivered or dead. */
export interface Deliverer {
  enqueue(n: Notification, recipients: readonly Recipient[]): Promise<void>;
  states(id: string): Promise<unknown[]>;
}

export interface NotifierOptions {
  delivery: Deliverer;
  /** the clinic's e-mail recipients by role, and the language of each where it is not `language` */
  contacts: Partial<Record<Exclude<Role, 'webhook'>, string>> & { languages?: Partial<Record<Exclude<Role, 'webhook'>, 'nb' | 'en'>> };
  /** the deployment's language (NOTIFY_LANGUAGE): webhooks', and every contact's without its own */
  language: 'nb' | 'en';
}

/** `name=url,name=url` */
export function parseTargets(setting: string[]): NotificationTarget[] {
  return setting.map((pair) => {
    const i = pair.indexOf('=');
    return { name: pair.slice(0, i), url: pair.slice(i + 1) };
  });
}

export class Notifier {
  private readonly keys: RedisKeys;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly targets: NotificationTarget[],
    private readonly logger: Logger,
    private readonly retentionSeconds = 400 * 24 * 3600,
    private readonly options?: NotifierOptions,
  ) {
    this.keys = redisKeys(prefix);
  }

  /** Sends the notification unless an event with its id was sent before; true when sent now. */
  async notify(n: Notification): Promise<boolean> {
    const claimed = await this.redis.set(this.keys.notified(n.id), n.at, 'EX', this.retentionSeconds, 'NX');
    if (claimed !== 'OK') return false;
    this.logger.warn({ notification: n.id, kind: n.kind, title: n.title }, 'notification');
    await this.redis.multi().lpush(this.keys.notifications, JSON.stringify(n)).ltrim(this.keys.notifications, 0, 199).exec();
    if (this.options) await this.options.delivery.enqueue(n, this.recipientsOf(n));
    else await Promise.all(this.targets.map((t) => this.deliver(t, n)));
    return true;
  }

  /** The roles that must act on this kind of event, by e-mail, and every webhook. */
  recipientsOf(n: Notification): Recipient[] {
    const { contacts, language } = this.options!;
    const mail = ROLES_BY_KIND[n.kind].flatMap((role): Recipient[] => {
      const address = contacts[role as Exclude<Role, 'webhook'>];
      return address ? [{ role, channel: 'mail', address, name: role, language: contacts.languages?.[role as Exclude<Role, 'webhook'>] ?? language }] : [];
    });
    const hooks = this.targets.map((t): Recipient => ({ role: 'webhook', channel: 'webhook', address: t.url, name: t.name, language }));
    return [...mail, ...hooks];
  }

  private async deliver(target: NotificationTarget, n: Notification): Promise<void> {
    for (let attempt = 1; attempt <= 3; attempt++) {
      try {
        await axios.post(target.url, n, { timeout: 5_000, headers: { 'content-type': 'application/json' } });
        return;
      } catch (err) {
        const status = axios.isAxiosError(err) ? err.response?.status : undefined;
        this.logger.warn({ target: target.name, attempt, status }, 'notification not delivered');
        if (attempt < 3) await new Promise((r) => setTimeout(r, 500 * attempt));
      }
    }
  }

  /** The latest notifications of every process, newest first, each with its delivery per recipient. */
  async recent(limit = 50): Promise<(Notification & { deliveries?: unknown[] })[]> {
    const items = (await this.redis.lrange(this.keys.notifications, 0, limit - 1)).map((i) => JSON.parse(i) as Notification);
    if (!this.options) return items;
    return Promise.all(items.map(async (n) => ({ ...n, deliveries: await this.options!.delivery.states(n.id) })));
  }

  /** One recorded notification by its event id (for a resend): the list alone, not each one's deliveries. */
  async find(id: string): Promise<Notification | undefined> {
    const items = await this.redis.lrange(this.keys.notifications, 0, 199);
    return items.map((i) => JSON.parse(i) as Notification).find((n) => n.id === id);
  }
}
