import L from 'leaflet';
import 'leaflet/dist/leaflet.css';
import './pages.css';
import { t, toggleLanguage, translatePage } from './i18n.js';
import { liveConnection, statusColors, outcomeColors, tierState, formatSeconds, escapeHtml } from './live.js';
import { mountCoverage } from './coverage.js';
import { mountEarlyWarning } from './earlywarning.js';
import { mountVideo } from './video.js';

const $ = (sel) => document.querySelector(sel);
const state = {
  units: new Map(), incidents: new Map(), alerts: new Map(), offline: new Map(), cameraCount: 0, cameraHealth: null,
  serverOffsetMs: 0, districts: null, selected: null, city: null,
};
const now = () => Date.now() + state.serverOffsetMs;

// ---- map: vectors on a blank background; a tile layer only if one is configured ----
const map = L.map('map', { preferCanvas: true, attributionControl: false, zoomSnap: 0.25 });
const tileUrl = document.querySelector('meta[name="dispatch-tile-url"]')?.content;
if (tileUrl) L.tileLayer(tileUrl, { maxZoom: 19 }).addTo(map);
const canvas = L.canvas({ padding: 0.3 });

// Units move several times a second: they get a canvas of their own above the others, so a batch of positions
// redraws only the units, not the grids, stations and thousands of cameras. That canvas lets the mouse through
// to the layers below; clicks and hovers find the nearest unit themselves (unitNear).
map.createPane('units');
map.getPane('units').style.zIndex = 450;
map.getPane('units').style.pointerEvents = 'none';
const unitCanvas = L.canvas({ padding: 0.3, pane: 'units' });
const layers = {
  grids: L.layerGroup().addTo(map), stations: L.layerGroup().addTo(map), cameras: L.layerGroup().addTo(map),
  incidents: L.layerGroup().addTo(map), units: L.layerGroup().addTo(map), directive: L.layerGroup().addTo(map),
};
const unitMarkers = new Map();
const cameraMarkers = new Map();
const incidentShapes = new Map();

async function loadCity() {
  const city = await (await fetch('/api/city')).json();
  state.city = city;
  const grids = city.features.filter((f) => f.properties.kind === 'grid');
  L.geoJSON({ type: 'FeatureCollection', features: grids }, {
    style: { color: '#5b7fa6', weight: 1, fillColor: '#dfe8f2', fillOpacity: 0.35 },
    onEachFeature: (f, layer) => layer.bindTooltip(f.properties.name ?? f.properties.id, { sticky: true }),
    renderer: canvas,
  }).addTo(layers.grids);
  for (const f of city.features) {
    const [lon, lat] = f.geometry.coordinates ?? [];
    if (f.properties.kind === 'station') {
      L.circleMarker([lat, lon], { renderer: canvas, radius: 6, color: '#123', weight: 2, fillColor: '#fff', fillOpacity: 1 })
        .bindTooltip(f.properties.name ?? f.properties.id).addTo(layers.stations);
    } else if (f.properties.kind === 'camera') {
      drawCamera(f.properties.id, lat, lon);
    }
  }
  const bounds = L.geoJSON({ type: 'FeatureCollection', features: grids }).getBounds();
  if (bounds.isValid()) map.fitBounds(bounds, { padding: [10, 10] });
  else map.setView([36.66, 117.0], 12);
  const select = $('#districts');
  for (const g of grids) {
    const o = document.createElement('option');
    o.value = g.properties.id; o.textContent = g.properties.name ?? g.properties.id;
    select.append(o);
  }
}

L.control.layers(null, {
  [t('grids')]: layers.grids, [t('stations')]: layers.stations, [t('camerasLayer')]: layers.cameras,
  [t('incidentsLayer')]: layers.incidents, [t('unitsLayer')]: layers.units,
}, { collapsed: true }).addTo(map);

// ---- cameras: the city file's, and those gateways registered in their Hello (they come with the snapshot and deltas) ----
function drawCamera(id, lat, lon, name) {
  const m = cameraMarkers.get(id);
  if (m) { m.setLatLng([lat, lon]); return; }
  const marker = L.circleMarker([lat, lon], { renderer: canvas, radius: 2, stroke: false, fillColor: '#3a8', fillOpacity: 0.7 })
    .addTo(layers.cameras);
  if (name) marker.bindTooltip(name);
  cameraMarkers.set(id, marker);
}

