// What every page shares: rendering into #app (and destroying the charts of the page before),
// error boxes, status badges, key/value tables, durations, sizes and JSON shown readably.
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

// JSON escapes (\u00e9, surrogate pairs such as \ud83d\ude80) turned back into the characters
// they stand for, for text that is JSON but cannot be parsed whole (a cut preview). An escaped
// backslash (\\u...) is left alone.
export function unescapeJsonText(text) {
  return text.replace(/(?<!\\)((?:\\\\)*)\\u([0-9a-fA-F]{4})/g, (_, backslashes, hex) => {
    const code = parseInt(hex, 16);
    // A quote or a control character stays escaped, so the text still reads as JSON.
    if (code < 0x20 || code === 0x22 || code === 0x5c) return `${backslashes}\\u${hex}`;
    return backslashes + String.fromCharCode(code);
  });
}

// Text that is JSON shown indented with real characters; other text as it is.
export function readableText(text, truncated = false) {
  if (!truncated) {
    try {
      return { json: true, text: JSON.stringify(JSON.parse(text), null, 2) };
    } catch {
      // not JSON: shown as it is
    }
  }
  const trimmed = text.trimStart();
  const looksJson = trimmed.startsWith('{') || trimmed.startsWith('[');
  return { json: looksJson, text: looksJson ? indentJsonText(unescapeJsonText(text)) : text };
}

// Indents JSON text that may be cut anywhere (so JSON.parse refuses it): a line break after
// every { [ and , outside strings, and before every } ].
export function indentJsonText(text) {
  let out = '';
  let depth = 0;
  let inString = false;
  const newline = () => `\n${'  '.repeat(Math.max(depth, 0))}`;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') {
      inString = true;
      out += c;
    } else if (c === '{' || c === '[') {
      depth++;
      out += c + newline();
    } else if (c === '}' || c === ']') {
      depth--;
      out += newline() + c;
    } else if (c === ',') {
      out += c + newline();
    } else if (c === ':') {
      out += ': ';
    } else if (!/\s/.test(c)) {
      out += c;
    }
  }
  return out;
}

export function jsonBlock(value, attrs = {}) {
  return h('pre', { class: 'log json', ...attrs }, JSON.stringify(value, null, 2));
}

export function isEmptyObject(value) {
  return value === null || value === undefined || (typeof value === 'object' && Object.keys(value).length === 0);
}
