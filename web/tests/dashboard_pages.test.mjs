// The dashboard's pages in headless Chromium (Debian's /usr/bin/chromium, playwright-core) at 1x
// zoom on a 1280x800 screen, against a real `twin server` filled through the real CLI and the
// MLflow REST API. Each check reads the DOM (positions, sizes, text), not pixels:
//   home:          an overview with counts of pipeline runs, experiments, models, collections
//   pipeline run:  the DAG as an SVG graph (status colours, cache hits, durations, edges), the
//                  run's parameters and config, the ETL's per-domain counts and failures, a
//                  failed step's output tail without the host log path, step names with their
//                  underscores inside their boxes
//   experiment:    many metric columns scroll inside the table's box (the page does not), search
//                  and sort
//   tracker run:   its id, its artifacts, the model versions registered from it
//   artifact:      a JSON preview indented with real characters, the list of versions
//   warehouse:     the table fits the screen; the preview of the 50th row is on screen
//   models:        stage and alias controls change the registry (checked through the API)
// With TWIN_SCREENSHOT_DIR set, it also saves a PNG of some pages there.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startTwinServer } from './twin_server.mjs';

const CHROMIUM = process.env.TWIN_CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
if (!existsSync(CHROMIUM)) {
  console.error(`chromium not found at ${CHROMIUM} (Debian package chromium; scripts/install-deps.sh installs it)`);
  process.exit(1);
}