// The camera panel shows what GET /api/cameras/health says; a camera change asks again (at most every 2 s).
let healthTimer = null;
function refreshCameraHealthSoon() {
  if (healthTimer) return;
  healthTimer = setTimeout(async () => {
    healthTimer = null;
    try {
      state.cameraHealth = await (await fetch('/api/cameras/health')).json();
      state.offline = new Map(state.cameraHealth.offline.map((c) => [c.cameraId, c]));
      renderCameras();
    } catch (e) {
      console.warn('camera health unavailable', e);
    }
  }, state.cameraHealth ? 2000 : 0);
}

// ---- units ----
function drawUnit(u) {
  state.units.set(u.unitId, u);
  let m = unitMarkers.get(u.unitId);
  if (u.latitude == null) { if (m) { m.remove(); unitMarkers.delete(u.unitId); } return; }
  const color = statusColors[u.status] ?? '#000';
  if (!m) {
    m = L.circleMarker([u.latitude, u.longitude], {
      renderer: unitCanvas, pane: 'units', interactive: false, radius: 5, color: '#fff', weight: 1, fillColor: color, fillOpacity: 1,
    }).addTo(layers.units);
    unitMarkers.set(u.unitId, m);
  } else {
    m.setLatLng([u.latitude, u.longitude]);
    if (m.options.fillColor !== color) m.setStyle({ fillColor: color });
  }
}

// The unit drawn within a few pixels of a map point, nearest first; none while the units layer is hidden.
const unitHitPixels = 8;
function unitNear(latlng) {
  if (!map.hasLayer(layers.units)) return null;
  const at = map.latLngToContainerPoint(latlng);
  let best = null; let bestDistance = unitHitPixels;
  for (const [id, m] of unitMarkers) {
    const distance = at.distanceTo(map.latLngToContainerPoint(m.getLatLng()));
    if (distance <= bestDistance) { best = id; bestDistance = distance; }
  }
  return best;
}

const unitTip = L.tooltip({ direction: 'top', offset: [0, -6] });
let hoverPending = false;
map.on('mousemove', (e) => {
  if (hoverPending) return;
  hoverPending = true;
  requestAnimationFrame(() => {
    hoverPending = false;
    const id = unitNear(e.latlng);
    const u = id && state.units.get(id);
    if (!u) { unitTip.remove(); map.getContainer().style.cursor = ''; return; }
    unitTip.setLatLng(unitMarkers.get(id).getLatLng()).setContent(`${escapeHtml(u.callSign)} · ${t(u.status)}`);
    if (!map.hasLayer(unitTip)) unitTip.addTo(map);
    map.getContainer().style.cursor = 'pointer';
  });
});
map.on('mouseout', () => unitTip.remove());

function moveUnits(batch) {
  for (const p of batch.positions) {
    const u = state.units.get(p.unitId);
    if (!u) continue;
    u.latitude = p.latitude; u.longitude = p.longitude;
    drawUnit(u);
  }
}

// ---- incidents with 1/3/5-minute rings ----
const ringMeters = [120, 240, 360];
function drawIncident(i) {
  state.incidents.set(i.incidentId, i);
  const old = incidentShapes.get(i.incidentId);
  if (old) old.forEach((s) => s.remove());
  if (i.status !== 'Open') { incidentShapes.delete(i.incidentId); return; }
  const shapes = i.tiers.map((tier, k) => L.circle([i.latitude, i.longitude], {
    radius: ringMeters[k] ?? 360 + k * 120, color: outcomeColors[tierState(tier, now())], weight: 3, fill: false,
    dashArray: tier.outcome === 'NotRequired' ? '4 6' : null,
  }).addTo(layers.incidents));
  const dot = L.circleMarker([i.latitude, i.longitude], { radius: 7, color: '#000', weight: 2, fillColor: '#ff3b30', fillOpacity: 1 })
    .bindTooltip(`${escapeHtml(i.type)} P${i.priority}`).on('click', () => select({ kind: 'incident', id: i.incidentId }))
    .addTo(layers.incidents);
  incidentShapes.set(i.incidentId, [...shapes, dot]);
}

function refreshRings() {
  for (const [id, shapes] of incidentShapes) {
    const i = state.incidents.get(id);
    i?.tiers.forEach((tier, k) => shapes[k]?.setStyle({ color: outcomeColors[tierState(tier, now())] }));
  }
}

