import express, { type Request, type Response, type Router } from 'express';
import { MAX_HTTP_BODY_BYTES } from '../../adapters/transport/headers.js';
import type { CitizenSide } from './citizen.js';
import type { IssuedToken } from './helseid-server.js';
import { messageView, type NhnAppRecStatus, type Mailbox, type StoredMessage } from './mailbox.js';

/**
 * The subset of NHN's MSH API v2 the gateway uses, over the simulator's mailbox. As at NHN, a
 * client sees only messages to or from the HER-ids its HelseID client is linked to, and every
 * call must name the API version and the calling system.
 */

const APPREC_STATUSES: readonly NhnAppRecStatus[] = ['Ok', 'Rejected', 'OkErrorInMessagePart'];

export function nhnError(res: Response, status: number, error: string, validationErrors: string[] | null = null): void {
  res.status(status).json({ error, errorCode: status, validationErrors, requestId: res.locals.requestId as string });
}

/** A query parameter by name, whatever its case (ASP.NET binds them case-insensitively). */
function queryValues(req: Request, name: string): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(req.query)) {
    if (k.toLowerCase() !== name.toLowerCase()) continue;
    for (const item of Array.isArray(v) ? v : [v]) if (typeof item === 'string') out.push(...item.split(','));
  }
  return out;
}

export function mshRouter(mailbox: Mailbox, citizen: CitizenSide): Router {
  const router = express.Router();
  router.use(express.json({ limit: MAX_HTTP_BODY_BYTES, type: ['application/json', 'text/json'] }));

  router.use((req, res, next) => {
    if (req.get('api-version') !== '2') return nhnError(res, 400, 'The api-version header must be 2');
    if (!req.get('nhn-source-system')) return nhnError(res, 400, 'The nhn-source-system header is required');
    next();
  });

  const tokenOf = (res: Response) => res.locals.token as IssuedToken;
  /** the message, if it exists and the caller may see it; otherwise answered 404 or 403 */
  const visible = (req: Request, res: Response): StoredMessage | undefined => {
    const m = mailbox.get(String(req.params.id));
    if (!m) return void nhnError(res, 404, 'Could not find message with given id');
    if (!mailbox.concerns(m, tokenOf(res).herIds)) return void nhnError(res, 403, 'Authenticated client is not authorized to access message with given id');
    return m;
  };

  router.get('/Messages', (req, res) => {
    const herIds = queryValues(req, 'receiverHerIds').map(Number);
    if (herIds.length === 0 || herIds.some((h) => !Number.isInteger(h)))
      return nhnError(res, 400, 'ReceiverHerIds is required', ['ReceiverHerIds must be whole numbers']);
    if (herIds.some((h) => !tokenOf(res).herIds.includes(h)))
      return nhnError(res, 403, 'Authenticated client is not authorized to access messages with given HerIds');
    const withMetadata = queryValues(req, 'includeMetadata')[0]?.toLowerCase() === 'true';
    const limit = Number(queryValues(req, 'messagesToFetch')[0] ?? Infinity);
    const unread = herIds.flatMap((h) => mailbox.unreadFor(h).map((m) => [m, h] as const));
    // the page first, then the views: a long mailbox is not written out in full on every poll
    res.json(unread.slice(0, Number.isFinite(limit) && limit > 0 ? limit : undefined).map(([m, h]) => messageView(m, h, withMetadata)));
  });

  router.get('/Messages/:id', (req, res) => {
    const m = visible(req, res);
    if (!m) return;
    const own = [...m.receivers.keys()].find((h) => tokenOf(res).herIds.includes(h)) ?? [...m.receivers.keys()][0]!;
    res.json(messageView(m, own));
  });

  router.get('/Messages/:id/business-document', (req, res) => {
    const m = visible(req, res);
    if (!m) return;
    res.json({ businessDocument: m.document.toString('base64'), contentType: m.contentType, contentTransferEncoding: 'base64' });
  });

  router.put('/Messages/:id/read/:herId', (req, res) => {
    const m = visible(req, res);
    if (!m) return;
    const herId = Number(req.params.herId);
    const receiver = m.receivers.get(herId);
    if (!receiver || !tokenOf(res).herIds.includes(herId)) return nhnError(res, 403, 'Authenticated client is not a receiver of the message for this HerId');
    receiver.read = true;
    res.status(204).end();
  });

  router.post('/Messages', async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const problems: string[] = [];
    if (typeof body.businessDocument !== 'string' || !body.businessDocument) problems.push('BusinessDocument is required');
    if (typeof body.contentType !== 'string' || !body.contentType) problems.push('ContentType is required');
    if (String(body.contentTransferEncoding).toLowerCase() !== 'base64') problems.push('ContentTransferEncoding must be base64');
    if (problems.length) return nhnError(res, 400, 'The request body contained invalid data', problems);
    const sender = tokenOf(res).herIds[0]!;
    const stored = mailbox.add({
      senderHerId: sender,
      receiverHerIds: [citizen.helsenorgeHerId],
      document: Buffer.from(String(body.businessDocument), 'base64'),
    });
    await citizen.clinicSent(stored);
    res.status(201).location(`/Messages/${stored.id}`).json(stored.id);
  });

  router.post('/Messages/:id/apprec/:appRecSenderHerId', (req, res) => {
    const m = visible(req, res);
    if (!m) return;
    const herId = Number(req.params.appRecSenderHerId);
    const receiver = m.receivers.get(herId);
    if (!receiver || !tokenOf(res).herIds.includes(herId))
      return nhnError(res, 403, 'Authenticated client is not authorized to send application receipts for message with given Id');
    if (m.isAppRec) return nhnError(res, 400, 'An application receipt is never answered with an application receipt');
    const body = (req.body ?? {}) as { appRecStatus?: unknown; appRecErrorList?: unknown };
    const status = body.appRecStatus as NhnAppRecStatus;
    const list = body.appRecErrorList ?? [];
    if (!APPREC_STATUSES.includes(status) || !Array.isArray(list))
      return nhnError(res, 400, 'The request body contained invalid data', ['AppRecStatus must be Ok, Rejected or OkErrorInMessagePart']);
    // Like NHN, the simulator keeps whatever text the client sent; it does not judge the values' types.
    // eslint-disable-next-line @typescript-eslint/no-base-to-string
    const errors = list.map((e: { errorCode?: unknown; details?: unknown }) => ({ errorCode: String(e?.errorCode ?? ''), details: String(e?.details ?? '') }));
    if (status !== 'Ok' && errors.length === 0) return nhnError(res, 400, 'The request body contained invalid data', ['A rejection needs at least one error']);
    receiver.appRec = { status, errors, at: new Date().toISOString() };
    const appRecId = citizen.appRecPosted(m, herId, receiver.appRec);
    res.status(201).location(`/Messages/${appRecId}`).json(appRecId);
  });

  router.get('/Messages/:id/status', (req, res) => {
    const m = visible(req, res);
    if (!m) return;
    res.json([...m.receivers].map(([receiverHerId, r]) => ({ receiverHerId, transportDeliveryState: 'Acknowledged', appRecStatus: r.appRec?.status ?? null })));
  });

  router.get('/Messages/:id/apprec', (req, res) => {
    const m = visible(req, res);
    if (!m) return;
    res.json(
      [...m.receivers].map(([receiverHerId, r]) => ({
        receiverHerId,
        appRecStatus: r.appRec?.status ?? null,
        appRecErrorList: r.appRec ? r.appRec.errors.map((e) => ({ errorCode: e.errorCode, details: e.details })) : null,
      })),
    );
  });

  return router;
}
