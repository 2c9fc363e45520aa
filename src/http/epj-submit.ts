import { Router, type Response } from 'express';
import type { Config } from '../config.js';
import { actionOf } from '../domain/services.js';
import { GatewayError } from '../errors.js';
import type { ServiceGate } from '../gate/service-gate.js';
import type { GatedService } from '../gate/gate-state.js';
import type { SchemaSet } from '../kith/schema-set.js';
import { validateDocument } from '../kith/validate.js';
import { submitOutbound, type OutboundDeps } from '../pipeline/outbound.js';

/**
 * POST /v1/messages: the clinic answers a citizen or starts a dialog. An EPJ that builds its own
 * KITH XML posts it as application/xml; the gateway validates it with both layers, checks that the
 * clinic is the sender and the action is one a clinic sends, and queues it. 202 means it is in
 * Redis. The same MsgId with the same content answers the first result again.
 */

export interface EpjSubmitDeps {
  config: Pick<Config, 'CLINIC_HER_ID' | 'GATEWAY_MODE' | 'KITH_MAX_BYTES'>;
  gate: Pick<ServiceGate, 'current'>;
  outbound: OutboundDeps;
  schemas: () => SchemaSet | undefined;
}

export function refuseWhenClosed(gate: Pick<ServiceGate, 'current'>, service: GatedService, res: Response): void {
  const view = gate.current().services[service];
  if (view.state !== 'closed') return;
  res.setHeader('Retry-After', '300');
  throw new GatewayError('GATE_CLOSED', `(${service})`, {
    service,
    since: view.since,
    reasons: view.reasons.filter((r) => r.severity === 'closed').map((r) => ({ code: r.code, message: r.message })),
  });
}

export function epjSubmitRouter(deps: EpjSubmitDeps): Router {
  const router = Router();
  router.post('/messages', async (req, res) => {
    if (typeof req.body !== 'string') throw new GatewayError('EPJ_MESSAGE_INVALID', '(send KITH XML as application/xml)');
    const xml = req.body;
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
      throw new GatewayError('EPJ_MESSAGE_INVALID', '(the sender must be this clinic)', { errors: [{ code: 'sender', message: `No sender HER-id is ${deps.config.CLINIC_HER_ID}.` }] });
    const action = message.action ? actionOf(message.process, message.action) : undefined;
    if (!action || action.sender !== 'clinic')
      throw new GatewayError('EPJ_MESSAGE_INVALID', '(not an action a clinic sends)', { errors: [{ code: 'action', message: `Action ${message.action ?? '(none)'} is not sent by a clinic in ${message.process.process}.` }] });
    const receiver = report.receiverHerIds.at(-1);
    if (!receiver) throw new GatewayError('EPJ_MESSAGE_INVALID', '(no receiver HER-id)');

    refuseWhenClosed(deps.gate, message.service, res);
    const { record, created } = await submitOutbound(deps.outbound, {
      msgId: message.msgId,
      service: message.service,
      action: action.name,
      xml,
      receiverHerId: Number(receiver),
      origin: `epj:${String(res.locals.client)}`,
    });
    res.status(202).json({ msgId: record.msgId, service: record.service, state: record.state, created, schemaValidation: report.schemaValidation });
  });
  return router;
}
