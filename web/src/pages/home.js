// #/ : an overview of everything the server holds, each part with its count and a link to its
// page: recent pipeline runs, experiments, registered models, warehouse collections and vector
// collections. A part whose store this server lacks says so; the others still show.
import { api } from '../api.js';
import { h, table, formatTime } from '../dom.js';
import { render, statusBadge, formatMs } from '../ui.js';

const kRecentRuns = 8;

function card(testid, title, href, count, body, wide = false) {
  return h('section', { class: wide ? 'card wide' : 'card', 'data-testid': testid },
    h('h2', {}, h('a', { href }, title), ' ', h('span', { class: 'count', 'data-testid': `${testid}-count` }, count)),
    body);
}

function note(text) {
  return h('p', { class: 'muted' }, text);
}

function failed(result) {
  return result.status === 'rejected' ? note(`Could not load: ${result.reason.message}`) : null;
}

function pipelineRunsCard(result, pipelines) {
  if (pipelines?.available === false) return card('home-pipeline-runs', 'Pipeline runs', '#/pipelines', '', note(pipelines.reason));
  const problem = failed(result);
  if (problem) return card('home-pipeline-runs', 'Pipeline runs', '#/pipelines', '', problem);
  const runs = result.value.runs ?? [];
  const total = (pipelines?.pipelines ?? []).reduce((sum, p) => sum + p.run_count, 0);
  const body = runs.length === 0
    ? note('No pipeline has run yet. Try `twin pipeline run digital_data_etl`.')
    : table(['Run', 'Pipeline', 'Status', 'Started', 'Took'], runs.slice(0, kRecentRuns).map((r) => [
        h('a', { href: `#/pipeline-runs/${r.id}` }, r.name),
        h('a', { href: `#/pipelines/${encodeURIComponent(r.pipeline)}` }, r.pipeline),
        statusBadge(r.status),
        r.started_at.replace('T', ' ').slice(0, 19),
        formatMs(r.duration_ms),
      ]), { 'data-testid': 'home-runs-table' });
  return card('home-pipeline-runs', 'Pipeline runs', '#/pipelines', String(total || runs.length), body, true);
}

function experimentsCard(result) {
  const problem = failed(result);
  if (problem) return card('home-experiments', 'Experiments', '#/experiments', '', problem);
  const experiments = result.value.experiments;
  return card('home-experiments', 'Experiments', '#/experiments', String(experiments.length),
    experiments.length === 0 ? note('No experiments yet: log with an MLflow client (MLFLOW_TRACKING_URI).')
      : table(['Experiment', 'Runs', 'Created'], experiments.map((e) => [
          h('a', { href: `#/experiments/${e.experiment_id}` }, e.name), String(e.run_count), formatTime(e.creation_time)]),
        { 'data-testid': 'experiments-table' }));
}

function modelsCard(result) {
  const problem = failed(result);
  if (problem) return card('home-models', 'Models', '#/models', '', problem);
  const models = result.value.models;
  return card('home-models', 'Models', '#/models', String(models.length),
    models.length === 0 ? note('No registered models yet.')
      : table(['Model', 'Latest', 'Aliases'], models.map((m) => [
          h('a', { href: `#/models/${encodeURIComponent(m.name)}` }, m.name),
          m.latest_versions.map((v) => `v${v.version} ${v.current_stage}`).join(', '),
          m.aliases.map((a) => `${a.alias} → v${a.version}`).join(', ')])));
}

function warehouseCard(result) {
  const problem = failed(result);
  if (problem) return card('home-warehouse', 'Warehouse', '#/warehouse', '', problem);
  if (result.value.available === false) return card('home-warehouse', 'Warehouse', '#/warehouse', '', note(result.value.reason));
  const collections = Object.entries(result.value.collections ?? {});
  const documents = collections.reduce((sum, [, c]) => sum + c.documents, 0);
  return card('home-warehouse', 'Warehouse', '#/warehouse', `${collections.length} collections · ${documents} documents`,
    collections.length === 0 ? note('Empty: the digital_data_etl pipeline fills it.')
      : table(['Collection', 'Documents'], collections.map(([name, c]) => [
          h('a', { href: `#/warehouse/${encodeURIComponent(name)}` }, name), String(c.documents)])));
}

function vectorsCard(result) {
  const problem = failed(result);
  if (problem) return card('home-vectors', 'Vector collections', '#/vectors', '', problem);
  if (result.value.available === false) return card('home-vectors', 'Vector collections', '#/vectors', '', note(result.value.reason));
  const collections = result.value.collections ?? [];
  const points = collections.reduce((sum, c) => sum + c.points, 0);
  return card('home-vectors', 'Vector collections', '#/vectors', `${collections.length} collections · ${points} points`,
    collections.length === 0 ? note('None: the feature_engineering pipeline fills them.')
      : table(['Collection', 'Points', 'Vectors'], collections.map((c) => [
          h('a', { href: `#/vectors/${encodeURIComponent(c.name)}` }, c.name), String(c.points), c.vector_size ? `${c.vector_size}-d ${c.distance ?? ''}` : 'none'])));
}

export async function homePage() {
  const [runs, pipelines, experiments, models, warehouse, vectors] = await Promise.allSettled([
    api.recentPipelineRuns(kRecentRuns), api.pipelines(), api.experiments(), api.models(), api.warehouse(), api.vectors(),
  ]);
  // Without the token nothing loads: say that once, as every page does.
  if (experiments.status === 'rejected' && experiments.reason?.status === 401) throw experiments.reason;
  render(
    h('h1', {}, 'Overview'),
    h('div', { class: 'overview' },
      pipelineRunsCard(runs, pipelines.status === 'fulfilled' ? pipelines.value : null),
      experimentsCard(experiments),
      modelsCard(models),
      warehouseCard(warehouse),
      vectorsCard(vectors)),
  );
}
