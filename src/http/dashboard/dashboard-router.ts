import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router } from 'express';

/**
 * The dashboard's page, script and style, served as they are from ./static (no build step). They
 * hold no data, so they are public like the login page; everything they show comes from the
 * operations API, which needs the session. The policy below lets the page load nothing from
 * elsewhere and run no inline script.
 */

export const DASHBOARD_PATH = '/ops/dashboard/';
const STATIC_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'static');
const SERVED = /\.(html|js|css|svg)$/;
const POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

export function dashboardRouter(): Router {
  const router = Router();
  router.get('/', (_req, res) => res.redirect(303, DASHBOARD_PATH));
  router.use('/dashboard', (req, res, next) => {
    if (req.path !== '/' && !SERVED.test(req.path)) return next();
    res.setHeader('Content-Security-Policy', POLICY);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    next();
  });
  router.use('/dashboard', express.static(STATIC_DIR, { index: 'index.html', redirect: true, dotfiles: 'ignore', fallthrough: true, maxAge: 0 }));
  return router;
}
