import express, { Router } from 'express';
import { GatewayError } from '../errors.js';
import { readSlotsIcal, readSlotsJson, type FreeSlotsStore } from '../pipeline/free-slots.js';

/**
 * PUT /v1/free-slots (replace-all: JSON `{"slots":[…]}` or `text/calendar`) and GET /v1/free-slots:
 * the appointments the gateway offers when Helsenorge asks for free slots (HentLedigeTimer).
 */
export function epjFreeSlotsRouter(store: FreeSlotsStore, now: () => Date = () => new Date()): Router {
  const router = Router();
  router.put('/free-slots', express.text({ type: 'text/calendar', limit: '2mb' }), async (req, res) => {
    const type = req.headers['content-type'] ?? '';
    let slots;
    if (/^text\/calendar/i.test(type) && typeof req.body === 'string') slots = readSlotsIcal(req.body);
    else if (/^application\/json/i.test(type)) slots = readSlotsJson(req.body);
    else throw new GatewayError('FREE_SLOTS_INVALID', `content-type ${type.slice(0, 60) || '(none)'}: send application/json or text/calendar`);
    const published = await store.replace(slots, now());
    res.json({ count: published.slots.length, publishedAt: published.publishedAt });
  });
  router.get('/free-slots', async (_req, res) => {
    const published = await store.read();
    res.json(published ?? { slots: [], publishedAt: null });
  });
  return router;
}
