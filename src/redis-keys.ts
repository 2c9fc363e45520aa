/**
 * Every Redis key the gateway reads or writes, named in one place.
 *
 * QUEUE_PREFIX namespaces all of them: BullMQ's queue keys (`<prefix>:<queue>:…`, which BullMQ
 * builds itself from the same prefix) and the gateway's own keys below. That is deliberate: one
 * deployment owns one keyspace, so a second gateway on the same Redis sets another QUEUE_PREFIX and
 * the two never see each other's messages, gate or audit log. The setting keeps its old name
 * because operators already set it.
 *
 * The strings are a storage format: existing data is read with them after an upgrade, so a key is
 * changed only together with a migration. Every clinic's keys carry its HER-id right after the
 * deployment's prefix (`<QUEUE_PREFIX>:<HER-id>:…`): the composition gives each clinic's parts that
 * longer prefix (src/compose/clinic.ts, clinicSettings), so no two clinics share a key.
 */

export interface RedisKeys {
  /** a message's record (hash) and its history (list), by MsgId */
  message(msgId: string): string;
  messageHistory(msgId: string): string;
  /** a received document, sealed, kept so an answer can be built from its request */
  messageDocument(msgId: string): string;
  /** per patient (keyed hash, never the national id): the next number, the numbers given by MsgId and the MsgIds by number, the last delivered */
  deliveryOrder(patientRef: string): { counter: string; given: string; byNumber: string; delivered: string };
  /** the service gate: reasons by source (hash), levels by service (hash), and its change channel (pub/sub) */
  gateReasons: string;
  gateLevels: string;
  gateChanged: string;
  /** notifications sent (list, newest first) and the claim that sends each id once */
  notifications: string;
  notified(notificationId: string): string;
  /** the audit log (stream) and the hash of its newest entry (the chain's head) */
  audit: string;
  auditHead: string;
  /** how many sent messages got no AppRec before the deadline (a counter) */
  appRecMissing: string;
  /** the AppRecs received lately (sorted set: NHN message id, scored by when it came), read only for a send whose outcome is not known */
  receivedAppRecs: string;
  /** a CRL kept across restarts, by a hash of its URL */
  crl(urlHash: string): string;
  /** an address-register answer cached for a HER-id */
  addressRegister(kind: string, herId: string): string;
  /** the dashboard's per-minute throughput buckets */
  throughput(outcome: string, minute: number): string;
  /** the service bus: a received message kept until read (`in`), a sent message's MsgId (`sent`), an AppRec noted by MsgId (`apprec`) */
  amqp(kind: 'in' | 'sent' | 'apprec', id: string): string;
  /** the free appointment slots the EPJ published (JSON, replaced whole) */
  freeSlots: string;
  /** the pull inbox: the stream of waiting MsgIds and the sealed messages by MsgId */
  pullInboxStream: string;
  pullInboxItems: string;
  /**
   * which replica polls a clinic's mailboxes (a string with a TTL). Asked of the deployment's keys,
   * not a clinic's: the one scheduler of a process holds the leases of all its clinics, and the
   * HER-id goes right after the deployment's prefix like every clinic key.
   */
  pollLease(herId: string): string;
  /** the clinic's own address-register entry as the register watcher last saw it (JSON), and HelseID's last answer to its client */
  registerEntrySeen: string;
  helseIdSeen: string;
  /** a digital-status check (SjekkStatus) and its answer, by the check's MsgId (JSON: state and yes/no only) */
  digitalStatus(checkId: string): string;
  /** the office's worklist: unanswered citizen requests of one service (sorted set, MsgId scored by when it was received) */
  openRequests(service: string): string;
  /** a communication test the clinic sent (hash: sent at, its answer's MsgId and time), and when one last came back whole */
  communicationTest(msgId: string): string;
  communicationTestLastSuccess: string;
  /** the periodic test's claim of its interval (a string with a TTL) */
  communicationTestProbe: string;
  /** the MsgIds of one patient (set), by the keyed hash that stands for them: a purge by patient finds them here */
  patientMessages(patientRef: string): string;
  /** which replica runs the clinic's clean-up this interval (a string with a TTL) */
  retentionLease: string;
  /** the clinic's last clean-up: when, and what it removed by kind (JSON) */
  retentionLastRun: string;
  /** a certificate rollover's switch (hash: the fingerprints switched to, when, by whom) */
  rollover: string;
  /** operator accounts made through the operations API (hash: name -> role and token hash); the deployment's, not a clinic's */
  operators: string;
}

export function redisKeys(prefix: string): RedisKeys {
  // Where a clinic segment will go (see above).
  const scope = prefix;
  const key = (...parts: (string | number)[]) => [scope, ...parts].join(':');
  return {
    message: (msgId) => key('msg', msgId),
    messageHistory: (msgId) => key('msg', msgId, 'history'),
    messageDocument: (msgId) => key('msg', msgId, 'document'),
    deliveryOrder: (patientRef) => ({
      counter: key('epj-order', patientRef, 'next'),
      given: key('epj-order', patientRef, 'given'),
      byNumber: key('epj-order', patientRef, 'by-number'),
      delivered: key('epj-order', patientRef, 'delivered'),
    }),
    gateReasons: key('gate', 'reasons'),
    gateLevels: key('gate', 'levels'),
    gateChanged: key('gate', 'changed'),
    notifications: key('notifications'),
    notified: (notificationId) => key('notified', notificationId),
    audit: key('audit'),
    auditHead: key('audit', 'head'),
    appRecMissing: key('apprec-missing'),
    receivedAppRecs: key('apprec', 'received'),
    crl: (urlHash) => key('crl', urlHash),
    addressRegister: (kind, herId) => key('ar', kind, herId),
    throughput: (outcome, minute) => key('dashboard', 'throughput', outcome, minute),
    amqp: (kind, id) => key('amqp', kind, id),
    freeSlots: key('free-slots'),
    pullInboxStream: key('epj-inbox'),
    pullInboxItems: key('epj-inbox', 'items'),
    pollLease: (herId) => key(herId, 'poll-lease'),
    registerEntrySeen: key('notify', 'register-entry'),
    helseIdSeen: key('notify', 'helseid'),
    digitalStatus: (checkId) => key('digital-status', checkId),
    openRequests: (service) => key('requests', 'open', service),
    communicationTest: (msgId) => key('commtest', msgId),
    communicationTestLastSuccess: key('commtest', 'last-success'),
    communicationTestProbe: key('commtest', 'probe'),
    patientMessages: (patientRef) => key('patient', patientRef, 'messages'),
    retentionLease: key('retention', 'lease'),
    retentionLastRun: key('retention', 'last-run'),
    rollover: key('rollover'),
    operators: key('operators'),
  };
}
