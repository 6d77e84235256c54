import L from 'leaflet';
import 'leaflet/dist/leaflet.css';
import './pages.css';
import { t, tv, placeName, toggleLanguage, translatePage, onLanguageChange } from './i18n.js';
import { liveConnection, session, statusColors, outcomeColors, tierState, formatSeconds, escapeHtml } from './live.js';
import { mountCoverage } from './coverage.js';
import { mountEarlyWarning } from './earlywarning.js';
import { mountBasemap, basemapStats } from './basemap.js';
import { mapSymbol, moveSymbols, unitShapes, unitLabelZoom } from './symbols.js';
import { mountIncidentList } from './incidentlist.js';
import { mountVideo } from './video.js';
import { mountGridMap } from './gridmap.js';

const $ = (sel) => document.querySelector(sel);
const state = {
  units: new Map(), incidents: new Map(), alerts: new Map(), offline: new Map(), cameraCount: 0, cameraHealth: null,
  serverOffsetMs: 0, districts: null, selected: null, city: null, cameraStates: null, reach: null,
};
const now = () => Date.now() + state.serverOffsetMs;

// ---- map: the road network as the basemap (basemap.js), the city's layers above it ----
const map = L.map('map', { preferCanvas: true, attributionControl: false, zoomSnap: 0.25, maxZoom: 20 });
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
  reach: L.layerGroup().addTo(map), incidents: L.layerGroup().addTo(map), units: L.layerGroup().addTo(map), directive: L.layerGroup().addTo(map),
};
const unitMarkers = new Map();
const cameraMarkers = new Map();
const cameraInfo = new Map();
const incidentShapes = new Map();
const gridLabels = [];
const stationMarkers = [];

// Where each symbol is drawn, named for tests and for people debugging a console.
const cameraColors = { online: '#2e9e44', offline: '#d12f2f', never: '#9aa5b1' };
const cameraClusterZoom = 15;

async function loadCity() {
  const city = await (await fetch('/api/city')).json();
  state.city = city;
  const grids = city.features.filter((f) => f.properties.kind === 'grid');
  L.geoJSON({ type: 'FeatureCollection', features: grids }, {
    style: { color: '#4a6d94', weight: 1.5, fillColor: '#dfe8f2', fillOpacity: 0.08, dashArray: '6 4' },
    interactive: false,
    renderer: canvas,
  }).addTo(layers.grids);
  for (const g of grids) {
    const center = L.geoJSON(g).getBounds().getCenter();
    const marker = L.marker(center, { interactive: false, keyboard: false, icon: L.divIcon({ className: 'grid-label', html: '', iconSize: null }) });
    marker.feature = g;
    marker.addTo(layers.grids);
    gridLabels.push(marker);
  }
  for (const f of city.features) {
    const [lon, lat] = f.geometry.coordinates ?? [];
    if (f.properties.kind === 'station') {
      const m = mapSymbol([lat, lon], { renderer: canvas, symbol: 'station', shape: 'house', radius: 7, color: '#fff', weight: 1.5, fillColor: '#1d3f8f', fillOpacity: 1 });
      m.feature = f;
      m.bindTooltip('').addTo(layers.stations);
      stationMarkers.push(m);
    } else if (f.properties.kind === 'camera') {
      cameraInfo.set(f.properties.id, { lat, lon, name: f.properties.name, nameEn: f.properties.nameEn, headingDeg: f.properties.headingDeg, fovDeg: f.properties.fovDeg });
    }
  }
  renderPlaceNames();
  const bounds = L.geoJSON({ type: 'FeatureCollection', features: grids }).getBounds();
  if (bounds.isValid()) map.fitBounds(bounds, { padding: [10, 10] });
  else map.setView([36.66, 117.0], 12);
  const select = $('#districts');
  for (const g of grids) {
    const o = document.createElement('option');
    o.value = g.properties.id;
    o.dataset.name = g.properties.name; o.dataset.nameEn = g.properties.nameEn ?? '';
    select.append(o);
  }
  renderDistrictOptions();
  drawCameras();
}

