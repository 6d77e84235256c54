// Live pictures and event clips in the pages: tiles fed by GET /api/video/live/{camera} (a WebSocket of JPEG frames),
// the video wall of an incident's nearest cameras, an alert's clip, and the officer's scene cameras on the terminal.
import './video.css';
import { currentLanguage } from './i18n.js';
import { escapeHtml } from './live.js';

const texts = {
  en: {
    liveNearest: 'Live: nearest cameras', liveCamera: 'Live: this camera', videoWall: 'Live cameras', closeAll: 'Close all',
    clip: 'Event clip', playClip: 'Play clip', clipWaiting: 'The clip comes a few seconds after the alert…', noClip: 'No clip for this alert',
    noCameras: 'No camera near here can show a live picture now', sceneCameras: 'Scene cameras', showCameras: 'Show scene cameras',
    hideCameras: 'Hide', starting: 'connecting…', live: 'live', 'no-picture': 'no picture', 'gateway-offline': 'camera gateway offline',
    refused: 'refused', reconnecting: 'reconnecting…', closed: 'closed', waitingRoom: 'waiting for a free stream…',
    noVideo: 'No live video or clips for you here',
  },
  zh: {
    liveNearest: '实时：附近摄像头', liveCamera: '实时：该摄像头', videoWall: '实时视频', closeAll: '全部关闭',
    clip: '事件录像', playClip: '播放录像', clipWaiting: '告警后数秒内上传录像…', noClip: '该告警无录像',
    noCameras: '附近暂无可实时查看的摄像头', sceneCameras: '现场摄像头', showCameras: '查看现场摄像头',
    hideCameras: '收起', starting: '连接中…', live: '实时', 'no-picture': '无画面', 'gateway-offline': '视频网关离线',
    refused: '已拒绝', reconnecting: '重新连接中…', closed: '已关闭', waitingRoom: '等待空闲视频通道…',
    noVideo: '您无权在此查看实时视频或录像',
  },
};
const t = (key) => texts[currentLanguage()]?.[key] ?? texts.en[key] ?? key;

const HEADER_BYTES = 32;

/**
 * One camera's live picture on a canvas. The socket says the picture's state in text messages and sends frames as
 * binary ones (a 32-byte header: capture time, host receive time, sequence, size, frames dropped; then the JPEG).
 * Only the newest frame is decoded: one that arrives while another decodes replaces the waiting one, so a slow
 * device shows a fresh picture at a lower rate. The tile's state is the host's word only (it says "live" before the
 * first frame of a live picture): a frame still decoding, or sent just before "gateway offline", does not make it
 * live. A lost connection is retried with backoff; a refusal is shown with its reason (and retried slowly when the
 * gateway's streams are all in use).
 */
export class LiveTile {
  constructor(parent, camera, { fps = 5, width = 640, height = 360, unit = null } = {}) {
    this.camera = camera;
    this.query = new URLSearchParams({ fps, width, height, ...(unit ? { unit } : {}) }).toString();
    this.el = document.createElement('div');
    this.el.className = 'tile';
    this.el.dataset.camera = camera.cameraId;
    this.el.innerHTML = `<div class="tile-head"><b>${escapeHtml(camera.name ?? camera.cameraId)}</b>
      ${camera.distanceMeters != null ? `<small>${Math.round(camera.distanceMeters)} m</small>` : ''}
      <span class="tile-state"></span><button class="tile-close" title="${escapeHtml(t('closed'))}">✕</button></div>
      <canvas width="${width}" height="${height}"></canvas><div class="tile-note"></div>`;
    this.canvas = this.el.querySelector('canvas');
    this.context = this.canvas.getContext('2d');
    this.el.querySelector('.tile-close').addEventListener('click', () => this.close());
    parent.append(this.el);
    this.frames = 0;
    this.dropped = 0;
    this.latencies = [];
    this.pending = null;
    this.decoding = false;
    this.attempt = 0;
    this.closedByUser = false;
    this.setState('starting', '');
    this.open();
  }

  open() {
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const socket = new WebSocket(`${scheme}://${location.host}/api/video/live/${encodeURIComponent(this.camera.cameraId)}?${this.query}`);
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    this.refusal = null;
    socket.onmessage = (e) => {
      if (typeof e.data === 'string') this.onText(JSON.parse(e.data));
      else this.onFrame(e.data);
    };
    socket.onopen = () => { this.attempt = 0; };
    socket.onclose = (e) => this.onClose(e);
  }

