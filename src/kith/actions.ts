import { dialogProcessForMsgType, type ProcessDefinition } from '../domain/services.js';
import type { MsgHeadMessage } from './model.js';
import { calendarSequence, readCalendarMethod } from './xcal-read.js';
import { child } from './xml-tree.js';

/**
 * The CPA action of a message, read from its payload: the transport names the action, but the
 * gateway must also know it from the document alone (the command line, a folder drop). A
 * Dialogmelding with a Foresporsel is the citizen's request; with a Notat it is the clinic's
 * answer; for appointments the xCal METHOD and the ConversationRef tell the rest. In
 * Dialog_Innbygger_Timer the office writes first: its Notat is BekreftTime, EndreTime (SEQUENCE
 * raised), AvslutteTime (CANCEL) or, without a calendar or with PUBLISH, Henvendelse.
 */
export function inferAction(process: Pick<ProcessDefinition, 'msgType'>, msg: Omit<MsgHeadMessage, 'action'>): string | undefined {
  const dialog = msg.documents.find((d) => d.kind === 'dialogmelding')?.el;
  if (!dialog) return undefined;
  const isAnswer = child(dialog, 'Notat') !== undefined;
  const isRequest = !isAnswer && child(dialog, 'Foresporsel') !== undefined;
  if (!isAnswer && !isRequest) return undefined;
  const calendar = msg.documents.find((d) => d.kind === 'xcal')?.el;
  const method = calendar ? readCalendarMethod(calendar) : undefined;
  switch (process.msgType) {
    case 'DIALOG_INNBYGGER_TIMEONSKE':
      if (isAnswer) return 'SvarOnske';
      if (method === 'CANCEL') return 'OnskeAvbestill';
      return msg.conversationRef ? 'OnskeEndring' : 'OnskeReserver';
    case 'DIALOG_INNBYGGER_TIMERESERVASJON':
      if (isAnswer) return method === 'PUBLISH' ? 'SvarLedigeTimer' : 'SvarAvtaleReservasjon';
      if (!calendar) return 'HentLedigeTimer';
      return method === 'CANCEL' ? 'AvbestillAvtale' : 'ReserverAvtale';
    case 'DIALOG_INNBYGGER_TIMER':
      // the office writes a Notat (RFC 5546: CANCEL cancels, REQUEST with a raised SEQUENCE moves,
      // REQUEST confirms, no calendar or PUBLISH is a plain message); the citizen's answer is a Foresporsel
      if (isAnswer) {
        if (!calendar || method === 'PUBLISH') return 'Henvendelse';
        if (method === 'CANCEL') return 'AvslutteTime';
        return calendarSequence(calendar) > 0 ? 'EndreTime' : 'BekreftTime';
      }
      if (!calendar) return 'SvarHenvendelse';
      return method === 'CANCEL' ? 'SvarAvslutte' : 'SvarEndring';
    case 'DIALOG_INNBYGGER_DIGITALBRUKER':
      // the check is a Foresporsel; Helsenorge's Notat answers it (ConversationRef) or, unasked, tells of a change
      if (!isAnswer) return 'SjekkStatus';
      return msg.conversationRef ? 'StatusSvar' : 'StatusEndring';
    default:
      return isAnswer ? 'Svar' : 'Foresporsel';
  }
}

/** The action of a message of any dialog process, the supporting ones (the communication test) included. */
export function actionOfMessage(msg: MsgHeadMessage): string | undefined {
  if (msg.action) return msg.action;
  const process = msg.msgType ? dialogProcessForMsgType(msg.msgType) : undefined;
  return process ? inferAction(process, msg) : undefined;
}
