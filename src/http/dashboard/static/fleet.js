// The fleet page: one row per clinic from GET /ops/clinics, worst first as the gateway sends them,
// sortable by any column, filtered by name or HER-id as the operator types. A row opens that
// clinic's status page (?clinic=HERID). Rows are redrawn on every refresh; sort and filter stay.
'use strict';
/* global REFRESH_MS, $, el, ago, api, badge */
/* exported showFleet */

const LEVEL = { closed: 2, warning: 1, open: 0 };
const CERT_WARN_DAYS = 30;
/** a poll older than this is shown as stale (the poller runs every few seconds when all is well) */
const STALE_POLL_MS = 10 * 60 * 1000;

/** Services not open, grouped by state; "all services" when every service shares the state. */
function notOpen(row) {
  const entries = Object.entries(row.gate.services);
  const groups = [];
  for (const state of ['closed', 'warning']) {
    const names = entries.filter(([, s]) => s.state === state).map(([name]) => name);
    if (names.length) groups.push({ state, names: names.length === entries.length && entries.length > 1 ? ['all services'] : names });
  }
  const reasons = [...new Set(entries.flatMap(([, s]) => s.reasons.map((r) => `${r.code}: ${r.message}`)))];
  return { groups, reasons };
}

/** Each column: what it sorts by, and the direction of its first click (the worrying end first). */
const COLUMNS = [
  { key: 'name', label: 'Clinic', by: (r) => r.name.toLowerCase(), first: 1 },
  { key: 'herId', label: 'HER\u2011id', by: (r) => Number(r.herId) || 0, first: 1 },
  { key: 'orgNumber', label: 'Org number', by: (r) => r.orgNumber, first: 1 },
  { key: 'gate', label: 'Gate', by: (r) => LEVEL[r.gate.state] ?? 0, first: -1 },
  {
    key: 'services',
    label: 'Services not open',
    by: (r) => Object.values(r.gate.services).reduce((n, s) => n + (LEVEL[s.state] ?? 0) * 100, 0),
    first: -1,
  },
  { key: 'waiting', label: 'Waiting', by: (r) => r.waiting, first: -1, num: true },
  { key: 'deadLetters', label: 'Dead letters', by: (r) => r.deadLetters, first: -1, num: true },
  { key: 'certificateExpiryDays', label: 'Certificate expires', by: (r) => r.certificateExpiryDays ?? Infinity, first: 1, num: true },
  { key: 'lastSuccessfulPoll', label: 'Last poll', by: (r) => (r.lastSuccessfulPoll ? Date.parse(r.lastSuccessfulPoll) : -Infinity), first: 1 },
  { key: 'appRecsMissing', label: 'AppRecs missing', by: (r) => r.appRecsMissing, first: -1, num: true },
];

const fleet = { rows: [], sort: undefined, dir: 1, timer: undefined };

function expiryCell(days) {
  if (days === null || days === undefined) return el('td', { class: 'num muted' }, '—');
  if (days < 0) return el('td', { class: 'num bad' }, `expired ${-days} d ago`);
  const text = days === 0 ? 'today' : `in ${days} d`;
  return el('td', { class: days < CERT_WARN_DAYS ? 'num warn' : 'num' }, text);
}

function pollCell(iso) {
  if (!iso) return el('td', { class: 'warn' }, 'never');
  const stale = Date.now() - Date.parse(iso) > STALE_POLL_MS;
  return el('td', { class: stale ? 'warn' : '' }, el('time', { datetime: iso, title: iso }, ago(iso)));
}

const count = (n, bad) => el('td', { class: n > 0 ? `num ${bad}` : 'num' }, n);

