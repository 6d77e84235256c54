// The safety index report: districts ranked, daily and weekly trends (Chart.js), CSV export, print to PDF.
import { Chart, LineController, BarController, LineElement, BarElement, PointElement, LinearScale, CategoryScale, Legend, Tooltip } from 'chart.js';
import './pages.css';
import './gridpages.css';

Chart.register(LineController, BarController, LineElement, BarElement, PointElement, LinearScale, CategoryScale, Legend, Tooltip);

const $ = (id) => document.getElementById(id);
const escapeHtml = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
const indicatorNames = ['incidents', 'tierCompliance', 'cameras', 'gridEventsWithinSla', 'satisfaction', 'repeatLocations'];
const colors = ['#1f6fd1', '#d12f2f', '#2e9e44', '#f0a020', '#8a3fd1', '#20a0a0', '#777777'];
const fixed = (x, digits = 1) => (x == null ? '–' : Number(x).toFixed(digits));
let report = null;
const charts = {};

const indicator = (period, name) => period.score.indicators.find((i) => i.name === name);

async function load() {
  $('error').hidden = true;
  const query = new URLSearchParams();
  if ($('from').value) query.set('from', $('from').value);
  if ($('to').value) query.set('to', $('to').value);
  const response = await fetch(`/api/index?${query}`, { credentials: 'same-origin' });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    $('error').textContent = data.error || `${response.status}`;
    $('error').hidden = false;
    return;
  }
  report = data;
  $('from').value = data.from;
  $('to').value = data.to;
  $('range-label').textContent = `${data.from} – ${data.to}`;
  $('ranking').innerHTML = data.districts.map(({ rank, district }) => {
    const o = district.overall;
    const value = (name, scale = 1, digits = 1) => fixed(indicator(o, name)?.value == null ? null : indicator(o, name).value * scale, digits);
    return `<tr data-district="${escapeHtml(district.districtId)}">
      <td>${rank}</td><td>${escapeHtml(district.name)}</td><td class="index">${fixed(o.score.index)}</td>
      <td>${value('incidents', 1, 2)}</td><td>${value('tierCompliance', 100)}%</td><td>${value('cameras', 100)}%</td>
      <td>${value('gridEventsWithinSla', 100)}%</td><td>${value('satisfaction', 1, 2)}</td><td>${value('repeatLocations', 100)}%</td>
      <td>${district.population ?? '–'}</td></tr>`;
  }).join('');
  draw('daily', 'Daily index', (d) => d.days);
  draw('weekly', 'Weekly index', (d) => d.weeks, 'bar');
  document.body.dataset.ready = 'true';
  document.body.dataset.loads = String(Number(document.body.dataset.loads ?? 0) + 1);
}

function draw(id, title, periods, type = 'line') {
  const labels = report.districts.length ? periods(report.districts[0].district).map((p) => p.period) : [];
  const datasets = report.districts.map(({ district }, i) => ({
    label: district.name,
    data: periods(district).map((p) => p.score.index),
    borderColor: colors[i % colors.length],
    backgroundColor: colors[i % colors.length],
    spanGaps: true,
  }));
  charts[id]?.destroy();
  charts[id] = new Chart($(id), {
    type,
    data: { labels, datasets },
    options: { animation: false, maintainAspectRatio: false, scales: { y: { min: 0, max: 100 } }, plugins: { title: { display: true, text: title } } },
  });
}

function exportCsv() {
  if (!report) {
    return;
  }
  const quote = (s) => `"${String(s ?? '').replaceAll('"', '""')}"`;
  const rows = [['district', 'name', 'period', 'from', 'to', 'index', ...indicatorNames.flatMap((n) => [`${n}_score`, `${n}_value`])]];
  for (const { district } of report.districts) {
    for (const p of [district.overall, ...district.weeks, ...district.days]) {
      rows.push([district.districtId, district.name, p.period, p.from, p.to, fixed(p.score.index, 2),
        ...indicatorNames.flatMap((n) => [fixed(indicator(p, n)?.score, 2), indicator(p, n)?.value ?? ''])]);
    }
  }
  const blob = new Blob(['\ufeff' + rows.map((r) => r.map(quote).join(',')).join('\r\n')], { type: 'text/csv;charset=utf-8' });
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = `safety-index-${report.from}-${report.to}.csv`;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

$('load').addEventListener('click', () => load());
$('export').addEventListener('click', exportCsv);
load();
