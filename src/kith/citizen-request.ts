import { dialogProcessForMsgType } from '../domain/services.js';
import { GatewayError } from '../errors.js';
import { attachmentPart, calendarPart, type AttachmentInput } from './attachments.js';
import { buildDialogmelding, type ForesporselInput } from './dialogmelding-build.js';
import { buildMsgHead, type DocumentPart, type MsgHeadInput } from './msghead-build.js';
import type { Calendar } from './xcal-read.js';
import { patientRelationPart, type PatientRelationInput } from './patient-relation.js';
import type { Node } from './xml-write.js';

/**
 * A citizen's request as Helsenorge sends it: the Foresporsel, the appointment's calendar, and
 * any further documents (eResept M1 for a renewal) or attachments. The gateway uses it in its
 * simulator and tests; a clinic never sends one.
 */
export interface CitizenRequestInput extends Omit<MsgHeadInput, 'documents'> {
  readonly foresporsel: ForesporselInput;
  readonly calendar?: Calendar;
  /** Further embedded documents, written as given (their root declares its own namespace). */
  readonly embedded?: readonly Node[];
  readonly attachments?: readonly AttachmentInput[];
  /** Someone acting for the patient (a parent, a guardian, a proxy): the Pasientrelasjon part. */
  readonly patientRelation?: PatientRelationInput;
}

export function buildCitizenRequest(input: CitizenRequestInput): string {
  const process = dialogProcessForMsgType(input.msgType);
  if (!process) throw new GatewayError('KITH_UNSUPPORTED_TYPE', `Message type ${input.msgType} is not a Helsenorge dialog process.`);
  const documents: DocumentPart[] = [
    {
      refDocType: 'XML',
      ...(input.genDate ? { issueDate: input.genDate } : {}),
      content: buildDialogmelding(process.dialogmelding, { foresporsel: input.foresporsel }),
    },
    ...(input.calendar ? [calendarPart(input.calendar)] : []),
    ...(input.patientRelation ? [patientRelationPart(input.patientRelation)] : []),
    ...(input.embedded ?? []).map((content): DocumentPart => ({ refDocType: 'XML', content })),
    ...(input.attachments ?? []).map(attachmentPart),
  ];
  const { foresporsel: _f, calendar: _c, embedded: _e, attachments: _a, patientRelation: _p, ...head } = input;
  return buildMsgHead({ ...head, documents });
}
