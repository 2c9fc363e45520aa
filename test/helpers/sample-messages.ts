import { buildCitizenRequest } from '../../src/kith/citizen-request.js';
import { buildClinicAnswer, THEME_RENEWAL_DONE } from '../../src/kith/clinic-answer.js';
import type { Coded, MsgHeadMessage, OrganisationInfo, PatientInfo } from '../../src/kith/model.js';
import { parseMessage } from '../../src/kith/parse.js';
import type { Calendar } from '../../src/kith/xcal-read.js';
import { el, txt } from '../../src/kith/xml-write.js';

/**
 * Valid messages of every service, built with the project's own builders from the invented
 * sample identities, with fixed ids and dates so the fixtures written from them are stable.
 */

export const CLINIC_HER = '8142987';
export const GP_HER = '8142988';
export const HELSENORGE_HER = '8093244';

export const CLINIC: OrganisationInfo = {
  name: 'Fjordvik legekontor AS',
  ids: [
    { id: CLINIC_HER, type: 'HER' },
    { id: '921543212', type: 'ENH' },
  ],
  professional: { givenName: 'Kari', familyName: 'Lege', ids: [{ id: GP_HER, type: 'HER' }] },
};

export const HELSENORGE: OrganisationInfo = {
  name: 'Norsk helsenett SF (demo)',
  ids: [
    { id: '8090001', type: 'HER' },
    { id: '998877660', type: 'ENH' },
  ],
  unit: { name: 'Helsenorge.no', ids: [{ id: HELSENORGE_HER, type: 'HER' }] },
};

/** Synthetic national ids (month + 80) and invented names. */
export const PATIENTS = {
  ola: { familyName: 'Testesen', givenName: 'Ola', ids: [{ id: '15838510075', type: 'FNR' }] },
  sigrid: { familyName: 'Fjelltopp', givenName: 'Sigrid', ids: [{ id: '02919010099', type: 'FNR' }] },
  per: { familyName: 'Prøvesen', givenName: 'Per', ids: [{ id: '07900110051', type: 'FNR' }] },
  dina: { familyName: 'Dnummersen', givenName: 'Dina', ids: [{ id: '55838510069', type: 'DNR' }] },
} satisfies Record<string, PatientInfo>;

const AT = new Date('2026-03-02T09:15:00Z');
const LATER = new Date('2026-03-02T13:40:00Z');
const STAMP = '2026-03-02T09:15:00Z';

const THEME_ANSWER: Coded = { v: '6', s: '2.16.578.1.12.4.1.1.7322', dn: 'Henvendelse om pasient' };

function renewalM1(): ReturnType<typeof el> {
  // A minimal eResept M1 document: the gateway carries it and reports it unvalidated.
  return el(
    'Resept',
    { xmlns: 'http://www.kith.no/xmlstds/eresept/m1/2013-10-08' },
    txt('Forskrivningsdato', '2025-09-01'),
    txt('Utloper', '2026-09-01'),
    el('ReseptDokLegemiddel', undefined, el('Varegruppekode', { V: 'L' }), txt('Antall', '1')),
  );
}

function slot(uid: string, start: string, end: string, method: Calendar['method'], status?: 'CONFIRMED' | 'TENTATIVE' | 'CANCELLED'): Calendar {
  return {
    method,
    events: [{ uid, dtstamp: STAMP, start, end, summary: 'Time hos fastlege', location: 'Fjordvik legekontor', ...(status ? { status } : {}) }],
  };
}

export interface SampleCase {
  readonly name: string;
  readonly xml: string;
  /** The HER-id that receives it (the clinic for requests, Helsenorge for answers). */
  readonly asReceiver: string;
  readonly action: string;
}

function request(
  name: string,
  msgType: string,
  msgId: string,
  patient: PatientInfo,
  extra: Partial<Parameters<typeof buildCitizenRequest>[0]>,
  action: string,
): SampleCase {
  const xml = buildCitizenRequest({
    msgType,
    msgId,
    genDate: AT,
    sender: HELSENORGE,
    receiver: CLINIC,
    patient,
    foresporsel: { type: { v: 'RF', s: '2.16.578.1.12.4.1.1.7601', dn: 'Reseptfornying' } },
    ...extra,
  });
  return { name, xml, asReceiver: CLINIC_HER, action };
}

function answer(
  name: string,
  req: SampleCase,
  msgId: string,
  input: Omit<Parameters<typeof buildClinicAnswer>[1], 'msgId' | 'genDate'>,
  action: string,
): SampleCase {
  const parsed = parseMessage(req.xml) as MsgHeadMessage;
  return { name, xml: buildClinicAnswer(parsed, { ...input, msgId, genDate: LATER }), asReceiver: HELSENORGE_HER, action };
}

