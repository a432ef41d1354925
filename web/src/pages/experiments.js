// Tracking pages:
//   #/experiments            experiments with run counts
//   #/experiments/<id>       the runs table (params, latest metrics; searchable, sortable by any
//                            column, scrolling inside its box) and metric charts comparing runs
//   #/runs/<run_id>          one run: its id, params, metrics, tags, artifacts, the model
//                            versions registered from it, a chart per metric
import { api } from '../api.js';
import { h, table, formatTime, formatDuration, formatNumber } from '../dom.js';
import { metricChart } from '../charts.js';
import { render, clearCharts, keepChart, statusBadge, keyValueTable, formatBytes } from '../ui.js';

export async function experimentsPage() {
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

function rawValue(run, field, key) {
  return (run.data[field] ?? []).find((x) => x.key === key)?.value;
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
    keepChart(metricChart(canvas, key, series));
  }
}

// A long metric name (eval/metric_number_05) may wrap after its / _ . separators.
function breakable(name) {
  return name.split(/(?<=[/_.])/).flatMap((part, i) => (i === 0 ? [part] : [h('wbr'), part]));
}

// Compares two cells: numbers as numbers, missing values last, the rest as text.
function compareValues(a, b) {
  const missingA = a === undefined || a === '';
  const missingB = b === undefined || b === '';
  if (missingA || missingB) return missingA === missingB ? 0 : missingA ? 1 : -1;
  const numberA = Number(a);
  const numberB = Number(b);
  if (!Number.isNaN(numberA) && !Number.isNaN(numberB)) return numberA - numberB;
  return String(a).localeCompare(String(b));
}

export async function experimentPage(id) {
  const { experiment, runs } = await api.experimentRuns(id);
  const paramKeys = keysOf(runs, 'params');
  const metricKeys = keysOf(runs, 'metrics');
  const selected = new Set(runs.slice(0, 10).map((r) => r.info.run_id));
  const chartsBox = h('div', { class: 'charts', 'data-testid': 'charts' });
  const redraw = () => drawComparison(chartsBox, runs.filter((r) => selected.has(r.info.run_id)), metricKeys);
  // Each column: its header, the value it sorts by and the cell it shows.
  const columns = [
    { name: 'Run', value: (r) => r.info.run_name, cell: (r) => h('a', { href: `#/runs/${r.info.run_id}` }, r.info.run_name) },
    { name: 'Status', value: (r) => r.info.status, cell: (r) => statusBadge(r.info.status) },
    { name: 'Started', value: (r) => r.info.start_time, cell: (r) => formatTime(r.info.start_time) },
    { name: 'Duration', value: (r) => (r.info.end_time ? r.info.end_time - r.info.start_time : undefined), cell: (r) => formatDuration(r.info.start_time, r.info.end_time) },
    ...paramKeys.map((k) => ({ name: k, group: 'param', value: (r) => rawValue(r, 'params', k), cell: (r) => rawValue(r, 'params', k) ?? '' })),
    ...metricKeys.map((k) => ({ name: k, group: 'metric', value: (r) => rawValue(r, 'metrics', k), cell: (r) => { const v = rawValue(r, 'metrics', k); return v === undefined ? '' : formatNumber(v); } })),
  ];
  let sortColumn = 2;
  let descending = true;
  let query = '';
  const tableBox = h('div', { class: 'table-box', 'data-testid': 'runs-box' });
  const matches = (run) => {
    if (!query) return true;
    const haystack = [run.info.run_name, run.info.run_id, run.info.status,
      ...['params', 'metrics', 'tags'].flatMap((f) => (run.data[f] ?? []).map((x) => `${x.key}=${x.value}`))].join(' ').toLowerCase();
    return query.split(/\s+/).every((word) => haystack.includes(word));
  };
  const drawTable = () => {
    const shown = runs.filter(matches).sort((a, b) => {
      const order = compareValues(columns[sortColumn].value(a), columns[sortColumn].value(b));
      return descending ? -order : order;
    });
    const header = h('tr', {}, h('th', { class: 'sticky-0' }, ''), columns.map((column, index) =>
      h('th', { class: `${index === 0 ? 'sticky-1 ' : ''}${column.group ?? ''}`, 'aria-sort': index === sortColumn ? (descending ? 'descending' : 'ascending') : 'none' },
        h('button', {
          class: 'sort', 'data-testid': `sort-${column.group ? `${column.group}-` : ''}${column.name}`,
          title: column.group ? `${column.group} ${column.name}` : column.name,
          onclick: () => { descending = sortColumn === index ? !descending : column.group === 'metric' ? false : true; sortColumn = index; drawTable(); },
        }, column.group ? h('span', { class: 'column-group' }, column.group) : '', breakable(column.name), index === sortColumn ? (descending ? ' ▼' : ' ▲') : ''))));
    const body = shown.map((run) => h('tr', { 'data-run': run.info.run_name },
      h('td', { class: 'sticky-0' }, h('input', {
        type: 'checkbox',
        checked: selected.has(run.info.run_id),
        'aria-label': `compare ${run.info.run_name}`,
        onchange: (event) => {
          if (event.target.checked) selected.add(run.info.run_id);
          else selected.delete(run.info.run_id);
          redraw();
        },
      })),
      columns.map((column, index) => h('td', { class: index === 0 ? 'sticky-1' : column.group === 'metric' ? 'number' : '' }, column.cell(run)))));
    tableBox.replaceChildren(
      h('p', { class: 'muted', 'data-testid': 'runs-count' }, `${shown.length} of ${runs.length} runs`),
      h('div', { class: 'scroll-box' }, h('table', { 'data-testid': 'runs-table', class: 'runs' }, h('thead', {}, header), h('tbody', {}, body))));
  };
  const searchInput = h('input', {
    type: 'search', size: 40, placeholder: 'run name, learning_rate=0.001, ...', 'aria-label': 'search runs',
    oninput: (event) => { query = event.target.value.trim().toLowerCase(); drawTable(); },
  });
  render(
    h('h1', {}, `Experiment: ${experiment.name}`),
    h('p', { class: 'muted' }, `id ${experiment.experiment_id} · artifacts ${experiment.artifact_location}`),
    runs.length === 0 ? h('p', {}, 'No runs in this experiment yet.') : [h('p', {}, 'Search ', searchInput), tableBox],
    h('h2', {}, 'Metrics'),
    chartsBox,
  );
  if (runs.length) drawTable();
  await redraw();
}

