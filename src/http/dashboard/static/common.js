// What both pages share: DOM building (text is never parsed as HTML), the operations API with the
// session cookie, and the clinic the page is about. Every call made for a clinic's status page carries
// `clinic=HERID`, so the gateway answers about that clinic and no other.
'use strict';
/* exported REFRESH_MS, CLINIC, $, el, when, ago, clinicPath, api, post, say, act, badge */

const REFRESH_MS = 5000;
const HEADERS = { 'X-Epj-Gateway-Dashboard': '1', Accept: 'application/json' };
/** the HER-id of the clinic whose status page this is; none on the fleet page */
const CLINIC = new URLSearchParams(location.search).get('clinic') || '';
const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== undefined && c !== null) node.append(c instanceof Node ? c : String(c));
  return node;
}

function when(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return el('time', { datetime: iso, title: iso }, d.toLocaleString('en-GB', { dateStyle: 'short', timeStyle: 'medium' }));
}

/** How long ago, in the largest whole unit: "40 s ago", "3 min ago", "2 h ago", "5 d ago". */
function ago(iso, now = Date.now()) {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

/** The path with this page's clinic added to its query (unchanged on the fleet page). */
function clinicPath(path) {
  if (!CLINIC) return path;
  return `${path}${path.includes('?') ? '&' : '?'}clinic=${encodeURIComponent(CLINIC)}`;
}

async function api(path, options = {}) {
  const res = await fetch(clinicPath(path), { credentials: 'same-origin', ...options, headers: { ...HEADERS, ...(options.headers || {}) } });
  if (res.status === 401) {
    location.href = 'login.html?expired=1';
    throw new Error('not logged in');
  }
  const body = res.headers.get('content-type')?.includes('json') ? await res.json() : undefined;
  if (!res.ok) throw new Error(body?.error?.message || `${res.status} ${res.statusText}`);
  return body;
}

const post = (path, body) => api(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body || {}) });

function say(text, isError) {
  const m = $('message');
  m.textContent = text;
  m.className = isError ? 'message error' : 'message';
  m.hidden = !text;
}

/** Runs a changing call from a button: disabled meanwhile, the outcome said, then `after` (a refresh). */
async function act(button, work, done, after) {
  button.disabled = true;
  try {
    await work();
    say(done, false);
    await after?.();
  } catch (err) {
    say(err.message, true);
  } finally {
    button.disabled = false;
  }
}

function badge(state) {
  return el('span', { class: `badge ${state}` }, state);
}
