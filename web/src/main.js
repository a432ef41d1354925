// The twin dashboard: a hash-routed single page over twin server's /api/twin/ API.
//   #/experiments            experiments with run counts
//   #/experiments/<id>       the runs table (params, latest metrics) and metric charts comparing runs
//   #/runs/<run_id>          one run: info, params, tags, a chart per metric
//   #/models, #/models/<n>   the model registry: versions, stages, aliases, model cards
//   #/pipelines, #/pipelines/<name>, #/pipeline-runs/<id>
//                            pipelines, their runs, a run's DAG (status, duration, cache) and logs
//   #/artifacts, #/artifacts/<name>/<version>
//                            artifact versions with metadata, lineage, preview and download
//   #/warehouse              warehouse collections with document and per-author counts
//   #/warehouse/<collection> a page of its documents, a JSON preview of one, its pipeline run
//   #/vectors, #/vectors/<name>  vector collections, their points and a search (vectors.js)
import './style.css';
import { api, ApiError } from './api.js';
import { h, table, formatTime, formatDuration, formatNumber } from './dom.js';
import { metricChart } from './charts.js';
import { renderModelCard } from './markdown.js';
import { vectorsPage, vectorCollectionPage } from './vectors.js';

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
      info.pipeline_run_id ? [' · pipeline run ', h('a', { href: `#/pipeline-runs/${info.pipeline_run_id}` }, info.pipeline_run_id)] : ''),
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

function formatBytes(bytes) {
  const n = Number(bytes);
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GB`;
}

async function modelPage(name) {
  const { model, versions } = await api.model(name);
  const detail = h('section', { 'data-testid': 'version-detail' });
  const showVersion = async (v) => {
    const card = (await api.modelCard(name, v.version)) || v.model_card || '';
    const files = v.files ?? [];
    detail.replaceChildren(
      h('h2', {}, `Version ${v.version}`),
      files.length === 0
        ? h('p', { class: 'muted' }, `No files in twin's artifact store; source: ${v.source}`)
        : table(
            ['File', 'Size', 'SHA-256'],
            files.map((f) => [
              h('a', { href: api.modelFileUrl(name, v.version, f.path), download: f.path.split('/').pop(), 'data-testid': 'model-file' }, f.path),
              formatBytes(f.size),
              h('code', {}, f.sha256.slice(0, 16)),
            ]),
            { 'data-testid': 'files-table' },
          ),
      h('h3', {}, 'Model card'),
      h('div', { class: 'model-card', 'data-testid': 'model-card' },
        card ? renderModelCard(card) : h('p', { class: 'muted' }, '(this version has no model card)')),
    );
  };
  render(
    h('h1', {}, `Model: ${model.name}`),
    model.description ? h('p', {}, model.description) : '',
    table(
      ['Version', 'Stage', 'Aliases', 'Source', 'Run', 'Files', 'Created', ''],
      versions.map((v) => [
        `v${v.version}`,
        v.current_stage,
        v.aliases.join(', '),
        h('span', { class: 'source', title: v.source }, v.source),
        v.run_id ? h('a', { href: `#/runs/${v.run_id}` }, v.run_id.slice(0, 8)) : '',
        String((v.files ?? []).filter((f) => f.path !== 'README.md').length),
        formatTime(v.creation_timestamp),
        h('button', { onclick: () => showVersion(v), 'data-testid': `show-version-${v.version}` }, 'Card & files'),
      ]),
      { 'data-testid': 'versions-table' },
    ),
    detail,
  );
  const newest = versions[versions.length - 1];
  if (newest) await showVersion(newest);
  else detail.replaceChildren(h('p', {}, 'No versions yet.'));
}

function unavailable(title, data) {
  render(h('h1', {}, title), h('p', { class: 'muted', 'data-testid': 'unavailable' }, data.reason ?? `Not available on this server.`));
}

async function pipelinesPage() {
  const data = await api.pipelines();
  if (data.available === false) return unavailable('Pipelines', data);
  render(
    h('h1', {}, 'Pipelines'),
    data.pipelines.length === 0
      ? h('p', {}, 'No pipeline has run yet. Try `twin pipeline run NAME`.')
      : table(
          ['Pipeline', 'Runs', 'Last run', 'Status', 'Started'],
          data.pipelines.map((p) => [
            h('a', { href: `#/pipelines/${encodeURIComponent(p.name)}` }, p.name),
            String(p.run_count),
            h('a', { href: `#/pipeline-runs/${p.last_run.id}` }, p.last_run.name),
            statusBadge(p.last_run.status),
            p.last_run.started_at,
          ]),
          { 'data-testid': 'pipelines-table' },
        ),
  );
}

