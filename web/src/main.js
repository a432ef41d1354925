// The twin dashboard: a hash-routed single page over twin server's /api/twin/ API.
//   #/experiments            experiments with run counts
//   #/experiments/<id>       the runs table (params, latest metrics) and metric charts comparing runs
//   #/runs/<run_id>          one run: info, params, tags, a chart per metric
//   #/models, #/models/<n>   the model registry: versions, stages, aliases, model cards
//   #/pipelines, #/warehouse pipeline runs and warehouse collections, when the server has them
import './style.css';
import { api, ApiError } from './api.js';
import { h, table, formatTime, formatDuration, formatNumber } from './dom.js';
import { metricChart } from './charts.js';

const app = document.getElementById('app');
let charts = [];

function clearCharts() {
  for (const chart of charts) chart.destroy();
  charts = [];
}

function render(...nodes) {
  clearCharts();
  app.replaceChildren(...nodes);
}

function errorBox(error) {
  if (error instanceof ApiError && error.status === 401) {
    return h('div', { class: 'error', 'data-testid': 'error' },
      'This server needs a token. Open the address twin server printed (it ends in ?token=...) once; the dashboard keeps it.');
  }
  return h('div', { class: 'error', 'data-testid': 'error' }, `Could not load: ${error.message}`);
}

function statusBadge(status) {
  return h('span', { class: `badge status-${String(status).toLowerCase()}` }, status);
}

async function experimentsPage() {
  const { experiments } = await api.experiments();
  render(
    h('h1', {}, 'Experiments'),
    experiments.length === 0
      ? h('p', {}, 'No experiments yet. Log to this server with an MLflow client (MLFLOW_TRACKING_URI).')
      : table(
          ['Name', 'ID', 'Runs', 'Created'],
          experiments.map((e) => [
            h('a', { href: `#/experiments/${e.experiment_id}` }, e.name),
            e.experiment_id,
            String(e.run_count),
            formatTime(e.creation_time),
          ]),
          { 'data-testid': 'experiments-table' },
        ),
  );
}

function keysOf(runs, field) {
  const keys = new Set();
  for (const run of runs) for (const item of run.data[field] ?? []) keys.add(item.key);
  return [...keys].sort();
}

function valueOf(run, field, key) {
  const item = (run.data[field] ?? []).find((x) => x.key === key);
  return item === undefined ? '' : field === 'metrics' ? formatNumber(item.value) : item.value;
}

async function drawComparison(container, runs, metricKeys) {
  container.replaceChildren();
  clearCharts();
  for (const key of metricKeys) {
    const histories = await Promise.all(runs.map((run) => api.metricHistory(run.info.run_id, key).catch(() => null)));
    const series = histories
      .map((history, i) => ({ label: runs[i].info.run_name, points: history?.metrics ?? [] }))
      .filter((s) => s.points.length > 0);
    if (series.length === 0) continue;
    const canvas = h('canvas', { 'aria-label': `chart of ${key}` });
    container.append(h('figure', { class: 'chart', 'data-metric': key }, h('figcaption', {}, key), h('div', { class: 'chart-box' }, canvas)));
    charts.push(metricChart(canvas, key, series));
  }
}

async function experimentPage(id) {
  const { experiment, runs } = await api.experimentRuns(id);
  const paramKeys = keysOf(runs, 'params');
  const metricKeys = keysOf(runs, 'metrics');
  const selected = new Set(runs.slice(0, 10).map((r) => r.info.run_id));
  const chartsBox = h('div', { class: 'charts', 'data-testid': 'charts' });
  const redraw = () => drawComparison(chartsBox, runs.filter((r) => selected.has(r.info.run_id)), metricKeys);
  const rows = runs.map((run) => [
    h('input', {
      type: 'checkbox',
      checked: selected.has(run.info.run_id),
      'aria-label': `compare ${run.info.run_name}`,
      onchange: (event) => {
        if (event.target.checked) selected.add(run.info.run_id);
        else selected.delete(run.info.run_id);
        redraw();
      },
    }),
    h('a', { href: `#/runs/${run.info.run_id}` }, run.info.run_name),
    statusBadge(run.info.status),
    formatTime(run.info.start_time),
    formatDuration(run.info.start_time, run.info.end_time),
    ...paramKeys.map((k) => valueOf(run, 'params', k)),
    ...metricKeys.map((k) => valueOf(run, 'metrics', k)),
  ]);
  render(
    h('h1', {}, `Experiment: ${experiment.name}`),
    h('p', { class: 'muted' }, `id ${experiment.experiment_id} · artifacts ${experiment.artifact_location}`),
    runs.length === 0
      ? h('p', {}, 'No runs in this experiment yet.')
      : h('div', { class: 'scroll' }, table(
          ['', 'Run', 'Status', 'Started', 'Duration', ...paramKeys.map((k) => `param ${k}`), ...metricKeys.map((k) => `metric ${k}`)],
          rows,
          { 'data-testid': 'runs-table' },
        )),
    h('h2', {}, 'Metrics'),
    chartsBox,
  );
  await redraw();
}

function keyValueTable(items, testid) {
  return items.length === 0
    ? h('p', { class: 'muted' }, 'none')
    : table(['Key', 'Value'], items.map((i) => [i.key, typeof i.value === 'number' ? formatNumber(i.value) : i.value]), { 'data-testid': testid });
}

