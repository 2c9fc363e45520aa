import type { Redis } from 'ioredis';
import type { Logger } from '../logging.js';
import type { Notifier } from './notifier.js';

/**
 * HelseID refusing the clinic's client (invalid_client, unauthorized_client, invalid_grant, …) is
 * told to the IT operations provider, who holds the client's registration, once per change: when it
 * starts refusing, when it refuses for another reason, and when it issues a token again. HelseID's
 * last answer is kept per clinic in Redis and swapped atomically, so however many processes (and
 * scopes) ask HelseID, and across restarts, each change is told once.
 */
/** HelseID's answer refusing the client: the OAuth error, its description, the HTTP status. */
export interface ClientRefusal {
  oauthError: string;
  description?: string;
  httpStatus: number;
}

export interface HelseIdAnswers {
  refused(refusal: ClientRefusal): void;
  accepted(): void;
}

export function tellHelseIdAnswers(deps: {
  redis: Redis;
  /** where HelseID's last answer is kept (redisKeys(prefix).helseIdSeen) */
  key: string;
  notifier: Pick<Notifier, 'notify'>;
  clinic: { herId: string; orgNumber: string; name: string };
  logger: Pick<Logger, 'error'>;
  now?: () => Date;
}): HelseIdAnswers & { settled: () => Promise<void> } {
  let last: Promise<unknown> = Promise.resolve();
  const swap = (state: string, tell: (previous: string | null, at: string) => Promise<unknown> | undefined) => {
    last = last
      .then(async () => {
        const previous = await deps.redis.set(deps.key, state, 'GET');
        if (previous === state) return;
        await tell(previous, (deps.now?.() ?? new Date()).toISOString());
      })
      .catch((err: unknown) => deps.logger.error({ err: String(err) }, 'HelseID answer not told'));
  };
  return {
    refused(refusal) {
      const description = refusal.description?.slice(0, 300);
      swap(`refused:${refusal.oauthError}`, (_previous, at) =>
        deps.notifier.notify({
          id: `helseid:refused:${refusal.oauthError}:${at}`,
          kind: 'helseid-refused',
          title: `HelseID refuses the client of ${deps.clinic.name} (${refusal.oauthError})`,
          text: `HelseID answered ${refusal.httpStatus} ${refusal.oauthError}${description ? `: ${description}` : ''}. No token, so nothing is fetched from or sent to NHN.`,
          clinic: deps.clinic,
          details: { oauthError: refusal.oauthError, httpStatus: refusal.httpStatus, ...(description ? { description } : {}) },
          at,
        }),
      );
    },
    accepted() {
      // told only after a refusal: a first token, or one more, is no news
      swap('accepted', (previous, at) =>
        previous?.startsWith('refused:')
          ? deps.notifier.notify({
              id: `helseid:accepted:${at}`,
              kind: 'helseid-accepted',
              title: `HelseID accepts the client of ${deps.clinic.name} again`,
              text: 'HelseID issues tokens again; queued messages flow.',
              clinic: deps.clinic,
              details: { refusedFor: previous.slice('refused:'.length) },
              at,
            })
          : undefined,
      );
    },
    settled: () => last.then(() => undefined),
  };
}
