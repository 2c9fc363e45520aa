import type { DocumentPart } from './msghead-build.js';
import { NS } from './namespaces.js';
import { buildCalendar } from './xcal-build.js';
import type { Calendar } from './xcal-read.js';
import { rawText } from './xml-write.js';

/** Attachments and calendar parts as MsgHead Documents. */

export interface AttachmentInput {
  readonly mimeType: string;
  /** Shown to the reader; usually the file name. */
  readonly description: string;
  readonly data: Uint8Array;
}

/** A Base64Container attachment (RefDoc MsgType A, with MimeType). */
export function attachmentPart(a: AttachmentInput): DocumentPart {
  const base64 = Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength).toString('base64');
  return {
    refDocType: 'A',
    mimeType: a.mimeType,
    description: a.description,
    content: rawText('Base64Container', base64, { xmlns: NS.base64 }),
  };
}

/** The appointment's iCalendar part (xCal, RFC 6321). */
export function calendarPart(cal: Calendar): DocumentPart {
  return { refDocType: 'XML', mimeType: 'application/calendar+xml', content: buildCalendar(cal) };
}

/** The bytes of a Base64Container's text. */
export function attachmentBytes(base64Text: string): Buffer {
  return Buffer.from(base64Text.replace(/\s+/g, ''), 'base64');
}
