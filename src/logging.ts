import { AsyncLocalStorage } from 'node:async_hooks';
import { pino, type Logger, type DestinationStream } from 'pino';

/**
 * Technical logs never carry patient data. Code logs ids (MsgId, job id, HER-id), never content;
 * the redaction list is the net under that rule: any field by these names, at any of the first
 * levels of a logged object, is replaced before the line is written.
 */
const PATIENT_FIELDS = [
  'nationalId',
  'nationalIdNumber',
  'fnr',
  'dnr',
  'hnr',
  'ssn',
  'personId',
  'patientId',
  'patient',
  'patientName',
  'name',
  'givenName',
  'familyName',
  'middleName',
  'text',
  'messageText',
  'body',
  'content',
  'businessDocument',
  'xml',
  'payload',
  'attachment',
  'attachments',
  'authorization',
  'cookie',
  'token',
  'password',
];

export const REDACTED_PATHS: string[] = PATIENT_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`]).concat(['req.headers.authorization', 'req.headers.cookie']);

/** The request (or job) a line belongs to, carried across awaits. */
const context = new AsyncLocalStorage<{ requestId: string }>();

export function withRequestId<T>(requestId: string, fn: () => T): T {
  return context.run({ requestId }, fn);
}

export function currentRequestId(): string | undefined {
  return context.getStore()?.requestId;
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'epj-gateway' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      mixin: () => {
        const requestId = currentRequestId();
        return requestId ? { requestId } : {};
      },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

export type { Logger };
