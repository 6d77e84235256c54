// The resident's report page (no account): report with photos and a place, then follow and rate with the code.
// The place comes from the phone, typed coordinates or a tap on the small map of the city's grids; the grid it falls
// in is shown, and a place outside every grid is refused before anything is sent.
import L from 'leaflet';
import 'leaflet/dist/leaflet.css';
import './pages.css';
import './gridreport.css';

const $ = (id) => document.getElementById(id);

async function call(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: body ? { 'Content-Type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new Error(data.error || `${response.status}`);
  }
  return data;
}

function show(element, text) {
  element.textContent = text;
  element.hidden = !text;
}

function readAsDataUrl(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

const outsideMessage = '此位置不在任何网格内,请在网格内选点 · This place is outside every grid of the city: pick a place inside one';

function insideRing([lat, lon], ring) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [yi, xi] = ring[i]; const [yj, xj] = ring[j];
    if ((yi > lat) !== (yj > lat) && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** The small map: the city's grids, a tap sets the point; typed or located coordinates move the point too. */
function mountPicker(grids) {
  const map = L.map('pick-map', { attributionControl: false, zoomSnap: 0.25, preferCanvas: true });
  const outlines = grids.map((g) => L.polygon(g.ring, { color: '#4a6d94', weight: 1, fillColor: '#dfe8f2', fillOpacity: 0.25, interactive: false })
    .bindTooltip(g.name, { permanent: false }).addTo(map));
  const bounds = L.featureGroup(outlines).getBounds();
  if (bounds.isValid()) map.fitBounds(bounds, { padding: [24, 24] });
  else map.setView([36.66, 117.0], 11);
  let marker = null;
  const gridAt = (lat, lon) => grids.find((g) => insideRing([lat, lon], g.ring)) ?? null;

  function place(lat, lon) {
    const picked = $('picked-grid');
    if (!Number.isFinite(lat) || !Number.isFinite(lon)) { picked.hidden = true; return null; }
    if (marker) marker.setLatLng([lat, lon]);
    else marker = L.circleMarker([lat, lon], { radius: 8, color: '#fff', weight: 2, fillColor: '#d12f2f', fillOpacity: 1 }).addTo(map);
    const grid = gridAt(lat, lon);
    picked.hidden = false;
    picked.classList.toggle('refusal', !grid);
    picked.textContent = grid ? `网格 Grid: ${grid.name}${grid.districtName ? ` · ${grid.districtName}` : ''}` : outsideMessage;
    document.body.dataset.pickedGrid = grid?.id ?? '';
    if (grid && $('report-error').textContent === outsideMessage) show($('report-error'), '');
    return grid;
  }

  map.on('click', (e) => {
    $('latitude').value = e.latlng.lat.toFixed(6);
    $('longitude').value = e.latlng.lng.toFixed(6);
    place(e.latlng.lat, e.latlng.lng);
  });
  const typed = () => place(Number.parseFloat($('latitude').value), Number.parseFloat($('longitude').value));
  $('latitude').addEventListener('change', typed);
  $('longitude').addEventListener('change', typed);

  // For tests: where on the page a place is, and a point of the map outside every grid (in the map's margin, away
  // from the zoom buttons).
  window.reportMap = {
    pagePoint: (lat, lon) => {
      const p = map.latLngToContainerPoint([lat, lon]);
      const r = map.getContainer().getBoundingClientRect();
      return { x: r.left + p.x, y: r.top + p.y };
    },
    outsidePoint: () => { const r = map.getContainer().getBoundingClientRect(); return { x: r.right - 8, y: r.bottom - 8 }; },
  };
  return { gridAt, place };
}

async function startReport() {
  const catalog = await call('GET', '/api/grid-events/catalog');
  $('report').hidden = false;
  const picker = mountPicker(catalog.grids ?? []);
  $('category').innerHTML = catalog.categories
    .map((c) => `<option value="${c.id}">${c.name}${c.nameEn ? ' · ' + c.nameEn : ''}</option>`).join('');
  $('photos').dataset.max = catalog.maxPhotos;

  $('locate').addEventListener('click', () => {
    if (!navigator.geolocation) {
      show($('report-error'), 'no location on this device: type it in');
      return;
    }
    navigator.geolocation.getCurrentPosition(
      (p) => {
        $('latitude').value = p.coords.latitude.toFixed(6); $('longitude').value = p.coords.longitude.toFixed(6);
        picker.place(p.coords.latitude, p.coords.longitude);
      },
      (e) => show($('report-error'), `location unavailable (${e.message}): type it in`));
  });

  $('report').addEventListener('submit', async (event) => {
    event.preventDefault();
    show($('report-error'), '');
    const latitude = Number.parseFloat($('latitude').value);
    const longitude = Number.parseFloat($('longitude').value);
    if (!Number.isFinite(latitude) || !Number.isFinite(longitude)) {
      show($('report-error'), '请给出位置 · Give the place: use your location, tap the map or type it');
      return;
    }
    if (!picker.place(latitude, longitude)) {
      show($('report-error'), outsideMessage);
      return;
    }
    $('send').disabled = true;
    try {
      const files = [...$('photos').files];
      const photos = await Promise.all(files.map(readAsDataUrl));
      const sent = await call('POST', '/api/grid-events/resident', {
        category: $('category').value,
        text: $('text').value,
        latitude,
        longitude,
        contact: $('contact').value,
        photos,
      });
      $('report').hidden = true;
      $('sent-id').textContent = sent.eventId;
      $('sent-code').textContent = sent.followCode;
      $('follow-link').href = `/report?code=${encodeURIComponent(sent.followCode)}`;
      $('sent').hidden = false;
      document.body.dataset.sent = sent.eventId;
    } catch (e) {
      show($('report-error'), e.message);
    } finally {
      $('send').disabled = false;
    }
  });
}

async function startFollow(code) {
  const render = (view) => {
    $('follow-id').textContent = view.eventId;
    $('follow-category').textContent = view.categoryName;
    $('follow-state').textContent = view.state;
    $('follow-due').textContent = new Date(view.dueAt).toLocaleString();
    $('rate').hidden = !view.canRate;
    $('rated').hidden = view.rating == null;
    $('rated-value').textContent = view.rating ?? '';
    $('follow').hidden = false;
    document.body.dataset.state = view.state;
  };
  try {
    render(await call('GET', `/api/grid-events/follow/${encodeURIComponent(code)}`));
  } catch (e) {
    $('follow').hidden = false;
    show($('follow-error'), e.message);
  }
  $('rate').addEventListener('click', async (event) => {
    const rating = event.target.dataset?.rating;
    if (!rating) {
      return;
    }
    show($('follow-error'), '');
    try {
      render(await call('POST', `/api/grid-events/follow/${encodeURIComponent(code)}/rate`, { rating: Number(rating), comment: $('rate-comment').value }));
    } catch (e) {
      show($('follow-error'), e.message);
    }
  });
}

const code = new URLSearchParams(location.search).get('code');
(code ? startFollow(code) : startReport())
  .catch((e) => show($(code ? 'follow-error' : 'report-error'), e.message))
  .finally(() => { document.body.dataset.ready = 'true'; });
