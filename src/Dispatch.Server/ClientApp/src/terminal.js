import L from 'leaflet';
import 'leaflet/dist/leaflet.css';
import './pages.css';
import { t, tv, toggleLanguage, translatePage, onLanguageChange } from './i18n.js';
import { liveConnection, session, statusColors, escapeHtml, formatSeconds } from './live.js';
import { mountBasemap } from './basemap.js';
import { mountTerminalVideo } from './video.js';

const $ = (sel) => document.querySelector(sel);
const QUEUE_KEY = 'dispatch.terminal.queue';
const UNIT_KEY = 'dispatch.terminal.unit';
const state = {
  unitId: localStorage.getItem(UNIT_KEY) || new URLSearchParams(location.search).get('unit'),
  unit: null, incident: null, directives: [], route: null, routeFrom: null, routeAt: 0, signedIn: false,
};

// Buttons are queued with a client id and sent in order; the server ignores an id it has already run,
// so resending after a dropped connection never applies a status change twice.
let queue = JSON.parse(localStorage.getItem(QUEUE_KEY) || '[]');
const saveQueue = () => { localStorage.setItem(QUEUE_KEY, JSON.stringify(queue)); renderQueue(); render(); };
const newId = () => (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(16).slice(2)}`);
let flushing = false;

const map = L.map('mini-map', { attributionControl: false, zoomControl: false, maxZoom: 20 }).setView([36.66, 117.0], 15);
const basemap = mountBasemap(map).catch((e) => console.warn('basemap unavailable', e));
const routeLine = L.polyline([], { color: '#1f6fd1', weight: 6, opacity: 0.85 });
const routeCasing = L.polyline([], { color: '#fff', weight: 10, opacity: 0.9 });
const own = L.circleMarker([0, 0], { radius: 8, color: '#fff', weight: 2, fillColor: '#1f6fd1', fillOpacity: 1 });
const target = L.circleMarker([0, 0], { radius: 9, color: '#000', weight: 2, fillColor: '#ff3b30', fillOpacity: 1 });
const areas = L.layerGroup().addTo(map);
let framed = null;

function showError(message) {
  $('#error').textContent = message;
  $('#error').hidden = false;
  setTimeout(() => { $('#error').hidden = true; }, 6000);
}

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
  $('#oos-reason').textContent = shown === 'OutOfService' ? `${t('reason')}: ${queuedReason() ?? u.outOfServiceReason ?? ''}` : '';
  const a = u.assignment;
  const i = state.incident && a && state.incident.incidentId === a.incidentId ? state.incident : null;
  $('#assignment').innerHTML = a
    ? `<h3>${escapeHtml(i ? tv('type', i.type) : a.incidentId)} ${i ? `<b class="prio p${i.priority}">P${i.priority}</b>` : ''}</h3>
       <p>${escapeHtml(i?.description ?? '')}</p><p>${escapeHtml(tv('tier', a.tierName))} · ${t('ackBy')} <span id="ack-left" data-deadline="${escapeHtml(a.ackDeadline)}"></span></p>`
    : `<p class="empty">${t('noAssignment')}</p>`;
  $('#assignment').dataset.incident = a?.incidentId ?? '';
  const allowed = {
    Acknowledge: shown === 'Dispatched', EnRoute: shown === 'Acknowledged', OnScene: ['Acknowledged', 'EnRoute'].includes(shown),
    Clear: shown === 'OnScene', Available: shown === 'Clearing', OutOfService: ['Available', 'Clearing'].includes(shown), BackInService: shown === 'OutOfService',
  };
  const offDuty = shown === 'OutOfService';
  document.querySelectorAll('[data-action]').forEach((b) => {
    b.disabled = !allowed[b.dataset.action];
    b.hidden = (b.dataset.action === 'OutOfService' && offDuty) || (b.dataset.action === 'BackInService' && !offDuty);
  });
  renderRoute();
  // The map was created while hidden (before sign-in): let it measure itself now.
  map.invalidateSize();
  if (u.latitude != null) { own.setLatLng([u.latitude, u.longitude]).addTo(map); }
  const frameKey = `${a?.incidentId ?? ''}`;
  if (a) {
    target.setLatLng([a.latitude, a.longitude]).addTo(map);
    if (framed !== frameKey) {
      if (u.latitude != null) map.fitBounds(L.latLngBounds([[u.latitude, u.longitude], [a.latitude, a.longitude]]).pad(0.3), { maxZoom: 17 });
      else map.setView([a.latitude, a.longitude], 16);
      framed = frameKey;
    }
  } else {
    target.remove();
    if (u.latitude != null && framed !== frameKey) { map.setView([u.latitude, u.longitude], 16); framed = frameKey; }
  }
  areas.clearLayers();
  $('#directives').innerHTML = state.directives.map((d) => {
    L.polygon(d.area.map((p) => [p.latitude, p.longitude]), { color: '#7a3fd1', weight: 2, fillOpacity: 0.1 }).addTo(areas);
    return `<li>${escapeHtml(d.note || t('directive'))} <small>${new Date(d.from).toLocaleTimeString()}–${new Date(d.until).toLocaleTimeString()}</small></li>`;
  }).join('') || `<li class="empty">${t('none')}</li>`;
}

// ---- the route to the assigned incident over the roads, asked again as the unit moves ----
function renderRoute() {
  const a = state.unit?.assignment;
  const r = state.route && a && state.route.incidentId === a.incidentId ? state.route : null;
  $('#route-info').hidden = !a;
  if (!a) { routeLine.remove(); routeCasing.remove(); document.body.dataset.route = ''; return; }
  if (!r) { $('#route-eta').textContent = t('noPosition'); $('#route-distance').textContent = ''; return; }
  $('#route-eta').textContent = formatSeconds(r.etaSeconds);
  $('#route-distance').textContent = r.distanceMeters >= 1000 ? `${(r.distanceMeters / 1000).toFixed(1)} km` : `${Math.round(r.distanceMeters)} m`;
  routeCasing.setLatLngs(r.points).addTo(map);
  routeLine.setLatLngs(r.points).addTo(map);
  target.bringToFront();
  document.body.dataset.route = r.onRoads ? 'roads' : 'straight';
}

const routeEveryMs = 10_000;
const routeAfterMeters = 40;
async function refreshRoute(force) {
  const u = state.unit;
  if (!u?.assignment || u.latitude == null || term.connection.state !== 'Connected') return;
  const moved = state.routeFrom ? L.latLng(state.routeFrom).distanceTo([u.latitude, u.longitude]) : Infinity;
  const stale = state.route?.incidentId !== u.assignment.incidentId;
  if (!force && !stale && moved < routeAfterMeters && Date.now() - state.routeAt < routeEveryMs) return;
  state.routeAt = Date.now();
  state.routeFrom = [u.latitude, u.longitude];
  try {
    state.route = await term.connection.invoke('Route');
    renderRoute();
  } catch (e) {
    console.warn('route unavailable', e);
  }
}
setInterval(() => refreshRoute(false), 2000);

// ---- offline queue: the status the queued buttons lead to, so an officer can go on pressing while offline ----
const statusAfter = { Acknowledge: 'Acknowledged', EnRoute: 'EnRoute', OnScene: 'OnScene', Clear: 'Clearing', Available: 'Available', OutOfService: 'OutOfService', BackInService: 'Available' };
function expectedStatus(status) { return queue.reduce((s, q) => statusAfter[q.action] ?? s, status); }
function queuedReason() { return [...queue].reverse().find((q) => q.action === 'OutOfService')?.reason; }

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
  if (u.assignment && u.assignment.assignmentNumber !== before) { alertOfficer(); refreshRoute(true); }
  render();
}

async function flushQueue() {
  if (flushing || term.connection.state !== 'Connected') return;
  flushing = true;
  try {
    while (queue.length) {
      const [next] = queue;
      try {
        const result = next.action === 'OutOfService'
          ? await term.connection.invoke('GoOutOfService', next.id, next.reason ?? '')
          : await term.connection.invoke('Perform', next.id, next.action);
        setUnit(result.unit);
      } catch (e) {
        if (term.connection.state !== 'Connected') break; // still offline: keep it queued
        showError(String(e?.message ?? e).replace(/^.*HubException: /, ''));
      }
      queue.shift(); saveQueue();
    }
  } finally { flushing = false; }
}

// Signing the person out (the header's button) first signs the terminal off its unit.
const me = await session({ beforeSignOut: () => (state.unitId ? signOff() : true) });
let takeOver = false;

/**
 * The host refused the sign-in: an unknown unit or one the officer may not act for (the id is forgotten, no
 * retrying), or a unit another terminal holds (the form offers to take it over).
 */
function refusedSignIn(message) {
  takeOver = false;
  const id = state.unitId;
  forgetUnit();
  const heldElsewhere = /take it over/.test(message);
  showSignIn(/^unknown unit/.test(message) ? `${message}. ${t('unknownUnitHelp')}` : message, heldElsewhere);
  $('#unit-id').value = id ?? '';
  return true;
}

const term = liveConnection('/hubs/terminal', {
  resync: async (c) => { const s = await c.invoke(takeOver ? 'TakeOver' : 'SignIn', state.unitId); takeOver = false; return s; },
  onSnapshot: (s) => { state.signedIn = true; state.incident = s.incident; state.directives = s.directives; setUnit(s.unit); $('#sign-off').hidden = false; flushQueue(); },
  onState: (st) => { const el = $('#conn'); el.textContent = t(st); el.className = `conn ${st}`; document.body.dataset.connection = st; },
  onRefused: refusedSignIn,
});
term.on('UnitChanged', ({ item }) => setUnit(item));
term.on('IncidentChanged', ({ item }) => { if (state.unit?.assignment?.incidentId === item.incidentId) { state.incident = item; render(); } });
term.connection.on('SignedOff', (off) => { term.stop(); backToForm(`${t('signedOff')} ${off.reason}`, false); });
term.on('DirectiveReceived', ({ item }) => { state.directives = [...state.directives.filter((d) => d.directiveId !== item.directiveId), item]; alertOfficer(); render(); });

document.querySelectorAll('[data-action]').forEach((b) => b.addEventListener('click', () => {
  if (b.dataset.action === 'OutOfService') { $('#oos-form').hidden = false; $('#oos-reason-input').focus(); return; }
  queue.push({ id: newId(), action: b.dataset.action });
  saveQueue();
  flushQueue();
}));
$('#oos-confirm').addEventListener('click', () => {
  const reason = $('#oos-reason-input').value.trim();
  if (!reason) { showError(t('reasonRequired')); return; }
  queue.push({ id: newId(), action: 'OutOfService', reason });
  $('#oos-form').hidden = true; $('#oos-reason-input').value = '';
  saveQueue();
  flushQueue();
});
$('#oos-cancel').addEventListener('click', () => { $('#oos-form').hidden = true; });

// ---- position: browser geolocation, or a simulated drive along the route ----
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
  // Along the route when there is one: towards its next point; else a short wander.
  const next = state.route?.points?.find((p) => L.latLng(p).distanceTo([u.latitude, u.longitude]) > 15);
  const [tlat, tlon] = a ? (next ?? [a.latitude, a.longitude]) : [u.latitude + (Math.random() - 0.5) * 0.002, u.longitude + (Math.random() - 0.5) * 0.002];
  const step = 0.0003;
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

$('#lang').addEventListener('click', () => toggleLanguage());
onLanguageChange(() => { translatePage(); render(); renderQueue(); });
$('#sign-in').addEventListener('submit', (e) => {
  e.preventDefault();
  state.unitId = $('#unit-id').value.trim();
  if (!state.unitId) return;
  localStorage.setItem(UNIT_KEY, state.unitId);
  startSession();
});

function showSignIn(error, offerTakeOver = false) {
  $('#session').hidden = true; $('#sign-in').hidden = false; $('#sign-off').hidden = true;
  $('#sign-in-error').hidden = !error;
  $('#sign-in-error').textContent = error ?? '';
  $('#take-over').hidden = !offerTakeOver;
  document.body.dataset.signedIn = 'false';
}

function forgetUnit() {
  localStorage.removeItem(UNIT_KEY);
  state.unitId = null; state.unit = null; state.incident = null; state.route = null; state.signedIn = false; framed = null;
  video.unitChanged(null);
  const url = new URL(location.href);
  if (url.searchParams.has('unit')) { url.searchParams.delete('unit'); history.replaceState(null, '', url); }
}

function startSession() {
  $('#sign-in').hidden = true; $('#sign-in-error').hidden = true; $('#take-over').hidden = true; $('#session').hidden = false;
  document.body.dataset.signedIn = 'true';
  term.start();
}

$('#take-over').addEventListener('click', () => {
  state.unitId = $('#unit-id').value.trim();
  if (!state.unitId) return;
  localStorage.setItem(UNIT_KEY, state.unitId);
  takeOver = true;
  startSession();
});

/**
 * Signs this terminal off its unit: the unit's connection ends, the page forgets the unit and shows the unit form.
 * Refused while buttons wait in the offline queue (signing off would lose them). The 'dispatch:sign-out' event
 * (cancelable) tells the rest of the page.
 */
async function signOff() {
  if (queue.length) { showError(`${queue.length} ${t('queued')}`); return false; }
  const event = new CustomEvent('dispatch:sign-out', { cancelable: true, detail: { unitId: state.unitId } });
  if (!document.dispatchEvent(event)) return false;
  await term.stop();
  forgetUnit();
  routeLine.remove(); routeCasing.remove(); own.remove(); target.remove();
  showSignIn(null);
  return true;
}
$('#sign-off').addEventListener('click', () => signOff());

// An officer whose account names one unit finds it filled in.
const ownUnits = me.units.filter((u) => u !== '*' && !u.startsWith('station:'));
if (!state.unitId && ownUnits.length === 1) $('#unit-id').value = ownUnits[0];

window.dispatchTerminal = { state, queue: () => queue, connection: term.connection, signOff, route: () => state.route, basemap };
translatePage();
renderQueue();
if (state.unitId) startSession(); else showSignIn(null);
document.body.dataset.ready = 'true';