function twin(project, binary, args, { mayFail = false } = {}) {
  const result = spawnSync(binary, args, { cwd: project, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  if (!mayFail && result.status !== 0) throw new Error(`twin ${args.join(' ')} failed: ${result.stderr}`);
  return result;
}

// Two steps with underscores in their names; the first writes JSON whose non-ASCII characters
// are \u escapes (an emoji as a surrogate pair), as JSON serializers write them.
const NOTES = String.raw`name: notes
parameters: {title: first}
steps:
  write_notes:
    run: [sh, -c, 'printf "{\"title\":\"%s \\\\ud83d\\\\ude80\",\"tags\":[\"caf\\\\u00e9\",\"etl\"]}" "$TWIN_PARAM_title" > "$TWIN_OUTPUT_notes"']
    outputs: [notes]
  count_words:
    run: [sh, -c, 'wc -c < "$TWIN_INPUT_notes" > "$TWIN_OUTPUT_count"']
    inputs: {notes: write_notes.notes}
    outputs: [count]
`;
const FLAKY = `name: flaky_etl
steps:
  load_raw_data:
    run: [sh, -c, 'echo loading; echo "boom: cannot reach db" >&2; exit 3']
    outputs: [raw]
`;

function prepare(project, binary) {
  writeFileSync(join(project, 'notes.yaml'), NOTES);
  twin(project, binary, ['pipeline', 'run', 'notes.yaml', '--run-name', 'notes-1']);
  twin(project, binary, ['pipeline', 'run', 'notes.yaml', '--run-name', 'notes-2', '--param', 'title=second']);
  twin(project, binary, ['pipeline', 'run', 'notes.yaml', '--run-name', 'notes-3']);  // cache hits
  writeFileSync(join(project, 'flaky.yaml'), FLAKY);
  assert.notEqual(twin(project, binary, ['pipeline', 'run', 'flaky.yaml', '--run-name', 'flaky-1'], { mayFail: true }).status, 0);
  // The ETL over one local page and one missing: completed, with a failure for the file domain.
  writeFileSync(join(project, 'page.html'), `<html><head><title>Local page</title></head><body><article><h1>Local page</h1>${
    '<p>An LLM twin learns to write like you from your articles, posts and code; this paragraph is long enough to count as content.</p>'.repeat(4)}</article></body></html>`);
  twin(project, binary, ['pipeline', 'run', 'digital_data_etl', '--run-name', 'etl-1', '--param', 'user_full_name=Paul Iusztin',
    '--param', `links=["file://${join(project, 'page.html')}", "file:///nonexistent/missing.html"]`]);
  // 60 articles: more than one page of the warehouse table.
  const dir = join(project, 'raw');
  mkdirSync(dir);
  writeFileSync(join(dir, 'ArticleDocument.json'), JSON.stringify(Array.from({ length: 60 }, (_, i) => ({
    _id: `art-${String(i + 1).padStart(2, '0')}`,
    content: { Title: `A rather long article title, number ${i + 1}, about building an LLM twin end to end`, Content: 'text '.repeat(50) },
    link: `https://medium.com/@paul/a-very-long-slug-for-article-number-${i + 1}-about-llm-twins-and-rag`,
    platform: 'medium', author_id: 'u-paul', author_full_name: 'Paul Iusztin',
  }))));
  twin(project, binary, ['warehouse', 'import', dir]);
}

const server = await startTwinServer({ prepare });
async function mlflow(method, path, body) {
  const response = await fetch(`${server.url}/api/2.0/mlflow/${path}`, {
    method, headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json();
  if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(data)}`);
  return data;
}
async function twinApi(path) {
  return (await fetch(`${server.url}/api/twin/${path}`)).json();
}

// An experiment with 30 metrics per run: far more columns than a screen holds.
const { experiment_id } = await mlflow('POST', 'experiments/create', { name: 'wide-exp' });
const runIds = {};
for (const [name, lr, scale] of [['sft-small', '0.001', 1], ['sft-large', '0.0003', 2], ['dpo-base', '0.0001', 3]]) {
  const { run } = await mlflow('POST', 'runs/create', { experiment_id, run_name: name, start_time: Date.now() });
  runIds[name] = run.info.run_id;
  await mlflow('POST', 'runs/log-batch', {
    run_id: run.info.run_id,
    params: [{ key: 'learning_rate', value: lr }, { key: 'base_model', value: 'meta-llama/Llama-3.1-8B' }],
    metrics: Array.from({ length: 30 }, (_, k) => ({ key: `eval/metric_number_${String(k).padStart(2, '0')}`, value: scale * (k + 1) + 0.123, timestamp: Date.now(), step: 0 })),
  });
  await mlflow('POST', 'runs/update', { run_id: run.info.run_id, status: 'FINISHED', end_time: Date.now() + 1000 });
}
// An artifact of sft-large through the artifact proxy, and a model version registered from it.
const { run: large } = await mlflow('GET', `runs/get?run_id=${runIds['sft-large']}`);
const proxyPath = large.info.artifact_uri.replace(/^mlflow-artifacts:\/+/, '');
const upload = await fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts/${proxyPath}/eval/results.json`, { method: 'PUT', body: '{"accuracy": 0.91}' });
assert.equal(upload.status, 200);
await mlflow('POST', 'registered-models/create', { name: 'twin-llama' });
await mlflow('POST', 'model-versions/create', { name: 'twin-llama', source: 'file:///models/twin/1', run_id: runIds['sft-large'] });
await mlflow('POST', 'model-versions/create', { name: 'twin-llama', source: 'file:///models/twin/2', run_id: runIds['dpo-base'] });

const pipelineRuns = (await twinApi('pipeline-runs?limit=100')).runs;
const runId = (name) => pipelineRuns.find((r) => r.name === name).id;

async function show(page, hash) {
  await page.goto(`${server.url}/${hash}`);
  await page.locator(`#app[data-route="${hash}"]`).waitFor();
}
const screenshotDir = process.env.TWIN_SCREENSHOT_DIR;
async function screenshot(page, name) {
  if (screenshotDir) await page.screenshot({ path: join(screenshotDir, `${name}.png`) });
}
// The page itself never scrolls sideways at this width.
async function assertNoPageScroll(page, where) {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
  assert.ok(scrollWidth <= innerWidth, `${where}: the page is ${scrollWidth}px wide on a ${innerWidth}px screen`);
}

const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
const problems = [];
let failed = false;
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
  page.on('console', (message) => { if (message.type() === 'error') problems.push(`console error: ${message.text()}`); });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('response', (response) => { if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`); });

  // ---- home
  await show(page, '#/');
  await page.getByTestId('home-pipeline-runs').waitFor();
  assert.equal(await page.getByTestId('home-pipeline-runs-count').innerText(), String(pipelineRuns.length));
  assert.equal(pipelineRuns.length, 5);
  const recent = await page.getByTestId('home-runs-table').innerText();
  for (const expected of ['notes-3', 'flaky-1', 'failed', 'etl-1', 'digital_data_etl']) assert.ok(recent.includes(expected), `home runs lack ${expected}`);
  assert.equal(await page.getByTestId('home-experiments-count').innerText(), '2');  // Default and wide-exp
  assert.match(await page.getByTestId('home-experiments').innerText(), /wide-exp\s+3/);
  assert.equal(await page.getByTestId('home-models-count').innerText(), '1');
  assert.match(await page.getByTestId('home-warehouse-count').innerText(), /collections · 62 documents/);  // 60 + 1 crawled + its user
  assert.match(await page.getByTestId('home-warehouse').innerText(), /articles\s+61/);
  await page.getByTestId('home-vectors').waitFor();
  await assertNoPageScroll(page, 'home');

  // ---- pipeline run: the graph
  await show(page, `#/pipeline-runs/${runId('notes-1')}`);
  const nodes = page.getByTestId('dag-node');
  assert.equal(await nodes.count(), 2);
  assert.equal(await page.locator('[data-testid="dag-node"][data-step="write_notes"]').getAttribute('data-status'), 'completed');
  assert.match(await page.locator('[data-testid="dag-node"][data-step="write_notes"] .node-info').textContent(), /^completed · \d+ ms$/);
  const edge = page.getByTestId('dag-edge');
  assert.equal(await edge.count(), 1);
  assert.equal(await edge.getAttribute('data-from'), 'write_notes');
  assert.equal(await edge.getAttribute('data-to'), 'count_words');
  assert.equal(await edge.locator('path').getAttribute('marker-end'), 'url(#dag-arrow)');
  // Each name, underscores included, lies inside its box (text box with its descent, not clipped),
  // the box is drawn in the status colour, and edges go from the right of one to the left of the next.
  const geometry = await page.locator('[data-testid="dag-graph"]').evaluate((svg) =>
    [...svg.querySelectorAll('[data-testid="dag-node"]')].map((node) => {
      const box = node.querySelector('rect').getBBox();
      const name = node.querySelector('.node-name');
      const text = name.getBBox();
      return { step: node.dataset.step, label: name.textContent, box: [box.x, box.y, box.width, box.height], text: [text.x, text.y, text.width, text.height],
        stroke: getComputedStyle(node.querySelector('rect')).stroke, fontSize: parseFloat(getComputedStyle(name).fontSize) };
    }));
  for (const g of geometry) {
    assert.equal(g.label, g.step);
    assert.ok(g.label.includes('_'));
    assert.ok(g.fontSize >= 12, `${g.step}: ${g.fontSize}px text`);
    const [bx, by, bw, bh] = g.box;
    const [tx, ty, tw, th] = g.text;
    assert.ok(tx >= bx && ty >= by && tx + tw <= bx + bw && ty + th <= by + bh, `${g.step}: name ${g.text} outside its box ${g.box}`);
    assert.equal(g.stroke, 'rgb(22, 163, 74)', `${g.step}: a completed step is drawn green`);
  }
  // The step cards below show the names in full too (no clipped line box).
  const cardNames = await page.locator('.step-name').evaluateAll((names) => names.map((n) => ({ text: n.textContent, clipped: n.scrollHeight > n.clientHeight + 1 || n.scrollWidth > n.clientWidth + 1 })));
  assert.deepEqual(cardNames, [{ text: 'write_notes', clipped: false }, { text: 'count_words', clipped: false }]);
  assert.match(await page.getByTestId('run-parameters').innerText(), /title\s+first/);
  assert.equal(JSON.parse(await page.getByTestId('run-config').innerText()).enable_cache, true);
  // A click on a box selects its card and shows its log.
  await page.locator('[data-testid="dag-node"][data-step="count_words"]').click();
  await page.locator('.step.selected[data-step="count_words"]').waitFor();
  await screenshot(page, 'dashboard-pipeline-run');

  // Cache hits are drawn as such.
  await show(page, `#/pipeline-runs/${runId('notes-3')}`);
  for (const step of ['write_notes', 'count_words']) {
    const node = page.locator(`[data-testid="dag-node"][data-step="${step}"]`);
    assert.equal(await node.getAttribute('data-status'), 'cached');
    assert.match(await node.getAttribute('class'), /cache-hit/);
    assert.match(await node.locator('.node-info').textContent(), /cache hit/);
  }
  assert.equal(await page.locator('[data-testid="dag-node"][data-step="write_notes"] rect').first().evaluate((r) => getComputedStyle(r).stroke), 'rgb(8, 145, 178)');

  // A failed step: red, its message without the host log path, the lines its command wrote.
  await show(page, `#/pipeline-runs/${runId('flaky-1')}`);
  const failedNode = page.locator('[data-testid="dag-node"][data-step="load_raw_data"]');
  assert.equal(await failedNode.getAttribute('data-status'), 'failed');
  assert.equal(await failedNode.locator('rect').first().evaluate((r) => getComputedStyle(r).stroke), 'rgb(220, 38, 38)');
  const errorText = await page.getByTestId('step-error').innerText();
  assert.match(errorText, /command exited with code 3/);
  assert.ok(!errorText.includes('.twin/logs') && !errorText.includes('log:'), errorText);
  assert.match(await page.getByTestId('step-stderr').innerText(), /loading\nboom: cannot reach db/);
  assert.ok(!(await page.locator('#app').innerText()).includes(server.project), 'the page shows a host path');

  // The ETL's per-domain counts and failures.
  await show(page, `#/pipeline-runs/${runId('etl-1')}`);
  assert.match(await page.getByTestId('step-domains').innerText(), /file\s+1\s+1\s+0/);
  assert.match(await page.getByTestId('step-failures').innerText(), /file:\/\/\/nonexistent\/missing\.html\s+.*Couldn't open file/);
  assert.match(await page.getByTestId('run-parameters').innerText(), /user_full_name\s+Paul Iusztin/);
  assert.deepEqual(JSON.parse(await page.getByTestId('run-metadata').innerText()).stored_documents, { articles: 1, posts: 0, repositories: 0 });
  await assertNoPageScroll(page, 'ETL run');

  // ---- experiment: 64 columns scroll inside their box; search and sort
  await show(page, `#/experiments/${experiment_id}`);
  const box = page.locator('.scroll-box');
  const sizes = await box.evaluate((el) => ({ right: el.getBoundingClientRect().right, scrollWidth: el.scrollWidth, clientWidth: el.clientWidth }));
  assert.ok(sizes.scrollWidth > sizes.clientWidth, 'the 30 metric columns fit: the test shows nothing');
  assert.ok(sizes.right <= 1280, `the runs box ends at ${sizes.right}px`);
  await assertNoPageScroll(page, 'experiment');
  // Scrolled to its last column, the run names stay in view (sticky).
  await box.evaluate((el) => { el.scrollLeft = el.scrollWidth; });
  const nameCell = await page.locator('tr[data-run="sft-small"] td.sticky-1').boundingBox();
  assert.ok(nameCell.x >= 0 && nameCell.x < 200, `run name at ${nameCell.x}px after scrolling`);
  await screenshot(page, 'dashboard-experiment');
  const rowOrder = () => page.locator('[data-testid="runs-table"] tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.run));
  await page.getByTestId('sort-metric-eval/metric_number_05').click();
  assert.deepEqual(await rowOrder(), ['sft-small', 'sft-large', 'dpo-base']);
  await page.getByTestId('sort-metric-eval/metric_number_05').click();
  assert.deepEqual(await rowOrder(), ['dpo-base', 'sft-large', 'sft-small']);
  await page.getByTestId('sort-param-learning_rate').click();
  assert.deepEqual(await rowOrder(), ['sft-small', 'sft-large', 'dpo-base']);
  await page.getByLabel('search runs').fill('sft');
  assert.deepEqual(await rowOrder(), ['sft-small', 'sft-large']);
  await page.getByLabel('search runs').fill('learning_rate=0.0003');
  assert.deepEqual(await rowOrder(), ['sft-large']);
  assert.equal(await page.getByTestId('runs-count').innerText(), '1 of 3 runs');

  // ---- tracker run: id, artifacts, registered versions
  await show(page, `#/runs/${runIds['sft-large']}`);
  assert.equal(await page.getByTestId('run-id').innerText(), runIds['sft-large']);
  const artifactLink = page.getByTestId('run-artifacts').getByRole('link', { name: 'eval/results.json' });
  const artifactText = await page.evaluate(async (href) => (await fetch(href)).text(), await artifactLink.getAttribute('href'));
  assert.equal(artifactText, '{"accuracy": 0.91}');
  assert.match(await page.getByTestId('run-model-versions').innerText(), /twin-llama\s+v1\s+None/);

  // ---- artifact: readable JSON, versions
  await show(page, '#/artifacts/notes/1');
  const preview = await page.getByTestId('artifact-preview').innerText();
  assert.ok(preview.includes('"title": "first 🚀"'), preview);
  assert.ok(preview.includes('"café"'), preview);
  assert.ok(!preview.includes('\\u'), `escapes left: ${preview}`);
  assert.ok(preview.split('\n').length >= 6, 'the JSON is not indented');
  await page.getByTestId('artifact-versions').waitFor();
  assert.match(await page.getByTestId('artifact-versions').innerText(), /v2[\s\S]*notes-2[\s\S]*v1[\s\S]*notes-1/);
  await page.getByTestId('artifact-versions').getByRole('link', { name: 'v2' }).click();
  await page.locator('#app[data-route="#/artifacts/notes/2"]').waitFor();
  assert.ok((await page.getByTestId('artifact-preview').innerText()).includes('"title": "second 🚀"'));
  await screenshot(page, 'dashboard-artifact');

  // ---- warehouse: the table fits, the 50th row's preview is on screen
  await show(page, '#/warehouse/articles');
  await page.getByTestId('documents-table').waitFor();
  assert.equal(await page.locator('[data-testid="documents-table"] tbody tr').count(), 50);
  const tableRight = await page.getByTestId('documents-table').evaluate((t) => t.getBoundingClientRect().right);
  assert.ok(tableRight <= 1280, `the documents table ends at ${tableRight}px`);
  await assertNoPageScroll(page, 'warehouse');
  await page.getByTestId('show-document').nth(49).click();
  const documentPreview = page.getByTestId('document-preview');
  await documentPreview.waitFor();
  const previewBox = await documentPreview.boundingBox();
  assert.ok(previewBox.y >= 0 && previewBox.y < 800, `the preview starts at ${previewBox.y}px, off screen`);
  const fiftiethTitle = await page.locator('[data-testid="documents-table"] tbody tr').nth(49).locator('td').first().innerText();
  assert.equal(JSON.parse(await documentPreview.innerText()).content.Title, fiftiethTitle);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.getByTestId('show-document').nth(0).click();
  await screenshot(page, 'dashboard-warehouse');

  // ---- models: stage and alias controls
  await show(page, '#/models/twin-llama');
  await page.getByTestId('stage-1').selectOption('Production');
  await page.getByTestId('set-stage-1').click();
  await page.getByTestId('model-message').getByText('v1 moved to Production').waitFor();
  assert.equal((await mlflow('GET', 'model-versions/get?name=twin-llama&version=1')).model_version.current_stage, 'Production');
  assert.equal(await page.getByTestId('stage-1').inputValue(), 'Production');
  await page.getByTestId('alias-input-2').fill('challenger');
  await page.getByTestId('add-alias-2').click();
  await page.getByTestId('model-message').getByText('alias challenger → v2').waitFor();
  assert.equal((await mlflow('GET', 'registered-models/alias?name=twin-llama&alias=challenger')).model_version.version, '2');
  assert.match(await page.getByTestId('versions-table').innerText(), /challenger/);
  await page.getByRole('button', { name: 'remove alias challenger' }).click();
  await page.getByTestId('model-message').getByText('alias challenger removed').waitFor();
  const gone = await fetch(`${server.url}/api/2.0/mlflow/registered-models/alias?name=twin-llama&alias=challenger`);
  assert.equal(gone.status, 404);
  problems.length = 0;  // that 404 was asked for
  await page.getByTestId('alias-input-1').fill('champion');
  await page.getByTestId('add-alias-1').click();
  await page.getByTestId('model-message').getByText('alias champion → v1').waitFor();

  await show(page, '#/');
  await screenshot(page, 'dashboard-home');

  assert.deepEqual(problems, []);
  console.log('dashboard pages: home overview, DAG graph (status, cache hits, durations, underscores), run config and metadata, failed step output, ETL failures, experiment scroll/search/sort, tracker run, artifact JSON and versions, warehouse layout, model stage and aliases: ok');
} catch (error) {
  failed = true;
  console.error(error);
  if (problems.length) console.error(problems.join('\n'));
} finally {
  await browser.close();
  const code = await server.stop();
  if (code !== 0) {
    console.error(`twin server exited with ${code} after SIGTERM (expected 0)`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
