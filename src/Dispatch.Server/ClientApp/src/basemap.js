// The basemap, offline by default: the host's road network cut into tiles (GET /api/basemap/roads/{z}/{x}/{y}), drawn
// by class on canvas tiles with street names along the roads when zoomed in; beneath it, raster tiles when the host is
// configured with some (Dispatch:Basemap:TileUrl or TileFile). Tiles are drawn once and kept by Leaflet, so moving
// units never redraw the streets.
import L from 'leaflet';
import { currentLanguage, onLanguageChange } from './i18n.js';

// Drawing order and style per OSM class: casing colour, fill colour, width in pixels at zoom 16 (scaled by zoom).
const styles = {
  motorway: { casing: '#c24e6b', fill: '#e892a2', width: 9, order: 9 },
  trunk: { casing: '#c06b3d', fill: '#f9b29c', width: 8.5, order: 8 },
  primary: { casing: '#a8743a', fill: '#fcd6a4', width: 8, order: 7 },
  secondary: { casing: '#8f8f3a', fill: '#f7fabf', width: 7, order: 6 },
  tertiary: { casing: '#9a9a9a', fill: '#ffffff', width: 6, order: 5 },
  unclassified: { casing: '#b0b0b0', fill: '#ffffff', width: 4.5, order: 4 },
  residential: { casing: '#b0b0b0', fill: '#ffffff', width: 4.5, order: 4 },
  living_street: { casing: '#b0b0b0', fill: '#ededed', width: 4, order: 4 },
  service: { casing: '#bbbbbb', fill: '#ffffff', width: 2.5, order: 3 },
  track: { casing: null, fill: '#a87b3a', width: 1.5, order: 2, dash: [4, 3] },
  cycleway: { casing: null, fill: '#4a6fe3', width: 1.2, order: 1, dash: [3, 3] },
  pedestrian: { casing: '#b8b8b8', fill: '#ececf3', width: 3.5, order: 2 },
  footway: { casing: null, fill: '#e3705a', width: 1.2, order: 1, dash: [2, 3] },
  path: { casing: null, fill: '#d26b5a', width: 1, order: 1, dash: [2, 3] },
  steps: { casing: null, fill: '#e3705a', width: 2, order: 1, dash: [1, 2] },
};
const labelZoom = 15;

/** The part of segment (x0,y0)-(x1,y1) inside the square [lo, hi]², or null (Liang-Barsky). */
function clip(x0, y0, x1, y1, lo, hi) {
  let t0 = 0; let t1 = 1;
  const dx = x1 - x0; const dy = y1 - y0;
  for (const [p, q] of [[-dx, x0 - lo], [dx, hi - x0], [-dy, y0 - lo], [dy, hi - y0]]) {
    if (p === 0) { if (q < 0) return null; continue; }
    const r = q / p;
    if (p < 0) { if (r > t1) return null; if (r > t0) t0 = r; } else { if (r < t0) return null; if (r < t1) t1 = r; }
  }
  return { x0: x0 + t0 * dx, y0: y0 + t0 * dy, x1: x0 + t1 * dx, y1: y0 + t1 * dy };
}

const widthAt = (base, zoom) => Math.max(0.6, base * 2 ** ((zoom - 16) * 0.55));

/** Statistics of what the basemap drew, per zoom: for tests and for people debugging a console. */
export const basemapStats = { tiles: 0, lines: 0, labels: 0, byZoom: {}, failed: 0 };

