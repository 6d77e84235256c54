import L from 'leaflet';
import 'leaflet/dist/leaflet.css';
import './pages.css';
import { t, toggleLanguage, translatePage } from './i18n.js';
import { liveConnection, statusColors, escapeHtml, formatSeconds } from './live.js';
import { mountTerminalVideo } from './video.js';

const $ = (sel) => document.querySelector(sel);
const QUEUE_KEY = 'dispatch.terminal.queue';
const state = { unitId: localStorage.getItem('dispatch.terminal.unit') || new URLSearchParams(location.search).get('unit'), unit: null, incident: null, directives: [] };

// Buttons are queued with a client id and sent in order; the server ignores an id it has already run,
// so resending after a dropped connection never applies a status change twice.
let queue = JSON.parse(localStorage.getItem(QUEUE_KEY) || '[]');
const saveQueue = () => { localStorage.setItem(QUEUE_KEY, JSON.stringify(queue)); renderQueue(); render(); };
const newId = () => (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(16).slice(2)}`);
let flushing = false;

const map = L.map('mini-map', { attributionControl: false, zoomControl: false }).setView([36.66, 117.0], 14);
const tileUrl = document.querySelector('meta[name="dispatch-tile-url"]')?.content;
if (tileUrl) L.tileLayer(tileUrl, { maxZoom: 19 }).addTo(map);
const own = L.circleMarker([0, 0], { radius: 8, color: '#fff', weight: 2, fillColor: '#1f6fd1', fillOpacity: 1 });
const target = L.circleMarker([0, 0], { radius: 9, color: '#000', weight: 2, fillColor: '#ff3b30', fillOpacity: 1 });
const areas = L.layerGroup().addTo(map);

// The scene cameras of the unit's incident (video.js): shown while it holds an assignment.
const video = mountTerminalVideo({ container: $('#session'), unitId: () => state.unitId });

function render() {
  const u = state.unit;
  if (!u) return;
  video.unitChanged(u);
  $('#unit-name').textContent = `${u.callSign} (${u.unitId})`;
  // Offline, the buttons already pressed are queued: show (and enable buttons for) the status they lead to.
  const shown = expectedStatus(u.status);
  const st = $('#unit-status');
  st.textContent = t(shown);
  st.style.background = statusColors[shown];
  document.body.dataset.status = u.status;
  document.body.dataset.expectedStatus = shown;
  const a = u.assignment;
  const i = state.incident && a && state.incident.incidentId === a.incidentId ? state.incident : null;
  $('#assignment').innerHTML = a
    ? `<h3>${escapeHtml(i?.type ?? a.incidentId)} ${i ? `<b class="prio p${i.priority}">P${i.priority}</b>` : ''}</h3>
       <p>${escapeHtml(i?.description ?? '')}</p><p>${escapeHtml(a.tierName)} · ${t('ackBy')} <span id="ack-left" data-deadline="${escapeHtml(a.ackDeadline)}"></span></p>`
    : `<p class="empty">${t('noAssignment')}</p>`;
  $('#assignment').dataset.incident = a?.incidentId ?? '';
  const allowed = { Acknowledge: shown === 'Dispatched', EnRoute: shown === 'Acknowledged', OnScene: ['Acknowledged', 'EnRoute'].includes(shown), Clear: shown === 'OnScene', Available: shown === 'Clearing' };
  document.querySelectorAll('[data-action]').forEach((b) => { b.disabled = !allowed[b.dataset.action]; });
  // The map was created while hidden (before sign-in): let it measure itself now.
  map.invalidateSize();
  if (u.latitude != null) { own.setLatLng([u.latitude, u.longitude]).addTo(map); }
  if (a) {
    target.setLatLng([a.latitude, a.longitude]).addTo(map);
    if (u.latitude != null) map.fitBounds(L.latLngBounds([[u.latitude, u.longitude], [a.latitude, a.longitude]]).pad(0.3), { maxZoom: 16 });
    else map.setView([a.latitude, a.longitude], 15);
  } else {
    target.remove();
    if (u.latitude != null) map.setView([u.latitude, u.longitude], 15);
  }
  areas.clearLayers();
  $('#directives').innerHTML = state.directives.map((d) => {
    L.polygon(d.area.map((p) => [p.latitude, p.longitude]), { color: '#7a3fd1', weight: 2, fillOpacity: 0.1 }).addTo(areas);
    return `<li>${escapeHtml(d.note || t('directive'))} <small>${new Date(d.from).toLocaleTimeString()}–${new Date(d.until).toLocaleTimeString()}</small></li>`;
  }).join('') || `<li class="empty">${t('none')}</li>`;
}

// ---- offline queue: the status the queued buttons lead to, so an officer can go on pressing while offline ----
const statusAfter = { Acknowledge: 'Acknowledged', EnRoute: 'EnRoute', OnScene: 'OnScene', Clear: 'Clearing', Available: 'Available', OutOfService: 'OutOfService', BackInService: 'Available' };
function expectedStatus(status) { return queue.reduce((s, q) => statusAfter[q.action] ?? s, status); }

function renderQueue() { $('#queued').textContent = queue.length ? `${queue.length} ${t('queued')}` : ''; }

function alertOfficer() {
  try { navigator.vibrate?.([300, 150, 300]); } catch { /* not every device vibrates */ }
  try {
    const ctx = new (window.AudioContext || window.webkitAudioContext)();
    [0, 0.35].forEach((at) => {
      const osc = ctx.createOscillator(); const gain = ctx.createGain();
      osc.frequency.value = 880; gain.gain.value = 0.2;
      osc.connect(gain).connect(ctx.destination); osc.start(ctx.currentTime + at); osc.stop(ctx.currentTime + at + 0.2);
    });
  } catch { /* audio may be blocked until the officer touches the screen */ }
  document.body.classList.add('flash'); setTimeout(() => document.body.classList.remove('flash'), 1500);
}

function setUnit(u) {
  const before = state.unit?.assignment?.assignmentNumber;
  state.unit = u;
  if (u.assignment && u.assignment.assignmentNumber !== before) alertOfficer();
  render();
}

async function flushQueue() {
  if (flushing || term.connection.state !== 'Connected') return;
  flushing = true;
  try {
    while (queue.length) {
      const [next] = queue;
      try {
        const result = await term.connection.invoke('Perform', next.id, next.action);
        setUnit(result.unit);
      } catch (e) {
        if (term.connection.state !== 'Connected') break; // still offline: keep it queued
        $('#error').textContent = String(e?.message ?? e).replace(/^.*HubException: /, '');
        $('#error').hidden = false; setTimeout(() => { $('#error').hidden = true; }, 5000);
      }
      queue.shift(); saveQueue();
    }
  } finally { flushing = false; }
}

const term = liveConnection('/hubs/terminal', {
  resync: (c) => c.invoke('SignIn', state.unitId),
  onSnapshot: (s) => { state.incident = s.incident; state.directives = s.directives; setUnit(s.unit); flushQueue(); },
  onState: (st) => { const el = $('#conn'); el.textContent = t(st); el.className = `conn ${st}`; document.body.dataset.connection = st; },
});
term.on('UnitChanged', ({ item }) => setUnit(item));
term.on('IncidentChanged', ({ item }) => { if (state.unit?.assignment?.incidentId === item.incidentId) { state.incident = item; render(); } });
term.on('DirectiveReceived', ({ item }) => { state.directives = [...state.directives.filter((d) => d.directiveId !== item.directiveId), item]; alertOfficer(); render(); });

document.querySelectorAll('[data-action]').forEach((b) => b.addEventListener('click', () => {
  queue.push({ id: newId(), action: b.dataset.action });
  saveQueue();
  flushQueue();
}));

// ---- position: browser geolocation, or a simulated drive toward the incident ----
let lastSent = 0;
function sendPosition(lat, lon) {
  if (term.connection.state !== 'Connected' || Date.now() - lastSent < 1000) return;
  lastSent = Date.now();
  term.connection.invoke('ReportPosition', lat, lon).catch(() => { /* the next fix will do */ });
}
if (navigator.geolocation && !$('#simulate').checked) {
  navigator.geolocation.watchPosition((p) => { if (!$('#simulate').checked) sendPosition(p.coords.latitude, p.coords.longitude); }, () => {}, { enableHighAccuracy: true });
}
setInterval(() => {
  const u = state.unit;
  if (!$('#simulate').checked || !u || u.latitude == null) return;
  const a = u.assignment;
  const [tlat, tlon] = a ? [a.latitude, a.longitude] : [u.latitude + (Math.random() - 0.5) * 0.002, u.longitude + (Math.random() - 0.5) * 0.002];
  const step = 0.0004;
  const dlat = tlat - u.latitude; const dlon = tlon - u.longitude;
  const d = Math.hypot(dlat, dlon);
  const k = d < step ? 1 : step / d;
  u.latitude += dlat * k; u.longitude += dlon * k;
  own.setLatLng([u.latitude, u.longitude]);
  sendPosition(u.latitude, u.longitude);
}, 1000);

setInterval(() => {
  const el = $('#ack-left');
  if (el && state.unit?.status === 'Dispatched') el.textContent = formatSeconds((Date.parse(el.dataset.deadline) - Date.now()) / 1000);
  else if (el) el.textContent = '✓';
}, 500);

$('#lang').addEventListener('click', () => { toggleLanguage(); translatePage(); render(); });
$('#sign-in').addEventListener('submit', (e) => {
  e.preventDefault();
  state.unitId = $('#unit-id').value.trim();
  localStorage.setItem('dispatch.terminal.unit', state.unitId);
  startSession();
});

function startSession() {
  $('#sign-in').hidden = true; $('#session').hidden = false;
  term.start();
}

window.dispatchTerminal = { state, queue: () => queue, connection: term.connection };
translatePage();
renderQueue();
if (state.unitId) startSession();
document.body.dataset.ready = 'true';
