import { Router } from 'express';
import { GatewayError } from '../errors.js';
import type { MessageStore } from '../pipeline/message-store.js';

/** GET /v1/messages/{msgId}: the state of a message the clinic sent or received, with its history. */
export function epjMessageStatusRouter(store: MessageStore): Router {
  const router = Router();
  router.get('/messages/:msgId', async (req, res) => {
    const record = await store.get(req.params.msgId);
    if (!record) throw new GatewayError('NOT_FOUND', `(no message with MsgId ${req.params.msgId})`);
    // the content hash, the patient's keyed hash and NHN's id are the gateway's own bookkeeping
    const { contentHash: _hash, patientRef: _patient, nhnMessageId: _nhn, ...visible } = record;
    res.json({ ...visible, history: await store.history(req.params.msgId) });
  });
  return router;
}
