// Early warning: the hotspot layer (cells where incidents come far more often than chance allows at some hours of
// the week), today's warnings per district with one click to send the nearest free units on patrol there, cameras and
// sensor groups alerting far above their own rate, and the webhook dead letters supervisors retry.
// Self-contained: operator.js only calls mountEarlyWarning.
import L from 'leaflet';
import { t } from './i18n.js';
import { escapeHtml } from './live.js';

const strengthColor = (rr) => (rr >= 8 ? '#7f0000' : rr >= 4 ? '#d7301f' : rr >= 2 ? '#fc8d59' : '#fdcc8a');
// Times in the city's own local time (the hours of a hotspot are local hours), whatever the browser's zone.
let offsetHours = 8;
const time = (iso) => new Date(Date.parse(iso) + offsetHours * 3600_000).toISOString().slice(11, 16);

/**
 * Mounts the layer and panels. `districts()` returns the districts the page follows (null for all); `showError`
 * shows a message; lists refresh every `refreshMs` while the page is visible.
 */
export function mountEarlyWarning({ map, districts, showError, roles = [], refreshMs = 30000 }) {
  // Patrols are commands (operator, supervisor); webhook dead letters are for supervisors and admins.
  const mayPatrol = roles.includes('operator') || roles.includes('supervisor');
  const mayManageExports = roles.includes('supervisor') || roles.includes('admin');
  const $ = (sel) => document.querySelector(sel);
  if (!mayManageExports) $('#exports-panel').hidden = true;
  const renderer = L.canvas({ padding: 0.3 });
  const layer = L.layerGroup();
  const state = { enabled: false, hotspots: null, daily: null, rates: [], exports: null, sent: null };

  function drawHotspots() {
    layer.clearLayers();
    for (const h of state.hotspots?.hotspots ?? []) {
      L.polygon(h.corners, { renderer, color: strengthColor(h.relativeRisk), weight: 2, fillOpacity: 0.35 })
        .bindTooltip(`${escapeHtml(h.hoursLabel)} · ×${h.relativeRisk} · ${h.incidentsPerWeek}/${t('perWeek')}`)
        .addTo(layer);
    }
  }

  function renderDaily() {
    const list = $('#warning-list');
    const districtsShown = state.daily?.districts ?? [];
    list.innerHTML = districtsShown.map((d) => d.warnings.map((w) => `<li class="item" data-hotspot="${escapeHtml(w.hotspotId)}">
        <div><b>${escapeHtml(d.districtName)}</b> ${time(w.from)}–${time(w.until)}
        <br><small>${escapeHtml(w.hoursLabel)} · ×${w.relativeRisk} · q=${w.qValue.toExponential(1)}</small></div>
        ${mayPatrol ? `<button type="button" data-patrol="${escapeHtml(w.hotspotId)}">${t('patrol')}</button>` : ''}</li>`).join('')).join('')
      || `<li class="empty">${t('none')}</li>`;
    $('#warning-summary').textContent = state.hotspots
      ? `${state.hotspots.hotspots.length} ${t('hotspots')} · ${state.hotspots.incidents} ${t('incidentsLayer')} · FDR ${state.hotspots.falseDiscoveryRate}`
      : '…';
    $('#patrol-sent').textContent = state.sent ?? '';
  }

  function renderRates() {
    $('#rate-list').innerHTML = state.rates.map((w) => `<li class="item" data-lat="${w.latitude ?? ''}" data-lon="${w.longitude ?? ''}">
        <b>${escapeHtml(w.name)}</b> <small>${escapeHtml(w.sourceKind)}</small>
        <span class="badge">×${w.rateRatio}</span><br><small>${w.recentAlerts} / ${w.windowMinutes} min (${t('usual')} ${w.expectedAlerts})</small></li>`).join('')
      || `<li class="empty">${t('none')}</li>`;
  }

  function renderExports() {
    const box = $('#dead-letters');
    const e = state.exports;
    if (!e?.enabled) { box.innerHTML = `<small>${t('noWebhooks')}</small>`; return; }
    box.innerHTML = `<small>${t('pending')}: ${e.counts.pending} · ${t('delivered')}: ${e.counts.delivered} · ${t('deadLetters')}: ${e.counts.dead}</small>
      <ul class="list">${e.deadLetters.slice(0, 20).map((d) => `<li class="item"><div><b>${escapeHtml(d.endpoint)}</b> ${escapeHtml(d.event)} ${escapeHtml(d.incidentId)}
        <br><small>${escapeHtml(d.lastError)} (${d.attempts})</small></div><button type="button" data-retry="${d.deliveryId}">${t('retry')}</button></li>`).join('')}</ul>`;
  }

  async function getJson(url) {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    return response.json();
  }

  async function refresh() {
    if (document.hidden) return;
    try {
      const chosen = districts();
      const query = chosen?.length ? `?${chosen.map((d) => `district=${encodeURIComponent(d)}`).join('&')}` : '';
      [state.hotspots, state.daily, state.rates, state.exports] = await Promise.all([
        getJson('/api/early-warning/hotspots'),
        getJson(`/api/early-warning/daily${query}`),
        getJson('/api/early-warning/alert-rates').then((r) => r.warnings),
        mayManageExports ? getJson('/api/exports/dead-letters').catch(() => null) : null,
      ]);
      offsetHours = state.daily?.utcOffsetHours ?? offsetHours;
      if (state.enabled) drawHotspots();
      renderDaily(); renderRates(); renderExports();
    } catch (e) {
      console.warn(e);
    }
  }

  async function post(url, body) {
    const response = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body ?? {}) });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(answer.error ?? `HTTP ${response.status}`);
    return answer;
  }

  $('#hotspot-toggle').addEventListener('change', (e) => {
    state.enabled = e.target.checked;
    if (state.enabled) { layer.addTo(map); drawHotspots(); } else { layer.remove(); }
  });
  $('#warning-list').addEventListener('click', async (e) => {
    const id = e.target.closest('[data-patrol]')?.dataset.patrol;
    if (!id) {
      const li = e.target.closest('[data-hotspot]');
      const h = li && state.hotspots?.hotspots.find((x) => x.hotspotId === li.dataset.hotspot);
      if (h) map.panTo([h.latitude, h.longitude]);
      return;
    }
    try {
      const patrol = await post(`/api/early-warning/hotspots/${encodeURIComponent(id)}/patrol`, {});
      state.sent = `${t('patrolSent')}: ${patrol.directive.unitIds.join(', ')} (${time(patrol.from)}–${time(patrol.until)})`;
      renderDaily();
    } catch (err) {
      showError(err);
    }
  });
  $('#rate-list').addEventListener('click', (e) => {
    const li = e.target.closest('[data-lat]');
    if (li?.dataset.lat) map.panTo([Number(li.dataset.lat), Number(li.dataset.lon)]);
  });
  $('#dead-letters').addEventListener('click', async (e) => {
    const id = e.target.closest('[data-retry]')?.dataset.retry;
    if (!id) return;
    try { await post(`/api/exports/dead-letters/${id}/retry`); await refresh(); } catch (err) { showError(err); }
  });
  $('#lang').addEventListener('click', () => { renderDaily(); renderRates(); renderExports(); });
  document.addEventListener('visibilitychange', () => { if (!document.hidden) refresh(); });

  refresh();
  setInterval(refresh, refreshMs);

  // For tests and for people debugging a console.
  window.dispatchEarlyWarning = { state: () => state, refresh, hotspotShapes: () => layer.getLayers().length, shown: () => map.hasLayer(layer) };
}
