import { appRecVersionFor } from '../domain/services.js';
import { buildAppRec } from '../kith/apprec-build.js';
import { buildClinicAnswer } from '../kith/clinic-answer.js';
import { buildCommunicationTestAnswer, isCommunicationTestRequest } from '../kith/communication-test.js';
import { kithDateTime } from '../kith/date-time.js';
import type { Coded } from '../kith/model.js';
import { parseMessage } from '../kith/parse.js';
import type { CalendarEvent } from '../kith/xcal-read.js';
import type { FreeSlot, FreeSlotsStore } from './free-slots.js';

/**
 * Helsenorge's synchronous requests, answered by the gateway itself within the caller's 15 seconds:
 * HentLedigeTimer from the slots the EPJ published (SvarLedigeTimer, xCal PUBLISH), and the
 * communication test (Dialog_Innbygger_Test) with its Svar. When no answer
 * can be given (no slots published, published too long ago, a request that cannot be read, a
 * synchronous request the gateway does not answer) the citizen gets an AppRec that says so in
 * Norwegian, never silence.
 */

export interface SyncAnswerDeps {
  slots: FreeSlotsStore;
  /** the clinic's gate lets messages through (a closed gate is answered, not left to time out) */
  open: () => boolean;
  /** published slots older than this are not offered */
  maxAgeMs: number;
  /** the most slots offered in one answer */
  limit: number;
  now: () => Date;
  /** asks the EPJ for fresh slots, answered before the deadline (FREE_SLOTS_WEBHOOK_URL) */
  askEpj?: (deadline: Date) => Promise<FreeSlot[]>;
  /** how long the EPJ is given to answer `askEpj` */
  askTimeoutMs?: number;
}

export interface SyncAnswer {
  /** SvarLedigeTimer, or APPREC for an error answer */
  action: string;
  /** the message function for the bus's subject */
  subject: string;
  xml: string;
  outcome: 'answered' | 'refused';
  /** for logs and metrics: why an error answer (no patient data) */
  reason?: string;
}

const THEME_FREE_SLOTS: Coded = { v: '6', s: '2.16.578.1.12.4.1.1.7322', dn: 'Henvendelse om pasient' };

/** Norwegian texts the citizen reads, each with what to do. */
export const SYNC_TEXTS = {
  noSlots: 'Legekontoret har ikke lagt ut ledige timer på nett akkurat nå. Prøv igjen senere, eller ring legekontoret for å bestille time.',
  stale: 'Oversikten over ledige timer hos legekontoret er ikke oppdatert. Prøv igjen senere, eller ring legekontoret for å bestille time.',
  unreadable: 'Forespørselen kunne ikke leses av legekontorets system. Prøv igjen; hvis feilen varer, kontakt Helsenorge.',
  closedForTest: 'Legekontorets meldingstjener tar ikke imot meldinger akkurat nå. Legekontoret og driftsleverandøren er varslet.',
  closed: 'Legekontorets tjenester på Helsenorge er midlertidig stengt. Prøv igjen senere, eller ring legekontoret for å bestille time.',
  unsupported: 'Legekontoret svarer ikke på denne typen forespørsel med en gang. Send forespørselen på nytt senere, eller ring legekontoret.',
  answered: (n: number) => (n === 0 ? 'Det er ingen ledige timer akkurat nå. Prøv igjen senere, eller ring legekontoret.' : `Ledige timer (${n})`),
} as const;

/** An ISO instant as xCal's UTC form `YYYY-MM-DDThh:mm:ssZ`. */
function utc(iso: string): string {
  return new Date(iso).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function eventOf(slot: FreeSlot, herId: string, stamp: string): CalendarEvent {
  const summary = [slot.kind, slot.practitioner ? `hos ${slot.practitioner}` : undefined].filter(Boolean).join(' ');
  return {
    uid: `slot-${utc(slot.start).replace(/[^0-9TZ]/g, '')}-${(slot.practitioner ?? '').replace(/[^A-Za-z0-9]/g, '').slice(0, 20)}@${herId}`,
    dtstamp: stamp,
    start: utc(slot.start),
    end: utc(slot.end),
    ...(summary ? { summary } : {}),
    status: 'TENTATIVE',
  };
}

/** `senderHerId`: who asked, as the transport says (the error answer goes to it even when the request cannot be read). */
export async function answerSync(plain: Buffer | undefined, clinicHerId: string, senderHerId: string, deps: SyncAnswerDeps): Promise<SyncAnswer> {
  const now = deps.now();
  let doc;
  try {
    doc = plain ? parseMessage(plain) : undefined;
  } catch {
    doc = undefined;
  }
  const head = doc?.document === 'MsgHead' ? doc : undefined;
  const refuse = (text: string, reason: string): SyncAnswer => ({
    action: 'APPREC',
    subject: 'APPREC',
    outcome: 'refused',
    reason,
    xml: buildAppRec({
      version: appRecVersionFor(head?.msgType),
      status: 'Avvist',
      errors: [{ code: 'X99', message: text }],
      genDate: now,
      sender: { herId: clinicHerId },
      receiver: { herId: senderHerId },
      original: { msgType: head?.msgType ?? 'UKJENT', issueDate: head?.genDate ?? kithDateTime(now), id: head?.msgId || 'ukjent' },
    }),
  });
  if (head && isCommunicationTestRequest(head)) {
    if (!head.msgId || !head.sender || !head.receiver || !head.patient) return refuse(SYNC_TEXTS.unreadable, 'unreadable');
    if (!deps.open()) return refuse(SYNC_TEXTS.closedForTest, 'gate-closed');
    return { action: 'Svar', subject: head.msgType ?? 'DIALOG_INNBYGGER_TEST', xml: buildCommunicationTestAnswer(head, now), outcome: 'answered' };
  }
  if (!head?.process || !head.msgId || !head.sender || !head.patient) return refuse(SYNC_TEXTS.unreadable, 'unreadable');
  if (head.msgType !== 'DIALOG_INNBYGGER_TIMERESERVASJON' || head.action !== 'HentLedigeTimer') return refuse(SYNC_TEXTS.unsupported, 'unsupported');
  if (!deps.open()) return refuse(SYNC_TEXTS.closed, 'gate-closed');
  let published = await deps.slots.upcoming(now, deps.limit);
  const stale = published !== undefined && now.getTime() - Date.parse(published.publishedAt) > deps.maxAgeMs;
  if ((!published || stale) && deps.askEpj) {
    // the EPJ may answer at once with what it has; the citizen is told if it does not in time
    try {
      await deps.slots.replace(await deps.askEpj(new Date(now.getTime() + (deps.askTimeoutMs ?? 5_000))), deps.now());
      published = await deps.slots.upcoming(now, deps.limit);
    } catch {
      /* answered below from what was there */
    }
  }
  if (!published) return refuse(SYNC_TEXTS.noSlots, 'no-slots-published');
  if (deps.now().getTime() - Date.parse(published.publishedAt) > deps.maxAgeMs) return refuse(SYNC_TEXTS.stale, 'slots-stale');
  const stamp = utc(now.toISOString());
  const xml = buildClinicAnswer(head, {
    theme: THEME_FREE_SLOTS,
    text: SYNC_TEXTS.answered(published.slots.length),
    calendar: { method: 'PUBLISH', events: published.slots.map((s) => eventOf(s, clinicHerId, stamp)) },
    genDate: now,
  });
  return { action: 'SvarLedigeTimer', subject: head.msgType, xml, outcome: 'answered' };
}
