import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import request from 'supertest';
import { TransportError, mshAnswerError } from '../../adapters/transport/errors.js';
import { checkCertificates } from '../../src/gate/certificate-watcher.js';
import { checkRegister } from '../../src/gate/register-watcher.js';
import { addTrackingWorker, trackingProcessor } from '../../src/pipeline/apprec-tracking.js';
import type { AppRecInfo, AppRecToSend } from '../../src/ports/transport.js';
import { noProtection } from '../../src/trust/no-protection.js';
import { DeliveryOrder, addDeliveryWorker, deliveryProcessor } from '../../src/pipeline/epj-delivery.js';
import { addInboundWorker, inboundProcessor, type InboundJobData, type InboundTransport } from '../../src/pipeline/inbound.js';
import { InboundPoller } from '../../src/pipeline/inbound-poller.js';
import { inboundJudge } from '../../src/pipeline/inbound-judge.js';
import { addOutboundWorkers, outboundProcessor, submitOutbound } from '../../src/pipeline/outbound.js';
import type { EpjDelivery } from '../../src/ports/epj-delivery.js';
import { connectRedis, workerConnectionOptions } from '../../src/infra/redis.js';
import { transportErrorKind } from '../../src/metrics.js';
import { eventually } from '../helpers/eventually.js';
import { startTestGateway, type TestGateway as Gateway } from '../helpers/gateway.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';

const CLINIC_HER_ID = 8142987;
/** every series of the clinic carries its HER-id (the test gateway's default clinic) */
const clinic = String(CLINIC_HER_ID);
const OPERATIONS_GUIDE = readFileSync(new URL('../../docs/operations.md', import.meta.url), 'utf8');
const fixture = (name: string) => readFileSync(new URL(`../../fixtures/office-contact/${name}`, import.meta.url));

/** NHN's message service as far as the inbound side sees it; the far side of the network. */
class FakeNhn implements InboundTransport {
  readonly documents = new Map<string, Buffer>();
  readonly appRecs: { id: string; status: string; codes: string[] }[] = [];
  readonly read = new Set<string>();
  async listUnread() {
    return [...this.documents.keys()].filter((id) => !this.read.has(id)).map((id) => ({ id, receiverHerId: CLINIC_HER_ID }));
  }
  async getMessage() {
    return { isAppRec: false, senderHerId: 8093244 };
  }
  async getBusinessDocument(id: string) {
    return this.documents.get(id)!;
  }
  async sendAppRec(id: string, _herId: number, appRec: AppRecToSend) {
    this.appRecs.push({ id, status: appRec.status, codes: appRec.errors.map((e) => e.errorCode) });
  }
  async markRead(id: string) {
    this.read.add(id);
  }
  async getStatus(id: string) {
    const appRec = this.appRecs.find((a) => a.id === id);
    return [{ receiverHerId: CLINIC_HER_ID, transportDeliveryState: 'Acknowledged' as const, appRecStatus: appRec ? ('OK' as const) : null }];
  }
}