function fleetRow(r) {
  const href = `?clinic=${encodeURIComponent(r.herId)}`;
  const { groups, reasons } = notOpen(r);
  const services = groups.length
    ? el(
        'td',
        { title: reasons.join('\n') },
        el(
          'ul',
          { class: 'plain' },
          groups.map((g) => el('li', {}, el('span', { class: `word ${g.state}` }, g.state), ' ', g.names.join(', '))),
        ),
        reasons.length ? el('div', { class: 'reason muted' }, reasons[0], reasons.length > 1 ? ` (+${reasons.length - 1} more)` : '') : null,
      )
    : el('td', { class: 'muted' }, '—');
  const row = el(
    'tr',
    { 'data-herid': r.herId, 'data-state': r.gate.state, class: 'clickable' },
    el('th', { scope: 'row' }, el('a', { href }, r.name)),
    el('td', { class: 'mono' }, r.herId),
    el('td', { class: 'mono' }, r.orgNumber),
    el('td', {}, badge(r.gate.state)),
    services,
    count(r.waiting, 'busy'),
    count(r.deadLetters, 'bad'),
    expiryCell(r.certificateExpiryDays),
    pollCell(r.lastSuccessfulPoll),
    count(r.appRecsMissing, 'warn'),
  );
  // the whole row opens the clinic; the name is the link a keyboard reaches
  row.addEventListener('click', (e) => {
    if (e.target.closest('a') || window.getSelection()?.toString()) return;
    location.href = href;
  });
  return row;
}

function matches(r, query) {
  return !query || r.name.toLowerCase().includes(query) || r.herId.includes(query);
}

function renderFleet() {
  const query = $('fleet-search').value.trim().toLowerCase();
  const column = COLUMNS.find((c) => c.key === fleet.sort);
  const rows = fleet.rows.map((r, i) => ({ r, i }));
  if (column) rows.sort((a, b) => fleet.dir * (column.by(a.r) < column.by(b.r) ? -1 : column.by(a.r) > column.by(b.r) ? 1 : 0) || a.i - b.i);
  const shown = rows.filter(({ r }) => matches(r, query));
  $('fleet').tBodies[0].replaceChildren(...shown.map(({ r }) => fleetRow(r)));
  for (const th of $('fleet').tHead.rows[0].cells) {
    const sorted = th.dataset.sort === fleet.sort;
    th.setAttribute('aria-sort', sorted ? (fleet.dir === 1 ? 'ascending' : 'descending') : 'none');
  }
  $('fleet-worst-first').hidden = !fleet.sort;
  const total = fleet.rows.length;
  const closed = fleet.rows.filter((r) => r.gate.state === 'closed').length;
  const warning = fleet.rows.filter((r) => r.gate.state === 'warning').length;
  $('fleet-count').textContent =
    `${shown.length === total ? '' : `${shown.length} of `}${total} clinic${total === 1 ? '' : 's'}` +
    (closed || warning ? ` — ${closed} closed, ${warning} warning` : ' — all open');
  $('fleet-empty').hidden = shown.length > 0;
  $('fleet-empty').textContent = total ? `No clinic's name or HER-id contains “${query}”.` : 'No clinics are configured.';
}

function fleetHead() {
  const sortBy = (key) => {
    const column = COLUMNS.find((c) => c.key === key);
    fleet.dir = fleet.sort === key ? -fleet.dir : column.first;
    fleet.sort = key;
    renderFleet();
  };
  $('fleet').tHead.replaceChildren(
    el(
      'tr',
      {},
      COLUMNS.map((c) =>
        el(
          'th',
          { scope: 'col', 'data-sort': c.key, class: c.num ? 'num' : '' },
          el('button', { type: 'button', class: 'sort', onclick: () => sortBy(c.key) }, c.label, el('span', { class: 'arrow', 'aria-hidden': 'true' })),
        ),
      ),
    ),
  );
}

async function refreshFleet() {
  clearTimeout(fleet.timer);
  try {
    fleet.rows = await api('/ops/clinics');
    renderFleet();
    $('updated').textContent = `Updated ${new Date().toLocaleTimeString('en-GB')}; refreshes every ${REFRESH_MS / 1000} s.`;
    document.body.dataset.loaded = 'true';
  } catch (err) {
    $('updated').textContent = `Could not refresh: ${err.message}. Retrying.`;
  }
  fleet.timer = setTimeout(refreshFleet, REFRESH_MS);
}

function showFleet() {
  document.title = 'epj-gateway — clinics';
  fleetHead();
  $('fleet-search').addEventListener('input', renderFleet);
  $('fleet-worst-first').addEventListener('click', () => {
    fleet.sort = undefined;
    renderFleet();
  });
  refreshFleet();
}
