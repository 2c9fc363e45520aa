import { judgeReceivedMessage, type JudgeOptions } from '../kith/judge.js';
import { herIdsOf } from '../kith/model.js';
import { representationOf } from '../kith/patient-relation.js';
import { minorWithoutRelationFlag } from '../domain/representation.js';
import type { InboundVerdict, JudgeFn } from './inbound.js';

/**
 * The inbound worker's judge, from the KITH layer: the AppRec a received document gets, and the
 * ids the pipeline needs to route it. The national id is passed on in memory only, to order
 * deliveries per patient; it is never stored in clear. Who acts for whom (a parent, a proxy) goes
 * with the delivery, sealed, so the EPJ sees it beside the message.
 */
export function inboundJudge(opts: JudgeOptions): JudgeFn {
  return (document) => {
    const judgement = judgeReceivedMessage(document, opts);
    const msg = judgement.message?.document === 'MsgHead' ? judgement.message : undefined;
    // The most specific sender (the innermost unit) is the one an answer goes back to.
    const sender = msg ? herIdsOf(msg.sender).at(-1) : undefined;
    const patientId = msg?.patient?.ids.find((i) => i.type === 'FNR' || i.type === 'DNR' || i.type === 'HNR')?.id;
    const representation = msg ? representationOf(msg) : undefined;
    const flag = msg ? minorWithoutRelationFlag(patientId, msg.patientRelation !== undefined, msg.genDate) : undefined;
    const verdict: InboundVerdict = {
      accepted: judgement.appRec !== 'Avvist',
      appRecStatus: judgement.appRec,
      errors: judgement.errors.map((e) => ({ errorCode: e.code, details: e.message })),
      ...(msg?.msgId ? { msgId: msg.msgId } : {}),
      ...(msg?.service ? { service: msg.service } : {}),
      ...(msg?.action ? { action: msg.action } : {}),
      ...(msg?.msgType ? { msgType: msg.msgType } : {}),
      ...(sender ? { senderHerId: Number(sender) } : {}),
      ...(patientId ? { patientId } : {}),
      ...(representation ? { representation: { ...representation } } : {}),
      ...(flag ? { flags: [{ ...flag }] } : {}),
    };
    return verdict;
  };
}