async function runPage(id) {
  const { run } = await api.run(id);
  const chartsBox = h('div', { class: 'charts', 'data-testid': 'charts' });
  const info = run.info;
  render(
    h('h1', {}, `Run: ${info.run_name}`),
    h('p', {}, statusBadge(info.status), ` started ${formatTime(info.start_time)}`,
      info.end_time ? `, took ${formatDuration(info.start_time, info.end_time)}` : '',
      ' · ', h('a', { href: `#/experiments/${info.experiment_id}` }, 'experiment'),
      info.pipeline_run_id ? [' · pipeline run ', h('a', { href: `#/pipelines/runs/${info.pipeline_run_id}` }, info.pipeline_run_id)] : ''),
    h('h2', {}, 'Parameters'), keyValueTable(run.data.params, 'params-table'),
    h('h2', {}, 'Latest metrics'), keyValueTable(run.data.metrics, 'metrics-table'),
    h('h2', {}, 'Tags'), keyValueTable(run.data.tags, 'tags-table'),
    h('h2', {}, 'Metric history'), chartsBox,
  );
  await drawComparison(chartsBox, [run], run.data.metrics.map((m) => m.key));
}

async function modelsPage() {
  const { models } = await api.models();
  render(
    h('h1', {}, 'Models'),
    models.length === 0
      ? h('p', {}, 'No registered models yet.')
      : table(
          ['Name', 'Latest versions', 'Aliases', 'Updated'],
          models.map((m) => [
            h('a', { href: `#/models/${encodeURIComponent(m.name)}` }, m.name),
            m.latest_versions.map((v) => `v${v.version} (${v.current_stage})`).join(', '),
            m.aliases.map((a) => `${a.alias} → v${a.version}`).join(', '),
            formatTime(m.last_updated_timestamp),
          ]),
          { 'data-testid': 'models-table' },
        ),
  );
}

async function modelPage(name) {
  const { model, versions } = await api.model(name);
  const cardBox = h('pre', { class: 'model-card', 'data-testid': 'model-card' });
  const showCard = async (version) => {
    cardBox.textContent = (await api.modelCard(name, version)) || '(this version has no model card)';
  };
  render(
    h('h1', {}, `Model: ${model.name}`),
    model.description ? h('p', {}, model.description) : '',
    table(
      ['Version', 'Stage', 'Aliases', 'Source', 'Run', 'Created', 'Card'],
      versions.map((v) => [
        `v${v.version}`,
        v.current_stage,
        v.aliases.join(', '),
        v.source,
        v.run_id ? h('a', { href: `#/runs/${v.run_id}` }, v.run_id.slice(0, 8)) : '',
        formatTime(v.creation_timestamp),
        v.has_model_card ? h('button', { onclick: () => showCard(v.version) }, 'README.md') : '',
      ]),
      { 'data-testid': 'versions-table' },
    ),
    h('h2', {}, 'Model card'),
    cardBox,
  );
  const withCard = [...versions].reverse().find((v) => v.has_model_card);
  if (withCard) await showCard(withCard.version);
  else cardBox.textContent = '(no model card)';
}

function unavailable(title, data) {
  render(h('h1', {}, title), h('p', { class: 'muted', 'data-testid': 'unavailable' }, data.reason ?? `Not available on this server.`));
}

async function pipelinesPage() {
  const data = await api.pipelines();
  if (data.available === false) return unavailable('Pipelines', data);
  render(h('h1', {}, 'Pipelines'), table(['Pipeline', 'Runs'], (data.pipelines ?? []).map((p) => [p.name, String(p.run_count ?? '')]), { 'data-testid': 'pipelines-table' }));
}

async function warehousePage() {
  const data = await api.warehouse();
  if (data.available === false) return unavailable('Warehouse', data);
  render(h('h1', {}, 'Warehouse'), table(['Collection', 'Documents'], (data.collections ?? []).map((c) => [c.name, String(c.count)]), { 'data-testid': 'warehouse-table' }));
}

const routes = [
  [/^#?\/?$/, () => experimentsPage(), 'experiments'],
  [/^#\/experiments$/, () => experimentsPage(), 'experiments'],
  [/^#\/experiments\/(\d+)$/, (m) => experimentPage(m[1]), 'experiments'],
  [/^#\/runs\/([0-9a-f]+)$/, (m) => runPage(m[1]), 'experiments'],
  [/^#\/models$/, () => modelsPage(), 'models'],
  [/^#\/models\/(.+)$/, (m) => modelPage(decodeURIComponent(m[1])), 'models'],
  [/^#\/pipelines.*$/, () => pipelinesPage(), 'pipelines'],
  [/^#\/warehouse$/, () => warehousePage(), 'warehouse'],
];

async function route() {
  const hash = window.location.hash || '#/';
  for (const [pattern, page, nav] of routes) {
    const match = hash.match(pattern);
    if (!match) continue;
    for (const link of document.querySelectorAll('[data-nav]')) {
      link.classList.toggle('active', link.dataset.nav === nav);
    }
    app.setAttribute('aria-busy', 'true');
    try {
      await page(match);
    } catch (error) {
      render(errorBox(error));
    } finally {
      app.setAttribute('aria-busy', 'false');
    }
    return;
  }
  render(h('h1', {}, 'Not found'), h('p', {}, `Nothing at ${hash}.`));
}

window.addEventListener('hashchange', route);
route();
