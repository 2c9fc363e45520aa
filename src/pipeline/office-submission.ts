import type { Config } from '../config.js';
import { GatewayError } from '../errors.js';
import { buildOfficeMessage } from '../kith/office-message.js';
import { parseEpjJson, submitClinicXml, type ClinicSubmissionDeps, type SubmissionResult } from './clinic-submission.js';
import { officeMessageSchema, toOfficeMessageInput, type OfficeMessageJson, type OfficeParties } from './office-message-json.js';

/**
 * A message the office starts (BekreftTime, EndreTime, AvslutteTime, Henvendelse), from JSON: built
 * as KITH addressed to Helsenorge, then taken like any message the clinic sends (both validation
 * layers, the gate, recorded and queued). The same message dropped as KITH XML in the outbox folder
 * takes the same path from its second step.
 */

export interface OfficeSubmissionDeps extends ClinicSubmissionDeps {
  config: ClinicSubmissionDeps['config'] & Pick<Config, 'CLINIC_NAME' | 'CLINIC_ORG_NUMBER' | 'HELSENORGE_HER_ID'>;
  /**
   * Asks Helsenorge whether the citizen is a digital user (Dialog_Innbygger_Digitalbruker), for
   * `onlyIfDigitalUser`: true, false, or undefined when no answer came in time (absent: not available).
   */
  digitalUser?: (patient: OfficeMessageJson['patient']) => Promise<boolean | undefined>;
}

export function officeParties(config: OfficeSubmissionDeps['config']): OfficeParties {
  return {
    clinic: {
      name: config.CLINIC_NAME,
      ids: [
        { id: config.CLINIC_HER_ID, type: 'HER' },
        { id: config.CLINIC_ORG_NUMBER, type: 'ENH' },
      ],
    },
    helsenorge: { name: 'Helsenorge.no', ids: [{ id: config.HELSENORGE_HER_ID, type: 'HER' }] },
  };
}

export async function submitOfficeJson(deps: OfficeSubmissionDeps, body: unknown, origin: string, now = new Date()): Promise<SubmissionResult> {
  const json = parseEpjJson(officeMessageSchema, body);
  let conversationRef: { refToParent: string; refToConversation: string } | undefined;
  if (json.inReplyTo) {
    // these actions answer nothing: inReplyTo only links the message to an earlier one the gateway knows
    if (!(await deps.outbound.store.get(json.inReplyTo))) throw new GatewayError('EPJ_REQUEST_UNKNOWN', `(inReplyTo ${json.inReplyTo})`);
    conversationRef = { refToParent: json.inReplyTo, refToConversation: json.inReplyTo };
  }
  if (json.onlyIfDigitalUser) {
    const digital = deps.digitalUser ? await deps.digitalUser(json.patient) : undefined;
    if (digital === undefined) throw new GatewayError('DIGITAL_STATUS_UNAVAILABLE', `(${json.action} was not sent)`);
    if (!digital) throw new GatewayError('CITIZEN_NOT_DIGITAL_USER', `(${json.action} was not sent)`);
  }
  const xml = buildOfficeMessage(toOfficeMessageInput(json, officeParties(deps.config), now, conversationRef));
  return submitClinicXml(deps, xml, origin, { action: json.action });
}