/** Names of places in the page's language: grid labels, station tooltips and labels, the districts control. */
function renderPlaceNames() {
  for (const m of gridLabels) {
    const p = m.feature.properties;
    m.setIcon(L.divIcon({ className: 'grid-label', html: `<span>${escapeHtml(placeName(p))}</span>`, iconSize: null }));
  }
  for (const m of stationMarkers) {
    const p = m.feature.properties;
    m.setTooltipContent(escapeHtml(placeName(p)));
    m.options.text = placeName(p);
    m.redraw();
  }
}

function renderDistrictOptions() {
  for (const o of $('#districts').options) {
    if (o.value) o.textContent = placeName({ name: o.dataset.name, nameEn: o.dataset.nameEn || null });
  }
}

/** Labels by zoom: call signs from unitLabelZoom, station names from 15; grid names hide when zoomed far out. */
function applyZoomLabels() {
  const z = map.getZoom();
  map.getContainer().dataset.zoomBand = z >= 15 ? 'street' : z >= 12 ? 'city' : 'region';
  for (const m of unitMarkers.values()) m.setLabelShown(z >= unitLabelZoom);
  for (const m of stationMarkers) m.setLabelShown(z >= 15);
}

// ---- cameras: the city file's, and those gateways registered in their Hello (they come with the snapshot and deltas).
// Their own layer: one symbol each from zoom 15 (a lens towards where it looks, coloured by health), clusters with a
// count below that, so 3,000 cameras do not hide the units. ----
function cameraState(id) {
  if (state.offline.has(id)) return 'offline';
  const known = state.cameraStates;
  if (known?.online.has(id)) return 'online';
  if (known?.offline.has(id)) return 'offline';
  return 'never';
}

function drawCamera(id, lat, lon, name) {
  const known = cameraInfo.get(id);
  if (known && known.lat === lat && known.lon === lon) return;
  cameraInfo.set(id, { ...(known ?? {}), lat, lon, name: name ?? known?.name ?? id });
  drawCamerasSoon();
}

let cameraTimer = null;
function drawCamerasSoon() { if (!cameraTimer) cameraTimer = setTimeout(() => { cameraTimer = null; drawCameras(); }, 200); }

function drawCameras() {
  layers.cameras.clearLayers();
  cameraMarkers.clear();
  if (map.getZoom() >= cameraClusterZoom) {
    for (const [id, c] of cameraInfo) {
      const st = cameraState(id);
      const m = mapSymbol([c.lat, c.lon], {
        renderer: canvas, symbol: 'camera', radius: 3.5, headingDeg: c.headingDeg, fovDeg: c.fovDeg ?? 360,
        color: '#fff', weight: 1, fillColor: cameraColors[st], fillOpacity: 1,
      }).bindTooltip(`${escapeHtml(placeName(c))} · ${t(st === 'never' ? 'neverReported' : st)}`);
      m.cameraState = st;
      m.addTo(layers.cameras);
      cameraMarkers.set(id, m);
    }
    return;
  }
  // Clusters: cameras binned by 110-pixel squares of the current view, each bin one circle with its count.
  const bins = new Map();
  for (const [id, c] of cameraInfo) {
    const p = map.project([c.lat, c.lon], map.getZoom());
    const key = `${Math.floor(p.x / 110)}:${Math.floor(p.y / 110)}`;
    const bin = bins.get(key) ?? { lat: 0, lon: 0, n: 0, offline: 0, online: 0, ids: [] };
    bin.lat += c.lat; bin.lon += c.lon; bin.n += 1; bin.ids.push(id);
    const st = cameraState(id);
    if (st === 'offline') bin.offline += 1; else if (st === 'online') bin.online += 1;
    bins.set(key, bin);
  }
  for (const bin of bins.values()) {
    const m = mapSymbol([bin.lat / bin.n, bin.lon / bin.n], {
      renderer: canvas, symbol: 'cluster', count: bin.n, radius: Math.min(15, 7 + Math.log2(bin.n) * 1.2),
      color: bin.offline ? cameraColors.offline : '#fff', weight: bin.offline ? 2.5 : 1.5, fillColor: '#6d7f94', fillOpacity: 0.75,
    }).bindTooltip(`${bin.n} ${t('camerasClustered')}: ${bin.online} ${t('online')}, ${bin.offline} ${t('offline')}, ${bin.n - bin.online - bin.offline} ${t('neverReported')}`);
    m.cameraIds = bin.ids;
    m.addTo(layers.cameras);
    for (const id of bin.ids) cameraMarkers.set(id, m);
  }
}