  onText(message) {
    if (message.type === 'refused') { this.refusal = message; this.setState('refused', message.message); return; }
    this.setState(message.state, message.state === 'live' ? '' : message.message);
  }

  onFrame(buffer) {
    const view = new DataView(buffer);
    const frame = {
      capturedAt: view.getFloat64(4, true), sequence: view.getUint32(20, true),
      width: view.getUint16(24, true), height: view.getUint16(26, true), dropped: view.getUint32(28, true),
      jpeg: new Blob([new Uint8Array(buffer, HEADER_BYTES)], { type: 'image/jpeg' }),
    };
    this.pending = frame;
    if (!this.decoding) this.drawNext();
  }

  async drawNext() {
    const frame = this.pending;
    if (!frame) return;
    this.pending = null;
    this.decoding = true;
    try {
      const bitmap = await createImageBitmap(frame.jpeg);
      if (this.canvas.width !== bitmap.width || this.canvas.height !== bitmap.height) {
        this.canvas.width = bitmap.width; this.canvas.height = bitmap.height;
      }
      this.context.drawImage(bitmap, 0, 0);
      bitmap.close();
      // Glass to glass: from the gateway's capture to the paint that shows it (same clock in a test or benchmark).
      requestAnimationFrame(() => {
        const latency = Date.now() - frame.capturedAt;
        this.latencies.push(latency);
        if (this.latencies.length > 5000) this.latencies.shift();
      });
      this.frames += 1;
      this.dropped = frame.dropped;
      this.lastSize = [frame.width, frame.height];
      this.el.dataset.frames = String(this.frames);
    } catch (e) {
      console.warn('frame not shown', e);
    } finally {
      this.decoding = false;
      if (this.pending) this.drawNext();
    }
  }

  onClose(e) {
    if (this.closedByUser) return;
    if (this.refusal && this.refusal.code !== 4429) return; // said why; nothing to retry
    const wait = this.refusal ? 10000 : Math.min(8000, 500 * 2 ** Math.min(this.attempt++, 4));
    if (!this.refusal) this.setState('reconnecting', e.reason || '');
    else this.setState('refused', `${this.refusal.message} (${t('waitingRoom')})`);
    this.retry = setTimeout(() => this.open(), wait);
  }

  setState(state, note) {
    this.state = state;
    this.el.dataset.state = state;
    this.el.querySelector('.tile-state').textContent = t(state);
    this.el.querySelector('.tile-note').textContent = note ?? '';
  }

  close() {
    this.closedByUser = true;
    clearTimeout(this.retry);
    this.socket?.close(1000, 'tile closed');
    this.el.remove();
    this.onClosed?.(this);
  }

  stats() {
    return {
      cameraId: this.camera.cameraId, state: this.state, frames: this.frames, dropped: this.dropped, size: this.lastSize ?? null,
      latencies: [...this.latencies],
    };
  }
}

const tiles = new Set();
function track(tile) { tiles.add(tile); tile.onClosed = (x) => tiles.delete(x); return tile; }