async function pipelinePage(name) {
  const { runs } = await api.pipelineRuns(name);
  render(
    h('h1', {}, `Pipeline: ${name}`),
    table(
      ['Run', 'Status', 'Started', 'Duration'],
      runs.map((r) => [h('a', { href: `#/pipeline-runs/${r.id}` }, r.name), statusBadge(r.status), r.started_at, formatMs(r.duration_ms)]),
      { 'data-testid': 'pipeline-runs-table' },
    ),
  );
}

function formatMs(ms) {
  if (ms === null || ms === undefined) return '';
  return ms < 1000 ? `${ms} ms` : formatDuration(0, ms);
}

// Longest-path layers: a step sits one column right of its furthest producer.
function dagLayers(steps, edges) {
  const layer = new Map(steps.map((s) => [s.step, 0]));
  for (let pass = 0; pass < steps.length; pass++) {
    for (const e of edges) {
      if (layer.has(e.from) && layer.has(e.to) && layer.get(e.to) < layer.get(e.from) + 1) layer.set(e.to, layer.get(e.from) + 1);
    }
  }
  const columns = [];
  for (const s of steps) (columns[layer.get(s.step)] ??= []).push(s);
  return columns.filter(Boolean);
}

async function pipelineRunPage(id) {
  const { run, steps, edges, tracker_runs } = await api.pipelineRun(id);
  const logBox = h('pre', { class: 'log', 'data-testid': 'step-log' }, 'Choose a step to see its log.');
  const showLog = async (step) => {
    logBox.textContent = `${step}: loading...`;
    logBox.textContent = (await api.stepLog(run.id, step)) || `(${step} wrote nothing)`;
  };
  const stepBox = (s) =>
    h('div', { class: `step status-${s.status}`, 'data-testid': 'dag-step', 'data-step': s.step },
      h('div', { class: 'step-name' }, s.step),
      h('div', {}, statusBadge(s.status), ' ', formatMs(s.duration_ms), s.cached_from ? ' · cache hit' : '', s.attempts > 1 ? ` · ${s.attempts} attempts` : ''),
      s.inputs.length ? h('div', { class: 'muted' }, 'in: ', s.inputs.map((i) => [h('a', { href: `#/artifacts/${encodeURIComponent(i.artifact)}/${i.version}` }, `${i.name}`), ' '])) : '',
      s.outputs.length ? h('div', {}, 'out: ', s.outputs.map((o) => [h('a', { href: `#/artifacts/${encodeURIComponent(o.artifact)}/${o.version}` }, `${o.name} v${o.version}`), ' '])) : '',
      s.error ? h('div', { class: 'step-error' }, s.error) : '',
      h('button', { onclick: () => showLog(s.step) }, 'log'));
  render(
    h('h1', {}, `Run: ${run.name}`),
    h('p', {}, statusBadge(run.status), ` pipeline `, h('a', { href: `#/pipelines/${encodeURIComponent(run.pipeline)}` }, run.pipeline),
      ` · started ${run.started_at}`, run.duration_ms !== null ? ` · took ${formatMs(run.duration_ms)}` : ''),
    tracker_runs.length ? h('p', {}, 'Tracker runs: ', tracker_runs.map((t) => [h('a', { href: `#/runs/${t}` }, t.slice(0, 8)), ' '])) : '',
    h('h2', {}, 'Steps'),
    h('div', { class: 'dag', 'data-testid': 'dag' }, dagLayers(steps, edges).map((column) => h('div', { class: 'dag-column' }, column.map(stepBox)))),
    edges.length ? h('p', { class: 'muted' }, edges.map((e) => `${e.from} → ${e.to} (${e.artifact})`).join(' · ')) : '',
    h('h2', {}, 'Log'),
    logBox,
  );
}

async function artifactsPage() {
  const data = await api.artifacts();
  if (data.available === false) return unavailable('Artifacts', data);
  render(
    h('h1', {}, 'Artifacts'),
    table(
      ['Artifact', 'Versions', 'Latest', 'Materializer', 'Size', 'Created'],
      data.artifacts.map((a) => [
        h('a', { href: `#/artifacts/${encodeURIComponent(a.name)}/${a.latest.version}` }, a.name),
        String(a.versions),
        `v${a.latest.version}`,
        a.latest.materializer,
        `${a.latest.size} B`,
        a.latest.created_at,
      ]),
      { 'data-testid': 'artifacts-table' },
    ),
  );
}

