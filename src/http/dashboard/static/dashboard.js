// A clinic's status page (?clinic=HERID): reads the operations API about that clinic every few
// seconds and draws it with DOM calls only. Changing calls carry the dashboard header, which the
// gateway requires of cookie-authenticated requests. Without a clinic the fleet page shows instead.
'use strict';
/* global REFRESH_MS, CLINIC, $, el, when, api, post, act, badge, showFleet */

// Gate rows are built once per service and then updated in place, so a reason being typed survives a refresh.
const gateRows = new Map();

function gateRow(service) {
  const reason = el('input', {
    type: 'text',
    name: 'reason',
    id: `reason-${service}`,
    minlength: 3,
    maxlength: 500,
    required: true,
    placeholder: 'why (goes to NHN and the audit log)',
  });
  // what citizens are answered while the office keeps it closed (Norwegian; a default text when empty)
  const autoAnswer = el('input', {
    type: 'text',
    name: 'autoAnswer',
    id: `auto-answer-${service}`,
    maxlength: 1000,
    placeholder: 'auto-answer to citizens (optional)',
  });
  const expectedOpen = el('input', { type: 'date', name: 'expectedOpen', id: `expected-open-${service}` });
  const close = el('button', { type: 'submit', class: 'danger' }, 'Close');
  const form = el(
    'form',
    { class: 'inline needs-operator', 'aria-label': `Close ${service}` },
    el('label', { for: `reason-${service}`, class: 'visually-hidden' }, `Reason for closing ${service}`),
    reason,
    el('label', { for: `auto-answer-${service}`, class: 'visually-hidden' }, `Auto-answer to citizens while ${service} is closed`),
    autoAnswer,
    el('label', { for: `expected-open-${service}`, class: 'visually-hidden' }, `Expected to open again`),
    expectedOpen,
    close,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const body = { reason: reason.value };
    if (autoAnswer.value.trim()) body.autoAnswer = autoAnswer.value.trim();
    if (expectedOpen.value) body.expectedOpen = expectedOpen.value;
    act(close, () => post(`/ops/gate/${service}/close`, body), `${service} closed.`, refresh).then(() => {
      reason.value = '';
      autoAnswer.value = '';
      expectedOpen.value = '';
    });
  });
  const open = el(
    'button',
    { type: 'button', class: 'needs-operator', onclick: () => act(open, () => post(`/ops/gate/${service}/open`), `${service} opened.`, refresh) },
    'Open',
  );
  const cells = { state: el('td'), since: el('td'), reasons: el('td'), action: el('td') };
  const row = el('tr', { 'data-service': service }, el('th', { scope: 'row' }, service), cells.state, cells.since, cells.reasons, cells.action);
  return { row, cells, form, open };
}

function renderGate(gate) {
  const g = gate.gateway;
  $('gateway-state').replaceChildren('Gateway: ', badge(g.state), ...(g.since ? [' since ', when(g.since)] : []));
  const body = $('gate').tBodies[0];
  for (const [service, s] of Object.entries(gate.services)) {
    if (!gateRows.has(service)) {
      gateRows.set(service, gateRow(service));
      body.append(gateRows.get(service).row);
    }
    const r = gateRows.get(service);
    r.row.dataset.state = s.state;
    r.cells.state.replaceChildren(badge(s.state));
    r.cells.since.replaceChildren(when(s.since));
    r.cells.reasons.replaceChildren(
      s.reasons.length
        ? el(
            'ul',
            { class: 'plain' },
            s.reasons.map((x) => el('li', {}, el('strong', {}, x.code), ': ', x.message, x.by ? ` (by ${x.by})` : '')),
          )
        : '—',
    );
    const byOperator = s.reasons.some((x) => x.source === 'operator');
    if (byOperator && r.cells.action.firstChild !== r.open) r.cells.action.replaceChildren(r.open);
    if (!byOperator && r.cells.action.firstChild !== r.form) r.cells.action.replaceChildren(r.form);
  }
}

