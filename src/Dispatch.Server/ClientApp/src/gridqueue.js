// The grid event queue: a department's own events (or everything for the command centre), with the next steps as
// buttons. Changes are pushed over /hubs/grid-events (a report, a step, a time limit passing) and the list follows.
import './pages.css';
import './gridpages.css';
import { liveConnection } from './live.js';

const $ = (id) => document.getElementById(id);
const escapeHtml = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
let me = { roles: [] };

async function call(method, path, body) {
  const response = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: body ? { 'Content-Type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new Error(data.error || `${response.status}`);
  }
  return data;
}

const commands = () => me.roles.includes('operator') || me.roles.includes('supervisor');

// The steps a person may take from a state: the command centre all of them, a department its own queue's.
function steps(state) {
  const department = { assigned: ['start', 'return'], 'in-progress': ['resolve'], escalated: ['start', 'resolve'] };
  const command = {
    reported: ['accept', 'reject'], accepted: ['assign', 'reject', 'escalate'], assigned: ['start', 'return', 'escalate'],
    'in-progress': ['resolve', 'escalate'], escalated: ['assign', 'start', 'resolve', 'reject'], resolved: ['close'], rated: ['close'],
  };
  return (commands() ? command : me.roles.includes('department') ? department : {})[state] ?? [];
}

async function load() {
  const state = $('state').value;
  const events = await call('GET', `/api/grid-events${state ? `?state=${encodeURIComponent(state)}` : ''}`);
  $('events').innerHTML = events.map((e) => `
    <tr data-event="${escapeHtml(e.eventId)}" data-state="${escapeHtml(e.state)}" class="${e.overdue ? 'overdue' : ''}">
      <td>${escapeHtml(e.eventId)}</td><td>${escapeHtml(e.categoryName)}</td><td>${escapeHtml(e.departmentName)}</td>
      <td>${escapeHtml(e.gridId)}</td><td class="state">${escapeHtml(e.state)}${e.overdue ? ' <b>overdue</b>' : ''}</td>
      <td>${new Date(e.dueAt).toLocaleString()}</td><td>${escapeHtml(e.text)}</td>
      <td>${steps(e.state).map((s) => `<button data-step="${s}" data-version="${e.version}">${s}</button>`).join(' ')}</td>
    </tr>`).join('') || '<tr><td colspan="8" class="empty">nothing here</td></tr>';
  const wanted = new URLSearchParams(location.search).get('event');
  const row = wanted && document.querySelector(`tr[data-event="${CSS.escape(wanted)}"]`);
  if (row) {
    row.classList.add('focus');
    if (!focused) { row.scrollIntoView({ block: 'center' }); focused = true; }
  }
  document.body.dataset.ready = 'true';
  document.body.dataset.loads = String(Number(document.body.dataset.loads ?? 0) + 1);
}
let focused = false;

// A burst of changes (a department working through its queue) reloads the list once.
let loadTimer = null;
function loadSoon() {
  clearTimeout(loadTimer);
  loadTimer = setTimeout(() => load().catch((e) => { $('error').textContent = e.message; $('error').hidden = false; }), 150);
}

function follow() {
  const live = liveConnection('/hubs/grid-events', {
    resync: async (c) => { const snapshot = await c.invoke('Subscribe'); loadSoon(); return snapshot; },
    onSnapshot: () => {},
    onState: (st) => { document.body.dataset.connection = st; },
  });
  live.on('GridEventChanged', (d) => { document.body.dataset.pushed = d.item.eventId; loadSoon(); });
  live.start();
}

$('events').addEventListener('click', async (event) => {
  const button = event.target.closest('button[data-step]');
  if (!button) {
    return;
  }
  const id = button.closest('tr').dataset.event;
  $('error').hidden = true;
  try {
    await call('POST', `/api/grid-events/${encodeURIComponent(id)}/steps/${button.dataset.step}`, { version: Number(button.dataset.version) });
  } catch (e) {
    $('error').textContent = e.message;
    $('error').hidden = false;
  }
  await load();
});
$('state').addEventListener('change', load);
$('refresh').addEventListener('click', load);

call('GET', '/api/auth/me')
  .then((who) => { me = who; $('who').textContent = `${who.name} (${who.roles.join(', ')})`; })
  .then(load)
  .then(follow)
  .catch((e) => { $('error').textContent = e.message; $('error').hidden = false; });
