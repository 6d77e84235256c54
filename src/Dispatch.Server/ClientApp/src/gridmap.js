// Grid events and the safety index on the operator map: open grid events as their own layer (pushed live over
// /hubs/grid-events, the time limit counting down in the popup), and the safety index as a choropleth per grid and per
// district (GET /api/index, the last seven days) with a legend. Each layer has its own toggle. Role-aware: only what
// the signed-in role may read is fetched (grid events: viewer, operator, supervisor; the index: those and admin).
// Self-contained: operator.js only calls mountGridMap.
import L from 'leaflet';
import './gridmap.css';
import { currentLanguage, onLanguageChange } from './i18n.js';
import { liveConnection, escapeHtml } from './live.js';

const words = {
  en: {
    gridEvents: 'Grid events', indexByGrid: 'Safety index by grid', indexByDistrict: 'Safety index by district', legend: 'Safety index (last 7 days)',
    noData: 'no data', state: 'State', category: 'Category', department: 'Department', timeLeft: 'Time left', overdueBy: 'Overdue by',
    open: 'Open in the grid event queue', index: 'Safety index', reported: 'reported', accepted: 'accepted', assigned: 'assigned',
    'in-progress': 'in progress', escalated: 'escalated', resolved: 'resolved', rated: 'rated', closed: 'closed', rejected: 'rejected',
  },
  zh: {
    gridEvents: '网格事件', indexByGrid: '平安指数(网格)', indexByDistrict: '平安指数(区县)', legend: '平安指数(近7天)',
    noData: '无数据', state: '状态', category: '类别', department: '部门', timeLeft: '剩余时间', overdueBy: '已超时',
    open: '在网格事件列表中打开', index: '平安指数', reported: '已上报', accepted: '已受理', assigned: '已派单',
    'in-progress': '处理中', escalated: '已升级', resolved: '已办结', rated: '已评价', closed: '已关闭', rejected: '已驳回',
  },
};
const w = (key) => (words[currentLanguage()] ?? words.en)[key] ?? words.en[key] ?? key;

/** The legend's bands: an index at or above the first figure takes its colour (docs/safety-index.md). */
export const indexBands = [[90, '#1a9850'], [80, '#91cf60'], [70, '#d9ef8b'], [60, '#fee08b'], [50, '#fc8d59'], [0, '#d73027']];
export const noIndexColor = '#bdbdbd';
export function indexColor(index) {
  if (index == null || Number.isNaN(index)) return noIndexColor;
  return (indexBands.find(([min]) => index >= min) ?? indexBands[indexBands.length - 1])[1];
}

const openStates = new Set(['reported', 'accepted', 'assigned', 'in-progress', 'escalated']);
const stateColors = { reported: '#1f6fd1', accepted: '#20a0a0', assigned: '#8a3fd1', 'in-progress': '#f0a020', escalated: '#b4002d' };

