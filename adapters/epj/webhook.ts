import { createHmac } from 'node:crypto';
import axios from 'axios';
import type { EpjDelivery, EpjDeliveryPort, EpjStatusUpdate } from '../../src/ports/epj-delivery.js';

/**
 * POSTs each citizen message (JSON with the XML) to the EPJ's URL. The body is signed:
 * `X-EPJ-Gateway-Signature: sha256=<hex HMAC of "<timestamp>.<body>">` with the shared secret and
 * `X-EPJ-Gateway-Timestamp`, so the EPJ can check origin and freshness. A 2xx answer is delivery;
 * anything else is retried with backoff by the delivery queue. `Idempotency-Key` carries the MsgId:
 * a message re-sent after a crash between the EPJ's 2xx and our record of it is recognisable.
 */

export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export class WebhookDelivery implements EpjDeliveryPort {
  readonly name = 'webhook';

  constructor(
    private readonly url: string,
    private readonly secret: string,
    private readonly timeoutMs = 10_000,
  ) {}

  async deliver(m: EpjDelivery): Promise<void> {
    await this.post({ type: 'message', ...m }, m.msgId);
  }

  async status(update: EpjStatusUpdate): Promise<void> {
    await this.post({ type: 'status', ...update }, `status:${update.msgId}:${update.state}`);
  }

  private async post(payload: Record<string, unknown>, idempotencyKey: string): Promise<void> {
    const body = JSON.stringify(payload);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const res = await axios.post(this.url, body, {
      timeout: this.timeoutMs,
      validateStatus: () => true,
      maxBodyLength: Infinity,
      headers: {
        'content-type': 'application/json',
        'idempotency-key': idempotencyKey,
        'x-epj-gateway-timestamp': timestamp,
        'x-epj-gateway-signature': signWebhook(this.secret, timestamp, body),
      },
    });
    if (res.status < 200 || res.status > 299) throw new Error(`the EPJ answered ${res.status}`);
  }
}
