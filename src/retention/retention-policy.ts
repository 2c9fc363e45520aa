import type { Config } from '../config.js';

/**
 * How long each kind of data is kept, from the settings: the table the clean-up enforces, the
 * dashboard shows and docs/operations.md documents. The kinds are the label values of
 * epj_gateway_retention_removed_total.
 */

export const RETENTION_KINDS = [
  'messages',
  'documents',
  'dead-letters',
  'jobs',
  'apprec-tracking',
  'order-keys',
  'notifications',
  'audit',
  'inbox-files',
  'outbox-files',
] as const;
export type RetentionKind = (typeof RETENTION_KINDS)[number];

export interface RetentionRule {
  kind: RetentionKind;
  /** the setting that sets it */
  setting: keyof Config;
  days: number;
  /** what is kept, in words for the dashboard */
  what: string;
  /** what is never removed however old, while it still matters */
  keptWhile?: string;
}

/** Milliseconds by kind: what the clean-up compares ages with. */
export type RetentionLimits = Record<RetentionKind, number>;

const DAY_MS = 86_400_000;

const RULES: readonly Omit<RetentionRule, 'days'>[] = [
  {
    kind: 'messages',
    setting: 'RETENTION_MESSAGES_DAYS',
    what: 'message state and history, by MsgId',
    keptWhile:
      'queued, waiting, sent without its AppRec, received and not yet delivered, its dead letter is kept, or it is a citizen request still unanswered (then until REQUEST_RETENTION_DAYS from its receipt)',
  },
  {
    kind: 'documents',
    setting: 'RETENTION_DOCUMENTS_DAYS',
    what: "a received request's sealed document",
    keptWhile: 'the request is unanswered (until REQUEST_RETENTION_DAYS)',
  },
  { kind: 'dead-letters', setting: 'RETENTION_DEAD_LETTERS_DAYS', what: 'dead letters and their sealed document' },
  { kind: 'jobs', setting: 'RETENTION_JOBS_DAYS', what: 'completed and failed jobs of the message queues', keptWhile: 'waiting, delayed or active' },
  {
    kind: 'apprec-tracking',
    setting: 'RETENTION_APPREC_TRACKING_DAYS',
    what: "finished AppRec tracking (jobs, the service bus's notes)",
    keptWhile: 'the AppRec is still awaited',
  },
  {
    kind: 'order-keys',
    setting: 'RETENTION_ORDER_KEYS_DAYS',
    what: "a patient's delivery-order keys (keyed hash)",
    keptWhile: 'a message of theirs is undelivered',
  },
  { kind: 'notifications', setting: 'RETENTION_NOTIFICATIONS_DAYS', what: 'gate notifications and their delivery jobs', keptWhile: 'not yet delivered' },
  { kind: 'audit', setting: 'AUDIT_RETENTION_DAYS', what: 'the audit log' },
  { kind: 'inbox-files', setting: 'RETENTION_INBOX_FILES_DAYS', what: 'EPJ inbox folder files the EPJ has had', keptWhile: 'the message is not delivered' },
  {
    kind: 'outbox-files',
    setting: 'RETENTION_OUTBOX_FILES_DAYS',
    what: "the outbox folder's done/ and error/ files",
    keptWhile: 'not yet taken (in the outbox itself)',
  },
];

export function retentionTable(config: Config): RetentionRule[] {
  return RULES.map((r) => ({ ...r, days: Number(config[r.setting]) }));
}

export function retentionLimits(config: Config): RetentionLimits {
  return Object.fromEntries(retentionTable(config).map((r) => [r.kind, r.days * DAY_MS])) as RetentionLimits;
}
