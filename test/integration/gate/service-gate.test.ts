import assert from 'node:assert/strict';
import type { Redis } from 'ioredis';
import { computeSnapshot, type GateReason } from '../../../src/gate/gate-state.js';
import { ServiceGate, type GateReasonAdded, type GateTransition } from '../../../src/gate/service-gate.js';
import { connectRedis, workerConnectionOptions } from '../../../src/infra/redis.js';
import { eventually } from '../../helpers/eventually.js';
import { captureLogger } from '../../helpers/logger.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';

const reason = (r: Partial<GateReason>): GateReason => ({
  source: 'certificate',
  code: 'expired',
  severity: 'closed',
  scope: 'all',
  message: 'The signing certificate has expired.',
  since: '2026-01-01T00:00:00.000Z',
  ...r,
});

describe('service gate rules', () => {
  it('open with no reasons; a clinic-wide fault closes every service and the gateway', () => {
    assert.equal(computeSnapshot([]).gateway.state, 'open');
    const closed = computeSnapshot([reason({})]);
    assert.equal(closed.gateway.state, 'closed');
    assert.equal(closed.services['office-contact'].state, 'closed');
    assert.equal(closed.services.appointment.since, '2026-01-01T00:00:00.000Z');
  });

  it('one closed service leaves the gateway in warning; a warning never closes', () => {
    const one = computeSnapshot([reason({ source: 'operator', code: 'operator-closed', scope: 'appointment' })]);
    assert.equal(one.services.appointment.state, 'closed');
    assert.equal(one.services['e-consultation'].state, 'open');
    assert.equal(one.gateway.state, 'warning');
    const warn = computeSnapshot([reason({ code: 'expires-in-days', severity: 'warning' })]);
    assert.equal(warn.services.appointment.state, 'warning');
    assert.equal(warn.gateway.state, 'warning');
  });
});

describe('service gate in Redis, across processes', () => {
  let server: TestRedis;
  let redisA: Redis;
  let redisB: Redis;
  let a: ServiceGate;
  let b: ServiceGate;
  const transitions: GateTransition[] = [];

  before(async () => {
    server = await startTestRedis();
    redisA = await connectRedis(server.url, workerConnectionOptions());
    redisB = await connectRedis(server.url, workerConnectionOptions());
    a = new ServiceGate(redisA, 'g', captureLogger().logger);
    b = new ServiceGate(redisB, 'g', captureLogger().logger);
    for (const g of [a, b]) g.on('transition', (t: GateTransition) => transitions.push(t));
    await a.start(60_000);
    await b.start(60_000);
  });
  after(async () => {
    await a.stop();
    await b.stop();
    redisA.disconnect();
    redisB.disconnect();
    await server.stop();
  });

  it('an operator closure in one process is seen by the other and announced once', async () => {
    const seenByB = new Promise((r) => b.once('snapshot', r));
    await a.closeByOperator('e-consultation', 'GP on leave', 'ops@drift.example');
    await seenByB;
    assert.equal(b.isOpen('e-consultation'), false);
    assert.equal(b.isOpen('appointment'), true);
    assert.deepEqual(transitions.map((t) => `${t.scope}:${t.from}->${t.to}`).sort(), ['e-consultation:open->closed', 'gateway:open->warning']);
    transitions.length = 0;
    await b.openByOperator('e-consultation');
    await eventually(() => a.isOpen('e-consultation'), 5_000, 'the opening seen by the other process');
    assert.deepEqual(transitions.map((t) => `${t.scope}:${t.to}`).sort(), ['e-consultation:open', 'gateway:open']);
  });

  it('two watchers reporting the same fault announce it once and keep its first time', async () => {
    transitions.length = 0;
    const fault = { code: 'expired', severity: 'closed' as const, scope: 'all' as const, message: 'expired' };
    await Promise.all([a.report('certificate', [fault]), b.report('certificate', [fault])]);
    const first = (await a.reasons())[0]!.since;
    await a.report('certificate', [fault]);
    assert.equal((await a.reasons())[0]!.since, first);
    assert.equal(transitions.filter((t) => t.scope === 'gateway' && t.to === 'closed').length, 1);
    await a.report('certificate', []);
    await eventually(() => b.current().gateway.state === 'open', 5_000, 'the cleared fault seen by the other process');
  });

  it('a new reason where the gate is already closed is announced once, by one process, with no transition', async () => {
    transitions.length = 0;
    const added: GateReasonAdded[] = [];
    const listen = (e: GateReasonAdded) => added.push(e);
    a.on('reason-added', listen);
    b.on('reason-added', listen);
    try {
      const expired = { code: 'expired', severity: 'closed' as const, scope: 'all' as const, message: 'expired' };
      await a.report('certificate', [expired]);
      assert.equal(added.length, 0, 'the first reason is the transition itself');
      const missing = { code: 'ar-contact-person-missing', severity: 'closed' as const, scope: 'e-consultation' as const, message: 'no contact' };
      await Promise.all([a.report('address-register', [missing]), b.report('address-register', [missing])]);
      assert.equal(added.length, 1, 'announced once');
      assert.equal(added[0]!.scope, 'e-consultation');
      assert.equal(added[0]!.state, 'closed');
      assert.equal(added[0]!.reason.code, 'ar-contact-person-missing');
      await a.report('address-register', [missing]);
      assert.equal(added.length, 1, 'a reason already known is not news');
    } finally {
      a.off('reason-added', listen);
      b.off('reason-added', listen);
      await a.report('certificate', []);
      await a.report('address-register', []);
    }
  });
});
