// The resident's report page (no account): report with photos and a place, then follow and rate with the code.
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

async function startReport() {
  const catalog = await call('GET', '/api/grid-events/catalog');
  $('category').innerHTML = catalog.categories
    .map((c) => `<option value="${c.id}">${c.name}${c.nameEn ? ' · ' + c.nameEn : ''}</option>`).join('');
  $('photos').dataset.max = catalog.maxPhotos;
  $('report').hidden = false;

  $('locate').addEventListener('click', () => {
    if (!navigator.geolocation) {
      show($('report-error'), 'no location on this device: type it in');
      return;
    }
    navigator.geolocation.getCurrentPosition(
      (p) => { $('latitude').value = p.coords.latitude.toFixed(6); $('longitude').value = p.coords.longitude.toFixed(6); },
      (e) => show($('report-error'), `location unavailable (${e.message}): type it in`));
  });

  $('report').addEventListener('submit', async (event) => {
    event.preventDefault();
    show($('report-error'), '');
    $('send').disabled = true;
    try {
      const files = [...$('photos').files];
      const photos = await Promise.all(files.map(readAsDataUrl));
      const sent = await call('POST', '/api/grid-events/resident', {
        category: $('category').value,
        text: $('text').value,
        latitude: Number($('latitude').value),
        longitude: Number($('longitude').value),
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
