import assert from 'node:assert/strict';
import { createMetrics } from '../../src/metrics.js';

/** The sample lines of one family, without the # HELP and # TYPE lines. */
async function lines(metrics: ReturnType<typeof createMetrics>, family: string): Promise<string[]> {
  const text = await metrics.registry.metrics();
  return text.split('\n').filter((l) => l.startsWith(`${family}{`) || l.startsWith(`${family} `));
}

describe('metrics: one registry, a view per clinic', () => {
  it("keeps two clinics' counters apart, each series labelled with its HER-id", async () => {
    const metrics = createMetrics();
    const a = metrics.forClinic('8142987');
    const b = metrics.forClinic('8142988');
    a.countMessage('in', 'office-contact', 'accepted');
    a.countMessage('in', 'office-contact', 'accepted');
    b.countMessage('in', 'office-contact', 'accepted');
    a.countTransportError('server');
    b.countAppRecMissing();
    b.deadLetterReplays.inc({ service: 'e-consultation' });

    assert.deepEqual(await lines(metrics, 'epj_gateway_messages_total'), [
      'epj_gateway_messages_total{clinic="8142987",direction="in",service="office-contact",outcome="accepted"} 2',
      'epj_gateway_messages_total{clinic="8142988",direction="in",service="office-contact",outcome="accepted"} 1',
    ]);
    const errors = await lines(metrics, 'epj_gateway_transport_errors_total');
    assert.ok(errors.includes('epj_gateway_transport_errors_total{clinic="8142987",kind="server"} 1'));
    assert.ok(errors.includes('epj_gateway_transport_errors_total{clinic="8142988",kind="server"} 0'), 'every kind from zero, per clinic');
    assert.deepEqual(await lines(metrics, 'epj_gateway_apprec_missing_total'), ['epj_gateway_apprec_missing_total{clinic="8142988"} 1']);
    assert.deepEqual(await lines(metrics, 'epj_gateway_dead_letter_replays_total'), [
      'epj_gateway_dead_letter_replays_total{clinic="8142988",service="e-consultation"} 1',
    ]);
    assert.deepEqual(await lines(metrics, 'epj_gateway_last_successful_poll_timestamp_seconds'), [
      'epj_gateway_last_successful_poll_timestamp_seconds{clinic="8142987"} 0',
      'epj_gateway_last_successful_poll_timestamp_seconds{clinic="8142988"} 0',
    ]);
    assert.equal(metrics.forClinic('8142987'), a, 'the same view for the same clinic');
    assert.deepEqual(metrics.clinics(), ['8142987', '8142988']);
  });

  it("reads each clinic's gate at scrape time", async () => {
    const metrics = createMetrics();
    let closed = false;
    metrics.forClinic('8142987').observeGate(() => ({ gateway: closed ? 2 : 0, 'office-contact': closed ? 2 : 0 }));
    metrics.forClinic('8142988').observeGate(() => ({ gateway: 1, 'office-contact': 0 }));
    closed = true;
    assert.deepEqual(await lines(metrics, 'epj_gateway_gate_state'), [
      'epj_gateway_gate_state{clinic="8142987",service="gateway"} 2',
      'epj_gateway_gate_state{clinic="8142987",service="office-contact"} 2',
      'epj_gateway_gate_state{clinic="8142988",service="gateway"} 1',
      'epj_gateway_gate_state{clinic="8142988",service="office-contact"} 0',
    ]);
  });

  it("removeClinic drops every series of that clinic and nothing of the others'", async () => {
    const metrics = createMetrics();
    const gone = metrics.forClinic('8142987');
    const stays = metrics.forClinic('8142988');
    for (const clinic of [gone, stays]) {
      clinic.countMessage('out', 'appointment', 'sent');
      clinic.countAppRec('received', 'Avvist', ['E21']);
      clinic.observeProcessing('outbound', 'appointment', Date.now() - 1500);
      clinic.setCertificateExpiry('signing', 40);
      clinic.setRegisterFaults([{ severity: 'warning' }]);
      clinic.pollSucceeded(new Date());
      clinic.observeGate(() => ({ gateway: 0 }));
    }
    metrics.workerRecreations.inc({ worker: 'inbound' });

    metrics.removeClinic('8142987');
    gone.countMessage('out', 'appointment', 'sent'); // a job of the removed clinic finishing late

    const text = await metrics.registry.metrics();
    assert.doesNotMatch(text, /clinic="8142987"/);
    assert.match(text, /^epj_gateway_messages_total\{clinic="8142988",direction="out",service="appointment",outcome="sent"\} 1$/m);
    assert.match(text, /^epj_gateway_processing_seconds_bucket\{le="2.5",clinic="8142988",stage="outbound",service="appointment"\} 1$/m);
    assert.match(text, /^epj_gateway_gate_state\{clinic="8142988",service="gateway"\} 0$/m);
    assert.match(text, /^epj_gateway_worker_recreations_total\{worker="inbound"\} 1$/m, 'process-wide series have no clinic');
    assert.deepEqual(metrics.clinics(), ['8142988']);

    const again = metrics.forClinic('8142987');
    assert.notEqual(again, gone, 'a clinic added again starts afresh');
    assert.match(await metrics.registry.metrics(), /^epj_gateway_last_successful_poll_timestamp_seconds\{clinic="8142987"\} 0$/m);
  });

  it('labels a clinic by its HER-id only, so the label stays bounded by the configured clinics', () => {
    const metrics = createMetrics();
    assert.throws(() => metrics.forClinic('Legesenteret'), /HER-id/);
    assert.throws(() => metrics.forClinic(''), /HER-id/);
  });
});