// The camera panel shows what GET /api/cameras/health says; a camera change asks again (at most every 2 s).
let healthTimer = null;
function refreshCameraHealthSoon() {
  if (healthTimer) return;
  healthTimer = setTimeout(async () => {
    healthTimer = null;
    try {
      const [health, states] = await Promise.all([
        fetch('/api/cameras/health').then((r) => r.json()),
        fetch('/api/cameras/states').then((r) => r.json()),
      ]);
      state.cameraHealth = health;
      state.offline = new Map(health.offline.map((c) => [c.cameraId, c]));
      state.cameraStates = { online: new Set(states.online), offline: new Set(states.offline) };
      renderCameras();
      drawCameras();
    } catch (e) {
      console.warn('camera health unavailable', e);
    }
  }, state.cameraHealth ? 2000 : 0);
}

// ---- units: shape by kind, colour by status, call sign when zoomed in ----
function drawUnit(u) {
  state.units.set(u.unitId, u);
  let m = unitMarkers.get(u.unitId);
  if (u.latitude == null) { if (m) { m.remove(); unitMarkers.delete(u.unitId); } return; }
  const color = statusColors[u.status] ?? '#000';
  if (!m) {
    m = mapSymbol([u.latitude, u.longitude], {
      renderer: unitCanvas, pane: 'units', interactive: false, symbol: 'unit', shape: unitShapes[u.kind] ?? 'circle', text: u.callSign,
      radius: 5.5, color: '#fff', weight: 1.5, fillColor: color, fillOpacity: 1,
    });
    m.setLabelShown(map.getZoom() >= unitLabelZoom);
    m.addTo(layers.units);
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
    const reason = u.status === 'OutOfService' && u.outOfServiceReason ? ` (${escapeHtml(u.outOfServiceReason)})` : '';
    unitTip.setLatLng(unitMarkers.get(id).getLatLng()).setContent(`${escapeHtml(u.callSign)} · ${t(`units_${(u.kind ?? '').toLowerCase()}`)} · ${t(u.status)}${reason}`);
    if (!map.hasLayer(unitTip)) unitTip.addTo(map);
    map.getContainer().style.cursor = 'pointer';
  });
});
map.on('mouseout', () => unitTip.remove());

function moveUnits(batch) {
  const moves = [];
  for (const p of batch.positions) {
    const u = state.units.get(p.unitId);
    if (!u) continue;
    const m = unitMarkers.get(p.unitId);
    u.latitude = p.latitude; u.longitude = p.longitude;
    // A unit seen for the first time is drawn on its own; the others move together, one redraw for the batch.
    if (m) moves.push([m, p.latitude, p.longitude]); else drawUnit(u);
  }
  moveSymbols(unitCanvas, moves);
}

// ---- incidents: a dot ringed in the colour of their most urgent tier; the selected one shows its reach over the roads ----
const tierRank = { Breached: 4, AtRisk: 3, Pending: 2, Met: 1, NotRequired: 0, Void: 0 };
function worstTier(i) {
  return i.tiers.map((tier) => tierState(tier, now())).sort((a, b) => tierRank[b] - tierRank[a])[0] ?? 'Pending';
}

function drawIncident(i) {
  state.incidents.set(i.incidentId, i);
  const old = incidentShapes.get(i.incidentId);
  if (old) old.remove();
  if (i.status !== 'Open') { incidentShapes.delete(i.incidentId); if (state.reach?.incidentId === i.incidentId) clearReach(); return; }
  const dot = L.circleMarker([i.latitude, i.longitude], {
    renderer: canvas, radius: 8, color: outcomeColors[worstTier(i)], weight: 4, fillColor: '#ff3b30', fillOpacity: 1,
  }).bindTooltip(`${escapeHtml(tv('type', i.type))} P${i.priority}`).on('click', () => select({ kind: 'incident', id: i.incidentId }))
    .addTo(layers.incidents);
  incidentShapes.set(i.incidentId, dot);
}

function refreshRings() {
  for (const [id, dot] of incidentShapes) {
    const i = state.incidents.get(id);
    const color = i && outcomeColors[worstTier(i)];
    if (color && dot.options.color !== color) dot.setStyle({ color });
  }
}

