// Pipeline pages:
//   #/pipelines              pipelines with their run counts and last run
//   #/pipelines/<name>       the runs of one pipeline
//   #/pipeline-runs/<id>     one run: its DAG as a graph, its config, parameters and output
//                            metadata, every step (inputs, outputs, metadata, a failed step's
//                            output tail) and a step's log
import { api } from '../api.js';
import { h, table } from '../dom.js';
import { dagSvg, stepInfoLine } from '../dag.js';
import { render, statusBadge, unavailable, formatMs, jsonBlock, isEmptyObject } from '../ui.js';
import { splitStepError } from '../text.js';

export async function pipelinesPage() {
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

export async function pipelinePage(name) {
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

function formatValue(value) {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

// A list parameter (the ETL's links) one item a line; other values as JSON.
function parameterValue(value) {
  if (Array.isArray(value) && value.every((item) => typeof item !== 'object')) {
    return h('ul', { class: 'plain' }, value.map((item) => h('li', {}, String(item))));
  }
  return h('span', { class: 'wrap' }, formatValue(value));
}

function lastLines(text, count) {
  const lines = text.replace(/\s+$/, '').split('\n');
  return lines.slice(-count).join('\n');
}

// The crawler's per-domain counts and failures as tables; other metadata as JSON.
function stepMetadata(metadata) {
  if (isEmptyObject(metadata)) return '';
  const { domains, failures, ...rest } = metadata;
  return h('div', { class: 'step-metadata', 'data-testid': 'step-metadata' },
    domains && !isEmptyObject(domains) ? table(['Domain', 'OK', 'Failed', 'Skipped'],
      Object.entries(domains).map(([domain, c]) => [domain, String(c.ok ?? 0), String(c.failed ?? 0), String(c.skipped ?? 0)]),
      { 'data-testid': 'step-domains', class: 'compact' }) : '',
    Array.isArray(failures) && failures.length ? h('div', {}, h('h4', {}, `Failures (${failures.length})`),
      table(['Link', 'Reason'], failures.map((f) => [f.link ?? '', h('span', { class: 'wrap' }, f.reason ?? formatValue(f))]),
        { 'data-testid': 'step-failures', class: 'compact' })) : '',
    isEmptyObject(rest) ? '' : h('details', {}, h('summary', {}, 'metadata'), jsonBlock(rest)));
}

function artifactLinks(label, links, withVersion) {
  if (!links.length) return '';
  return h('div', { class: label === 'in' ? 'muted' : '' }, `${label}: `,
    links.map((l) => [h('a', { href: `#/artifacts/${encodeURIComponent(l.artifact)}/${l.version}` }, withVersion ? `${l.name} v${l.version}` : l.name), ' ']));
}

export async function pipelineRunPage(id) {
  const { run, steps, edges, tracker_runs } = await api.pipelineRun(id);
  const logBox = h('pre', { class: 'log', 'data-testid': 'step-log' }, 'Choose a step to see its log.');
  const showLog = async (step) => {
    logBox.textContent = `${step}: loading...`;
    logBox.textContent = (await api.stepLog(run.id, step)) || `(${step} wrote nothing)`;
  };
  const cards = new Map();
  const stepCard = (step) => {
    const failure = step.error ? splitStepError(step.error) : null;
    // A failed step's output tail: quoted by its error, else the end of its log. (A skipped
    // step's error only names the step that failed before it.)
    const showTail = failure && (failure.tail || step.status === 'failed');
    const tailBox = showTail ? h('pre', { class: 'log stderr', 'data-testid': 'step-stderr' }, failure.tail || 'loading...') : '';
    if (showTail && !failure.tail) {
      api.stepLog(run.id, step.step).then((text) => { tailBox.textContent = lastLines(text, 20) || '(the step wrote nothing)'; });
    }
    const card = h('div', { class: `step status-${step.status}`, 'data-testid': 'dag-step', 'data-step': step.step },
      h('div', { class: 'step-name' }, step.step),
      h('div', {}, statusBadge(step.status), ' ', stepInfoLine(step).split(' · ').slice(1).join(' · ')),
      artifactLinks('in', step.inputs, false),
      artifactLinks('out', step.outputs, true),
      failure ? [h('div', { class: 'step-error', 'data-testid': 'step-error' }, failure.summary), tailBox] : '',
      stepMetadata(step.metadata),
      h('button', { onclick: () => showLog(step.step) }, 'log'));
    cards.set(step.step, card);
    return card;
  };
  const select = (name) => {
    for (const [stepName, card] of cards) card.classList.toggle('selected', stepName === name);
    cards.get(name)?.scrollIntoView({ block: 'nearest' });
    showLog(name);
  };
  const { parameters = {}, ...settings } = run.config ?? {};
  render(
    h('h1', {}, `Run: ${run.name}`),
    h('p', {}, statusBadge(run.status), ' pipeline ', h('a', { href: `#/pipelines/${encodeURIComponent(run.pipeline)}` }, run.pipeline),
      ` · id ${run.id} · started ${run.started_at}`, run.duration_ms !== null ? ` · took ${formatMs(run.duration_ms)}` : ''),
    tracker_runs.length ? h('p', {}, 'Tracker runs: ', tracker_runs.map((t) => [h('a', { href: `#/runs/${t}` }, t.slice(0, 8)), ' '])) : '',
    h('div', { class: 'dag-box', 'data-testid': 'dag' }, dagSvg(steps, edges, select)),
    h('div', { class: 'columns' },
      h('section', {}, h('h2', {}, 'Parameters'),
        isEmptyObject(parameters) ? h('p', { class: 'muted' }, 'none')
          : table(['Name', 'Value'], Object.entries(parameters).map(([k, v]) => [k, parameterValue(v)]), { 'data-testid': 'run-parameters', class: 'parameters' })),
      h('section', {}, h('h2', {}, 'Configuration'), jsonBlock(settings, { 'data-testid': 'run-config' })),
      h('section', {}, h('h2', {}, 'Output metadata'),
        isEmptyObject(run.metadata) ? h('p', { class: 'muted' }, 'none') : jsonBlock(run.metadata, { 'data-testid': 'run-metadata' }))),
    h('h2', {}, 'Steps'),
    h('div', { class: 'step-grid' }, steps.map(stepCard)),
    h('h2', {}, 'Log'),
    logBox,
  );
}
