// Map symbols drawn on Leaflet's canvas renderer: units by kind (shape) and status (colour) with their call signs
// when zoomed in, cameras (a small lens with its viewing direction, coloured by health) and their clusters when zoomed
// out, and stations (a house). Each is a CircleMarker whose path the canvas draws in its own shape, so thousands stay
// one canvas and hit-testing keeps working. Units and stations are stamped from sprites: each shape is drawn once per
// look (shape, colours, size, pixel ratio) onto a small bitmap, and every symbol of that look is one drawImage, so a
// batch of thousands of moving units costs no path filling or stroking.
import L from 'leaflet';

/** Unit kinds by shape: a car is a rounded square, a motorcycle a diamond, a bicycle a triangle, on foot a circle. */
export const unitShapes = { Car: 'square', Motorcycle: 'diamond', Bicycle: 'triangle', Foot: 'circle' };

/** From this zoom on, units carry their call sign beside them. */
export const unitLabelZoom = 16;

function shapePath(ctx, shape, x, y, r) {
  ctx.beginPath();
  switch (shape) {
    case 'square': {
      const s = r * 0.9; const k = s * 0.35;
      ctx.moveTo(x - s + k, y - s); ctx.lineTo(x + s - k, y - s); ctx.quadraticCurveTo(x + s, y - s, x + s, y - s + k);
      ctx.lineTo(x + s, y + s - k); ctx.quadraticCurveTo(x + s, y + s, x + s - k, y + s); ctx.lineTo(x - s + k, y + s);
      ctx.quadraticCurveTo(x - s, y + s, x - s, y + s - k); ctx.lineTo(x - s, y - s + k); ctx.quadraticCurveTo(x - s, y - s, x - s + k, y - s);
      break;
    }
    case 'diamond':
      ctx.moveTo(x, y - r * 1.2); ctx.lineTo(x + r * 1.2, y); ctx.lineTo(x, y + r * 1.2); ctx.lineTo(x - r * 1.2, y);
      break;
    case 'triangle':
      ctx.moveTo(x, y - r * 1.25); ctx.lineTo(x + r * 1.1, y + r * 0.8); ctx.lineTo(x - r * 1.1, y + r * 0.8);
      break;
    case 'house':
      ctx.moveTo(x, y - r * 1.2); ctx.lineTo(x + r, y - r * 0.2); ctx.lineTo(x + r, y + r); ctx.lineTo(x - r, y + r); ctx.lineTo(x - r, y - r * 0.2);
      break;
    default:
      ctx.arc(x, y, r, 0, Math.PI * 2);
  }
  ctx.closePath();
}

// Sprites by look. A look is a unit kind and status at one size, so there are a few dozen at most; the cache is
// emptied should styles ever run away (each a few hundred bytes).
const sprites = new Map();
const maxSprites = 512;
const spriteCounts = { drawn: 0, rendered: 0 };

function spriteOf(shape, o, r, ratio) {
  const weight = o.stroke && o.weight ? o.weight : 0;
  const key = `${shape}|${r}|${ratio}|${o.fill ? `${o.fillColor ?? o.color}@${o.fillOpacity}` : '-'}|${weight ? `${o.color}@${o.opacity}/${weight}` : '-'}`;
  let sprite = sprites.get(key);
  if (sprite) return sprite;
  // The shape reaches 1.25 r from its centre (a triangle's top), the stroke half its width beyond, antialiasing 1 px.
  const half = Math.ceil(r * 1.3 + weight / 2 + 1);
  const size = Math.ceil(half * 2 * ratio);
  const canvas = typeof OffscreenCanvas === 'function' ? new OffscreenCanvas(size, size) : Object.assign(document.createElement('canvas'), { width: size, height: size });
  const ctx = canvas.getContext('2d');
  ctx.scale(ratio, ratio);
  shapePath(ctx, shape, half, half, r);
  // As Leaflet's own fill and stroke (L.Canvas._fillStroke) would draw the path.
  if (o.fill) { ctx.globalAlpha = o.fillOpacity; ctx.fillStyle = o.fillColor || o.color; ctx.fill(o.fillRule || 'evenodd'); }
  if (weight) {
    ctx.globalAlpha = o.opacity; ctx.lineWidth = weight; ctx.strokeStyle = o.color; ctx.lineCap = o.lineCap; ctx.lineJoin = o.lineJoin;
    ctx.stroke();
  }
  sprite = { image: typeof canvas.transferToImageBitmap === 'function' ? canvas.transferToImageBitmap() : canvas, half };
  if (sprites.size >= maxSprites) sprites.clear();
  sprites.set(key, sprite);
  spriteCounts.rendered += 1;
  return sprite;
}

function label(ctx, text, x, y) {
  ctx.font = '600 11px system-ui, "Noto Sans CJK SC", sans-serif';
  ctx.lineWidth = 3; ctx.strokeStyle = 'rgba(255,255,255,0.92)'; ctx.fillStyle = '#102030';
  ctx.strokeText(text, x, y); ctx.fillText(text, x, y);
}

