import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { NATIONAL_ID_TYPES } from '../domain/codes.js';
import { OFFICE_ACTIONS, type OfficeMessageInput } from '../kith/office-message.js';
import type { OrganisationInfo, PatientInfo } from '../kith/model.js';
import { dateTime, practitioner, xcalTime, xmlChars } from './clinic-answer-json.js';

/**
 * A message the office starts, in JSON (docs/epj.md): `action` names the CPA action of
 * Dialog_Innbygger_Timer, the patient is named in full since no request carries it, and the
 * appointment is what the citizen sees in the calendar.
 */

const name = z.string().min(1).max(200).check(xmlChars);

/** The citizen the office writes to (or asks about): named in full, since no request carries them. */
export const patientSchema = z.object({
  id: z.string().regex(/^\d{11}$/, '11 digits'),
  idType: z.enum(NATIONAL_ID_TYPES),
  givenName: name,
  familyName: name,
  middleName: name.optional(),
});
export type PatientJson = z.infer<typeof patientSchema>;

/** The MsgHead patient of a citizen named in JSON. */
export function patientInfoOf(p: PatientJson): PatientInfo {
  return {
    givenName: p.givenName,
    familyName: p.familyName,
    ...(p.middleName ? { middleName: p.middleName } : {}),
    ids: [{ id: p.id, type: p.idType }],
  };
}

export const officeMessageSchema = z
  .object({
    service: z.literal('appointment'),
    action: z.enum(OFFICE_ACTIONS),
    msgId: z.uuid().optional(),
    /** an earlier message of the conversation this one follows up (optional: these actions answer nothing) */
    inReplyTo: z.string().min(1).max(100).optional(),
    patient: patientSchema,
    appointment: z
      .object({
        /** the appointment's id in the EPJ: the same UID in its confirmation, moves and cancellation */
        id: z.string().min(1).max(200).check(xmlChars).optional(),
        start: dateTime,
        end: dateTime.optional(),
        location: z.string().max(200).check(xmlChars).optional(),
        practitioner: z.string().max(200).check(xmlChars).optional(),
      })
      .optional(),
    text: z.string().min(1).max(20_000).check(xmlChars),
    practitioner: practitioner.optional(),
    /** send only if the citizen is a digital user on Helsenorge (asked first: SjekkStatus) */
    onlyIfDigitalUser: z.boolean().optional(),
  })
  .strict()
  .superRefine((m, ctx) => {
    if (m.action !== 'Henvendelse' && !m.appointment)
      ctx.addIssue({ code: 'custom', path: ['appointment'], message: `${m.action} names the appointment (start, end, location)` });
    if (m.appointment?.end && Date.parse(xcalTime(m.appointment.end)) <= Date.parse(xcalTime(m.appointment.start)))
      ctx.addIssue({ code: 'custom', path: ['appointment', 'end'], message: 'the end must be after the start' });
  });

export type OfficeMessageJson = z.infer<typeof officeMessageSchema>;

/** True for a JSON body meant as an office-started message: its `action` is one the office starts with. */
export function isOfficeMessageJson(body: unknown): boolean {
  const action = (body as { action?: unknown } | null)?.action;
  return typeof action === 'string' && (OFFICE_ACTIONS as readonly string[]).includes(action);
}

export interface OfficeParties {
  clinic: OrganisationInfo;
  helsenorge: OrganisationInfo;
}

export function toOfficeMessageInput(
  json: OfficeMessageJson,
  parties: OfficeParties,
  now = new Date(),
  conversationRef?: OfficeMessageInput['conversationRef'],
): OfficeMessageInput {
  const msgId = json.msgId ?? randomUUID();
  const a = json.appointment;
  const clinic = json.practitioner
    ? {
        ...parties.clinic,
        professional: { name: json.practitioner.name, ids: json.practitioner.herId ? [{ id: json.practitioner.herId, type: 'HER' }] : [] },
      }
    : parties.clinic;
  return {
    action: json.action,
    msgId,
    genDate: now,
    clinic,
    helsenorge: parties.helsenorge,
    patient: patientInfoOf(json.patient),
    text: json.text,
    ...(a
      ? {
          appointment: {
            uid: a.id ?? msgId,
            start: xcalTime(a.start),
            ...(a.end ? { end: xcalTime(a.end) } : {}),
            ...(a.location ? { location: a.location } : {}),
            ...(a.practitioner ? { summary: a.practitioner } : {}),
          },
        }
      : {}),
    ...(conversationRef ? { conversationRef } : {}),
  };
}
