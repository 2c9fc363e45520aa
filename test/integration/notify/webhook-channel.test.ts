import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DeliveryFailure, WebhookChannel } from '../../../src/notify/channels.js';
import { eventually } from '../../helpers/eventually.js';
import { closedNotification, startNotifyRig, type NotifyRig } from '../../helpers/notify-rig.js';

const SECRET = 'notify-secret-0123456789';

/**
 * A real HTTP receiver as an IT provider would write one: it checks the HMAC signature header
 * (sha256 of "<timestamp>.<body>" with the shared secret, the timestamp within five minutes) and
 * answers 401 when it does not verify; otherwise the status asked for.
 */
async function signedReceiver(status: () => number = () => 204) {
  const accepted: { body: Record<string, unknown>; headers: http.IncomingHttpHeaders }[] = [];
  const refused: string[] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (d: Buffer) => (raw += d.toString('utf8')));
    req.on('end', () => {
      const timestamp = String(req.headers['x-epj-gateway-timestamp'] ?? '');
      const given = Buffer.from(String(req.headers['x-epj-gateway-signature'] ?? ''));
      const expected = Buffer.from(`sha256=${createHmac('sha256', SECRET).update(`${timestamp}.${raw}`).digest('hex')}`);
      const fresh = Math.abs(Date.now() / 1000 - Number(timestamp)) < 300;
      if (!fresh || given.length !== expected.length || !timingSafeEqual(given, expected)) {
        refused.push(given.toString() || 'unsigned');
        res.writeHead(401).end();
        return;
      }
      const code = status();
      if (code < 300) accepted.push({ body: JSON.parse(raw) as Record<string, unknown>, headers: req.headers });
      res.writeHead(code).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/epj-gateway`;
  return { url, accepted, refused, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('the webhook channel, against a real receiver that checks the HMAC signature', function () {
  this.timeout(60_000);

  it('a signed post verifies with the secret; a wrong secret or none is refused by the receiver, and that is final', async () => {
    const hook = await signedReceiver();
    try {
      await new WebhookChannel(SECRET).send(hook.url, { id: 'x', kind: 'gate-closed' });
      assert.deepEqual(
        hook.accepted.map((a) => a.body),
        [{ id: 'x', kind: 'gate-closed' }],
      );
      for (const sender of [new WebhookChannel('another-secret-0123456789'), new WebhookChannel(undefined)])
        await assert.rejects(
          sender.send(hook.url, { id: 'y' }),
          (err: Error) => err instanceof DeliveryFailure && err.permanent && /HTTP 401/.test(err.message),
        );
      assert.equal(hook.refused.length, 2);
      assert.equal(hook.refused[1], 'unsigned');
    } finally {
      await hook.close();
    }
  });

  it('5xx, 408 and 429 are tried again; another 4xx is final; an unreachable receiver is tried again', async () => {
    let status = 503;
    const hook = await signedReceiver(() => status);
    const channel = new WebhookChannel(SECRET, 2_000);
    try {
      for (const s of [503, 408, 429, 404]) {
        status = s;
        await assert.rejects(
          channel.send(hook.url, { id: `s${s}` }),
          (err: Error) => err instanceof DeliveryFailure && err.permanent === (s === 404) && err.message.includes(String(s)),
        );
      }
    } finally {
      await hook.close();
    }
    await assert.rejects(
      channel.send(hook.url, { id: 'gone' }),
      (err: Error) => err instanceof DeliveryFailure && !err.permanent && /^webhook: E[A-Z]+/.test(err.message),
    );
  });

  describe('as a recipient of the durable delivery', () => {
    let rig: NotifyRig;
    before(async () => {
      rig = await startNotifyRig('test:hook:8142987', {});
    });
    after(() => rig?.stop());

    it('a receiver down for a while gets the event once, signed, with the texts; a refusing one is dead until resent', async () => {
      let status = 503;
      const hook = await signedReceiver(() => status);
      try {
        const { delivery, notifier } = await rig.process({ webhook: new WebhookChannel(SECRET), backoffMs: 200 }, [{ name: 'fjellnett-it', url: hook.url }]);
        const n = closedNotification('test:hook:closed');
        await notifier.notify(n);
        await eventually(async () => (await delivery.states(n.id)).some((s) => s.state === 'retrying'), 10_000, 'a failed try recorded');
        assert.match((await delivery.states(n.id))[0]!.reason ?? '', /HTTP 503/);
        status = 204;
        await eventually(async () => (await delivery.states(n.id)).every((s) => s.state === 'delivered'), 15_000, 'delivered after the receiver came back');
        await new Promise((r) => setTimeout(r, 500));
        assert.equal(hook.accepted.length, 1, 'once');
        const { body } = hook.accepted[0]!;
        assert.equal(body.id, n.id);
        assert.equal(body.kind, 'gate-closed');
        assert.equal((body.rendered as { subject: string }).subject, 'Tjenesten e-konsultasjon er stengt for Fjordvik legekontor AS');
        assert.equal((await delivery.states(n.id))[0]!.recipient, 'fjellnett-it', 'shown by its name');

        status = 410;
        const gone = closedNotification('test:hook:gone');
        await notifier.notify(gone);
        await eventually(async () => (await delivery.states(gone.id)).some((s) => s.state === 'dead'), 10_000, 'dead-lettered');
        const dead = (await delivery.states(gone.id))[0]!;
        assert.match(dead.reason ?? '', /HTTP 410/);
        assert.equal(dead.attempts, 1, 'a 4xx is not tried again');
        status = 204;
        assert.equal(await delivery.resend(gone, 'fjellnett-it'), true);
        await eventually(() => hook.accepted.some((a) => a.body.id === gone.id), 10_000, 'resent and taken');
      } finally {
        await hook.close();
      }
    });
  });
});