L.Canvas.include({
  _updateSymbol(layer) {
    if (!this._drawing || layer._empty()) return;
    const p = layer._point; const ctx = this._ctx; const r = Math.max(layer._radius, 1); const o = layer.options;
    if (o.symbol === 'camera') {
      // A lens with a short wedge in the viewing direction.
      if (o.headingDeg != null && o.fovDeg < 360) {
        const a = ((o.headingDeg - 90) * Math.PI) / 180; const half = Math.min(((o.fovDeg ?? 60) * Math.PI) / 360, Math.PI / 2);
        ctx.beginPath(); ctx.moveTo(p.x, p.y); ctx.arc(p.x, p.y, r * 3, a - half, a + half); ctx.closePath();
        ctx.fillStyle = o.fillColor; ctx.globalAlpha = 0.25; ctx.fill(); ctx.globalAlpha = 1;
      }
      ctx.beginPath(); ctx.rect(p.x - r, p.y - r * 0.75, r * 2, r * 1.5);
    } else if (o.symbol === 'cluster') {
      ctx.beginPath(); ctx.arc(p.x, p.y, r, 0, Math.PI * 2);
    } else {
      // Stamped on whole device pixels, so the bitmap is copied, never resampled (at most half a pixel off).
      const ratio = L.Browser.retina ? 2 : 1;
      let stamp = layer._sprite;
      if (!stamp || stamp.r !== r || stamp.ratio !== ratio) stamp = layer._sprite = { r, ratio, sprite: spriteOf(o.shape ?? 'circle', o, r, ratio) };
      const { sprite } = stamp;
      ctx.globalAlpha = 1;
      ctx.drawImage(sprite.image, Math.round((p.x - sprite.half) * ratio) / ratio, Math.round((p.y - sprite.half) * ratio) / ratio, sprite.half * 2, sprite.half * 2);
      spriteCounts.drawn += 1;
      if (o.text && layer._showLabel) label(ctx, o.text, p.x + r + 4, p.y + 4);
      return;
    }
    this._fillStroke(ctx, layer);
    if (o.symbol === 'cluster' && o.count != null) {
      ctx.font = '700 11px system-ui, sans-serif'; ctx.fillStyle = '#fff'; ctx.textAlign = 'center'; ctx.textBaseline = 'middle';
      ctx.fillText(String(o.count), p.x, p.y + 0.5);
      ctx.textAlign = 'start'; ctx.textBaseline = 'alphabetic';
    }
    if (o.text && layer._showLabel) label(ctx, o.text, p.x + r + 4, p.y + 4);
  },
});

/** A point symbol: options.symbol is 'unit' (with shape), 'camera', 'cluster' (with count) or 'station'; options.text labels it. */
export const MapSymbol = L.CircleMarker.extend({
  _updatePath() { this._renderer._updateSymbol(this); },
  _updateBounds() {
    // The label and the camera's wedge lie outside the circle: the canvas must clear them too when the symbol moves
    // (a sprite, stamped on whole pixels, may stand a pixel further).
    const r = this._radius; const w = this._clickTolerance();
    const reach = this.options.symbol === 'camera' ? r * 3 : this.options.symbol === 'cluster' ? r * 1.3 : r * 1.3 + 1;
    const labelWidth = this._showLabel && this.options.text ? 8 + this.options.text.length * 9 : 0;
    this._pxBounds = new L.Bounds(this._point.subtract([reach + w, reach + w]), this._point.add([reach + w + labelWidth, reach + w]));
  },
  setStyle(style) {
    this._sprite = null; // another look: its sprite is looked up again
    return L.CircleMarker.prototype.setStyle.call(this, style);
  },
  setLabelShown(shown) {
    if (this._showLabel === shown) return;
    this._showLabel = shown;
    if (this._map) { this._project(); this.redraw(); }
  },
});

export const mapSymbol = (latlng, options) => new MapSymbol(latlng, options);

/**
 * Moves many symbols of one canvas at once (a batch of unit positions): each is projected where it now is, and the
 * canvas is redrawn whole on the next frame, once, instead of every symbol asking for the part of the canvas it left
 * and the part it entered. moves: [symbol, latitude, longitude] triples.
 */
export function moveSymbols(renderer, moves) {
  for (const [symbol, latitude, longitude] of moves) {
    symbol._latlng = L.latLng(latitude, longitude);
    if (symbol._map) symbol._project();
  }
  if (!renderer._map || !renderer._bounds) return;
  // The whole canvas: a part asked for by another symbol in the same frame only adds to it.
  renderer._redrawBounds = new L.Bounds(renderer._bounds.min, renderer._bounds.max);
  renderer._redrawRequest = renderer._redrawRequest || L.Util.requestAnimFrame(renderer._redraw, renderer);
}

// For tests and for people debugging a console: how many looks have a sprite, how many were rendered and stamped.
window.dispatchSymbols = { sprites: () => ({ cached: sprites.size, rendered: spriteCounts.rendered, drawn: spriteCounts.drawn }) };