function renderWaiting(w) {
  $('waiting-count').textContent = `(${w.count}${w.truncated ? '+' : ''})`;
  $('waiting-empty').hidden = w.count > 0;
  $('waiting').hidden = w.count === 0;
  $('waiting').tBodies[0].replaceChildren(
    ...w.messages.map((m) =>
      el(
        'tr',
        { 'data-msgid': m.msgId },
        el('td', { class: 'mono' }, m.msgId),
        el('td', {}, m.service || m.queue),
        el('td', {}, when(m.queuedAt)),
        el(
          'td',
          {},
          el(
            'ul',
            { class: 'plain why' },
            m.why.map((y) =>
              el('li', { 'data-kind': y.kind }, y.text, y.nextAttemptAt ? [' — next attempt ', when(y.nextAttemptAt)] : [], y.by ? ` (by ${y.by})` : ''),
            ),
          ),
        ),
        el(
          'td',
          {},
          el(
            'details',
            {},
            el('summary', {}, `${m.attemptsMade} attempt${m.attemptsMade === 1 ? '' : 's'}, history`),
            el(
              'ol',
              { class: 'history' },
              m.history.map((h) => el('li', {}, when(h.at), ` ${h.event} ${h.outcome}`, h.attempt ? ` #${h.attempt}` : '', h.reason ? ` — ${h.reason}` : '')),
            ),
          ),
        ),
      ),
    ),
  );
}

function renderDead(list) {
  $('dead-count').textContent = `(${list.length})`;
  $('dead-empty').hidden = list.length > 0;
  $('dead').hidden = list.length === 0;
  $('dead').tBodies[0].replaceChildren(
    ...list.map((d) => {
      const replay = el('button', { type: 'button', class: 'needs-operator' }, 'Replay');
      replay.addEventListener('click', () =>
        act(replay, () => post(`/ops/dead-letters/${encodeURIComponent(d.msgId)}/replay`), `${d.msgId} replayed.`, refresh),
      );
      return el(
        'tr',
        {},
        el('td', { class: 'mono' }, d.msgId),
        el('td', {}, d.service),
        el('td', {}, d.reason),
        el('td', {}, when(d.at)),
        el('td', {}, replay),
      );
    }),
  );
}

function renderQueues(section) {
  const body = $('queues').tBodies[0];
  if (section.error) return body.replaceChildren(el('tr', {}, el('td', { colspan: 7 }, `Cannot read the queues: ${section.error}`)));
  const states = ['waiting', 'active', 'delayed', 'paused', 'failed', 'completed'];
  body.replaceChildren(
    ...Object.entries(section.value).map(([name, c]) =>
      el(
        'tr',
        {},
        el('th', { scope: 'row' }, name),
        states.map((s) => el('td', { class: c[s] && s !== 'completed' ? 'num busy' : 'num' }, c[s] ?? 0)),
      ),
    ),
  );
}

// the office's worklist per service: how many wait, how old (working days), how many past the limit
function renderOpenRequests(section) {
  const body = $('open-requests').tBodies[0];
  if (!section || !section.configured) return body.replaceChildren();
  if (section.error) return body.replaceChildren(el('tr', {}, el('td', { colspan: 9 }, `Cannot read the open requests: ${section.error}`)));
  const buckets = ['0-1d', '1-2d', '2-3d', '3-5d', '5-10d', '10d+'];
  const rows = Object.entries(section.value);
  $('open-requests-count').textContent = `(${rows.reduce((n, [, s]) => n + s.open, 0)})`;
  body.replaceChildren(
    ...rows.map(([service, s]) =>
      el(
        'tr',
        { 'data-service': service },
        el('th', { scope: 'row' }, service),
        el('td', { class: 'num' }, s.open),
        buckets.map((b) => el('td', { class: 'num' }, s.buckets[b] ?? 0)),
        el('td', { class: s.overLimit ? 'num busy' : 'num', title: `limit: ${s.limitWorkingDays} working days` }, s.overLimit),
      ),
    ),
  );
}

function renderThroughput(section) {
  const chart = $('chart');
  if (section.error) return chart.replaceChildren(`Cannot read throughput: ${section.error}`);
  const points = section.value;
  const total = (k) => points.reduce((a, p) => a + p[k], 0);
  $('throughput-summary').textContent = `${total('completed')} jobs completed, ${total('failed')} failed in the last 60 minutes.`;
  const max = Math.max(1, ...points.map((p) => p.completed + p.failed));
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 600 100');
  svg.setAttribute('aria-hidden', 'true');
  points.forEach((p, i) => {
    let y = 100;
    for (const [k, v] of [
      ['completed', p.completed],
      ['failed', p.failed],
    ]) {
      if (!v) continue;
      const h = (v / max) * 96;
      y -= h;
      const rect = document.createElementNS(ns, 'rect');
      for (const [a, val] of Object.entries({ x: i * 10 + 1, y, width: 8, height: h, class: k })) rect.setAttribute(a, String(val));
      rect.append(Object.assign(document.createElementNS(ns, 'title'), { textContent: `${p.minute}: ${v} ${k}` }));
      svg.append(rect);
    }
  });
  chart.replaceChildren(svg);
}