const reachColors = { 60: '#1a7f37', 180: '#74c476', 300: '#fdd49e' };
function clearReach() { layers.reach.clearLayers(); state.reach = null; }
async function showReach(incidentId) {
  if (state.reach?.incidentId === incidentId) return;
  clearReach();
  state.reach = { incidentId, loading: true };
  try {
    const response = await fetch(`/api/incidents/${encodeURIComponent(incidentId)}/reach`);
    if (!response.ok) { state.reach = { incidentId, cells: [] }; return; }
    const reach = await response.json();
    if (state.selected?.id !== incidentId) return;
    state.reach = reach;
    const half = reach.cellMeters / 2;
    for (const [lat, lon, tier] of reach.cells) {
      const dLat = half / 111195; const dLon = half / (111195 * Math.cos((lat * Math.PI) / 180));
      L.rectangle([[lat - dLat, lon - dLon], [lat + dLat, lon + dLon]], {
        renderer: canvas, stroke: false, fillColor: reachColors[tier] ?? '#fdd49e', fillOpacity: 0.22, interactive: false,
      }).addTo(layers.reach);
    }
  } catch (e) {
    console.warn('reach unavailable', e);
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
      return `<span class="tier" style="border-color:${outcomeColors[st]}" title="${escapeHtml(tv('tier', tier.name))}">${escapeHtml(text)}</span>`;
    }).join('');
    return `<li class="item ${state.selected?.id === i.incidentId ? 'selected' : ''}" data-incident="${escapeHtml(i.incidentId)}">
      <b class="prio p${i.priority}">P${i.priority}</b> ${escapeHtml(tv('type', i.type))} <small>${formatSeconds(age)}</small><div>${rings}</div></li>`;
  }).join('') || `<li class="empty">${t('none')}</li>`;
}

function renderAlerts() {
  const list = [...state.alerts.values()].sort((a, b) => Date.parse(b.at) - Date.parse(a.at)).slice(0, 50);
  $('#alerts').innerHTML = list.map((a) => `<li class="item alert ${a.state}" data-alert="${escapeHtml(a.alertId)}">
      ${a.snapshotUrl ? `<img class="thumb" alt="" src="${escapeHtml(a.snapshotUrl)}">` : ''}
      <div><b>${escapeHtml(tv('kind', a.kind))}</b> ${Math.round(a.confidence * 100)}%<br><small>${escapeHtml(a.cameraName)} · ${new Date(a.at).toLocaleTimeString()}</small>
      <br><span class="badge">${t(a.state)}</span></div></li>`).join('') || `<li class="empty">${t('none')}</li>`;
}

function renderUnits() {
  const counts = {};
  for (const u of state.units.values()) counts[u.status] = (counts[u.status] ?? 0) + 1;
  $('#unit-status').innerHTML = Object.keys(statusColors).map((s) =>
    `<li><span class="chip" style="background:${statusColors[s]}"></span>${t(s)} <b data-status-count="${s}">${counts[s] ?? 0}</b></li>`).join('');
}

function renderCameras() {
  const h = state.cameraHealth;
  const total = h?.registeredCameras ?? state.cameraCount;
  const offline = h?.offlineCameras ?? state.offline.size;
  const online = h?.onlineCameras ?? 0;
  const reporting = h?.reportedCameras ?? 0;
  const never = h?.neverReportedCameras ?? Math.max(0, total - reporting);
  const share = h ? h.connectedShare * 100 : 0;
  $('#camera-health').innerHTML = `<div class="big">${share.toFixed(1)}% ${t('connectedShare')}</div>
    <table class="counts"><tr><td>${t('registered')}</td><td data-camera-count="registered">${total}</td></tr>
    <tr><td>${t('reporting')}</td><td data-camera-count="reporting">${reporting}</td></tr>
    <tr><td><span class="chip" style="background:${cameraColors.online}"></span>${t('online')}</td><td data-camera-count="online">${online}</td></tr>
    <tr><td><span class="chip" style="background:${cameraColors.offline}"></span>${t('offline')}</td><td data-camera-count="offline">${offline}</td></tr>
    <tr><td><span class="chip" style="background:${cameraColors.never}"></span>${t('neverReported')}</td><td data-camera-count="never">${never}</td></tr></table>
    <ul class="offline">${[...state.offline.keys()].slice(0, 30).map((id) => `<li>${escapeHtml(placeName(cameraInfo.get(id) ?? { name: id }))} <small>${escapeHtml(id)}</small></li>`).join('')}</ul>`;
}