// The proxy path of a run's artifact, when the run stores them through the server.
function artifactHref(info, path) {
  const prefix = 'mlflow-artifacts:/';
  if (!info.artifact_uri?.startsWith(prefix)) return null;
  const root = info.artifact_uri.slice(prefix.length).replace(/^\/+/, '');
  return `/api/2.0/mlflow-artifacts/artifacts/${[...root.split('/'), ...path.split('/')].map(encodeURIComponent).join('/')}`;
}

async function artifactRows(info, path = '', depth = 0) {
  const { files = [] } = await api.runArtifacts(info.run_id, path);
  const rows = [];
  for (const file of files) {
    if (file.is_dir) {
      rows.push([h('span', { class: 'muted' }, `${file.path}/`), '']);
      if (depth < 3) rows.push(...(await artifactRows(info, file.path, depth + 1)));
    } else {
      const href = artifactHref(info, file.path);
      rows.push([href ? h('a', { href, download: file.path.split('/').pop() }, file.path) : file.path, formatBytes(file.file_size ?? 0)]);
    }
  }
  return rows;
}

export async function runPage(id) {
  const { run } = await api.run(id);
  const chartsBox = h('div', { class: 'charts', 'data-testid': 'charts' });
  const info = run.info;
  const [artifacts, versions] = await Promise.all([
    artifactRows(info).catch((error) => [[`could not list: ${error.message}`, '']]),
    api.modelVersionsOfRun(info.run_id).then((r) => r.model_versions ?? []).catch(() => []),
  ]);
  render(
    h('h1', {}, `Run: ${info.run_name}`),
    h('p', {}, statusBadge(info.status), ` started ${formatTime(info.start_time)}`,
      info.end_time ? `, took ${formatDuration(info.start_time, info.end_time)}` : '',
      ' · ', h('a', { href: `#/experiments/${info.experiment_id}` }, 'experiment'),
      info.pipeline_run_id ? [' · pipeline run ', h('a', { href: `#/pipeline-runs/${info.pipeline_run_id}` }, info.pipeline_run_id)] : ''),
    h('p', { class: 'muted' }, 'run id ', h('code', { 'data-testid': 'run-id' }, info.run_id), ` · artifacts ${info.artifact_uri}`),
    h('div', { class: 'columns' },
      h('section', {}, h('h2', {}, 'Parameters'), keyValueTable(run.data.params, 'params-table')),
      h('section', {}, h('h2', {}, 'Latest metrics'), keyValueTable(run.data.metrics, 'metrics-table')),
      h('section', {}, h('h2', {}, 'Tags'), keyValueTable(run.data.tags, 'tags-table'))),
    h('h2', {}, 'Artifacts'),
    artifacts.length ? table(['Path', 'Size'], artifacts, { 'data-testid': 'run-artifacts' }) : h('p', { class: 'muted' }, 'none'),
    h('h2', {}, 'Registered model versions'),
    versions.length
      ? table(['Model', 'Version', 'Stage', 'Aliases'], versions.map((v) => [
          h('a', { href: `#/models/${encodeURIComponent(v.name)}` }, v.name), `v${v.version}`, v.current_stage, (v.aliases ?? []).join(', ')]),
        { 'data-testid': 'run-model-versions' })
      : h('p', { class: 'muted' }, 'none'),
    h('h2', {}, 'Metric history'), chartsBox,
  );
  await drawComparison(chartsBox, [run], run.data.metrics.map((m) => m.key));
}