/** A value for people: a list as a list, an object as name/value pairs, anything else as text. */
function show(v) {
  if (v === null || v === undefined) return '';
  if (Array.isArray(v))
    return el(
      'ul',
      { class: 'plain' },
      v.map((item) => el('li', {}, show(item))),
    );
  if (typeof v === 'object')
    return el(
      'dl',
      { class: 'pairs' },
      Object.entries(v).flatMap(([k, x]) => [el('dt', {}, k), el('dd', {}, show(x))]),
    );
  return String(v);
}

function renderPairs(target, obj) {
  target.replaceChildren(...Object.entries(obj).flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, show(v))]));
}

/** A section the gateway fills in when its area is configured: a table for a list, pairs for an object. */
function renderSection(target, section) {
  if (!section.configured) return target.replaceChildren(el('p', { class: 'muted' }, 'not configured yet'));
  if (section.error) return target.replaceChildren(el('p', { class: 'error' }, `Cannot read: ${section.error}`));
  const v = section.value;
  if (Array.isArray(v)) {
    if (!v.length) return target.replaceChildren(el('p', { class: 'muted' }, 'none'));
    const cols = [...new Set(v.flatMap((row) => Object.keys(row)))];
    return target.replaceChildren(
      el(
        'table',
        {},
        el(
          'thead',
          {},
          el(
            'tr',
            {},
            cols.map((c) => el('th', { scope: 'col' }, c)),
          ),
        ),
        el(
          'tbody',
          {},
          v.map((row) =>
            el(
              'tr',
              {},
              cols.map((c) => el('td', {}, show(row[c]))),
            ),
          ),
        ),
      ),
    );
  }
  const dl = el('dl');
  renderPairs(dl, typeof v === 'object' && v ? v : { value: v });
  target.replaceChildren(dl);
}

function renderRedis(r) {
  renderPairs($('redis'), {
    connected: r.connected ? 'yes' : 'NO',
    'used memory': r.usedMemoryHuman ?? '—',
    'memory limit': r.maxMemoryBytes ? `${Math.round(r.maxMemoryBytes / 1048576)} MB` : 'none',
    ...(r.error ? { error: r.error } : {}),
  });
}

// Each notification with its delivery per recipient; a dead one can be sent again.
function deliveryItem(n, d) {
  const item = el(
    'li',
    { 'data-delivery': d.state },
    `${d.role} ${d.recipient} (${d.channel}): `,
    badge(d.state === 'delivered' ? 'open' : d.state === 'dead' ? 'closed' : 'warning'),
    ` ${d.state}`,
    d.attempts ? `, ${d.attempts} ${d.attempts === 1 ? 'try' : 'tries'}` : '',
    d.reason ? ` — ${d.reason}` : '',
  );
  if (d.state === 'dead') {
    const resend = el('button', { type: 'button', class: 'needs-operator' }, 'Resend');
    resend.addEventListener('click', () =>
      act(resend, () => post('/ops/notifications/resend', { id: n.id, recipient: d.recipient }), `Sent again to ${d.recipient}.`, refresh),
    );
    item.append(' ', resend);
  }
  return item;
}

function renderNotifications(section) {
  const list = section.value || [];
  $('notifications').replaceChildren(
    ...(list.length
      ? list.map((n) =>
          el(
            'li',
            { 'data-kind': n.kind },
            when(n.at),
            ' ',
            el('strong', {}, n.title),
            n.text ? ` — ${n.text}` : '',
            ...(n.deliveries && n.deliveries.length ? [el('ul', { class: 'plain deliveries' }, ...n.deliveries.map((d) => deliveryItem(n, d)))] : []),
          ),
        )
      : [el('li', { class: 'muted' }, 'none')]),
  );
}

// Demo mode only: what the office and the IT operations provider were mailed (GET /ops/demo/mail).
function renderMail(mail) {
  $('mail-section').hidden = !mail;
  if (!mail) return;
  $('mail').replaceChildren(
    ...(mail.length
      ? mail
          .slice()
          .reverse()
          .map((m) => el('li', {}, when(m.receivedAt), ' ', el('strong', {}, m.subject), ` → ${m.to.join(', ')}`, el('pre', { class: 'mail-text' }, m.text)))
      : [el('li', { class: 'muted' }, 'none yet')]),
  );
}

