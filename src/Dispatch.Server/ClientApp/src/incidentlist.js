// The incident list: the incident table (GET /api/incidents) searched by day, hours, district, status, type and
// priority, newest first, a page at a time. Self-contained: operator.js only calls mountIncidentList.
import { t, tv, placeName, onLanguageChange } from './i18n.js';
import { escapeHtml } from './live.js';

const types = ['theft', 'disturbance', 'traffic-accident', 'assault', 'person-down', 'fire', 'intrusion', 'suspicious-person',
  'public-order', 'vehicle', 'panic-alarm', 'sensor-alarm'];

/** Local date and time as the host wants it: an ISO 8601 date-time with this browser's offset. */
function isoLocal(date, time) {
  const at = new Date(`${date}T${time}`);
  const offset = -at.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  const hh = String(Math.floor(Math.abs(offset) / 60)).padStart(2, '0');
  const mm = String(Math.abs(offset) % 60).padStart(2, '0');
  return `${date}T${time}:00${sign}${hh}:${mm}`;
}

export function mountIncidentList({ city, showError, onPick }) {
  const $ = (sel) => document.querySelector(sel);
  const panel = $('#incident-list');
  const state = { items: [], next: null, query: null, loading: false };

  function fillChoices() {
    const grids = (city()?.features ?? []).filter((f) => f.properties.kind === 'grid').map((f) => f.properties);
    const district = $('#list-district');
    const chosenDistrict = district.value;
    district.innerHTML = `<option value="">${t('allDistricts')}</option>`
      + grids.map((g) => `<option value="${escapeHtml(g.id)}">${escapeHtml(placeName(g))}</option>`).join('');
    district.value = chosenDistrict;
    const type = $('#list-type');
    const chosenType = type.value;
    type.innerHTML = `<option value="">${t('anyType')}</option>` + types.map((x) => `<option value="${x}">${escapeHtml(tv('type', x))}</option>`).join('');
    type.value = chosenType;
    const status = $('#list-status');
    const chosenStatus = status.value;
    status.innerHTML = `<option value="">${t('anyStatus')}</option>` + ['Open', 'Closed', 'Cancelled'].map((x) => `<option value="${x}">${escapeHtml(tv('status', x))}</option>`).join('');
    status.value = chosenStatus;
    const priority = $('#list-priority');
    const chosenPriority = priority.value;
    priority.innerHTML = `<option value="">${t('anyPriority')}</option>` + [1, 2, 3, 4].map((p) => `<option value="${p}">P${p}</option>`).join('');
    priority.value = chosenPriority;
  }

  function query() {
    const date = $('#list-date').value;
    const params = new URLSearchParams();
    if (date) {
      params.set('from', isoLocal(date, $('#list-from').value || '00:00'));
      const until = $('#list-until').value;
      if (until && until !== '24:00') params.set('until', isoLocal(date, until));
      else { const next = new Date(`${date}T00:00`); next.setDate(next.getDate() + 1); params.set('until', isoLocal(next.toLocaleDateString('sv-SE'), '00:00')); }
    }
    for (const [key, sel] of [['district', '#list-district'], ['status', '#list-status'], ['type', '#list-type'], ['priority', '#list-priority']]) {
      if ($(sel).value) params.set(key, $(sel).value);
    }
    params.set('limit', '50');
    return params;
  }

  async function load(more) {
    if (state.loading) return;
    state.loading = true;
    try {
      const params = more ? new URLSearchParams(state.query) : query();
      if (more) params.set('cursor', state.next);
      else state.query = params.toString();
      const response = await fetch(`/api/incidents?${params}`);
      const body = await response.json();
      if (!response.ok) throw new Error(body.error ?? `HTTP ${response.status}`);
      state.items = more ? [...state.items, ...body.incidents] : body.incidents;
      state.next = body.nextCursor;
      render();
    } catch (e) {
      showError(e);
    } finally {
      state.loading = false;
    }
  }

  function render() {
    const rows = state.items.map((i) => `<tr data-listed="${escapeHtml(i.incidentId)}">
      <td>${new Date(i.createdAt).toLocaleString()}</td><td><b class="prio p${priorityNumber(i.priority)}">P${priorityNumber(i.priority)}</b></td>
      <td>${escapeHtml(tv('type', i.type))}</td><td>${escapeHtml(i.district ? placeName(i.district) : '')}</td>
      <td>${escapeHtml(tv('status', i.status))}</td><td class="desc">${escapeHtml(i.description)}</td></tr>`).join('');
    $('#list-results').innerHTML = state.items.length
      ? `<table><thead><tr><th>${t('created')}</th><th>${t('priority')}</th><th>${t('typeHeader')}</th><th>${t('district')}</th><th>${t('status')}</th><th></th></tr></thead><tbody>${rows}</tbody></table>`
      : `<p class="empty">${t('noIncidentsFound')}</p>`;
    $('#list-count').textContent = `${state.items.length}${state.next ? '+' : ''} ${t('found')}`;
    $('#list-more').hidden = !state.next;
    panel.dataset.count = String(state.items.length);
  }

  const priorityNumber = (name) => ({ Critical: 1, High: 2, Normal: 3, Low: 4 }[name] ?? name);

  $('#incident-list-open').addEventListener('click', () => {
    fillChoices();
    if (!$('#list-date').value) $('#list-date').value = new Date().toLocaleDateString('sv-SE');
    panel.hidden = false;
    load(false);
  });
  $('#list-close').addEventListener('click', () => { panel.hidden = true; });
  $('#list-search').addEventListener('click', () => load(false));
  $('#list-more').addEventListener('click', () => load(true));
  $('#list-results').addEventListener('click', (e) => {
    const id = e.target.closest('[data-listed]')?.dataset.listed;
    const item = id && state.items.find((i) => i.incidentId === id);
    if (item) onPick(id, item);
  });
  onLanguageChange(() => { fillChoices(); render(); });

  window.dispatchIncidentList = { state: () => state, load };
}
