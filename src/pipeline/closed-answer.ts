import { createHash } from 'node:crypto';
import { buildClinicAnswer } from '../kith/clinic-answer.js';
import type { Coded } from '../kith/model.js';
import { parseMessage } from '../kith/parse.js';

/**
 * The answer a citizen gets at once while the office has closed a service itself (holiday, the GP
 * away): the office's own text, or a default one naming the date it expects to open. The request is
 * still accepted and delivered to the EPJ; the answer is a Svar like any other, sent once per
 * request (its MsgId is derived from the request's). Requests whose answer needs a calendar (the
 * appointment processes) are not answered this way: the EPJ answers them when it opens.
 */

const THEME: Coded = { v: '6', s: '2.16.578.1.12.4.1.1.7322', dn: 'Henvendelse om pasient' };

export const EMERGENCY = 'Ved akutt sykdom ring legevakten på 116 117, ved livstruende tilstand 113.';

/** "mandag 7. desember" for 2026-12-07. */
export function norwegianDay(date: string): string {
  const at = new Date(`${date}T12:00:00Z`);
  return new Intl.DateTimeFormat('nb-NO', { weekday: 'long', day: 'numeric', month: 'long', timeZone: 'Europe/Oslo' }).format(at).replace(/\s+/g, ' ');
}

export function autoAnswerText(office: { autoAnswer?: string; expectedOpen?: string }): string {
  if (office.autoAnswer) return office.autoAnswer;
  const until = office.expectedOpen ? ` til ${norwegianDay(office.expectedOpen)}` : '';
  return `Legekontoret har stengt denne tjenesten på Helsenorge${until}. Henvendelsen din er mottatt, men blir ikke behandlet før kontoret åpner igjen. ${EMERGENCY}`;
}

/** A MsgId of the answer derived from the request's, so a request is answered once however often it is seen. */
export function autoAnswerMsgId(requestMsgId: string): string {
  return derivedMsgId('auto-answer', requestMsgId);
}

/** A UUID-shaped MsgId derived from another message's and a purpose: the same answer however often its request is seen. */
export function derivedMsgId(purpose: string, msgId: string): string {
  const h = createHash('sha256').update(`${purpose}:${msgId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The Svar with the auto-answer, or undefined when this request's answer needs more than text. */
export function buildAutoAnswer(request: Buffer | string, text: string, genDate = new Date()): { xml: string; msgId: string; action: string } | undefined {
  const head = parseMessage(request);
  if (head.document !== 'MsgHead' || !head.process || !head.msgId) return undefined;
  const asked = head.process.actions.find((a) => a.name === head.action);
  const answering = head.process.actions.find((a) => a.answers?.includes(head.action ?? ''));
  if (asked?.sender !== 'citizen' || !answering || answering.calendar) return undefined;
  const msgId = autoAnswerMsgId(head.msgId);
  return { xml: buildClinicAnswer(head, { theme: THEME, text, msgId, genDate }), msgId, action: answering.name };
}
