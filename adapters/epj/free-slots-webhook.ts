import axios from 'axios';
import { readSlotsJson, type FreeSlot } from '../../src/pipeline/free-slots.js';
import { signWebhook } from './webhook.js';

/**
 * Asks the EPJ for its free slots when those published are missing or too old: a signed POST
 * (`{"type":"free-slots-wanted","clinicHerId":…,"deadline":…}`, the same signature headers as the
 * webhook delivery) answered within the deadline with `{"slots":[…]}` as `PUT /v1/free-slots` takes
 * them. Throws when the EPJ does not answer in time or with slots that cannot be read.
 */
export class FreeSlotsWebhook {
  constructor(
    private readonly url: string,
    private readonly secret: string,
    private readonly clinicHerId: string,
  ) {}

  async ask(deadline: Date): Promise<FreeSlot[]> {
    const body = JSON.stringify({ type: 'free-slots-wanted', clinicHerId: this.clinicHerId, deadline: deadline.toISOString() });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const res = await axios.post(this.url, body, {
      // the citizen waits 15 s in all: never longer than that, whatever the deadline says
      timeout: Math.min(15_000, Math.max(1, deadline.getTime() - Date.now())),
      validateStatus: () => true,
      headers: {
        'content-type': 'application/json',
        'x-epj-gateway-timestamp': timestamp,
        'x-epj-gateway-signature': signWebhook(this.secret, timestamp, body),
      },
    });
    if (res.status < 200 || res.status > 299) throw new Error(`the EPJ answered ${res.status}`);
    return readSlotsJson(res.data);
  }
}
