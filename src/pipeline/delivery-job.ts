import type { GatedService } from '../gate/gate-state.js';
import type { SealedPayload } from './job-crypto.js';

/**
 * A job of the EPJ delivery queue: what the inbound worker queues and the delivery worker takes.
 * Apart from both, so neither imports the other.
 */

/** What the EPJ delivery queue holds: ids in clear, the document sealed. */
export interface DeliveryJobData {
  msgId: string;
  service: GatedService;
  action?: string;
  sealed: SealedPayload;
  /** keyed hash of the patient's national id: orders delivery per patient without naming them */
  patientRef?: string;
  /** this message's place in its patient's sequence */
  sequence?: number;
}

/** The sealed part of a delivery job. */
export interface SealedDelivery {
  xml: string;
  senderHerId?: number;
  receiverHerId: number;
  receivedAt: string;
  representation?: Record<string, unknown>;
  /** what the clinic should look at before answering (a patient under 16 with no relation part) */
  flags?: Record<string, unknown>[];
  /** it came while the office had closed its service; the citizen was answered at once */
  arrivedWhileClosed?: ArrivedWhileClosed;
}

export interface ArrivedWhileClosed {
  /** the office's reason for closing */
  reason: string;
  expectedOpen?: string;
  /** the MsgId of the auto-answer sent to the citizen, when one could be */
  autoAnswerMsgId?: string;
}
