// What every page shares: rendering into #app (and destroying the charts of the page before),
// error boxes, status badges, key/value tables, durations, sizes and JSON blocks.
import { ApiError } from './api.js';
import { h, table, formatNumber } from './dom.js';

const app = document.getElementById('app');
let charts = [];

export function clearCharts() {
  for (const chart of charts) chart.destroy();
  charts = [];
}

export function keepChart(chart) {
  charts.push(chart);
}

export function render(...nodes) {
  clearCharts();
  app.replaceChildren(...nodes.flat(Infinity).filter((node) => node !== '' && node !== null && node !== undefined && node !== false));
}

export function errorBox(error) {
  if (error instanceof ApiError && error.status === 401) {
    return h('div', { class: 'error', 'data-testid': 'error' },
      'This server needs a token. Open the address twin server printed (it ends in ?token=...) once; the dashboard keeps it.');
  }
  return h('div', { class: 'error', 'data-testid': 'error' }, `Could not load: ${error.message}`);
}

export function statusBadge(status) {
  return h('span', { class: `badge status-${String(status).toLowerCase()}` }, status);
}

export function unavailable(title, data) {
  render(h('h1', {}, title), h('p', { class: 'muted', 'data-testid': 'unavailable' }, data.reason ?? 'Not available on this server.'));
}

export function keyValueTable(items, testid) {
  return items.length === 0
    ? h('p', { class: 'muted' }, 'none')
    : table(['Key', 'Value'], items.map((i) => [i.key, typeof i.value === 'number' ? formatNumber(i.value) : i.value]), { 'data-testid': testid });
}

export function formatMs(ms) {
  if (ms === null || ms === undefined) return '';
  if (ms < 1000) return `${ms} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  if (seconds < 3600) return `${(seconds / 60).toFixed(1)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

export function formatBytes(bytes) {
  const n = Number(bytes);
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GB`;
}

export function jsonBlock(value, attrs = {}) {
  return h('pre', { class: 'log json', ...attrs }, JSON.stringify(value, null, 2));
}

export function isEmptyObject(value) {
  return value === null || value === undefined || (typeof value === 'object' && Object.keys(value).length === 0);
}
