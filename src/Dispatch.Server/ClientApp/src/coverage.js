// Coverage: which parts of the city the available units and stations reach within 1, 3 and 5 minutes on the
// roads (a toggleable map layer), the grids that lost 3-minute coverage, and move-up recommendations that an
// operator accepts with one click (each becomes a patrol directive on the unit's terminal).
// Self-contained: operator.js only calls mountCoverage.
import L from 'leaflet';
import { t } from './i18n.js';
import { escapeHtml } from './live.js';

/** Fill colour of a covered cell by the smallest tier (seconds) that reaches it. */
const cellColors = { 60: '#1a7f37', 180: '#74c476', 300: '#fdd49e' };
const cellColor = (tierSeconds) => cellColors[tierSeconds] ?? '#c7e9c0';
const minutes = (seconds) => `${Math.round(seconds / 60)} ${t('minutesShort')}`;
const percent = (share) => `${Math.round(share * 100)}%`;

/**
 * Mounts the coverage layer and panels. `city()` returns the city GeoJSON the page loaded (for grid outlines);
 * `showError` shows a message; the picture is refreshed every `refreshMs` while the page is visible.
 */
export function mountCoverage({ map, city, showError, refreshMs = 12000 }) {
  const $ = (sel) => document.querySelector(sel);
  const renderer = L.canvas({ padding: 0.3 });
  const layer = L.layerGroup();
  const cells = L.layerGroup().addTo(layer);
  const lostOutlines = L.layerGroup().addTo(layer);
  const moveLines = L.layerGroup().addTo(layer);
  const state = { enabled: false, coverage: null, moveUps: null, loading: false, noRoads: false, sent: null };

  function gridFeature(gridId) {
    return city()?.features.find((f) => f.properties.kind === 'grid' && f.properties.id === gridId);
  }

  function drawCells(c) {
    cells.clearLayers();
    const half = c.cellMeters / 2;
    for (const [lat, lon, tier] of c.cells) {
      const dLat = half / 111195;
      const dLon = half / (111195 * Math.cos((lat * Math.PI) / 180));
      L.rectangle([[lat - dLat, lon - dLon], [lat + dLat, lon + dLon]], {
        renderer, stroke: false, fillColor: cellColor(tier), fillOpacity: 0.45, interactive: false,
      }).addTo(cells);
    }
  }

  function drawLost(c) {
    lostOutlines.clearLayers();
    for (const g of c.lostGrids) {
      const f = gridFeature(g.gridId);
      if (f) L.geoJSON(f, { renderer, style: { color: '#d12f2f', weight: 3, fill: false, dashArray: '6 4' } }).addTo(lostOutlines);
    }
  }

  function drawMoves(m) {
    moveLines.clearLayers();
    for (const move of m?.moves ?? []) {
      L.polyline([[move.fromLatitude, move.fromLongitude], [move.toLatitude, move.toLongitude]], {
        renderer, color: '#1f6fd1', weight: 3, dashArray: '8 6',
      }).bindTooltip(`${escapeHtml(move.callSign)} → ${escapeHtml(move.postName)}`).addTo(moveLines);
    }
  }

  function renderSummary() {
    const box = $('#coverage-summary');
    if (state.noRoads) { box.textContent = t('noRoads'); return; }
    const c = state.coverage;
    if (!c) { box.textContent = '…'; return; }
    const legend = c.tierSeconds.map((s, k) =>
      `<span class="cov-chip" style="background:${cellColor(s)}"></span>${minutes(s)} ${percent(c.cityShare[k])}`).join(' ');
    box.innerHTML = `<div>${t('cityCovered')}: ${legend}</div>
      <small>${t('availableUnitsShort')}: ${c.availableUnits} · ${t('stations')}: ${c.stationsWithResponders} · ${c.computeMilliseconds} ms</small>`;
  }

  function renderLostGrids() {
    const list = $('#coverage-lost');
    const lost = state.coverage?.lostGrids ?? [];
    list.innerHTML = lost.map((g) => `<li class="item" data-grid="${escapeHtml(g.gridId)}">
        <b>${escapeHtml(g.name)}</b> <small>${escapeHtml(g.gridId)}</small>
        <span class="badge">${percent(g.coveredShare)} / ${percent(g.plannedShare)}</span></li>`).join('')
      || `<li class="empty">${t('none')}</li>`;
  }

  function renderMoveUps() {
    const list = $('#moveup-list');
    const moves = state.moveUps?.moves ?? [];
    list.innerHTML = moves.map((m, k) => `<li class="item" data-move="${k}">
        <div><b>${escapeHtml(m.callSign)}</b> <small>${escapeHtml(m.unitId)}</small> → ${escapeHtml(m.postName)}
        <br><small>${t('restores')}: ${m.gridsRestored.map(escapeHtml).join(', ')}</small></div>
        <button type="button" data-accept="${k}">${t('accept')}</button></li>`).join('')
      || `<li class="empty">${t('none')}</li>`;
    $('#moveup-accept-all').hidden = moves.length < 2;
    $('#moveup-sent').textContent = state.sent ? `${t('moveUpSent')}: ${state.sent.join(', ')}` : '';
  }

  function render() { renderSummary(); renderLostGrids(); renderMoveUps(); }

  async function refresh() {
    if (state.loading || state.noRoads || document.hidden) return;
    state.loading = true;
    try {
      // Cells only when the layer is shown: the panel alone needs a few hundred bytes.
      const response = await fetch(`/api/coverage?cells=${state.enabled}`);
      if (response.status === 404) { state.noRoads = true; render(); return; }
      if (!response.ok) throw new Error(`coverage: HTTP ${response.status}`);
      state.coverage = await response.json();
      state.moveUps = state.coverage.lostGrids.length ? await (await fetch('/api/coverage/move-ups')).json() : { moves: [] };
      if (state.enabled) { drawCells(state.coverage); drawLost(state.coverage); drawMoves(state.moveUps); }
      render();
    } catch (e) {
      console.warn(e);
    } finally {
      state.loading = false;
    }
  }

  async function accept(moves) {
    try {
      const response = await fetch('/api/coverage/move-ups/accept', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ moves: moves.map((m) => ({ unitId: m.unitId, postId: m.postId })) }),
      });
      const body = await response.json().catch(() => ({}));
      if (!response.ok) throw new Error(body.error ?? `HTTP ${response.status}`);
      state.sent = moves.map((m) => m.callSign);
      await refresh();
    } catch (e) {
      showError(e);
    }
  }

  $('#coverage-toggle').addEventListener('change', (e) => {
    state.enabled = e.target.checked;
    if (state.enabled) { layer.addTo(map); refresh(); } else { layer.remove(); cells.clearLayers(); }
  });
  $('#coverage-lost').addEventListener('click', (e) => {
    const li = e.target.closest('[data-grid]');
    const f = li && gridFeature(li.dataset.grid);
    if (f) map.fitBounds(L.geoJSON(f).getBounds(), { maxZoom: 15 });
  });
  $('#moveup-list').addEventListener('click', (e) => {
    const k = e.target.closest('[data-accept]')?.dataset.accept;
    const move = k != null ? state.moveUps?.moves[Number(k)] : null;
    if (move) accept([move]);
  });
  $('#moveup-accept-all').addEventListener('click', () => { if (state.moveUps?.moves.length) accept(state.moveUps.moves); });
  $('#lang').addEventListener('click', () => render());
  document.addEventListener('visibilitychange', () => { if (!document.hidden) refresh(); });

  render();
  refresh();
  setInterval(refresh, refreshMs);

  // For tests and for people debugging a console.
  window.dispatchCoverage = {
    state: () => state, refresh, cellCount: () => cells.getLayers().length, shown: () => map.hasLayer(layer),
  };
}