/** Each service: its valid requests and answers. */
export function sampleCases(): Record<string, SampleCase[]> {
  const renewal = request(
    'request',
    'DIALOG_INNBYGGER_RESEPTFORNYELSE',
    '5b0f0d3e-1c2a-4b7e-9a51-0c8f1e2d3a01',
    PATIENTS.ola,
    {
      foresporsel: {
        type: { v: 'RF', s: '2.16.578.1.12.4.1.1.7601', dn: 'Reseptfornying' },
        subject: 'Fornye resept',
        question: 'Hei, jeg ønsker å fornye resepten på astmasprayen min.',
        codedInfo: { v: 'AP', s: '8324', dn: 'Hentes på apotek' },
      },
      embedded: [renewalM1()],
    },
    'Foresporsel',
  );
  const contact = request(
    'request',
    'DIALOG_INNBYGGER_EKONTAKT',
    '5b0f0d3e-1c2a-4b7e-9a51-0c8f1e2d3a02',
    PATIENTS.sigrid,
    {
      foresporsel: {
        type: { v: 'BA', s: '2.16.578.1.12.4.1.1.7601', dn: 'Bestille attest' },
        subject: 'Attest',
        question: 'Jeg trenger en legeattest for skolen.',
      },
      attachments: [{ mimeType: 'text/plain', description: 'skjema.txt', data: Buffer.from('Skjema fra skolen\n') }],
    },
    'Foresporsel',
  );
  const consult = request(
    'request',
    'DIALOG_INNBYGGER_EKONSULTASJON',
    '5b0f0d3e-1c2a-4b7e-9a51-0c8f1e2d3a03',
    PATIENTS.per,
    {
      foresporsel: { type: { v: 'EK', dn: 'E-konsultasjon' }, subject: 'Utslett', question: 'Jeg har fått utslett på armen etter ny medisin.' },
    },
    'Foresporsel',
  );
  const wish = request(
    'timeonske-request',
    'DIALOG_INNBYGGER_TIMEONSKE',
    '5b0f0d3e-1c2a-4b7e-9a51-0c8f1e2d3a04',
    PATIENTS.dina,
    {
      foresporsel: { type: { v: 'TO', dn: 'Timeønske' }, subject: 'Time', question: 'Kan jeg få time neste uke, helst formiddag?' },
      calendar: slot('wish-1@helsenorge.example', '2026-03-09T09:00:00', '2026-03-09T09:20:00', 'REQUEST', 'TENTATIVE'),
    },
    'OnskeReserver',
  );
  const fetch = request(
    'timereservasjon-request',
    'DIALOG_INNBYGGER_TIMERESERVASJON',
    '5b0f0d3e-1c2a-4b7e-9a51-0c8f1e2d3a05',
    PATIENTS.ola,
    {
      foresporsel: { type: { v: 'TR', dn: 'Timereservasjon' }, subject: 'Ledige timer' },
    },
    'HentLedigeTimer',
  );
  const book = request(
    'reservation-request',
    'DIALOG_INNBYGGER_TIMERESERVASJON',
    '5b0f0d3e-1c2a-4b7e-9a51-0c8f1e2d3a06',
    PATIENTS.ola,
    {
      foresporsel: { type: { v: 'TR', dn: 'Timereservasjon' }, subject: 'Bestill time' },
      calendar: slot('slot-2@fjordvik.example', '2026-03-10T10:00:00', '2026-03-10T10:20:00', 'REQUEST'),
    },
    'ReserverAvtale',
  );
  return {
    'prescription-renewal': [
      renewal,
      answer(
        'answer',
        renewal,
        '7c1e2a90-4d3b-4f6a-8e21-5a9b0c7d6e01',
        { theme: THEME_RENEWAL_DONE, text: 'Resepten er fornyet og kan hentes på apotek.' },
        'Svar',
      ),
    ],
    'office-contact': [
      contact,
      answer(
        'answer',
        contact,
        '7c1e2a90-4d3b-4f6a-8e21-5a9b0c7d6e02',
        { theme: THEME_ANSWER, text: 'Attesten ligger klar i resepsjonen fra torsdag.' },
        'Svar',
      ),
    ],
    'e-consultation': [
      consult,
      answer(
        'answer',
        consult,
        '7c1e2a90-4d3b-4f6a-8e21-5a9b0c7d6e03',
        {
          theme: THEME_ANSWER,
          text: 'Slutt med medisinen og ring oss i morgen om utslettet ikke er bedre.',
          attachments: [{ mimeType: 'application/pdf', description: 'rad.pdf', data: Buffer.from('%PDF-1.4\n%EOF\n') }],
        },
        'Svar',
      ),
    ],
    appointment: [
      wish,
      answer(
        'timeonske-answer',
        wish,
        '7c1e2a90-4d3b-4f6a-8e21-5a9b0c7d6e04',
        {
          theme: THEME_ANSWER,
          text: 'Du har fått time mandag kl. 09.00.',
          calendar: slot('wish-1@helsenorge.example', '2026-03-09T09:00:00', '2026-03-09T09:20:00', 'REPLY', 'CONFIRMED'),
        },
        'SvarOnske',
      ),
      fetch,
      answer(
        'timereservasjon-answer',
        fetch,
        '7c1e2a90-4d3b-4f6a-8e21-5a9b0c7d6e05',
        {
          theme: THEME_ANSWER,
          text: 'Ledige timer',
          calendar: {
            method: 'PUBLISH',
            events: [
              { uid: 'slot-1@fjordvik.example', dtstamp: STAMP, start: '2026-03-10T09:00:00', end: '2026-03-10T09:20:00', status: 'TENTATIVE' },
              { uid: 'slot-2@fjordvik.example', dtstamp: STAMP, start: '2026-03-10T10:00:00', end: '2026-03-10T10:20:00', status: 'TENTATIVE' },
            ],
          },
        },
        'SvarLedigeTimer',
      ),
      book,
      answer(
        'reservation-answer',
        book,
        '7c1e2a90-4d3b-4f6a-8e21-5a9b0c7d6e06',
        {
          theme: THEME_ANSWER,
          text: 'Timen er bestilt.',
          calendar: slot('slot-2@fjordvik.example', '2026-03-10T10:00:00', '2026-03-10T10:20:00', 'REPLY', 'CONFIRMED'),
        },
        'SvarAvtaleReservasjon',
      ),
    ],
  };
}
