import type { z } from 'zod';
import type { Config } from '../config.js';
import { actionOf } from '../domain/services.js';
import { GatewayError } from '../errors.js';
import type { GatedService } from '../gate/gate-state.js';
import type { ServiceGate } from '../gate/service-gate.js';
import type { SchemaSet } from '../kith/schema-set.js';
import { validateDocument } from '../kith/validate.js';
import { submitOutbound, type OutboundDeps } from './outbound.js';
import type { OpenRequests } from './open-requests.js';
import { clinicAnswerSchema, toClinicAnswerInput } from './clinic-answer-json.js';
import { buildClinicAnswer } from '../kith/clinic-answer.js';
import { parseMessage } from '../kith/parse.js';
import type { MsgHeadMessage } from '../kith/model.js';
import { nationalIdOf } from '../kith/patient-relation.js';
import { allowedAnswers, answerMismatch, refuseMismatchedAnswer } from './answer-pairing.js';
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
  /** the worklist: an answer claims the request it answers, once */
  requests?: Pick<OpenRequests, 'answering'>;
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

/** The EPJ's JSON read by its schema; refused with each faulty field named. */
export function parseEpjJson<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  throw new GatewayError('EPJ_MESSAGE_INVALID', undefined, {
    errors: parsed.error.issues.map((i) => ({ code: 'field', field: i.path.join('.'), message: i.message })),
  });
}

/**
 * An XML answer marked confidential to the child: refused when the request it answers came from
 * someone acting for the child, or when the answer itself names one (its patient-relation part).
 * The request must be one this clinic holds, or the mark cannot be checked.
 */
async function refuseConfidentialXml(deps: ClinicSubmissionDeps, answer: MsgHeadMessage, answers: boolean, now = new Date()): Promise<void> {
  refuseConfidentialToRepresentative(answer, true, now);
  const ref = answers ? answer.conversationRef?.refToParent : undefined;
  if (!ref) return;
  const sealed = await deps.outbound.store.getDocument(ref);
  if (!sealed)
    throw new GatewayError(
      'EPJ_REQUEST_UNKNOWN',
      `(an answer marked confidential to the child is checked against its request ${ref}, which this clinic does not hold)`,
    );
  const { xml } = deps.outbound.crypto.open<{ xml: string }>(sealed, ref);
  const request = parseMessage(xml, { maxBytes: deps.config.KITH_MAX_BYTES });
  if (request.document === 'MsgHead') refuseConfidentialToRepresentative(request, true, now);
}

/** An answer in JSON: the request it answers is read back (sealed in Redis) and the KITH message built from both. */
export async function submitClinicJson(deps: ClinicSubmissionDeps, body: unknown, origin: string, now = new Date()): Promise<SubmissionResult> {
  const json = parseEpjJson(clinicAnswerSchema, body);
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
  // the request's action as recorded when it came decides what may answer it; `action` picks among those
  const requestAction = (await deps.outbound.store.get(json.inReplyTo))?.action ?? request.action ?? '(none)';
  const allowed = allowedAnswers(json.service, requestAction);
  const answerAction = json.action ?? allowed[0];
  if (!answerAction || !allowed.includes(answerAction))
    throw answerMismatch({ msgId: json.inReplyTo, action: requestAction }, answerAction ?? '(none)', allowed);
  const xml = buildClinicAnswer(request, { ...toClinicAnswerInput(json, now), action: answerAction, requestAction });
  // the same JSON again (a retry after a lost answer) is the same message, though its GenDate would differ
  return submitClinicXml(deps, xml, origin, { action: answerAction, requestKnown: true, sameAs: `json:${JSON.stringify(json)}` });
}

/**
 * What the sender says of a message beside its document: the CPA action, as the transport carries it;
 * `requestKnown`: the answer was built from a request read back here, so it must still be one this clinic holds.
 */
export interface DeclaredMessage {
  action?: string;
  requestKnown?: boolean;
  /** the clinic's mark that the answer is for the child alone (JSON field, XML header, outbox sidecar) */
  confidentialToChild?: boolean;
  /** what a repeat of the same MsgId is compared by (default the XML itself) */
  sameAs?: string;
}

export async function submitClinicXml(deps: ClinicSubmissionDeps, xml: string, origin: string, declared: DeclaredMessage = {}): Promise<SubmissionResult> {
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
  // the action named beside the document decides; the document alone is read only when none is named
  const actionName = declared.action ?? message.action;
  const action = actionName ? actionOf(message.process, actionName) : undefined;
  if (!action || action.sender !== 'clinic')
    throw new GatewayError('EPJ_MESSAGE_INVALID', '(not an action a clinic sends)', {
      errors: [{ code: 'action', message: `Action ${actionName ?? '(none)'} is not sent by a clinic in ${message.process.process}.` }],
    });
  // an answer built from JSON was paired with its request's recorded action already (submitClinicJson)
  if (!declared.requestKnown) await refuseMismatchedAnswer(deps.outbound.store, action, message.conversationRef?.refToParent);
  if (declared.confidentialToChild && !declared.requestKnown) await refuseConfidentialXml(deps, message, action.answers !== undefined);
  const receiver = report.receiverHerIds.at(-1);
  if (!receiver) throw new GatewayError('EPJ_MESSAGE_INVALID', '(no receiver HER-id)');

  refuseWhenClosed(deps.gate, message.service);
  // whose message it is (keyed hash), so a purge by patient finds it; noted with the record, as is the
  // request an answer claimed (src/pipeline/open-requests.ts: answeredBy there, inReplyTo here)
  const patientId = nationalIdOf(message.patient)?.id;
  const queue = (claimed?: string) =>
    submitOutbound(deps.outbound, {
      msgId: message.msgId!,
      service: message.service!,
      action: action.name,
      xml,
      receiverHerId: Number(receiver),
      origin,
      ...(declared.sameAs ? { sameAs: declared.sameAs } : {}),
      ...(patientId ? { patientRef: deps.outbound.crypto.pseudonym(patientId) } : {}),
      ...(claimed ? { inReplyTo: claimed } : {}),
    });
  // An answer claims the request it answers (RefToParent), once; an answer in XML to a request this
  // clinic does not hold (received before the gateway, or past its retention) still goes.
  const inReplyTo = action.answers ? message.conversationRef?.refToParent : undefined;
  const { record, created } =
    inReplyTo && deps.requests ? await deps.requests.answering(inReplyTo, message.msgId, declared.requestKnown === true, queue) : await queue(undefined);
  return { msgId: record.msgId, service: record.service, state: record.state, created, schemaValidation: report.schemaValidation };
}
