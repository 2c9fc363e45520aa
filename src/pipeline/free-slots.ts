import type { Redis } from 'ioredis';
import { z } from 'zod';
import { GatewayError } from '../errors.js';

/**
 * The free appointment slots a clinic's EPJ publishes (`PUT /v1/free-slots`, replace-all), so the
 * gateway can answer Helsenorge's synchronous HentLedigeTimer at once from them instead of asking
 * an EPJ behind a queue that cannot promise 15 seconds. Slots are times, never patient data.
 */

export interface FreeSlot {
  /** ISO 8601 with offset or Z */
  start: string;
  end: string;
  /** who the slot is with, as the EPJ names it (shown to the citizen) */
  practitioner?: string;
  /** what kind of appointment (e.g. "konsultasjon", "video") */
  kind?: string;
}

export interface PublishedSlots {
  slots: FreeSlot[];
  /** when the EPJ last published them */
  publishedAt: string;
}

export const MAX_FREE_SLOTS = 5_000;

const instant = z.iso.datetime({ offset: true });
const slotSchema = z
  .object({
    start: instant,
    end: instant,
    practitioner: z.string().trim().min(1).max(100).optional(),
    kind: z.string().trim().min(1).max(60).optional(),
  })
  .strict()
  .refine((s) => Date.parse(s.start) < Date.parse(s.end), { message: 'start must be before end', path: ['end'] });
const bodySchema = z.object({ slots: z.array(slotSchema).max(MAX_FREE_SLOTS) }).strict();

/** Reads `{"slots":[…]}`; throws FREE_SLOTS_INVALID naming the first wrong field. */
export function readSlotsJson(body: unknown): FreeSlot[] {
  const parsed = bodySchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new GatewayError('FREE_SLOTS_INVALID', `${issue.path.join('.') || 'body'}: ${issue.message}`);
  }
  return parsed.data.slots;
}

/** An iCalendar DATE-TIME (`20261210T090000Z`, or local time read as Europe/Oslo's offset at that date) as ISO 8601. */
function icalInstant(value: string, line: number): string {
  const m = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)(Z?)$/.exec(value.trim());
  if (!m) throw new GatewayError('FREE_SLOTS_INVALID', `line ${line}: "${value.slice(0, 40)}" is not an iCalendar date-time (YYYYMMDDTHHMMSS[Z])`);
  const [, y, mo, d, h, mi, s, z] = m;
  const local = `${y}-${mo}-${d}T${h}:${mi}:${s}`;
  return z ? `${local}Z` : `${local}${osloOffset(new Date(`${local}Z`))}`;
}

/** Norway's offset at a moment: +02:00 in summer time (last Sunday of March to last Sunday of October, 01:00 UTC), else +01:00. */
export function osloOffset(at: Date): string {
  const y = at.getUTCFullYear();
  const lastSunday = (month: number) => {
    const d = new Date(Date.UTC(y, month + 1, 0, 1));
    d.setUTCDate(d.getUTCDate() - d.getUTCDay());
    return d.getTime();
  };
  const t = at.getTime();
  return t >= lastSunday(2) && t < lastSunday(9) ? '+02:00' : '+01:00';
}

/** Reads the VEVENTs of an iCalendar (RFC 5545; DTSTART, DTEND, SUMMARY as the kind, ORGANIZER's CN as the practitioner). */
export function readSlotsIcal(text: string): FreeSlot[] {
  // unfold continuation lines first
  const lines = text.replace(/\r?\n[ \t]/g, '').split(/\r?\n/);
  if (!lines.some((l) => l.trim() === 'BEGIN:VCALENDAR')) throw new GatewayError('FREE_SLOTS_INVALID', 'no BEGIN:VCALENDAR');
  const slots: FreeSlot[] = [];
  let event: Partial<FreeSlot> | undefined;
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === 'BEGIN:VEVENT') event = {};
    else if (line === 'END:VEVENT') {
      if (!event?.start || !event.end) throw new GatewayError('FREE_SLOTS_INVALID', `line ${i + 1}: a VEVENT needs DTSTART and DTEND`);
      slots.push(event as FreeSlot);
      event = undefined;
    } else if (event) {
      const colon = line.indexOf(':');
      if (colon < 0) return;
      const [name, ...params] = line.slice(0, colon).split(';');
      const value = line.slice(colon + 1);
      if (name === 'DTSTART') event.start = icalInstant(value, i + 1);
      else if (name === 'DTEND') event.end = icalInstant(value, i + 1);
      else if (name === 'SUMMARY' && value) event.kind = value.slice(0, 60);
      else if (name === 'ORGANIZER') {
        const cn = params.find((p) => p.startsWith('CN='))?.slice(3);
        if (cn) event.practitioner = cn.replace(/^"|"$/g, '').slice(0, 100);
      }
    }
  });
  return readSlotsJson({ slots });
}

/** A clinic's published slots in Redis (one key, replaced whole). */
export class FreeSlotsStore {
  constructor(
    private readonly redis: Redis,
    private readonly key: string,
  ) {}

  async replace(slots: FreeSlot[], now: Date): Promise<PublishedSlots> {
    const sorted = [...slots].sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
    const published: PublishedSlots = { slots: sorted, publishedAt: now.toISOString() };
    await this.redis.set(this.key, JSON.stringify(published));
    return published;
  }

  async read(): Promise<PublishedSlots | undefined> {
    const raw = await this.redis.get(this.key);
    return raw ? (JSON.parse(raw) as PublishedSlots) : undefined;
  }

  /** The slots still ahead of `now`, at most `limit`, earliest first. */
  async upcoming(now: Date, limit: number): Promise<{ slots: FreeSlot[]; publishedAt: string } | undefined> {
    const published = await this.read();
    if (!published) return undefined;
    return { slots: published.slots.filter((s) => Date.parse(s.start) > now.getTime()).slice(0, limit), publishedAt: published.publishedAt };
  }
}