/** "1:02:03" (or "2:03" under an hour) from seconds, sign dropped. */
function duration(seconds) {
  const s = Math.abs(Math.round(seconds));
  const h = Math.floor(s / 3600); const m = Math.floor((s % 3600) / 60); const r = s % 60;
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(r).padStart(2, '0')}` : `${m}:${String(r).padStart(2, '0')}`;
}

/**
 * Mounts the layers and their control. `city()` returns the city GeoJSON the page loaded; `roles` the signed-in
 * roles; `showError` shows a message; the index refreshes every `indexRefreshMs` while a choropleth is shown.
 */
export function mountGridMap({ map, city, roles = [], showError = () => {}, indexRefreshMs = 60000 }) {
  const readsEvents = ['viewer', 'operator', 'supervisor'].some((r) => roles.includes(r));
  const readsIndex = ['viewer', 'operator', 'supervisor', 'admin'].some((r) => roles.includes(r));
  const state = { events: new Map(), markers: new Map(), serverOffsetMs: 0, index: null, gridShapes: new Map(), districtShapes: new Map(), connection: 'off' };
  const now = () => Date.now() + state.serverOffsetMs;

  // Grid events are small markers of their own (elements, so they take clicks without covering the canvases of the
  // other layers); the choropleth lies under everything drawn on the map and takes no clicks.
  map.createPane('choropleth');
  map.getPane('choropleth').style.zIndex = 350;
  map.getPane('choropleth').style.pointerEvents = 'none';
  const choroplethRenderer = L.canvas({ padding: 0.3, pane: 'choropleth' });
  const layers = { events: L.layerGroup(), byGrid: L.layerGroup(), byDistrict: L.layerGroup() };

  // ---- grid events ----
  function popupHtml(e) {
    const left = (Date.parse(e.dueAt) - now()) / 1000;
    const overdue = e.overdue || left <= 0;
    return `<div class="grid-event-popup" data-event="${escapeHtml(e.eventId)}" data-state="${escapeHtml(e.state)}">
      <b>${escapeHtml(e.eventId)}</b> · ${escapeHtml(e.categoryName)}
      <dl><dt>${w('state')}</dt><dd class="ge-state">${escapeHtml(w(e.state))}</dd>
      <dt>${w('category')}</dt><dd class="ge-category">${escapeHtml(e.categoryName)}</dd>
      <dt>${w('department')}</dt><dd class="ge-department">${escapeHtml(e.departmentName)}</dd>
      <dt>${overdue ? w('overdueBy') : w('timeLeft')}</dt><dd class="ge-sla ${overdue ? 'overdue' : ''}">${duration(left)}</dd></dl>
      <small>${escapeHtml(e.text)}</small><br>
      <a class="ge-link" href="/grid.html?event=${encodeURIComponent(e.eventId)}" target="_blank" rel="noopener">${w('open')}</a></div>`;
  }

  function drawEvent(e) {
    let m = state.markers.get(e.eventId);
    if (!openStates.has(e.state)) {
      if (m) { m.remove(); state.markers.delete(e.eventId); }
      state.events.delete(e.eventId);
      return;
    }
    state.events.set(e.eventId, e);
    const fill = stateColors[e.state] ?? '#555555';
    const icon = L.divIcon({
      className: `ge-marker${e.overdue ? ' overdue' : ''}`, iconSize: [14, 14],
      html: `<span data-event="${escapeHtml(e.eventId)}" data-state="${escapeHtml(e.state)}" data-fill="${fill}" style="background:${fill}"></span>`,
    });
    if (!m) {
      m = L.marker([e.latitude, e.longitude], { icon, keyboard: false, title: `${e.eventId} · ${e.categoryName}` })
        .bindPopup(() => popupHtml(state.events.get(m.eventId)), { className: 'grid-event' });
      m.eventId = e.eventId;
      m.fill = fill;
      m.addTo(layers.events);
      state.markers.set(e.eventId, m);
    } else {
      m.setLatLng([e.latitude, e.longitude]);
      m.setIcon(icon);
      m.fill = fill;
      if (m.isPopupOpen()) m.setPopupContent(popupHtml(e));
    }
  }

  function upsert(e) {
    const known = state.events.get(e.eventId);
    if (known && known.version > e.version) return; // An older step arriving late.
    drawEvent(e);
  }

  // The open popup's countdown ticks in place.
  setInterval(() => {
    for (const m of state.markers.values()) {
      if (!m.isPopupOpen()) continue;
      const e = state.events.get(m.eventId);
      const el = m.getPopup().getElement()?.querySelector('.ge-sla');
      if (!e || !el) continue;
      const left = (Date.parse(e.dueAt) - now()) / 1000;
      el.textContent = duration(left);
      if (left <= 0 && !el.classList.contains('overdue')) m.setPopupContent(popupHtml(e));
    }
  }, 1000);

  let live = null;
  function connectEvents() {
    live = liveConnection('/hubs/grid-events', {
      resync: (c) => c.invoke('Subscribe'),
      onSnapshot: (s) => {
        state.serverOffsetMs = Date.parse(s.serverTime) - Date.now();
        for (const m of state.markers.values()) m.remove();
        state.markers.clear(); state.events.clear();
        s.events.forEach(drawEvent);
        document.body.dataset.gridEventsSeq = s.seq;
      },
      onState: (st) => { state.connection = st; document.body.dataset.gridEvents = st; },
    });
    live.on('GridEventChanged', (d) => upsert(d.item));
    live.start();
  }

  // ---- safety index choropleth ----
  const indexFigures = () => {
    const grids = new Map(); const districts = new Map();
    for (const { district } of state.index?.districts ?? []) {
      districts.set(district.districtId, { index: district.overall.score.index, name: district.name });
      for (const g of district.grids) grids.set(g.gridId, { index: g.overall.score.index, name: g.name });
    }
    return { grids, districts };
  };
  const fixed = (x) => (x == null ? w('noData') : Number(x).toFixed(1));

  function drawIndex() {
    layers.byGrid.clearLayers(); layers.byDistrict.clearLayers();
    state.gridShapes.clear(); state.districtShapes.clear();
    if (!state.index) return;
    const { grids, districts } = indexFigures();
    for (const f of (city()?.features ?? []).filter((x) => x.properties.kind === 'grid')) {
      const p = f.properties;
      const districtId = p.district ?? p.id;
      const g = grids.get(p.id); const d = districts.get(districtId);
      const gridShape = L.geoJSON(f, {
        renderer: choroplethRenderer, pane: 'choropleth', interactive: false,
        style: { color: '#4d4d4d', weight: 0.8, fillColor: indexColor(g?.index), fillOpacity: 0.45 },
      });
      gridShape.addTo(layers.byGrid);
      state.gridShapes.set(p.id, gridShape);
      // A district is drawn as its grids without the lines between them, in the district's colour.
      const districtShape = L.geoJSON(f, {
        renderer: choroplethRenderer, pane: 'choropleth', interactive: false,
        style: { stroke: false, fillColor: indexColor(d?.index), fillOpacity: 0.45 },
      });
      districtShape.addTo(layers.byDistrict);
      if (!state.districtShapes.has(districtId)) state.districtShapes.set(districtId, []);
      state.districtShapes.get(districtId).push(districtShape);
    }
    document.body.dataset.indexDrawn = String(Number(document.body.dataset.indexDrawn ?? 0) + 1);
  }

  let indexTimer = null;
  async function loadIndex() {
    try {
      const response = await fetch('/api/index', { credentials: 'same-origin' });
      const body = await response.json().catch(() => ({}));
      if (!response.ok) throw new Error(body.error ?? `/api/index: HTTP ${response.status}`);
      state.index = body;
      drawIndex();
      renderLegend();
    } catch (e) {
      showError(e);
    }
  }
  function indexShown() { return map.hasLayer(layers.byGrid) || map.hasLayer(layers.byDistrict); }
  function followIndex() {
    clearInterval(indexTimer);
    indexTimer = null;
    if (!indexShown()) return;
    loadIndex();
    indexTimer = setInterval(() => { if (!document.hidden) loadIndex(); }, indexRefreshMs);
  }

  // ---- the control: a toggle per layer and the legend ----
  const control = L.control({ position: 'bottomleft' });
  let box = null;
  control.onAdd = () => {
    box = L.DomUtil.create('div', 'grid-map-control leaflet-bar');
    L.DomEvent.disableClickPropagation(box);
    L.DomEvent.disableScrollPropagation(box);
    render();
    return box;
  };
  function render() {
    if (!box) return;
    const checked = (layer) => (map.hasLayer(layer) ? 'checked' : '');
    box.innerHTML = `${readsEvents ? `<label><input type="checkbox" id="grid-events-toggle" ${checked(layers.events)}> ${w('gridEvents')}</label>` : ''}
      ${readsIndex ? `<label><input type="checkbox" id="index-grid-toggle" ${checked(layers.byGrid)}> ${w('indexByGrid')}</label>
      <label><input type="checkbox" id="index-district-toggle" ${checked(layers.byDistrict)}> ${w('indexByDistrict')}</label>
      <div id="index-legend" hidden><b>${w('legend')}</b>
        ${indexBands.map(([min, color], i) => `<div class="band"><i style="background:${color}"></i>${min}${i === 0 ? '–100' : `–${indexBands[i - 1][0]}`}</div>`).join('')}
        <div class="band"><i style="background:${noIndexColor}"></i>${w('noData')}</div>
        <ol class="districts"></ol></div>` : ''}`;
    const toggle = (id, layer, after) => box.querySelector(id)?.addEventListener('change', (e) => {
      if (e.target.checked) layer.addTo(map); else layer.remove();
      after?.();
      renderLegend();
    });
    toggle('#grid-events-toggle', layers.events);
    toggle('#index-grid-toggle', layers.byGrid, followIndex);
    toggle('#index-district-toggle', layers.byDistrict, followIndex);
    renderLegend();
  }

  /** The legend: shown with either choropleth, the districts best first with their figures. */
  function renderLegend() {
    const legend = box?.querySelector('#index-legend');
    if (!legend) return;
    legend.hidden = !indexShown();
    legend.querySelector('ol.districts').innerHTML = (state.index?.districts ?? []).map(({ district }) => `<li data-district="${escapeHtml(district.districtId)}">
      <i style="background:${indexColor(district.overall.score.index)}"></i>${escapeHtml(district.name)} <b>${fixed(district.overall.score.index)}</b></li>`).join('');
  }

  if (!readsEvents && !readsIndex) return null;
  if (readsEvents) { layers.events.addTo(map); connectEvents(); }
  control.addTo(map);
  onLanguageChange(() => { render(); if (state.index) drawIndex(); });

  // For tests and for people debugging a console.
  const api = {
    event: (id) => state.events.get(id),
    eventStyle: (id) => { const m = state.markers.get(id); return m && { fill: m.fill, overdue: !!state.events.get(id)?.overdue }; },
    eventPagePoint: (id) => {
      const m = state.markers.get(id);
      if (!m) return null;
      const p = map.latLngToContainerPoint(m.getLatLng());
      const r = map.getContainer().getBoundingClientRect();
      return { x: r.left + p.x, y: r.top + p.y };
    },
    openPopup: (id) => state.markers.get(id)?.openPopup(),
    gridFill: (id) => state.gridShapes.get(id)?.getLayers()[0]?.options.fillColor ?? null,
    districtFills: (id) => (state.districtShapes.get(id) ?? []).map((s) => s.getLayers()[0]?.options.fillColor),
    index: () => state.index,
    indexColor,
    shown: () => ({ events: map.hasLayer(layers.events), byGrid: map.hasLayer(layers.byGrid), byDistrict: map.hasLayer(layers.byDistrict) }),
    connection: () => state.connection,
  };
  window.dispatchGridMap = api;
  return api;
}