async function artifactPage(name, version) {
  const data = await api.artifactVersion(name, version);
  const v = data.version;
  render(
    h('h1', {}, `Artifact: ${v.name} v${v.version}`),
    table(['Field', 'Value'], [
      ['content hash', v.content_hash],
      ['size', `${v.size} B`],
      ['materializer', v.materializer],
      ['created', v.created_at],
      ['produced by', data.producer ? [h('a', { href: `#/pipeline-runs/${data.producer.run_id}` }, data.producer_run?.name ?? data.producer.run_id), ` / ${data.producer.step}`] : ''],
      ['used by', data.consumers.length ? data.consumers.map((c) => [h('a', { href: `#/pipeline-runs/${c.run_id}` }, `${c.step}`), ' ']) : 'none'],
    ], { 'data-testid': 'artifact-table' }),
    h('p', {}, h('a', { href: api.artifactDownloadUrl(v.name, v.version), download: `${v.name}-v${v.version}` }, 'Download')),
    h('h2', {}, 'Metadata'),
    h('pre', { class: 'log' }, JSON.stringify(v.metadata, null, 2)),
    h('h2', {}, 'Preview'),
    data.preview !== undefined
      ? h('pre', { class: 'log', 'data-testid': 'artifact-preview' }, data.preview, data.preview_truncated ? '\n…' : '')
      : h('p', { class: 'muted' }, 'No preview (binary content).'),
  );
}

async function warehousePage() {
  const data = await api.warehouse();
  if (data.available === false) return unavailable('Warehouse', data);
  const collections = Object.entries(data.collections ?? {});
  render(
    h('h1', {}, 'Warehouse'),
    collections.length === 0
      ? h('p', {}, 'The warehouse is empty. Import the Handbook\'s export with `twin warehouse import DIR`.')
      : table(
          ['Collection', 'Documents', 'Authors'],
          collections.map(([name, c]) => [
            h('a', { href: `#/warehouse/${encodeURIComponent(name)}` }, name),
            String(c.documents),
            Object.entries(c.authors).map(([author, n]) => `${author} (${n})`).join(', '),
          ]),
          { 'data-testid': 'warehouse-table' },
        ),
  );
}

// Crawled links are data: only http(s) ones become links (never javascript: and the like).
function safeLink(url) {
  return typeof url === 'string' && /^https?:\/\//i.test(url) ? h('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, url) : (url ?? '');
}

function documentTitle(doc) {
  if (doc.content && typeof doc.content === 'object' && doc.content.Title) return doc.content.Title;
  if (doc.name) return doc.name;
  if (doc.first_name || doc.last_name) return `${doc.first_name ?? ''} ${doc.last_name ?? ''}`.trim();
  return doc._id;
}

const kWarehousePage = 50;