// "Test the connection": a communication test to Helsenorge, followed to its AppRec and answer (as `epj-gateway commtest`)
async function testConnection(button) {
  const out = $('commtest-result');
  button.disabled = true;
  out.dataset.state = 'running';
  out.textContent = 'Sending a communication test to Helsenorge…';
  try {
    let test = await post('/ops/commtest');
    const until = Date.now() + 60_000;
    while (!test.done && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 500));
      test = await api(`/ops/commtest/${encodeURIComponent(test.msgId)}`);
    }
    const appRec = test.appRec ? `AppRec ${test.appRec.status} after ${test.appRec.ms} ms` : 'no AppRec';
    const answer = test.answer ? `answer after ${test.answer.ms} ms` : 'no answer';
    out.dataset.state = test.ok ? 'ok' : 'failed';
    out.textContent = `${test.ok ? 'OK' : 'Failed'}: sent ${test.msgId}; ${appRec}; ${answer}${test.done ? '' : ' (gave up after 60 s)'}.`;
  } catch (err) {
    out.dataset.state = 'failed';
    out.textContent = `Failed: ${err.message}`;
  } finally {
    button.disabled = false;
  }
}

/** What the clinic keeps and for how long (GET /ops/retention), and what the last clean-up removed. */
function renderRetention(r) {
  if (!r) return;
  const days = (d) => (d >= 1 ? `${d} day${d === 1 ? '' : 's'}` : `${Math.round(d * 24 * 60)} minutes`);
  renderSection($('retention'), {
    configured: true,
    value: r.kinds.map((k) => ({ kind: k.kind, 'kept for': days(k.days), 'never removed while': k.keptWhile ?? '', what: k.what, setting: k.setting })),
  });
  const removed = r.lastRun ? Object.entries(r.lastRun.removed).filter(([, n]) => n > 0) : [];
  $('retention-last').textContent = r.lastRun
    ? `Last clean-up ${new Date(r.lastRun.at).toLocaleString('en-GB')}: ${removed.length ? removed.map(([k, n]) => `${n} ${k}`).join(', ') : 'nothing to remove'}; runs every ${r.intervalMinutes} minutes.`
    : `No clean-up yet; runs every ${r.intervalMinutes} minutes.`;
}

let timer;
async function refresh() {
  clearTimeout(timer);
  try {
    const [status, waiting, dead] = await Promise.all([api('/ops/status'), api('/ops/waiting'), api('/ops/dead-letters')]);
    if (status.clinic) {
      $('clinic').textContent = `— ${status.clinic.name} (HER-id ${status.clinic.herId})`;
      document.title = `${status.clinic.name} — epj-gateway`;
    }
    if (status.operator) $('operator').textContent = `(${status.operator}, ${status.role})`;
    // a viewer is not offered what it may not do (the API refuses it anyway)
    if (status.role) document.body.dataset.role = status.role;
    renderGate(status.gate);
    renderWaiting(waiting);
    renderDead(dead.deadLetters);
    renderQueues(status.queues);
    renderOpenRequests(status.openRequests);
    renderThroughput(status.throughput);
    renderRedis(status.redis);
    renderSection($('transport'), status.transport);
    renderSection($('certificates'), status.certificates);
    renderSection($('address-register'), status.addressRegister);
    renderNotifications(status.notifications);
    renderRetention(await api('/ops/retention').catch(() => null));
    renderMail(await api('/ops/demo/mail').catch(() => null));
    $('updated').textContent = `Updated ${new Date().toLocaleTimeString('en-GB')}; refreshes every ${REFRESH_MS / 1000} s.`;
    document.body.dataset.loaded = 'true';
  } catch (err) {
    $('updated').textContent = `Could not refresh: ${err.message}. Retrying.`;
  }
  timer = setTimeout(refresh, REFRESH_MS);
}

function showClinic() {
  $('clinic').textContent = `— HER-id ${CLINIC}`;
  $('queue-board').href = `/ops/queues/${encodeURIComponent(CLINIC)}/`;
  $('recheck').addEventListener('click', (e) => act(e.currentTarget, () => post('/ops/gate/recheck'), 'Gate rechecked.', refresh));
  $('commtest').addEventListener('click', (e) => testConnection(e.currentTarget));
  refresh();
}

// ?clinic=HERID is that clinic's status page; without it, the fleet.
document.addEventListener('DOMContentLoaded', () => {
  document.body.dataset.page = CLINIC ? 'clinic' : 'fleet';
  $('clinic-view').hidden = !CLINIC;
  $('fleet-view').hidden = !!CLINIC;
  for (const id of ['back', 'queue-board']) $(id).hidden = !CLINIC;
  if (CLINIC) showClinic();
  else showFleet();
});
