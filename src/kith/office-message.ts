import { actionOf, processForMsgType } from '../domain/services.js';
import { GatewayError } from '../errors.js';
import { calendarPart } from './attachments.js';
import { buildDialogmelding } from './dialogmelding-build.js';
import type { Coded, OrganisationInfo, PatientInfo } from './model.js';
import { buildMsgHead, type DocumentPart } from './msghead-build.js';
import type { Calendar } from './xcal-read.js';

/**
 * A message the office starts (Dialog_Innbygger_Timer 1.1): BekreftTime confirms an appointment,
 * EndreTime moves it, AvslutteTime cancels it, Henvendelse writes to the citizen. A MsgHead with a
 * Dialogmelding 1.0 Notat (the package is package_dia_v1.0_ical) and, for the appointment actions,
 * the appointment as xCal: REQUEST (SEQUENCE raised when moved), CANCEL, or PUBLISH when a
 * Henvendelse only mentions it, as RFC 5546 has it, so
 * the action can be read back from the document alone (src/kith/actions.ts).
 */

export const APPOINTMENT_DIALOG_MSG_TYPE = 'DIALOG_INNBYGGER_TIMER';

/** The office-started actions, each with the theme of its Notat (code list 7322, "Henvendelse om pasient"). */
export const OFFICE_ACTIONS = ['BekreftTime', 'EndreTime', 'AvslutteTime', 'Henvendelse'] as const;
export type OfficeAction = (typeof OFFICE_ACTIONS)[number];

const THEME: Coded = { v: '6', s: '2.16.578.1.12.4.1.1.7322', dn: 'Henvendelse om pasient' };

/** The Notat's heading (Tema), for a person reading the message. */
const HEADING: Record<OfficeAction, string> = {
  BekreftTime: 'Bekreftelse av time',
  EndreTime: 'Endring av time',
  AvslutteTime: 'Avlysning av time',
  Henvendelse: 'Melding fra legekontoret',
};

export interface OfficeAppointment {
  /** the appointment's UID: the same in its confirmation, moves and cancellation */
  readonly uid: string;
  /** xCal date-times: local `YYYY-MM-DDThh:mm:ss` or UTC with Z */
  readonly start: string;
  readonly end?: string;
  readonly location?: string;
  readonly summary?: string;
}

export interface OfficeMessageInput {
  readonly action: OfficeAction;
  readonly msgId: string;
  readonly genDate: Date;
  /** the clinic, as sender */
  readonly clinic: OrganisationInfo;
  /** Helsenorge, as receiver */
  readonly helsenorge: OrganisationInfo;
  readonly patient: PatientInfo;
  readonly text: string;
  /** required for BekreftTime, EndreTime and AvslutteTime; optional for Henvendelse */
  readonly appointment?: OfficeAppointment;
  /** an earlier message of the same conversation, when the office follows one up */
  readonly conversationRef?: { readonly refToParent: string; readonly refToConversation: string };
}

function utcStamp(d: Date): string {
  return `${d.toISOString().slice(0, 19)}Z`;
}

export function officeCalendar(action: OfficeAction, appointment: OfficeAppointment, now: Date): Calendar {
  return {
    method: action === 'AvslutteTime' ? 'CANCEL' : action === 'Henvendelse' ? 'PUBLISH' : 'REQUEST',
    events: [
      {
        uid: appointment.uid,
        dtstamp: utcStamp(now),
        start: appointment.start,
        ...(appointment.end ? { end: appointment.end } : {}),
        ...(appointment.summary ? { summary: appointment.summary } : {}),
        ...(appointment.location ? { location: appointment.location } : {}),
        status: action === 'AvslutteTime' ? 'CANCELLED' : 'CONFIRMED',
        sequence: action === 'EndreTime' ? 1 : 0,
      },
    ],
  };
}

export function buildOfficeMessage(input: OfficeMessageInput): string {
  const process = processForMsgType(APPOINTMENT_DIALOG_MSG_TYPE)!;
  const action = actionOf(process, input.action);
  if (action?.calendar && !input.appointment) throw new GatewayError('KITH_CONTENT_INVALID', `${input.action} needs the appointment (xCal).`);
  const documents: DocumentPart[] = [
    {
      refDocType: 'XML',
      issueDate: input.genDate,
      content: buildDialogmelding(process.dialogmelding, { notat: { theme: THEME, themeText: HEADING[input.action], text: input.text } }),
    },
    ...(input.appointment ? [calendarPart(officeCalendar(input.action, input.appointment, input.genDate))] : []),
  ];
  return buildMsgHead({
    msgType: process.msgType,
    msgId: input.msgId,
    genDate: input.genDate,
    ...(input.conversationRef ? { conversationRef: input.conversationRef } : {}),
    sender: input.clinic,
    receiver: input.helsenorge,
    patient: input.patient,
    documents,
  });
}
