import assert from 'node:assert/strict';
import request from 'supertest';
import { eventually } from '../../helpers/eventually.js';
import { startTestGateway, type TestGateway as Gateway } from '../../helpers/gateway.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';

describe('HTTP: health, readiness, metrics and authentication', () => {
  let server: TestRedis;
  let gateway: Gateway;
  let url: string;
  let logs: () => string;
  before(async () => {
    server = await startTestRedis();
    ({ gateway, url, logs } = await startTestGateway(server.url, { HTTP_MAX_BODY_BYTES: '2048' }));
  });
  after(async () => {
    await gateway.shutdown('test over');
    await server.stop();
  });

  it('GET /healthz answers without a token', async () => {
    const res = await request(url).get('/healthz').expect(200);
    assert.equal(res.body.status, 'alive');
    assert.ok(res.headers['x-request-id']);
  });

  it('GET /readyz says ready with Redis up, and names the validation layer', async () => {
    const res = await request(url).get('/readyz').expect(200);
    assert.equal(res.body.ready, true);
    assert.equal(res.body.checks.redis.ready, true);
    assert.equal(res.body.checks.schemas.schemaValidation, 'own-rules');
  });

  it('GET /metrics has process metrics and queue depth gauges', async () => {
    await gateway.queues['outbound-office-contact'].add('probe', {});
    const res = await request(url).get('/metrics').expect(200);
    assert.match(res.text, /epj_gateway_process_cpu_seconds_total/);
    assert.match(res.text, /epj_gateway_queue_jobs\{clinic="\d+",queue="outbound-office-contact",state="waiting"\} 1/);
    assert.match(res.text, /epj_gateway_queue_jobs\{clinic="\d+",queue="dead-letter",state="failed"\} 0/);
    await gateway.queues['outbound-office-contact'].obliterate({ force: true });
  });

  it('serves the EPJ API as OpenAPI 3, with the answer schema for every service', async () => {
    const res = await request(url).get('/openapi.json').expect(200);
    assert.equal(res.body.openapi, '3.1.0');
    assert.ok(res.body.paths['/v1/messages'].post);
    const services = res.body.components.schemas.ClinicAnswer.oneOf.map((o: { properties: { service: { const: string } } }) => o.properties.service.const);
    assert.deepEqual(services.sort(), ['appointment', 'e-consultation', 'office-contact', 'prescription-renewal']);
  });

  it('the EPJ API needs the EPJ token and the operations API the operator token', async () => {
    const missing = await request(url).get('/v1/whoami').expect(401);
    assert.equal(missing.body.error.code, 'AUTH_MISSING');
    const wrong = await request(url).get('/v1/whoami').set('Authorization', 'Bearer nope').expect(401);
    assert.equal(wrong.body.error.code, 'AUTH_INVALID');
    const ok = await request(url).get('/v1/whoami').set('Authorization', 'Bearer demo-token').expect(200);
    assert.equal(ok.body.client, 'demo-epj');
    await request(url).get('/ops/anything').set('Authorization', 'Bearer demo-token').expect(401);
    await request(url).get('/ops/anything').set('Authorization', 'Bearer demo-ops-token').expect(404);
  });

  it('answers an oversized body with 413 and a malformed one with 400', async () => {
    const big = await request(url)
      .post('/v1/messages')
      .set('Authorization', 'Bearer demo-token')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ text: 'x'.repeat(4096) }))
      .expect(413);
    assert.equal(big.body.error.code, 'BODY_TOO_LARGE');
    const bad = await request(url)
      .post('/v1/messages')
      .set('Authorization', 'Bearer demo-token')
      .set('Content-Type', 'application/json')
      .send('{"text": ')
      .expect(400);
    assert.equal(bad.body.error.code, 'BODY_MALFORMED');
    assert.ok(bad.body.error.requestId);
  });

  it('logs each request with its id and route, never its body', async () => {
    await request(url)
      .post('/v1/whoami')
      .set('Authorization', 'Bearer demo-token')
      .set('X-Request-Id', 'trace-7')
      .send({ text: 'Hemmelig melding', nationalId: '13896997245' });
    const line = logs()
      .split('\n')
      .find((l) => l.includes('trace-7'));
    assert.ok(line, "an access line carries the caller's request id");
    assert.doesNotMatch(logs(), /Hemmelig|13896997245/);
  });

  it('GET /readyz answers 503 at once when Redis is down, and ready again when it is back', async () => {
    await server.kill();
    const started = Date.now();
    const res = await request(url).get('/readyz').expect(503);
    assert.equal(res.body.checks.redis.ready, false);
    assert.ok(Date.now() - started < 2_000);
    await server.start();
    await eventually(async () => (await request(url).get('/readyz')).status === 200, 10_000, 'ready again after Redis came back', 100);
  });
});
