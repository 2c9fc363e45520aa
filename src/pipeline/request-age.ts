import { SERVICE_IDS, type ServiceId } from '../domain/services.js';
import { workingDaysBefore } from '../domain/working-days.js';
import type { Notification, Notifier } from '../gate/notifier.js';
import type { OpenRequests } from './open-requests.js';

/**
 * How old the office's open requests are, per service: counts by age bucket (working days) for the
 * metric and the dashboard, and the notice to the office when a request passes its service's limit
 * (REQUEST_AGE_LIMITS), once per request. Ids, services and times only: no patient data.
 */

/** The age buckets' upper bounds in working days; the last bucket has none. */
export const AGE_BUCKET_DAYS = [1, 2, 3, 5, 10] as const;
export const AGE_BUCKETS = ['0-1d', '1-2d', '2-3d', '3-5d', '5-10d', '10d+'] as const;
export type AgeBucket = (typeof AGE_BUCKETS)[number];

export interface ServiceAges {
  open: number;
  buckets: Record<AgeBucket, number>;
  overLimit: number;
  limitWorkingDays: number;
}

export type OpenRequestAges = Record<ServiceId, ServiceAges>;

export type AgeLimits = Readonly<Record<ServiceId, number>>;

export async function readOpenRequestAges(
  requests: Pick<OpenRequests, 'countsBetween' | 'countReceivedBefore'>,
  limits: AgeLimits,
  now = new Date(),
): Promise<OpenRequestAges> {
  const at = now.getTime();
  const cutoffs = AGE_BUCKET_DAYS.map((d) => workingDaysBefore(at, d));
  const limitCutoffs = Object.fromEntries(SERVICE_IDS.map((s) => [s, workingDaysBefore(at, limits[s])])) as Record<ServiceId, number>;
  const [counts, over] = await Promise.all([requests.countsBetween(cutoffs), requests.countReceivedBefore(limitCutoffs)]);
  return Object.fromEntries(
    SERVICE_IDS.map((s) => {
      // a request stamped after `now` (another process's clock) counts as new
      const buckets = Object.fromEntries(AGE_BUCKETS.map((b, i) => [b, counts[s][i] ?? 0])) as Record<AgeBucket, number>;
      return [s, { open: Object.values(buckets).reduce((a, b) => a + b, 0), buckets, overLimit: over[s], limitWorkingDays: limits[s] }];
    }),
  ) as OpenRequestAges;
}

/** At most this many notices per service and check; the rest go at the next check. */
const NOTICES_PER_CHECK = 50;

/**
 * Tells the office of each open request past its service's limit, once per request (the notifier
 * claims `request-overdue:<MsgId>`), and drops from the worklist what is past its retention.
 */
export async function tellOverdueRequests(deps: {
  requests: Pick<OpenRequests, 'receivedBefore' | 'prune'>;
  notifier: Pick<Notifier, 'notify'>;
  limits: AgeLimits;
  clinic: Notification['clinic'];
  now?: Date;
}): Promise<number> {
  const now = deps.now ?? new Date();
  await deps.requests.prune(now);
  let told = 0;
  for (const service of SERVICE_IDS) {
    const days = deps.limits[service];
    const overdue = await deps.requests.receivedBefore(service, workingDaysBefore(now.getTime(), days), NOTICES_PER_CHECK);
    for (const { msgId, receivedAt } of overdue) {
      const sent = await deps.notifier.notify({
        id: `request-overdue:${msgId}`,
        kind: 'request-overdue',
        title: `A ${service} request has waited ${days} working days for its answer at ${deps.clinic.name}`,
        text: `Request ${msgId} (${service}), received ${receivedAt}, is still unanswered after ${days} working days: answer it from the EPJ's worklist (GET /v1/requests).`,
        clinic: deps.clinic,
        details: { service, msgId, receivedAt, limitWorkingDays: days },
        at: now.toISOString(),
      });
      if (sent) told++;
    }
  }
  return told;
}