/** One sample's value from the Prometheus text, or undefined when the series is absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

describe('metrics: /metrics on a running gateway', () => {
  let server: TestRedis;
  let gateway: Gateway;
  let url: string;
  let connection: Redis;
  const nhn = new FakeNhn();
  const delivered: EpjDelivery[] = [];
  let appRecAnswer: AppRecInfo[] = [];
  const scrape = async () => (await request(url).get('/metrics').expect(200)).text;

  before(async () => {
    server = await startTestRedis();
    ({ gateway, url } = await startTestGateway(server.url, { APPREC_DEADLINE_HOURS: '1' }));
    connection = await connectRedis(gateway.redisTarget, workerConnectionOptions());
    gateway.metricsRoot.watchRedis(connection);
    const { workers, store, crypto, audit, gate, logger, queues, metrics } = gateway;
    const prefix = gateway.config.QUEUE_PREFIX;
    const order = new DeliveryOrder(gateway.redis, prefix);
    const judge = inboundJudge({ ownHerIds: [String(CLINIC_HER_ID)], allowSyntheticIds: true });
    addInboundWorker(
      workers,
      { connection, prefix, concurrency: 2 },
      inboundProcessor({
        transport: nhn,
        judge,
        delivery: queues['epj-delivery'],
        order,
        store,
        crypto,
        gate,
        audit,
        logger,
        gateRecheckMs: 1_000,
        protection: noProtection,
        metrics,
      }),
    );
    const epj = { name: 'test-epj', deliver: async (m: EpjDelivery) => void delivered.push(m) };
    addDeliveryWorker(
      workers,
      { connection, prefix, concurrency: 2 },
      deliveryProcessor({ port: epj, order, store, crypto, audit, logger, orderWaitMs: 50, metrics }),
    );
    const send = async ({ msgId }: { msgId: string }) => {
      // A send failure is the plain { retryable, reason } value the outbound worker reads.
      // eslint-disable-next-line @typescript-eslint/only-throw-error
      if (msgId.startsWith('fail')) throw { retryable: false, reason: 'NHN answered 400' };
      return { nhnMessageId: `nhn-${msgId}` };
    };
    addOutboundWorkers(
      workers,
      ['office-contact'],
      { connection, prefix, concurrency: 2 },
      outboundProcessor({ ...gateway.outbound, metrics, protection: noProtection, send, afterSend: async () => undefined }),
    );
    addTrackingWorker(
      workers,
      { connection, prefix },
      trackingProcessor({
        store,
        getAppRecInfo: async () => appRecAnswer,
        onOutcome: async () => undefined,
        deadlineMs: 200,
        firstPollMs: 20,
        maxPollMs: 50,
        logger,
        metrics,
      }),
    );
  });
  after(async () => {
    await gateway.shutdown('test over');
    connection.disconnect();
    await server.stop();
  });

  it('has every family the runbook alerts on', async () => {
    const text = await scrape();
    for (const family of [
      'epj_gateway_messages_total',
      'epj_gateway_apprecs_total',
      'epj_gateway_apprec_errors_total',
      'epj_gateway_apprec_missing_total',
      'epj_gateway_queue_jobs',
      'epj_gateway_processing_seconds',
      'epj_gateway_gate_state',
      'epj_gateway_certificate_expiry_days',
      'epj_gateway_register_faults',
      'epj_gateway_transport_errors_total',
      'epj_gateway_redis_reconnects_total',
      'epj_gateway_redis_up',
      'epj_gateway_last_successful_poll_timestamp_seconds',
      'epj_gateway_worker_recreations_total',
      'epj_gateway_process_cpu_seconds_total',
    ]) {
      assert.match(text, new RegExp(`^# TYPE ${family} `, 'm'), family);
    }
    // A clinic's series name it (one series set per clinic); what the process shares names none.
    const processWide = /^epj_gateway_(redis_up|redis_reconnects_total|worker_recreations_total|process_|nodejs_)/;
    for (const line of text.split('\n').filter((l) => l.startsWith('epj_gateway_'))) {
      if (processWide.test(line)) assert.doesNotMatch(line, /clinic=/, line);
      else assert.match(line, new RegExp(`[{,]clinic="${clinic}"`), line);
    }
    assert.equal(sample(text, 'epj_gateway_redis_up'), 1);
    assert.equal(sample(text, 'epj_gateway_gate_state', { clinic, service: 'office-contact' }), 0);
    assert.equal(sample(text, 'epj_gateway_queue_jobs', { clinic, queue: 'inbound', state: 'waiting' }), 0);
    assert.equal(sample(text, 'epj_gateway_transport_errors_total', { clinic, kind: 'server' }), 0);
    assert.equal(sample(text, 'epj_gateway_last_successful_poll_timestamp_seconds', { clinic }), 0);
  });

  it('names the same metrics as docs/operations.md (its table, queries and alert rules)', async () => {
    const text = await scrape();
    const exposed = new Set([...text.matchAll(/^# TYPE (\S+) (\w+)/gm)].map((m) => m[1]!));
    // `epj_gateway_process_*` stands for the process metrics: patterns are not names.
    const named = new Set([...OPERATIONS_GUIDE.matchAll(/epj_gateway_[a-z_*]+/g)].map((m) => m[0].replace(/_+$/, '')).filter((n) => !n.includes('*')));
    assert.ok(named.size >= 14);
    for (const name of named) {
      const family = name.replace(/_(bucket|count|sum)$/, '');
      assert.ok(exposed.has(name) || exposed.has(family), `${name} is in the guide but not in /metrics`);
    }
    for (const family of exposed) {
      if (/^epj_gateway_(process|nodejs)_/.test(family)) continue;
      assert.ok(OPERATIONS_GUIDE.includes(`\`${family}\``), `${family} is exposed but not in the guide's table`);
    }
  });

  it('a received message moves the inbound counters, the AppRec sent and the latency histograms', async () => {
    nhn.documents.set('nhn-ok', fixture('request.xml'));
    nhn.documents.set('nhn-broken', fixture('t01-not-well-formed.xml'));
    const poller = new InboundPoller({
      transport: nhn,
      inbound: gateway.queues.inbound as Queue<InboundJobData>,
      herIds: [CLINIC_HER_ID],
      intervalMs: 60_000,
      mayTake: () => true,
      logger: gateway.logger,
      metrics: gateway.metrics,
    });
    const before = Date.now() / 1000;
    assert.equal(await poller.pollOnce(), 2);
    await eventually(() => nhn.read.size === 2 && delivered.length === 1, 5_000, 'both answered and the accepted one delivered');

    const text = await scrape();
    assert.ok(sample(text, 'epj_gateway_last_successful_poll_timestamp_seconds', { clinic })! >= Math.floor(before));
    assert.equal(sample(text, 'epj_gateway_messages_total', { clinic, direction: 'in', service: 'office-contact', outcome: 'accepted' }), 1);
    assert.equal(sample(text, 'epj_gateway_messages_total', { clinic, direction: 'in', service: 'unknown', outcome: 'rejected' }), 1);
    assert.equal(sample(text, 'epj_gateway_messages_total', { clinic, direction: 'in', service: 'office-contact', outcome: 'delivered' }), 1);
    assert.equal(sample(text, 'epj_gateway_apprecs_total', { clinic, direction: 'sent', status: 'OK' }), 1);
    assert.equal(sample(text, 'epj_gateway_apprecs_total', { clinic, direction: 'sent', status: 'Rejected' }), 1);
    assert.equal(sample(text, 'epj_gateway_apprec_errors_total', { clinic, direction: 'sent', code: 'T01' }), 1);
    assert.equal(sample(text, 'epj_gateway_processing_seconds_count', { clinic, stage: 'inbound', service: 'office-contact' }), 1);
    assert.equal(sample(text, 'epj_gateway_processing_seconds_count', { clinic, stage: 'epj-delivery', service: 'office-contact' }), 1);
    assert.equal(sample(text, 'epj_gateway_queue_jobs', { clinic, queue: 'epj-delivery', state: 'completed' }), 1);
    // Counts only: no patient data reaches the metrics.
    assert.doesNotMatch(text, /1389\d{7}|Nordmann/);
  });

  it('sent messages move the outbound counters; a refused one is dead-lettered and counted', async () => {
    const xml = fixture('answer.xml').toString('utf8');
    const deps = { ...gateway.outbound, metrics: gateway.metrics };
    const ok = randomUUID();
    const fail = `fail-${randomUUID()}`;
    await submitOutbound(deps, { msgId: ok, service: 'office-contact', xml, receiverHerId: 8093244, origin: 'epj:test' });
    await submitOutbound(deps, { msgId: ok, service: 'office-contact', xml, receiverHerId: 8093244, origin: 'epj:test' });
    await submitOutbound(deps, { msgId: fail, service: 'office-contact', xml, receiverHerId: 8093244, origin: 'epj:test' });
    await eventually(
      async () => (await gateway.store.get(ok))?.state === 'sent' && (await gateway.store.get(fail))?.state === 'dead-lettered',
      5_000,
      'one sent, one dead-lettered',
    );

    const text = await scrape();
    assert.equal(
      sample(text, 'epj_gateway_messages_total', { clinic, direction: 'out', service: 'office-contact', outcome: 'accepted' }),
      2,
      'a repeat is not counted',
    );
    assert.equal(sample(text, 'epj_gateway_messages_total', { clinic, direction: 'out', service: 'office-contact', outcome: 'sent' }), 1);
    assert.equal(sample(text, 'epj_gateway_messages_total', { clinic, direction: 'out', service: 'office-contact', outcome: 'dead-lettered' }), 1);
    assert.equal(sample(text, 'epj_gateway_processing_seconds_count', { clinic, stage: 'outbound', service: 'office-contact' }), 1);
    assert.equal(sample(text, 'epj_gateway_queue_jobs', { clinic, queue: 'dead-letter', state: 'waiting' }), 1);
  });

  it('AppRecs received by status and code, and the ones that never came', async () => {
    const track = (msgId: string) =>
      gateway.queues['apprec-tracking'].add('track', { msgId, nhnMessageId: `nhn-${msgId}`, sentAt: new Date().toISOString() }, { jobId: msgId });
    appRecAnswer = [{ receiverHerId: 8093244, appRecStatus: 'Avvist', appRecErrorList: [{ errorCode: 'E21' }, { errorCode: '<script>' }] }];
    await track('rejected-one');
    await eventually(
      async () => sample(await scrape(), 'epj_gateway_apprecs_total', { clinic, direction: 'received', status: 'Rejected' }) === 1,
      5_000,
      'rejected AppRec counted',
    );
    appRecAnswer = [{ receiverHerId: 8093244, appRecStatus: null }];
    await track('silent-one');
    await eventually(async () => sample(await scrape(), 'epj_gateway_apprec_missing_total', { clinic }) === 1, 5_000, 'missing AppRec counted');

    const text = await scrape();
    assert.equal(sample(text, 'epj_gateway_apprec_errors_total', { clinic, direction: 'received', code: 'E21' }), 1);
    assert.equal(
      sample(text, 'epj_gateway_apprec_errors_total', { clinic, direction: 'received', code: 'other' }),
      1,
      'a code outside the code list is bounded',
    );
  });

  it('the watchers set certificate days and register faults (and close the gate); the transport counts its errors', async () => {
    await checkCertificates({
      check: async () => [
        { role: 'signing', serial: '01', notAfter: '2027-01-01T00:00:00Z', expiresInDays: 37, faults: [] },
        { role: 'encryption', serial: '02', notAfter: '2026-12-05T00:00:00Z', expiresInDays: 10, faults: [] },
      ],
      gate: gateway.gate,
      notifier: gateway.notifier,
      warnDays: [30, 14, 7, 1],
      clinic: { herId: String(CLINIC_HER_ID), orgNumber: '999999999', name: 'Testlegene' },
      metrics: gateway.metrics,
    });
    await checkRegister({
      audit: async () => ({ faults: [{ code: 'ar-no-contact', message: 'add a contact person', severity: 'closed' }], source: 'stale-cache' }),
      gate: gateway.gate,
      metrics: gateway.metrics,
    });
    gateway.metrics.countTransportError('server');
    gateway.metrics.countTransportError('server');
    gateway.metrics.countTransportError('timeout');

    const text = await scrape();
    assert.equal(sample(text, 'epj_gateway_certificate_expiry_days', { clinic, role: 'signing' }), 37);
    assert.equal(sample(text, 'epj_gateway_certificate_expiry_days', { clinic, role: 'encryption' }), 10);
    assert.equal(sample(text, 'epj_gateway_register_faults', { clinic, severity: 'closed' }), 1);
    assert.equal(sample(text, 'epj_gateway_register_faults', { clinic, severity: 'warning' }), 1, 'the stale cache is a warning');
    assert.equal(sample(text, 'epj_gateway_transport_errors_total', { clinic, kind: 'server' }), 2);
    assert.equal(sample(text, 'epj_gateway_transport_errors_total', { clinic, kind: 'timeout' }), 1);
    assert.equal(sample(text, 'epj_gateway_gate_state', { clinic, service: 'gateway' }), 2, 'the register fault closed the gate');
  });

  it('a transport error is counted under its kind', () => {
    assert.equal(transportErrorKind(mshAnswerError(503, {}, 'send')), 'server');
    assert.equal(transportErrorKind(mshAnswerError(429, {}, 'listUnread')), 'rate-limited');
    assert.equal(transportErrorKind(mshAnswerError(403, {}, 'send')), 'auth');
    assert.equal(transportErrorKind(mshAnswerError(400, { error: 'bad receiver' }, 'send')), 'client');
    assert.equal(transportErrorKind(new TransportError('MSH_UNREACHABLE', 'NHN did not answer within 30000 ms', true)), 'timeout');
    assert.equal(transportErrorKind(new TransportError('MSH_UNREACHABLE', 'NHN refused the connection', true)), 'network');
    assert.equal(transportErrorKind(new TransportError('HELSEID_CLIENT_REFUSED', 'invalid_client', true)), 'auth');
    assert.equal(transportErrorKind(new TransportError('MSH_RESPONSE_INVALID', "NHN's answer was not JSON", false)), 'protocol');
  });

  it('Redis down shows as redis_up 0; the connections coming back count as reconnects', async () => {
    const reconnectsBefore = sample(await scrape(), 'epj_gateway_redis_reconnects_total')!;
    await server.kill();
    await eventually(async () => sample(await scrape(), 'epj_gateway_redis_up') === 0, 5_000, 'redis_up 0');
    await server.start();
    // at least the worker connection, which watchRedis follows
    await eventually(async () => sample(await scrape(), 'epj_gateway_redis_reconnects_total')! >= reconnectsBefore + 1, 20_000, 'the connections back');
    assert.equal(sample(await scrape(), 'epj_gateway_redis_up'), 1);
  });
});