/**
 * Compliance per district (rows) and tier (columns): met / decided (met or breached), "no data" until a tier is met or
 * missed. Today from the live board, second by second; another day from GET /api/compliance (the incidents' own records).
 */
const localDay = (ms) => new Date(ms).toLocaleDateString('sv-SE');
let pastCompliance = null;
function renderCompliance() {
  const chosen = $('#compliance-date').value;
  if (chosen && chosen !== localDay(now())) { renderComplianceTable(pastCompliance?.date === chosen ? pastCompliance.rows : null); return; }
  const startOfDay = new Date(now()); startOfDay.setHours(0, 0, 0, 0);
  const rows = new Map();
  for (const i of state.incidents.values()) {
    if (Date.parse(i.createdAt) < startOfDay.getTime()) continue;
    const district = i.gridId ?? '';
    const row = rows.get(district) ?? new Map();
    for (const tier of i.tiers) {
      const st = tierState(tier, now());
      const cell = row.get(tier.name) ?? { met: 0, breached: 0 };
      if (st === 'Met') cell.met += 1; else if (st === 'Breached') cell.breached += 1;
      row.set(tier.name, cell);
    }
    rows.set(district, row);
  }
  renderComplianceTable(rows);
}

async function loadPastCompliance(date) {
  const districts = state.districts?.map((d) => `&district=${encodeURIComponent(d)}`).join('') ?? '';
  try {
    const response = await fetch(`/api/compliance?date=${encodeURIComponent(date)}${districts}`);
    const body = await response.json();
    if (!response.ok) throw new Error(body.error ?? `HTTP ${response.status}`);
    const rows = new Map(body.districts.map((d) => [d.district?.id ?? '', new Map(d.tiers.map((x) => [x.tier, { met: x.met, breached: x.breached }]))]));
    pastCompliance = { date, rows };
    renderCompliance();
  } catch (e) {
    showError(e);
  }
}

function renderComplianceTable(rows) {
  if (!rows) { $('#compliance').innerHTML = '…'; return; }
  const tiers = [];
  for (const row of rows.values()) for (const name of row.keys()) if (!tiers.includes(name)) tiers.push(name);
  const decided = [...rows.values()].some((row) => [...row.values()].some((c) => c.met + c.breached > 0));
  if (!decided) { $('#compliance').innerHTML = `<p class="empty" data-compliance="none">${t('noComplianceData')}</p>`; return; }
  const totals = new Map();
  for (const row of rows.values()) {
    for (const [name, c] of row) { const x = totals.get(name) ?? { met: 0, breached: 0 }; x.met += c.met; x.breached += c.breached; totals.set(name, x); }
  }
  const cellHtml = (c) => (c && c.met + c.breached
    ? `<b>${Math.round((100 * c.met) / (c.met + c.breached))}%</b> <small>${c.met}/${c.met + c.breached}</small>`
    : '<small>–</small>');
  const grids = new Map((state.city?.features ?? []).filter((f) => f.properties.kind === 'grid').map((f) => [f.properties.id, f.properties]));
  const body = [...rows].sort(([a], [b]) => a.localeCompare(b)).map(([district, row]) =>
    `<tr data-district="${escapeHtml(district)}"><th>${escapeHtml(grids.get(district) ? placeName(grids.get(district)) : district || '—')}</th>${tiers.map((n) => `<td>${cellHtml(row.get(n))}</td>`).join('')}</tr>`).join('');
  $('#compliance').innerHTML = `<table class="compliance"><thead><tr><th>${t('district')}</th>${tiers.map((n) => `<th>${escapeHtml(tv('tier', n))}</th>`).join('')}</tr></thead>
    <tbody>${body}</tbody><tfoot><tr data-district="*"><th>${t('allTiers')}</th>${tiers.map((n) => `<td>${cellHtml(totals.get(n))}</td>`).join('')}</tr></tfoot></table>`;
}