/** The operator page: a video wall over the map and the selected alert's clip below the detail panel. */
export function mountVideo({ alert, incident, showError }) {
  const wall = document.createElement('section');
  wall.id = 'video-wall';
  wall.hidden = true;
  wall.innerHTML = `<div class="wall-head"><b>${escapeHtml(t('videoWall'))}</b> <span class="wall-title"></span>
    <button class="wall-close">${escapeHtml(t('closeAll'))}</button></div><div class="wall-tiles"></div><div class="wall-note"></div>`;
  (document.querySelector('#map')?.parentElement ?? document.body).append(wall);
  const media = document.createElement('section');
  media.id = 'media';
  document.querySelector('#detail')?.after(media);
  wall.querySelector('.wall-close').addEventListener('click', () => closeWall());

  function closeWall() {
    for (const tile of [...tiles]) if (wall.contains(tile.el)) tile.close();
    wall.hidden = true;
  }

  function openWall(title, cameras) {
    closeWall();
    wall.hidden = false;
    wall.querySelector('.wall-title').textContent = title;
    wall.querySelector('.wall-note').textContent = cameras.length ? '' : t('noCameras');
    const box = wall.querySelector('.wall-tiles');
    for (const camera of cameras) track(new LiveTile(box, camera, { fps: 5, width: 640, height: 360 }));
  }

  async function nearest(incidentId) {
    const response = await fetch(`/api/video/incidents/${encodeURIComponent(incidentId)}/cameras`);
    const body = await response.json();
    if (!response.ok) { showError(body.error ?? response.statusText); return; }
    const i = incident(incidentId);
    openWall(i ? `${i.type} P${i.priority}` : incidentId, body.cameras);
  }

  let shown = null;
  let clipTimer = null;

  // What the signed-in person may watch (GET /api/video/access: the host's own rule, roles and the viewers' setting):
  // the panel offers no live picture or clip the host would refuse, and says why instead. Asked once, when first needed.
  let access = null;
  let accessAsked = null;
  function loadAccess() {
    accessAsked ??= fetch('/api/video/access', { credentials: 'same-origin' }).then(async (response) => {
      const body = await response.json().catch(() => ({}));
      access = response.ok ? body : { live: false, clips: false, reason: body.error ?? `${response.status} ${response.statusText}` };
    }).catch((e) => { accessAsked = null; console.warn('video access unknown', e); });
    return accessAsked;
  }

  // One playback at a time, each with its audit row: `playback` is the running one (its row open), `starting` the alert
  // whose playback is being asked for. A second click while one starts or plays starts nothing new; playing the clip
  // again once it ended is a new playback; a new selection, a closed panel or the page going away ends the row.
  let playback = null;
  let starting = null;

  function endRow(url, watchedSeconds) {
    const body = new Blob([JSON.stringify({ watchedSeconds: Math.round(watchedSeconds * 1000) / 1000 })], { type: 'application/json' });
    if (!navigator.sendBeacon(`${url}/end`, body)) fetch(`${url}/end`, { method: 'POST', body, headers: { 'content-type': 'application/json' }, keepalive: true });
  }

  /** The running playback ends: its player stops and says how long it played. */
  function endPlayback() {
    if (!playback) return;
    const { url, video } = playback;
    playback = null;
    let watched = 0;
    for (let k = 0; k < video.played.length; k += 1) watched += video.played.end(k) - video.played.start(k);
    video.pause();
    endRow(url, watched);
  }
  addEventListener('pagehide', endPlayback);

  async function startPlayback(a, box) {
    if (playback?.alertId === a.alertId && playback.video.isConnected) {
      // Already playing (or paused) here: the same playback goes on.
      playback.video.play().catch((e) => console.warn('clip did not start', e));
      return;
    }
    if (starting === a.alertId) return;
    starting = a.alertId;
    box.querySelector('.play-clip')?.setAttribute('disabled', '');
    try {
      const started = await fetch(`/api/video/alerts/${encodeURIComponent(a.alertId)}/clip/playbacks`, { method: 'POST' });
      const body = await started.json().catch(() => ({}));
      if (!started.ok) { showError(body.error ?? started.statusText); return; }
      if (shown !== a.alertId || !box.isConnected) { endRow(body.url, 0); return; } // the panel closed meanwhile
      endPlayback();
      let video = box.querySelector('video.clip-video');
      if (!video) {
        box.innerHTML = '<video class="clip-video" controls muted playsinline preload="auto"></video>';
        video = box.querySelector('video');
        video.addEventListener('ended', () => { if (playback?.video === video) endPlayback(); });
        // Played again from its own controls after it ended: another playback, with a row of its own.
        video.addEventListener('play', () => {
          if (playback?.video === video || starting === a.alertId) return;
          video.pause();
          startPlayback(a, box);
        });
      }
      playback = { alertId: a.alertId, url: body.url, video };
      video.src = body.url;
      video.play().catch((e) => console.warn('clip did not start', e));
    } finally {
      starting = null;
      box.querySelector('.play-clip')?.removeAttribute('disabled');
    }
  }

  async function showClip(a) {
    const box = media.querySelector('.clip');
    const response = await fetch(`/api/video/alerts/${encodeURIComponent(a.alertId)}/clip`);
    if (shown !== a.alertId || !box?.isConnected) return;
    if (playback?.alertId === a.alertId || starting === a.alertId) return; // its player is here already
    const status = response.ok ? await response.json() : null;
    if (!status?.available) {
      const ageSeconds = (Date.now() - Date.parse(a.at)) / 1000;
      const waiting = ageSeconds < 120;
      box.innerHTML = `<small>${escapeHtml(waiting ? t('clipWaiting') : t('noClip'))}</small>`;
      box.dataset.clip = waiting ? 'waiting' : 'none';
      if (waiting) clipTimer = setTimeout(() => showClip(a), 2000);
      return;
    }
    const info = status.clip;
    box.dataset.clip = 'ready';
    box.innerHTML = `<button class="play-clip">${escapeHtml(t('playClip'))}</button>
      <small>${info.durationSeconds.toFixed(1)} s · ${info.widthPx}×${info.heightPx} · ${Math.round(info.bytes / 1024)} KB</small>`;
    box.querySelector('.play-clip').addEventListener('click', () => startPlayback(a, box).catch(showError));
  }

  function render(sel) {
    if ((sel.kind === 'incident' && !access.live) || (!access.live && !access.clips)) {
      media.innerHTML = `<p class="video-denied" data-video="denied"><small>${escapeHtml(t('noVideo'))}${access.reason ? `: ${escapeHtml(access.reason)}` : ''}</small></p>`;
      return;
    }
    if (sel.kind === 'incident') {
      media.innerHTML = `<button class="live-nearest">${escapeHtml(t('liveNearest'))}</button>`;
      media.querySelector('.live-nearest').addEventListener('click', () => nearest(sel.id).catch(showError));
      return;
    }
    const a = alert(sel.id);
    if (!a) return;
    media.innerHTML = `${access.clips ? `<h4>${escapeHtml(t('clip'))}</h4><div class="clip" data-alert="${escapeHtml(a.alertId)}"></div>` : ''}
      ${access.live ? `<div class="actions"><button class="live-camera">${escapeHtml(t('liveCamera'))}</button>
      ${a.incidentId ? `<button class="live-nearest">${escapeHtml(t('liveNearest'))}</button>` : ''}</div>` : ''}`;
    media.querySelector('.live-camera')?.addEventListener('click', () => openWall(a.cameraName, [{ cameraId: a.cameraId, name: a.cameraName }]));
    media.querySelector('.live-nearest')?.addEventListener('click', () => nearest(a.incidentId).catch(showError));
    if (access.clips) showClip(a).catch((e) => console.warn('clip unavailable', e));
  }

  /** The selection changed (an alert or an incident): offer its live pictures and, for an alert, its clip. */
  function show(sel) {
    if (sel?.id === shown) return;
    shown = sel?.id ?? null;
    clearTimeout(clipTimer);
    endPlayback();
    media.innerHTML = '';
    if (!sel) return;
    if (access) { render(sel); return; }
    loadAccess().then(() => { if (access && shown === sel.id) render(sel); });
  }

  return { show, openWall, closeWall };
}

