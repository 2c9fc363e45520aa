import axios from 'axios';
import type { Redis } from 'ioredis';
import type { Logger } from '../logging.js';
import { redisKeys, type RedisKeys } from '../redis-keys.js';

/**
 * Tells the office and its IT operations provider about gate events: certificate expiry warnings,
 * closings and reopenings. Each event has an id and is sent once, however many gateway processes
 * see it and however often they restart: the first to claim the id in Redis sends it. A log line is
 * always written, whatever the targets say.
 */

export interface NotificationTarget {
  name: string;
  url: string;
}

export interface Notification {
  /** stable id of the event: the same event always has the same id */
  id: string;
  kind: 'certificate-expiry-warning' | 'gate-closed' | 'gate-opened' | 'gate-warning' | 'nhn-notice';
  title: string;
  text: string;
  clinic: { herId: string; orgNumber: string; name: string };
  details?: Record<string, unknown>;
  at: string;
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
  ) {
    this.keys = redisKeys(prefix);
  }

  /** Sends the notification unless an event with its id was sent before; true when sent now. */
  async notify(n: Notification): Promise<boolean> {
    const claimed = await this.redis.set(this.keys.notified(n.id), n.at, 'EX', this.retentionSeconds, 'NX');
    if (claimed !== 'OK') return false;
    this.logger.warn({ notification: n.id, kind: n.kind, title: n.title }, 'notification');
    await this.redis.multi().lpush(this.keys.notifications, JSON.stringify(n)).ltrim(this.keys.notifications, 0, 199).exec();
    await Promise.all(this.targets.map((t) => this.deliver(t, n)));
    return true;
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

  /** The latest notifications of every process, newest first. */
  async recent(limit = 50): Promise<Notification[]> {
    const items = await this.redis.lrange(this.keys.notifications, 0, limit - 1);
    return items.map((i) => JSON.parse(i) as Notification);
  }
}
