import type { Config } from '../config.js';
import { actionOf } from '../domain/services.js';
import { GatewayError } from '../errors.js';
import type { GatedService } from '../gate/gate-state.js';
import type { ServiceGate } from '../gate/service-gate.js';
import type { SchemaSet } from '../kith/schema-set.js';
import { validateDocument } from '../kith/validate.js';
import { submitOutbound, type OutboundDeps } from './outbound.js';
import { clinicAnswerSchema, toClinicAnswerInput } from './clinic-answer-json.js';
import { buildClinicAnswer } from '../kith/clinic-answer.js';
import { parseMessage } from '../kith/parse.js';
import type { MsgHeadMessage } from '../kith/model.js';
import { nationalIdOf } from '../kith/patient-relation.js';
import { answerRefusalOf, capacityOf, norwegianDate } from '../domain/representation.js';

/**
 * A message the clinic sends, however it arrives (the EPJ API, the outbox folder): validated with
 * both layers, checked to come from this clinic with an action a clinic sends, refused while its
 * service is closed, then recorded and queued.
 */

export interface ClinicSubmissionDeps {
  config: Pick<Config, 'CLINIC_HER_ID' | 'GATEWAY_MODE' | 'KITH_MAX_BYTES'>;
  gate: Pick<ServiceGate, 'current'>;
  outbound: OutboundDeps;
  schemas: () => SchemaSet | undefined;
}

export interface SubmissionResult {
  msgId: string;
  service: string;
  state: string;
  created: boolean;
  schemaValidation: 'official' | 'own-rules';
}

export function refuseWhenClosed(gate: Pick<ServiceGate, 'current'>, service: GatedService): void {
  const view = gate.current().services[service];
  if (view.state !== 'closed') return;
  throw new GatewayError('GATE_CLOSED', `(${service})`, {
    service,
    since: view.since,
    reasons: view.reasons.filter((r) => r.severity === 'closed').map((r) => ({ code: r.code, message: r.message })),
  });
}

/**
 * An answer goes back to whoever sent the request; one the clinic marks confidential to the child
 * must not reach the parent or representative who sent it (docs/representation.md).
 */
export function refuseConfidentialToRepresentative(request: MsgHeadMessage, confidentialToChild: boolean, at: Date): void {
  const rel = request.patientRelation;
  const fault = answerRefusalOf({
    capacity: rel ? capacityOf(rel.relation?.v) : undefined,
    patientNationalId: nationalIdOf(request.patient)?.id,
    confidentialToChild,
    onDate: norwegianDate(at),
  });
  if (fault) {
    throw new GatewayError('REPRESENTATION_CONFIDENTIAL_TO_CHILD', undefined, {
      errors: [{ code: 'representation', field: 'confidentialToChild', message: fault.detail }],
    });
  }
}

/** An answer in JSON: the request it answers is read back (sealed in Redis) and the KITH message built from both. */
export async function submitClinicJson(deps: ClinicSubmissionDeps, body: unknown, origin: string, now = new Date()): Promise<SubmissionResult> {
  const parsed = clinicAnswerSchema.safeParse(body);
  if (!parsed.success) {
    throw new GatewayError('EPJ_MESSAGE_INVALID', undefined, {
      errors: parsed.error.issues.map((i) => ({ code: 'field', field: i.path.join('.'), message: i.message })),
    });
  }
  const json = parsed.data;
  const sealed = await deps.outbound.store.getDocument(json.inReplyTo);
  if (!sealed) throw new GatewayError('EPJ_REQUEST_UNKNOWN', `(inReplyTo ${json.inReplyTo})`);
  const { xml: requestXml } = deps.outbound.crypto.open<{ xml: string }>(sealed, json.inReplyTo);
  const request = parseMessage(requestXml, { maxBytes: deps.config.KITH_MAX_BYTES });
  if (request.document !== 'MsgHead' || request.service !== json.service)
    throw new GatewayError('EPJ_MESSAGE_INVALID', '(the request answered belongs to another service)', {
      errors: [
        { code: 'field', field: 'service', message: `The request ${json.inReplyTo} is ${request.document === 'MsgHead' ? request.service : 'not a MsgHead'}.` },
      ],
    });
  refuseConfidentialToRepresentative(request, json.confidentialToChild === true, now);
  // the same JSON again (a retry after a lost answer) is the same message, though its GenDate would differ
  return submitClinicXml(deps, buildClinicAnswer(request, toClinicAnswerInput(json, now)), origin, `json:${JSON.stringify(json)}`);
}

/** `sameAs`: what a repeat of the same MsgId is compared by (default the XML itself). */
export async function submitClinicXml(deps: ClinicSubmissionDeps, xml: string, origin: string, sameAs?: string): Promise<SubmissionResult> {
  const schemas = deps.schemas();
  const { report, message } = validateDocument(xml, {
    maxBytes: deps.config.KITH_MAX_BYTES,
    allowSyntheticIds: deps.config.GATEWAY_MODE !== 'production',
    ...(schemas ? { schemas } : {}),
  });
  if (!report.ok || message?.document !== 'MsgHead' || !message.service || !message.msgId || !message.process) {
    throw new GatewayError('EPJ_MESSAGE_INVALID', undefined, {
      errors: report.ok ? [{ code: 'T10', message: 'Not a MsgHead of one of the four services.' }] : report.errors,
      schemaValidation: report.schemaValidation,
    });
  }
  if (!report.senderHerIds.includes(deps.config.CLINIC_HER_ID))
    throw new GatewayError('EPJ_MESSAGE_INVALID', '(the sender must be this clinic)', {
      errors: [{ code: 'sender', message: `No sender HER-id is ${deps.config.CLINIC_HER_ID}.` }],
    });
  const action = message.action ? actionOf(message.process, message.action) : undefined;
  if (!action || action.sender !== 'clinic')
    throw new GatewayError('EPJ_MESSAGE_INVALID', '(not an action a clinic sends)', {
      errors: [{ code: 'action', message: `Action ${message.action ?? '(none)'} is not sent by a clinic in ${message.process.process}.` }],
    });
  const receiver = report.receiverHerIds.at(-1);
  if (!receiver) throw new GatewayError('EPJ_MESSAGE_INVALID', '(no receiver HER-id)');

  refuseWhenClosed(deps.gate, message.service);
  const { record, created } = await submitOutbound(deps.outbound, {
    msgId: message.msgId,
    service: message.service,
    action: action.name,
    xml,
    receiverHerId: Number(receiver),
    origin,
    ...(sameAs ? { sameAs } : {}),
  });
  return { msgId: record.msgId, service: record.service, state: record.state, created, schemaValidation: report.schemaValidation };
}
