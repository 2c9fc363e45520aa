import { readFileSync } from 'node:fs';
import express, { type Router } from 'express';
import { MAX_HTTP_BODY_BYTES } from '../../adapters/transport/headers.js';
import { fixturePath, UnknownClinicError, type CitizenSide } from './citizen.js';
import { readFaultRule, type Faults } from './faults.js';

/**
 * The simulator's own HTTP surface, beside the message service: `/citizen/…` acts as Helsenorge
 * (send a document to a clinic, read the AppRecs and answers that came back), `/simulator/…`
 * switches faults and resets. Open on purpose: the simulator is a demo and test tool on loopback.
 */

const LONGEST_WAIT_MS = 60_000;

export function citizenRouter(citizen: CitizenSide): Router {
  const router = express.Router();
  router.use(express.json({ limit: MAX_HTTP_BODY_BYTES }));
  router.use(express.text({ limit: MAX_HTTP_BODY_BYTES, type: ['application/xml', 'text/xml'] }));

  /**
   * Body: the XML itself (application/xml), or JSON {fixture: "office-contact/request"} or {xml: "…"};
   * the clinic as `?to=HERID` or JSON `to` (default: the first clinic).
   */
  router.post('/messages', (req, res) => {
    const body = (typeof req.body === 'object' && req.body ? req.body : {}) as { fixture?: unknown; xml?: unknown; to?: unknown };
    const given = body.to ?? req.query.to;
    const to = typeof given === 'number' || typeof given === 'string' ? String(given) : given === undefined ? '' : JSON.stringify(given);
    if (to !== '' && !/^\d+$/.test(to)) return void res.status(400).json({ error: `to must be a clinic's HER-id (got ${JSON.stringify(to)})` });
    const toHerId = to === '' ? undefined : Number(to);
    let document: string | Buffer | undefined;
    if (typeof req.body === 'string' && req.body) document = req.body;
    else {
      if (typeof body.xml === 'string' && body.xml) document = body.xml;
      else if (typeof body.fixture === 'string') {
        const file = fixturePath(body.fixture);
        try {
          if (file) document = readFileSync(file);
        } catch {
          /* answered below */
        }
        if (!document) return void res.status(404).json({ error: `no fixture ${body.fixture} under fixtures/` });
      }
    }
    if (!document)
      return void res.status(400).json({ error: 'send the XML (Content-Type: application/xml) or JSON {"fixture": "office-contact/request"} or {"xml": "…"}' });
    try {
      res.status(201).json(citizen.send(document, toHerId === undefined ? {} : { to: toHerId }));
    } catch (err) {
      if (!(err instanceof UnknownClinicError)) throw err;
      res.status(404).json({ error: err.message });
    }
  });

  /** ?waitMs=N waits up to N ms for the clinic's AppRec before answering. */
  router.get('/messages/:id', async (req, res) => {
    const id = String(req.params.id);
    if (!citizen.status(id)) return void res.status(404).json({ error: 'no message with this id was sent by the citizen side' });
    const waitMs = Math.min(LONGEST_WAIT_MS, Math.max(0, Number(req.query.waitMs ?? 0) || 0));
    if (waitMs) await citizen.waitForAppRec(id, waitMs);
    res.json(citizen.status(id));
  });

  router.get('/apprecs', (_req, res) => void res.json(citizen.appRecs()));
  // Dialog_Innbygger_Digitalbruker: who the simulator says is a digital user (everyone, unless set here)
  router.get('/digital-users', (_req, res) => void res.json({ notDigital: citizen.notDigitalUsers() }));
  router.put('/digital-users/:nationalId', (req, res) => {
    const digital = (req.body as { digital?: unknown } | undefined)?.digital;
    if (typeof digital !== 'boolean') return void res.status(400).json({ error: 'send {"digital": true|false}' });
    const told = citizen.setDigitalUser(req.params.nationalId, digital);
    res.json({ nationalId: req.params.nationalId, digital, statusEndringTo: told });
  });
  // ?since=N: the answers after the first N (in the order they came), for a reader that keeps what it has
  router.get('/answers', (req, res) => {
    const since = Number(req.query.since ?? 0);
    if (!Number.isSafeInteger(since) || since < 0) return void res.status(400).json({ error: 'since: a count of answers already read (0 or more)' });
    res.json(citizen.answers(typeof req.query.action === 'string' ? req.query.action : undefined, since));
  });
  router.get('/apprec-counts', (_req, res) => void res.json(citizen.appRecCounts()));
  return router;
}

export function controlRouter(faults: Faults, reset: () => void, info: () => Record<string, unknown>): Router {
  const router = express.Router();
  router.use(express.json());
  router.get('/', (_req, res) => void res.json(info()));
  router.get('/faults', (_req, res) => void res.json(faults.list()));
  /** Body: one rule or a list of rules. */
  router.post('/faults', (req, res) => {
    const rules = (Array.isArray(req.body) ? req.body : [req.body]).map(readFaultRule);
    const wrong = rules.find((r) => typeof r === 'string');
    if (wrong) return void res.status(400).json({ error: wrong });
    for (const r of rules) if (typeof r !== 'string') faults.add(r);
    res.status(201).json(faults.list());
  });
  router.delete('/faults', (_req, res) => {
    faults.clear();
    res.status(204).end();
  });
  router.post('/reset', (_req, res) => {
    reset();
    res.status(204).end();
  });
  return router;
}