// ---- panels ----
// The list is rebuilt only when its incidents, their order or their tier outcomes change; the countdowns
// tick in place, so a click on an item never lands on an element that is being replaced.
let queueKey = '';
function tierLabel(tier) {
  const st = tierState(tier, now());
  const left = (Date.parse(tier.deadline) - now()) / 1000;
  return { st, text: st === 'Pending' || st === 'AtRisk' ? formatSeconds(left) : t(st.charAt(0).toLowerCase() + st.slice(1)) };
}
function renderQueue() {
  const open = [...state.incidents.values()].filter((i) => i.status === 'Open')
    .sort((a, b) => a.priority - b.priority || Date.parse(a.createdAt) - Date.parse(b.createdAt));
  const key = open.map((i) => `${i.incidentId}:${i.tiers.map((x) => tierState(x, now())).join(',')}`).join('|') + `#${state.selected?.id}`;
  if (key === queueKey) {
    for (const i of open) {
      const li = document.querySelector(`#queue [data-incident="${CSS.escape(i.incidentId)}"]`);
      if (!li) continue;
      li.querySelector('small').textContent = formatSeconds((now() - Date.parse(i.createdAt)) / 1000);
      li.querySelectorAll('.tier').forEach((el, k) => { el.textContent = tierLabel(i.tiers[k]).text; });
    }
    return;
  }
  queueKey = key;
  $('#queue').innerHTML = open.map((i) => {
    const age = (now() - Date.parse(i.createdAt)) / 1000;
    const rings = i.tiers.map((tier) => {
      const { st, text } = tierLabel(tier);
      return `<span class="tier" style="border-color:${outcomeColors[st]}" title="${escapeHtml(tier.name)}">${escapeHtml(text)}</span>`;
    }).join('');
    return `<li class="item ${state.selected?.id === i.incidentId ? 'selected' : ''}" data-incident="${escapeHtml(i.incidentId)}">
      <b class="prio p${i.priority}">P${i.priority}</b> ${escapeHtml(i.type)} <small>${formatSeconds(age)}</small><div>${rings}</div></li>`;
  }).join('') || `<li class="empty">${t('none')}</li>`;
}

function renderAlerts() {
  const list = [...state.alerts.values()].sort((a, b) => Date.parse(b.at) - Date.parse(a.at)).slice(0, 50);
  $('#alerts').innerHTML = list.map((a) => `<li class="item alert ${a.state}" data-alert="${escapeHtml(a.alertId)}">
      ${a.snapshotUrl ? `<img class="thumb" alt="" src="${escapeHtml(a.snapshotUrl)}">` : ''}
      <div><b>${escapeHtml(a.kind)}</b> ${Math.round(a.confidence * 100)}%<br><small>${escapeHtml(a.cameraName)} · ${new Date(a.at).toLocaleTimeString()}</small>
      <br><span class="badge">${t(a.state)}</span></div></li>`).join('') || `<li class="empty">${t('none')}</li>`;
}

function renderUnits() {
  const counts = {};
  for (const u of state.units.values()) counts[u.status] = (counts[u.status] ?? 0) + 1;
  $('#unit-status').innerHTML = Object.keys(statusColors).map((s) =>
    `<li><span class="chip" style="background:${statusColors[s]}"></span>${t(s)} <b data-status-count="${s}">${counts[s] ?? 0}</b></li>`).join('');
}

function renderCameras() {
  const total = state.cameraCount;
  const share = state.cameraHealth ? state.cameraHealth.connectedShare * 100 : total ? ((total - state.offline.size) / total) * 100 : 100;
  $('#camera-health').innerHTML = `<div class="big">${share.toFixed(1)}% ${t('connectedShare')}</div>
    <div>${t('offline')}: ${state.offline.size}</div>
    <ul class="offline">${[...state.offline.keys()].slice(0, 30).map((id) => `<li>${escapeHtml(id)}</li>`).join('')}</ul>`;
  for (const [id, m] of cameraMarkers) m.setStyle({ fillColor: state.offline.has(id) ? '#d12f2f' : '#3a8' });
}