async function warehouseCollectionPage(collection) {
  let skip = 0;
  let filter = '';
  const listBox = h('div', { 'data-testid': 'warehouse-documents' });
  const previewBox = h('div', { 'data-testid': 'document-details' }, h('p', { class: 'muted' }, 'Choose a document to see it.'));
  const showDocument = (item) => {
    previewBox.replaceChildren(
      h('p', {}, `_id ${item._id}`,
        item.lineage ? [' · written by pipeline run ', h('a', { href: `#/pipeline-runs/${encodeURIComponent(item.lineage.run_id)}`, 'data-testid': 'document-run' }, item.lineage.run_id)] : ' · no lineage (imported, not written by a pipeline run)'),
      item.truncated ? h('p', { class: 'muted' }, 'Long text fields are cut to 500 characters in this preview.') : '',
      h('pre', { class: 'log', 'data-testid': 'document-preview' }, JSON.stringify(item.document, null, 2)),
    );
  };
  const load = async () => {
    let page;
    try {
      page = await api.warehouseDocuments(collection, { limit: kWarehousePage, skip, filter });
    } catch (error) {
      listBox.replaceChildren(errorBox(error));
      return;
    }
    const last = Math.min(page.skip + page.documents.length, page.total);
    listBox.replaceChildren(
      h('p', { class: 'muted' }, page.total === 0 ? 'No documents match.' : `Documents ${page.skip + 1}–${last} of ${page.total}`),
      page.documents.length === 0 ? '' : h('div', { class: 'scroll' }, table(
        ['Title', 'Link', 'Platform', 'Author', 'Run', ''],
        page.documents.map((item) => {
          const doc = item.document;
          return [
            documentTitle(doc),
            safeLink(doc.link),
            doc.platform ?? '',
            doc.author_full_name ?? '',
            item.lineage ? h('a', { href: `#/pipeline-runs/${encodeURIComponent(item.lineage.run_id)}` }, item.lineage.run_id.slice(0, 8)) : '',
            h('button', { onclick: () => showDocument(item), 'data-testid': 'show-document' }, 'JSON'),
          ];
        }),
        { 'data-testid': 'documents-table' },
      )),
      h('p', {},
        page.skip > 0 ? h('button', { onclick: () => { skip = Math.max(skip - kWarehousePage, 0); load(); } }, 'Previous') : '',
        ' ',
        last < page.total ? h('button', { onclick: () => { skip += kWarehousePage; load(); } }, 'Next') : ''),
    );
  };
  const filterInput = h('input', { type: 'text', size: 60, placeholder: '{"platform": "medium"}', 'aria-label': 'filter' });
  render(
    h('h1', {}, `Warehouse: ${collection}`),
    h('p', {}, h('a', { href: '#/warehouse' }, 'all collections')),
    h('form', {
      onsubmit: (event) => {
        event.preventDefault();
        filter = filterInput.value.trim();
        skip = 0;
        load();
      },
    }, 'Filter ', filterInput, ' ', h('button', { type: 'submit' }, 'Apply')),
    listBox,
    h('h2', {}, 'Document'),
    previewBox,
  );
  await load();
}

const routes = [
  [/^#?\/?$/, () => experimentsPage(), 'experiments'],
  [/^#\/experiments$/, () => experimentsPage(), 'experiments'],
  [/^#\/experiments\/(\d+)$/, (m) => experimentPage(m[1]), 'experiments'],
  [/^#\/runs\/([0-9a-f]+)$/, (m) => runPage(m[1]), 'experiments'],
  [/^#\/models$/, () => modelsPage(), 'models'],
  [/^#\/models\/(.+)$/, (m) => modelPage(decodeURIComponent(m[1])), 'models'],
  [/^#\/pipelines$/, () => pipelinesPage(), 'pipelines'],
  [/^#\/pipelines\/(.+)$/, (m) => pipelinePage(decodeURIComponent(m[1])), 'pipelines'],
  [/^#\/pipeline-runs\/([^/]+)$/, (m) => pipelineRunPage(decodeURIComponent(m[1])), 'pipelines'],
  [/^#\/artifacts$/, () => artifactsPage(), 'artifacts'],
  [/^#\/artifacts\/([^/]+)\/(\d+)$/, (m) => artifactPage(decodeURIComponent(m[1]), m[2]), 'artifacts'],
  [/^#\/warehouse$/, () => warehousePage(), 'warehouse'],
  [/^#\/warehouse\/([^/]+)$/, (m) => warehouseCollectionPage(decodeURIComponent(m[1])), 'warehouse'],
  [/^#\/vectors$/, () => vectorsPage({ render, unavailable }), 'vectors'],
  [/^#\/vectors\/([^/]+)$/, (m) => vectorCollectionPage(decodeURIComponent(m[1]), { render, errorBox }), 'vectors'],
];

async function route() {
  const hash = window.location.hash || '#/';
  for (const [pattern, page, nav] of routes) {
    const match = hash.match(pattern);
    if (!match) continue;
    for (const link of document.querySelectorAll('[data-nav]')) {
      link.classList.toggle('active', link.dataset.nav === nav);
    }
    // data-route names the page on screen once it has rendered, so a reader (or a test) never
    // takes the previous page's content for the new one while the new one loads.
    delete app.dataset.route;
    app.setAttribute('aria-busy', 'true');
    try {
      await page(match);
    } catch (error) {
      render(errorBox(error));
    } finally {
      app.setAttribute('aria-busy', 'false');
      if ((window.location.hash || '#/') === hash) app.dataset.route = hash;
    }
    return;
  }
  render(h('h1', {}, 'Not found'), h('p', {}, `Nothing at ${hash}.`));
  app.dataset.route = hash;
}

window.addEventListener('hashchange', route);
route();