const RoadLayer = L.GridLayer.extend({
  createTile(coords, done) {
    const tile = document.createElement('canvas');
    const size = this.getTileSize();
    const ratio = window.devicePixelRatio || 1;
    tile.width = size.x * ratio; tile.height = size.y * ratio;
    const url = this.options.tileUrl.replace('{z}', coords.z).replace('{x}', coords.x).replace('{y}', coords.y);
    const controller = new AbortController();
    tile._abort = () => controller.abort();
    fetch(url, { signal: controller.signal })
      .then((r) => { if (!r.ok) throw new Error(`road tile ${url}: HTTP ${r.status}`); return r.json(); })
      .then((data) => { tile._road = { data, zoom: coords.z, ratio, size: size.x }; this._draw(tile, data, coords.z, ratio, size.x); done(null, tile); })
      .catch((e) => { if (e.name !== 'AbortError') { basemapStats.failed += 1; console.warn(e); } done(e, tile); });
    return tile;
  },

  /** Draws every loaded tile again from the data it keeps (street names in the new language), without fetching. */
  relabel() {
    for (const { el } of Object.values(this._tiles)) {
      if (!el._road) continue;
      const { data, zoom, ratio, size } = el._road;
      el.getContext('2d').setTransform(1, 0, 0, 1, 0, 0);
      el.getContext('2d').clearRect(0, 0, el.width, el.height);
      this._draw(el, data, zoom, ratio, size, true);
    }
  },

  _draw(tile, data, zoom, ratio, sizePx, again) {
    const ctx = tile.getContext('2d');
    const k = (sizePx * ratio) / data.extent;
    ctx.setTransform(k, 0, 0, k, 0, 0);
    ctx.lineCap = 'round'; ctx.lineJoin = 'round';
    const unit = data.extent / sizePx; // tile units per pixel
    const lines = data.lines.map((l) => ({ cls: data.classes[l[0]], name: l[1], pts: l.slice(2) }))
      .sort((a, b) => (styles[a.cls]?.order ?? 0) - (styles[b.cls]?.order ?? 0));
    const path = (pts) => { ctx.beginPath(); ctx.moveTo(pts[0], pts[1]); for (let i = 2; i < pts.length; i += 2) ctx.lineTo(pts[i], pts[i + 1]); };
    // Casings first, then fills, so crossings read as junctions.
    for (const pass of ['casing', 'fill']) {
      for (const l of lines) {
        const s = styles[l.cls] ?? styles.residential;
        const w = widthAt(s.width, zoom);
        // Thin roads far out are one grey stroke: a white fill inside a hairline casing would vanish.
        const thin = w < 2.2 && s.casing;
        if (pass === 'casing' && (!s.casing || thin)) continue;
        ctx.strokeStyle = pass === 'casing' ? s.casing : thin ? '#d2d2d2' : s.fill;
        ctx.lineWidth = (pass === 'casing' ? w + 1.6 : w) * unit;
        ctx.setLineDash(s.dash && pass === 'fill' ? s.dash.map((d) => d * unit) : []);
        path(l.pts); ctx.stroke();
      }
    }
    ctx.setLineDash([]);
    let labels = 0;
    if (zoom >= labelZoom) labels = this._labels(ctx, data, lines, unit, zoom);
    if (again) return;
    const stats = basemapStats.byZoom[zoom] ?? (basemapStats.byZoom[zoom] = { tiles: 0, lines: 0, labels: 0 });
    stats.tiles += 1; stats.lines += lines.length; stats.labels += labels;
    basemapStats.tiles += 1; basemapStats.lines += lines.length; basemapStats.labels += labels;
  },

  /** Each named road once per tile, along its longest piece inside the tile, upright, only where the name fits. */
  _labels(ctx, data, lines, unit, zoom) {
    const english = currentLanguage() === 'en';
    const seen = new Set();
    let count = 0;
    ctx.font = `${(zoom >= 17 ? 12 : 11) * unit}px system-ui, "Noto Sans CJK SC", sans-serif`;
    ctx.textAlign = 'center'; ctx.textBaseline = 'middle';
    for (const l of lines) {
      if (l.name < 0 || seen.has(l.name)) continue;
      const [zh, en] = data.names[l.name];
      const text = english && en ? en : zh;
      // The longest piece of the road inside the tile (segments clipped to it), so a long straight avenue is named too.
      let best = null;
      const margin = 8 * unit;
      for (let i = 2; i < l.pts.length; i += 2) {
        const piece = clip(l.pts[i - 2], l.pts[i - 1], l.pts[i], l.pts[i + 1], margin, data.extent - margin);
        if (!piece) continue;
        const length = Math.hypot(piece.x1 - piece.x0, piece.y1 - piece.y0);
        if (!best || length > best.length) best = { ...piece, length };
      }
      const width = ctx.measureText(text).width;
      if (!best || best.length < width + 16 * unit) continue;
      let angle = Math.atan2(best.y1 - best.y0, best.x1 - best.x0);
      if (angle > Math.PI / 2) angle -= Math.PI; else if (angle < -Math.PI / 2) angle += Math.PI;
      ctx.save();
      ctx.translate((best.x0 + best.x1) / 2, (best.y0 + best.y1) / 2); ctx.rotate(angle);
      ctx.lineWidth = 3 * unit; ctx.strokeStyle = 'rgba(255,255,255,0.95)'; ctx.fillStyle = '#333';
      ctx.strokeText(text, 0, 0); ctx.fillText(text, 0, 0);
      ctx.restore();
      seen.add(l.name);
      count += 1;
    }
    return count;
  },
});

/**
 * Adds the basemap to a map: background raster tiles when configured, then the road layer. Resolves with what the
 * host said (GET /api/basemap) and the road layer (null without a road network).
 */
export async function mountBasemap(map, { pane } = {}) {
  const info = await (await fetch('/api/basemap')).json();
  map.getContainer().classList.add('basemap');
  if (info.background) {
    L.tileLayer(info.background.tileUrl, { maxNativeZoom: info.background.maxZoom, maxZoom: 20, attribution: info.background.attribution ?? '' }).addTo(map);
    if (info.background.attribution) L.control.attribution({ prefix: false }).addAttribution(info.background.attribution).addTo(map);
  }
  let roads = null;
  if (info.roads) {
    roads = new RoadLayer({ tileUrl: info.roads.tileUrl, maxZoom: 21, maxNativeZoom: info.roads.maxZoom, pane: pane ?? 'tilePane', updateWhenZooming: false, keepBuffer: 3 });
    roads.on('tileunload', (e) => e.tile._abort?.());
    roads.addTo(map);
    onLanguageChange(() => roads.relabel());
  }
  return { info, roads };
}