/** The terminal: the scene cameras of the unit's incident, small and at a low rate, and nobody else's. */
export function mountTerminalVideo({ container, unitId }) {
  const card = document.createElement('div');
  card.className = 'card';
  card.id = 'scene-cameras';
  card.hidden = true;
  card.innerHTML = `<h2>${escapeHtml(t('sceneCameras'))}</h2><button class="show-cameras">${escapeHtml(t('showCameras'))}</button>
    <div class="terminal-tiles"></div><small class="scene-note"></small>`;
  container.append(card);
  let incidentId = null;
  const box = card.querySelector('.terminal-tiles');
  const close = () => { for (const tile of [...tiles]) if (box.contains(tile.el)) tile.close(); };

  card.querySelector('.show-cameras').addEventListener('click', async () => {
    if (box.children.length) { close(); card.querySelector('.show-cameras').textContent = t('showCameras'); return; }
    const unit = unitId();
    const response = await fetch(`/api/video/units/${encodeURIComponent(unit)}/cameras`);
    const body = await response.json();
    if (!response.ok) { card.querySelector('.scene-note').textContent = body.error ?? response.statusText; return; }
    card.querySelector('.scene-note').textContent = body.cameras.length ? '' : t('noCameras');
    card.querySelector('.show-cameras').textContent = t('hideCameras');
    for (const camera of body.cameras) {
      track(new LiveTile(box, camera, { fps: body.maxFps, width: body.maxWidthPx, height: body.maxHeightPx, unit }));
    }
  });

  /** The unit changed: the card shows while it holds an assignment; its tiles close when the assignment ends. */
  function unitChanged(unit) {
    const now = unit?.assignment?.incidentId ?? null;
    if (now !== incidentId) close();
    incidentId = now;
    card.hidden = !now;
    if (!box.children.length) card.querySelector('.show-cameras').textContent = t('showCameras');
  }

  return { unitChanged };
}

// For tests and benchmarks: every open tile's figures.
window.dispatchVideo = { stats: () => [...tiles].map((x) => x.stats()) };