function renderCompliance() {
  const startOfDay = new Date(now()); startOfDay.setUTCHours(0, 0, 0, 0);
  const byTier = new Map();
  for (const i of state.incidents.values()) {
    if (Date.parse(i.createdAt) < startOfDay.getTime()) continue;
    for (const tier of i.tiers) {
      const row = byTier.get(tier.name) ?? { met: 0, breached: 0 };
      const st = tierState(tier, now());
      if (st === 'Met') row.met += 1; else if (st === 'Breached') row.breached += 1;
      byTier.set(tier.name, row);
    }
  }
  $('#compliance').innerHTML = [...byTier].map(([name, r]) => {
    const n = r.met + r.breached;
    return `<li>${escapeHtml(name)}: <b>${n ? Math.round((100 * r.met) / n) : 100}%</b> <small>(${r.met}/${n})</small></li>`;
  }).join('') || `<li class="empty">${t('noData')}</li>`;
}

// ---- selection and actions ----
function select(sel) { state.selected = sel; renderDetail(); renderQueue(); video.show(sel); }
function selectUnit(unitId) {
  const u = state.units.get(unitId);
  if (u?.assignment) select({ kind: 'incident', id: u.assignment.incidentId });
}

async function call(method, ...args) {
  try {
    return await ops.connection.invoke(method, ...args);
  } catch (e) {
    showError(e);
    throw e;
  }
}

function showError(e) {
  const msg = String(e?.message ?? e).replace(/^.*HubException: /, '');
  $('#error').textContent = `${t('error')}: ${msg}`;
  $('#error').hidden = false;
  setTimeout(() => { $('#error').hidden = true; }, 6000);
}

function nearestAvailable(lat, lon, n) {
  const d = (u) => (u.latitude - lat) ** 2 + ((u.longitude - lon) * Math.cos((lat * Math.PI) / 180)) ** 2;
  return [...state.units.values()].filter((u) => u.status === 'Available' && u.latitude != null).sort((a, b) => d(a) - d(b)).slice(0, n);
}

async function renderDetail() {
  const box = $('#detail');
  const sel = state.selected;
  if (!sel) { box.innerHTML = `<p class="empty">${t('selectIncident')}</p>`; return; }
  if (sel.kind === 'alert') {
    const a = state.alerts.get(sel.id);
    if (!a) return;
    // The service draws the boxes into the annotated snapshot; their labels are listed beside it.
    const labels = a.boxes.map((b) => `<li class="box-label">${escapeHtml(b.label)}</li>`).join('');
    box.innerHTML = `<h3>${escapeHtml(a.kind)} · ${escapeHtml(a.cameraName)}</h3>
      <div class="snapshot">${a.annotatedSnapshotUrl ? `<img alt="snapshot" class="annotated" src="${escapeHtml(a.annotatedSnapshotUrl)}">` : ''}</div>
      <ul class="box-labels">${labels}</ul>
      <div class="actions">${a.state === 'New' ? `<select id="alert-priority"><option value="1">P1</option><option value="2" selected>P2</option><option value="3">P3</option><option value="4">P4</option></select>
        <button id="open-incident">${t('openIncident')}</button><button id="dismiss-alert">${t('dismiss')}</button>` : `<span class="badge">${t(a.state)}</span>`}</div>
      <h4>${t('nearestCameras')}</h4><ol id="nearest"></ol>`;
    $('#open-incident')?.addEventListener('click', async () => {
      const id = await call('OpenIncidentFromAlert', a.alertId, a.kind, Number($('#alert-priority').value));
      select({ kind: 'incident', id });
    });
    $('#dismiss-alert')?.addEventListener('click', () => call('DismissAlert', a.alertId, 'false alarm'));
    map.panTo([a.latitude, a.longitude]);
    const cams = await call('NearestCameras', a.latitude, a.longitude, 5);
    $('#nearest').innerHTML = cams.map((c) => `<li>${escapeHtml(c.name)} · ${Math.round(c.distanceMeters)} m ${c.online ? '' : `(${t('offline')})`}</li>`).join('');
    return;
  }
  const i = state.incidents.get(sel.id);
  if (!i) { box.innerHTML = '…'; return; }
  const assigned = i.assignments.map((a) => `<li>${escapeHtml(state.units.get(a.unitId)?.callSign ?? a.unitId)} · ${escapeHtml(a.tierName)} · ${escapeHtml(a.state)}
      <button data-unassign="${escapeHtml(a.unitId)}">${t('unassign')}</button></li>`).join('');
  const candidates = nearestAvailable(i.latitude, i.longitude, 10)
    .map((u) => `<option value="${escapeHtml(u.unitId)}">${escapeHtml(u.callSign)} (${escapeHtml(u.unitId)})</option>`).join('');
  box.innerHTML = `<h3><b class="prio p${i.priority}">P${i.priority}</b> ${escapeHtml(i.type)}</h3><p>${escapeHtml(i.description)}</p>
    <ul class="tiers">${i.tiers.map((tier) => `<li style="color:${outcomeColors[tierState(tier, now())]}">${escapeHtml(tier.name)} · ${tier.requested} · ${escapeHtml(tier.outcome)}</li>`).join('')}</ul>
    <ul>${assigned}</ul>
    ${i.status === 'Open' ? `<div class="actions"><select id="assign-unit">${candidates}</select><button id="assign">${t('assign')}</button></div>
    <div class="actions"><select id="reassign-from">${i.assignments.map((a) => `<option>${escapeHtml(a.unitId)}</option>`).join('')}</select>→<select id="reassign-to">${candidates}</select><button id="reassign">${t('reassign')}</button></div>
    <div class="actions"><input id="disposition" placeholder="${t('disposition')}"><button id="close">${t('close')}</button></div>` : `<p>${escapeHtml(i.status)} ${escapeHtml(i.disposition ?? '')}</p>`}`;
  $('#assign')?.addEventListener('click', () => call('Assign', i.incidentId, $('#assign-unit').value, null));
  $('#reassign')?.addEventListener('click', () => call('Reassign', i.incidentId, $('#reassign-from').value, $('#reassign-to').value));
  $('#close')?.addEventListener('click', () => call('Close', i.incidentId, $('#disposition').value || 'resolved'));
  box.querySelectorAll('[data-unassign]').forEach((b) => b.addEventListener('click', () => call('Unassign', i.incidentId, b.dataset.unassign)));
}

