import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Coded } from '../kith/model.js';
import { THEME_RENEWAL_DONE, type ClinicAnswerInput } from '../kith/clinic-answer.js';
import type { Calendar } from '../kith/xcal-read.js';
import { unwritableCharacter } from '../kith/xml-write.js';

/**
 * The EPJ answers a citizen in JSON and the gateway writes the KITH message: one shape per service,
 * each naming the request it answers (`inReplyTo`, the citizen's MsgId). Field errors come back as
 * a list, each with its path, so the EPJ can show them next to the field.
 */

const THEME_ABOUT_PATIENT: Coded = { v: '6', s: '2.16.578.1.12.4.1.1.7322', dn: 'Henvendelse om pasient' };

/**
 * For every string that ends up in the KITH message: a character XML 1.0 cannot carry is refused here,
 * next to its field, instead of by the XML writer after the request has been read back.
 */
export const xmlChars = z.superRefine<string>((s, ctx) => {
  const bad = unwritableCharacter(s);
  if (bad) {
    ctx.addIssue({
      code: 'custom',
      message: `${bad.codePoint} at offset ${bad.offset} cannot be carried in XML (control characters other than tab, line feed and carriage return, U+FFFE, U+FFFF and lone surrogates)`,
    });
  }
});

const attachment = z.object({
  fileName: z.string().min(1).max(200).check(xmlChars),
  mimeType: z.string().regex(/^[\w.+-]+\/[\w.+-]+$/, 'a MIME type such as application/pdf'),
  base64: z
    .string()
    .min(1)
    .regex(/^[A-Za-z0-9+/=\s]+$/, 'base64'),
});

export const practitioner = z.object({
  name: z.string().min(1).max(200).check(xmlChars),
  herId: z
    .string()
    .regex(/^\d{1,9}$/)
    .optional(),
});

const base = {
  inReplyTo: z.string().min(1).max(100),
  /** the CPA action of the answer (SvarAvtaleReservasjon, …); default the first the CPA pairs with the request's action */
  action: z.string().min(1).max(100).optional(),
  msgId: z.uuid().optional(),
  practitioner: practitioner.optional(),
  attachments: z.array(attachment).max(20).optional(),
  /** The clinic's mark that the answer is for the child alone: refused when a parent or representative sent the request. */
  confidentialToChild: z.boolean().optional(),
};

export const dateTime = z.iso.datetime({ offset: true, local: true });
const slot = z.object({
  start: dateTime,
  end: dateTime,
  location: z.string().max(200).check(xmlChars).optional(),
  practitioner: z.string().max(200).check(xmlChars).optional(),
});

export const clinicAnswerSchema = z.discriminatedUnion('service', [
  z.object({
    service: z.literal('appointment'),
    ...base,
    kind: z.enum(['offer', 'confirm', 'change', 'cancel']),
    slots: z.array(slot).min(1).max(20),
    text: z.string().min(1).max(20_000).check(xmlChars),
  }),
  z.object({
    service: z.literal('prescription-renewal'),
    ...base,
    prescriptions: z
      .array(
        z.object({
          name: z.string().min(1).max(300).check(xmlChars),
          outcome: z.enum(['renewed', 'not-renewed', 'needs-consultation']),
          reason: z.string().max(2_000).check(xmlChars).optional(),
        }),
      )
      .min(1)
      .max(50),
    text: z.string().max(20_000).check(xmlChars).optional(),
  }),
  z.object({
    service: z.literal('e-consultation'),
    ...base,
    text: z.string().min(1).max(20_000).check(xmlChars),
    videoLink: z
      .url({ protocol: /^https$/ })
      .check(xmlChars)
      .optional(),
  }),
  z.object({ service: z.literal('office-contact'), ...base, text: z.string().min(1).max(20_000).check(xmlChars) }),
]);

export type ClinicAnswerJson = z.infer<typeof clinicAnswerSchema>;

const OUTCOME_WORDS = { renewed: 'fornyet', 'not-renewed': 'ikke fornyet', 'needs-consultation': 'krever konsultasjon' } as const;
const METHOD: Record<'offer' | 'confirm' | 'change' | 'cancel', Calendar['method']> = {
  offer: 'PUBLISH',
  confirm: 'REQUEST',
  change: 'REQUEST',
  cancel: 'CANCEL',
};
const STATUS = { offer: 'TENTATIVE', confirm: 'CONFIRMED', change: 'CONFIRMED', cancel: 'CANCELLED' } as const;

export function utcStamp(d: Date): string {
  return `${d.toISOString().slice(0, 19)}Z`;
}

/** xCal wants local time as given, or UTC with Z: a time with an offset is turned into UTC. */
export function xcalTime(s: string): string {
  return /([zZ]|[+-]\d\d:\d\d)$/.test(s) ? utcStamp(new Date(s)) : s.slice(0, 19);
}

/** The answer's content for the KITH builder; the MsgHead around it comes from the request. */
export function toClinicAnswerInput(json: ClinicAnswerJson, now = new Date()): ClinicAnswerInput {
  const common = {
    msgId: json.msgId ?? randomUUID(),
    genDate: now,
    ...(json.practitioner
      ? { professional: { name: json.practitioner.name, ids: json.practitioner.herId ? [{ id: json.practitioner.herId, type: 'HER' }] : [] } }
      : {}),
    ...(json.attachments
      ? { attachments: json.attachments.map((a) => ({ mimeType: a.mimeType, description: a.fileName, data: Buffer.from(a.base64, 'base64') })) }
      : {}),
  };
  switch (json.service) {
    case 'prescription-renewal': {
      const lines = json.prescriptions.map((p) => `${p.name}: ${OUTCOME_WORDS[p.outcome]}${p.reason ? ` (${p.reason})` : ''}.`);
      const allRenewed = json.prescriptions.every((p) => p.outcome === 'renewed');
      return { ...common, theme: allRenewed ? THEME_RENEWAL_DONE : THEME_ABOUT_PATIENT, text: [...lines, ...(json.text ? [json.text] : [])].join('\n') };
    }
    case 'appointment': {
      const calendar: Calendar = {
        method: METHOD[json.kind],
        events: json.slots.map((s, i) => ({
          uid: `${common.msgId}-${i + 1}`,
          dtstamp: utcStamp(now),
          start: xcalTime(s.start),
          end: xcalTime(s.end),
          ...(s.location ? { location: s.location } : {}),
          ...(s.practitioner ? { summary: s.practitioner } : {}),
          status: STATUS[json.kind],
        })),
      };
      return { ...common, theme: THEME_ABOUT_PATIENT, text: json.text, calendar };
    }
    case 'e-consultation':
      return { ...common, theme: THEME_ABOUT_PATIENT, text: json.videoLink ? `${json.text}\nVideo: ${json.videoLink}` : json.text };
    case 'office-contact':
      return { ...common, theme: THEME_ABOUT_PATIENT, text: json.text };
  }
}