$('#compliance-date').addEventListener('change', () => {
  const chosen = $('#compliance-date').value;
  if (chosen && chosen !== localDay(now())) loadPastCompliance(chosen);
  renderCompliance();
});

// ---- selection and actions ----
function select(sel) {
  state.selected = sel;
  if (sel?.kind === 'incident') showReach(sel.id); else clearReach();
  renderDetail(); renderQueue();
  video.show(sel);
}
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
    box.innerHTML = `<h3>${escapeHtml(tv('kind', a.kind))} · ${escapeHtml(placeName(cameraInfo.get(a.cameraId) ?? { name: a.cameraName }))}</h3>
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
    $('#nearest').innerHTML = cams.map((c) => `<li>${escapeHtml(placeName(cameraInfo.get(c.cameraId) ?? { name: c.name }))} · ${Math.round(c.distanceMeters)} m ${c.online ? '' : `(${t('offline')})`}</li>`).join('');
    return;
  }
  const i = state.incidents.get(sel.id);
  if (!i) { box.innerHTML = '…'; return; }
  const active = (a) => ['Dispatched', 'Acknowledged', 'EnRoute', 'OnScene'].includes(a.state);
  const assigned = i.assignments.map((a) => `<li>${escapeHtml(state.units.get(a.unitId)?.callSign ?? a.unitId)} · ${escapeHtml(tv('tier', a.tierName))} · ${escapeHtml(tv('status', a.state))}
      ${i.status === 'Open' && active(a) ? `<button data-unassign="${escapeHtml(a.unitId)}">${t('unassign')}</button>` : ''}</li>`).join('');
  const candidates = nearestAvailable(i.latitude, i.longitude, 10)
    .map((u) => `<option value="${escapeHtml(u.unitId)}">${escapeHtml(u.callSign)} (${escapeHtml(u.unitId)})</option>`).join('');
  const stationWaiting = i.status === 'Open' && i.tiers.some((tier) => tier.kind === 'StationResponders' && tier.stationResponders > 0 && !tier.firstArrivalAt);
  const grid = (state.city?.features ?? []).find((f) => f.properties.kind === 'grid' && f.properties.id === i.gridId);
  const dispositions = ['resolved', 'false alarm', 'no offence', 'referred', 'arrested'];
  box.innerHTML = `<h3><b class="prio p${i.priority}">P${i.priority}</b> ${escapeHtml(tv('type', i.type))} <small>${escapeHtml(tv('source', i.source))}</small></h3>
    <p>${escapeHtml(i.description)}</p><p><small>${grid ? escapeHtml(placeName(grid.properties)) : ''} · ${new Date(i.createdAt).toLocaleTimeString()}</small></p>
    <ul class="tiers">${i.tiers.map((tier) => `<li style="color:${outcomeColors[tierState(tier, now())]}">${escapeHtml(tv('tier', tier.name))} · ${tier.requested} · ${escapeHtml(t(tierState(tier, now()).charAt(0).toLowerCase() + tierState(tier, now()).slice(1)))}</li>`).join('')}</ul>
    <ul>${assigned}</ul>
    <p class="reach-help"><small>${t('reachHelp')}</small></p>
    ${i.status === 'Open' ? `${stationWaiting ? `<div class="actions"><button id="station-on-scene">${t('stationOnScene')}</button></div>` : ''}
    <div class="actions"><select id="assign-unit">${candidates}</select><button id="assign">${t('assign')}</button></div>
    <div class="actions"><select id="reassign-from">${i.assignments.filter(active).map((a) => `<option>${escapeHtml(a.unitId)}</option>`).join('')}</select>→<select id="reassign-to">${candidates}</select><button id="reassign">${t('reassign')}</button></div>
    <div class="actions"><select id="disposition">${dispositions.map((d) => `<option value="${escapeHtml(d)}">${escapeHtml(tv('disposition', d))}</option>`).join('')}</select><button id="close">${t('close')}</button></div>`
    : `<p>${escapeHtml(tv('status', i.status))} ${escapeHtml(tv('disposition', i.disposition ?? ''))}</p>`}`;
  $('#assign')?.addEventListener('click', () => call('Assign', i.incidentId, $('#assign-unit').value, null));
  $('#reassign')?.addEventListener('click', () => call('Reassign', i.incidentId, $('#reassign-from').value, $('#reassign-to').value));
  $('#close')?.addEventListener('click', () => call('Close', i.incidentId, $('#disposition').value || 'resolved'));
  $('#station-on-scene')?.addEventListener('click', () => call('ReportStationOnScene', i.incidentId));
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
    for (const dot of incidentShapes.values()) dot.remove();
    incidentShapes.clear(); state.incidents.clear(); state.alerts.clear(); state.offline.clear();
    s.units.forEach(drawUnit);
    s.incidents.forEach(drawIncident);
    s.alerts.forEach((a) => state.alerts.set(a.alertId, a));
    s.offlineCameras.forEach((c) => state.offline.set(c.cameraId, c));
    s.cameras.forEach((c) => drawCamera(c.cameraId, c.latitude, c.longitude, c.name));
    drawCamerasSoon();
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
  drawCamerasSoon();
  refreshCameraHealthSoon();
});

let detailTimer = null;
function renderDetailSoon() { clearTimeout(detailTimer); detailTimer = setTimeout(renderDetail, 100); }
function renderAll() { renderQueue(); renderAlerts(); renderUnits(); renderCameras(); renderCompliance(); renderDetail(); }

$('#districts').addEventListener('change', async () => {
  const chosen = $('#districts').value;
  state.districts = chosen ? [chosen] : null;
  await ops.sync();
});
$('#lang').addEventListener('click', () => toggleLanguage());
onLanguageChange(() => { translatePage(); renderPlaceNames(); renderDistrictOptions(); drawCameras(); queueKey = ''; renderAll(); });
map.on('zoomend', () => { applyZoomLabels(); drawCameras(); });

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
  cameraLatLng: (id) => { const c = cameraInfo.get(id); return c ? L.latLng(c.lat, c.lon) : undefined; },
  /** What the map draws for a unit or a camera: its symbol, shape and fill. */
  unitSymbol: (id) => { const m = unitMarkers.get(id); return m && { symbol: m.options.symbol, shape: m.options.shape, fill: m.options.fillColor, label: !!m._showLabel }; },
  cameraSymbol: (id) => { const m = cameraMarkers.get(id); return m && { symbol: m.options.symbol, count: m.options.count ?? 1, fill: m.options.fillColor, state: m.cameraState ?? null }; },
  cameraLayerShown: () => map.hasLayer(layers.cameras),
  reach: () => state.reach,
  basemap: () => basemapStats,
  zoomTo: (lat, lon, zoom) => new Promise((resolve) => { map.once('moveend', () => resolve()); map.setView([lat, lon], zoom, { animate: false }); }),
  map,
  select,
  video,
};

translatePage();
const me = await session();
await mountBasemap(map);
await loadCity();
applyZoomLabels();

// The layers, cameras among them, each toggled on its own; named in the page's language.
let layerControl = null;
function renderLayerControl() {
  layerControl?.remove();
  layerControl = L.control.layers(null, {
    [t('grids')]: layers.grids, [t('stationsLayer')]: layers.stations, [t('camerasLayer')]: layers.cameras,
    [t('incidentsLayer')]: layers.incidents, [t('unitsLayer')]: layers.units,
  }, { collapsed: true }).addTo(map);
}
renderLayerControl();
onLanguageChange(renderLayerControl);

// ---- incident list: the incident table searched by day, hours, district, status, type and priority (incidentlist.js) ----
mountIncidentList({ city: () => state.city, showError, onPick: (id, item) => { map.setView([item.latitude, item.longitude], Math.max(map.getZoom(), 15)); select({ kind: 'incident', id }); } });

// ---- coverage layer, grids without 3-minute coverage, move-ups (coverage.js) ----
mountCoverage({ map, city: () => state.city, showError });

// ---- early warning: hotspot layer, today's warnings with one-click patrols, alert rates, dead letters (earlywarning.js) ----
mountEarlyWarning({ map, districts: () => state.districts, showError, roles: me.roles ?? [] });

// ---- grid events as their own layer and the safety index as a choropleth (gridmap.js) ----
mountGridMap({ map, city: () => state.city, roles: me.roles ?? [], showError });

await ops.start();
document.body.dataset.ready = 'true';