$('#queue').addEventListener('click', (e) => {
  const li = e.target.closest('[data-incident]');
  if (li) { select({ kind: 'incident', id: li.dataset.incident }); const i = state.incidents.get(li.dataset.incident); if (i) map.panTo([i.latitude, i.longitude]); }
});
$('#alerts').addEventListener('click', (e) => {
  const li = e.target.closest('[data-alert]');
  if (li) select({ kind: 'alert', id: li.dataset.alert });
});

// ---- patrol directive: draw an area, pick units, send ----
let drawing = null;
$('#directive').addEventListener('click', () => {
  drawing = { points: [] };
  layers.directive.clearLayers();
  $('#directive-form').hidden = false;
  const from = new Date(now()); const until = new Date(now() + 3600_000);
  const local = (d) => new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
  $('#directive-from').value = local(from); $('#directive-until').value = local(until);
});
map.on('click', (e) => {
  if (!drawing) {
    const id = unitNear(e.latlng);
    if (id) selectUnit(id);
    return;
  }
  drawing.points.push(e.latlng);
  layers.directive.clearLayers();
  L.polygon(drawing.points, { color: '#7a3fd1', weight: 2, fillOpacity: 0.15 }).addTo(layers.directive);
});
$('#directive-fill').addEventListener('click', () => {
  if (!drawing || drawing.points.length < 3) return;
  const poly = L.polygon(drawing.points);
  const inside = [...state.units.values()].filter((u) => u.latitude != null && pointInPolygon([u.latitude, u.longitude], drawing.points));
  $('#directive-units').value = inside.map((u) => u.unitId).join(',');
  poly.remove();
});
$('#directive-cancel').addEventListener('click', () => { drawing = null; layers.directive.clearLayers(); $('#directive-form').hidden = true; });
$('#directive-send').addEventListener('click', async () => {
  const request = {
    unitIds: $('#directive-units').value.split(',').map((s) => s.trim()).filter(Boolean),
    area: (drawing?.points ?? []).map((p) => ({ latitude: p.lat, longitude: p.lng })),
    from: new Date($('#directive-from').value).toISOString(),
    until: new Date($('#directive-until').value).toISOString(),
    note: $('#directive-note').value,
  };
  await call('SendDirective', request);
  drawing = null; $('#directive-form').hidden = true;
});
function pointInPolygon([y, x], pts) {
  let inside = false;
  for (let i = 0, j = pts.length - 1; i < pts.length; j = i++) {
    const [yi, xi, yj, xj] = [pts[i].lat, pts[i].lng, pts[j].lat, pts[j].lng];
    if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

// ---- live pictures and clips (video.js): the wall of an incident's cameras, the selected alert's clip ----
const video = mountVideo({ alert: (id) => state.alerts.get(id), incident: (id) => state.incidents.get(id), showError });

// ---- connection ----
const ops = liveConnection('/hubs/operations', {
  resync: (c) => c.invoke('Subscribe', state.districts),
  onSnapshot: (s) => {
    state.serverOffsetMs = Date.parse(s.serverTime) - Date.now();
    for (const m of unitMarkers.values()) m.remove();
    unitMarkers.clear(); state.units.clear();
    for (const shapes of incidentShapes.values()) shapes.forEach((x) => x.remove());
    incidentShapes.clear(); state.incidents.clear(); state.alerts.clear(); state.offline.clear();
    s.units.forEach(drawUnit);
    s.incidents.forEach(drawIncident);
    s.alerts.forEach((a) => state.alerts.set(a.alertId, a));
    s.offlineCameras.forEach((c) => state.offline.set(c.cameraId, c));
    s.cameras.forEach((c) => drawCamera(c.cameraId, c.latitude, c.longitude, c.name));
    state.cameraCount = s.cameraCount;
    refreshCameraHealthSoon();
    renderAll();
    document.body.dataset.seq = s.seq;
  },
  onState: (st) => { const el = $('#conn'); el.textContent = t(st); el.className = `conn ${st}`; document.body.dataset.connection = st; },
});
ops.on('UnitsMoved', (batch) => { moveUnits(batch); });
ops.on('UnitChanged', ({ item }) => { drawUnit(item); renderUnits(); });
ops.on('IncidentChanged', ({ item }) => { drawIncident(item); renderQueue(); renderCompliance(); if (state.selected?.id === item.incidentId) renderDetailSoon(); });
ops.on('AlertChanged', ({ item }) => { state.alerts.set(item.alertId, item); renderAlerts(); if (state.selected?.id === item.alertId) renderDetailSoon(); });
ops.on('CameraChanged', ({ item }) => {
  if (item.latitude != null) drawCamera(item.cameraId, item.latitude, item.longitude, item.name);
  if (item.online) state.offline.delete(item.cameraId); else state.offline.set(item.cameraId, item);
  renderCameras();
  refreshCameraHealthSoon();
});

let detailTimer = null;
function renderDetailSoon() { clearTimeout(detailTimer); detailTimer = setTimeout(renderDetail, 100); }
function renderAll() { renderQueue(); renderAlerts(); renderUnits(); renderCameras(); renderCompliance(); renderDetail(); }

$('#districts').addEventListener('change', async () => {
  const chosen = [...$('#districts').selectedOptions].map((o) => o.value).filter(Boolean);
  state.districts = chosen.length ? chosen : null;
  await ops.sync();
});
$('#lang').addEventListener('click', () => { toggleLanguage(); translatePage(); queueKey = ''; renderAll(); });

setInterval(() => { refreshRings(); renderQueue(); renderCompliance(); }, 1000);

// A small window into the page for tests and for people debugging a console.
window.dispatchOps = {
  unit: (id) => state.units.get(id),
  unitLatLng: (id) => unitMarkers.get(id)?.getLatLng(),
  unitColor: (id) => unitMarkers.get(id)?.options.fillColor,
  unitPagePoint: (id) => {
    const m = unitMarkers.get(id);
    if (!m) return null;
    const p = map.latLngToContainerPoint(m.getLatLng());
    const box = map.getContainer().getBoundingClientRect();
    return { x: box.left + p.x, y: box.top + p.y };
  },
  incident: (id) => state.incidents.get(id),
  alert: (id) => state.alerts.get(id),
  cameraLatLng: (id) => cameraMarkers.get(id)?.getLatLng(),
  select,
  video,
};

translatePage();
await loadCity();

// ---- coverage layer, grids without 3-minute coverage, move-ups (coverage.js) ----
mountCoverage({ map, city: () => state.city, showError });

// ---- early warning: hotspot layer, today's warnings with one-click patrols, alert rates, dead letters (earlywarning.js) ----
mountEarlyWarning({ map, districts: () => state.districts, showError });

await ops.start();
document.body.dataset.ready = 'true';
