// The dashboard in headless Chromium (Debian's /usr/bin/chromium driven by playwright-core)
// against a real `twin server` that requires a token: the page is opened once with ?token=,
// then every view loads without console errors and shows the data this test created.
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

const token = 'dashboard-token';
// A two-step pipeline run through the real CLI, for the pipeline, DAG, log and artifact views.
const PIPELINE = `name: hello
parameters: {who: world}
steps:
  greet:
    run: echo "hello $TWIN_PARAM_who" > "$TWIN_OUTPUT_greeting"; echo "greeting written"
    outputs: [greeting]
  shout:
    run: [sh, -c, 'tr a-z A-Z < "$TWIN_INPUT_text" > "$TWIN_OUTPUT_loud"']
    inputs: {text: greet.greeting}
    outputs: [loud]
`;
function runPipeline(project, binary) {
  writeFileSync(join(project, 'hello.yaml'), PIPELINE);
  const result = spawnSync(binary, ['pipeline', 'run', 'hello.yaml', '--run-name', 'hello-1'], { cwd: project, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  if (result.status !== 0) throw new Error(`twin pipeline run failed: ${result.stderr}`);
}
// Warehouse documents in the Handbook's export format, imported through the real CLI: one user,
// three articles by two authors (one with a long text the preview cuts).
function importWarehouse(project, binary) {
  const dir = join(project, 'raw');
  mkdirSync(dir);
  writeFileSync(join(dir, 'UserDocument.json'), JSON.stringify([{ _id: 'u-paul', first_name: 'Paul', last_name: 'Iusztin' }]));
  const article = (id, title, author, text) => ({
    _id: id, content: { Title: title, Subtitle: '', Content: text, language: 'en' },
    link: `https://medium.com/${id}`, platform: 'medium', author_id: 'u-paul', author_full_name: author,
  });
  writeFileSync(join(dir, 'ArticleDocument.json'), JSON.stringify([
    article('art-1', 'LLM Twin, part 1', 'Paul Iusztin', 'x'.repeat(3000)),
    article('art-2', 'LLM Twin, part 2', 'Paul Iusztin', 'short'),
    article('art-3', 'Fine-tuning', 'Maxime Labonne', 'short'),
  ]));
  const result = spawnSync(binary, ['warehouse', 'import', dir], { cwd: project, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  if (result.status !== 0) throw new Error(`twin warehouse import failed: ${result.stderr}`);
}
// The feature_engineering pipeline over the articles of u-paul: cleaned_articles gets all three,
// and embedded_articles the one long enough to make a chunk (the Handbook keeps 1000+).
function embedArticles(project, binary) {
  const result = spawnSync(binary, ['pipeline', 'run', 'feature_engineering', '--param', 'author_full_names=["Paul Iusztin"]'],
    { cwd: project, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  if (result.status !== 0) throw new Error(`twin pipeline run feature_engineering failed: ${result.stderr}`);
}
// A model registered from local files through the real CLI: its files go to the artifact store
// and it gets a generated model card.
const MODEL_CONFIG = '{"hidden_size": 64}\n';
function registerModel(project, binary) {
  const dir = join(project, 'my-model');
  mkdirSync(join(dir, 'tokenizer'), { recursive: true });
  writeFileSync(join(dir, 'config.json'), MODEL_CONFIG);
  writeFileSync(join(dir, 'tokenizer', 'vocab.txt'), 'hello\nworld\n');
  const result = spawnSync(binary, ['models', 'register', 'twin-files', dir, '--description', 'Registered from files'], { cwd: project, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  if (result.status !== 0) throw new Error(`twin models register failed: ${result.stderr}`);
}
const server = await startTwinServer({
  env: { TWIN_SERVER_TOKEN: token },
  prepare: (project, binary) => {
    runPipeline(project, binary);
    importWarehouse(project, binary);
    embedArticles(project, binary);
    registerModel(project, binary);
  },
});

async function call(method, path, body) {
  const response = await fetch(`${server.url}/api/2.0/mlflow/${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json();
  if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(data)}`);
  return data;
}

// The data the pages must show.
const { experiment_id } = await call('POST', 'experiments/create', { name: 'dashboard-exp' });
const runIds = [];
for (const [name, lr] of [['sft-small', '0.001'], ['sft-large', '0.0003']]) {
  const { run } = await call('POST', 'runs/create', { experiment_id, run_name: name, start_time: Date.now() });
  runIds.push(run.info.run_id);
  await call('POST', 'runs/log-batch', {
    run_id: run.info.run_id,
    params: [{ key: 'learning_rate', value: lr }],
    metrics: Array.from({ length: 30 }, (_, step) => ({ key: 'loss', value: 3 / (step + 1), timestamp: Date.now(), step })),
    tags: [{ key: 'model', value: 'llama' }],
  });
  await call('POST', 'runs/update', { run_id: run.info.run_id, status: 'FINISHED', end_time: Date.now() + 1000 });
}
await call('POST', 'registered-models/create', { name: 'twin-llama', description: 'The LLM Twin' });
await call('POST', 'model-versions/create', { name: 'twin-llama', source: 'file:///models/twin/1', run_id: runIds[1], model_card: '# twin-llama\nFine-tuned on my articles.' });
await call('POST', 'registered-models/alias', { name: 'twin-llama', alias: 'champion', version: '1' });

// Opens a dashboard page by its hash and waits until that page (not the previous one) is shown.
async function show(page, hash) {
  await page.goto(`${server.url}/${hash}`);
  await page.locator(`#app[data-route="${hash}"]`).waitFor();
}

const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
const problems = [];
let failed = false;
try {
  const page = await browser.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()}`));

  // Without the token the page loads and says what is missing.
  await page.goto(`${server.url}/`);
  await page.getByTestId('error').waitFor();
  assert.match(await page.getByTestId('error').innerText(), /token/);
  problems.length = 0;  // the 401 of that visit is expected

  // Once with ?token=: the server keeps it as a cookie and drops it from the address.
  await page.goto(`${server.url}/?token=${token}`);
  assert.equal(new URL(page.url()).search, '');
  await page.getByTestId('experiments-table').waitFor();
  assert.match(await page.getByTestId('experiments-table').innerText(), /dashboard-exp/);

  await show(page, `#/experiments/${experiment_id}`);
  const runsTable = page.getByTestId('runs-table');
  await runsTable.waitFor();
  const runsText = await runsTable.innerText();
  for (const expected of ['sft-small', 'sft-large', '0.0003', 'FINISHED']) assert.ok(runsText.includes(expected), `runs table lacks ${expected}`);
  await page.locator('figure[data-metric="loss"] canvas').waitFor();
  const chartHasPixels = await page.locator('figure[data-metric="loss"] canvas').evaluate((canvas) => {
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) return true;
    return false;
  });
  assert.ok(chartHasPixels, 'the loss chart drew nothing');

  await show(page, `#/runs/${runIds[1]}`);
  await page.getByTestId('params-table').waitFor();
  assert.match(await page.getByTestId('params-table').innerText(), /learning_rate\s+0\.0003/);
  assert.match(await page.getByTestId('tags-table').innerText(), /model\s+llama/);
  await page.locator('figure[data-metric="loss"] canvas').waitFor();

  await show(page, `#/models`);
  await page.getByTestId('models-table').waitFor();
  const models = await page.getByTestId('models-table').innerText();
  assert.ok(models.includes('twin-llama') && models.includes('champion'), models);

  await show(page, `#/models/twin-llama`);
  await page.getByTestId('versions-table').waitFor();
  await page.getByText('Fine-tuned on my articles.').waitFor();
  assert.match(await page.getByTestId('versions-table').innerText(), /v1/);

  // A version registered from files: its files with download links, and its generated card
  // rendered (front matter apart, the title as a heading, the files table as a table).
  await show(page, `#/models/twin-files`);
  await page.getByTestId('files-table').waitFor();
  const filesText = await page.getByTestId('files-table').innerText();
  assert.ok(filesText.includes('config.json') && filesText.includes('tokenizer/vocab.txt'), filesText);
  const frontMatter = await page.getByTestId('card-front-matter').innerText();
  assert.match(frontMatter, /model_name: "twin-files"/);
  assert.match(frontMatter, /version: 1/);
  await page.getByTestId('model-card').getByRole('heading', { name: 'twin-files (version 1)' }).waitFor();
  await page.getByTestId('model-card').getByText('Registered from files').waitFor();
  const link = page.getByTestId('model-file').filter({ hasText: 'config.json' });
  const href = await link.getAttribute('href');
  assert.equal(href, '/api/twin/models/twin-files/versions/1/files/config.json');
  const downloaded = await page.evaluate(async (url) => (await fetch(url)).text(), href);
  assert.equal(downloaded, MODEL_CONFIG);

  await show(page, `#/pipelines`);
  await page.getByTestId('pipelines-table').waitFor();
  assert.match(await page.getByTestId('pipelines-table').innerText(), /hello\s+1\s+hello-1\s+completed/);
  await page.getByRole('link', { name: 'hello-1' }).click();
  await page.getByTestId('dag').waitFor();
  const steps = await page.getByTestId('dag-step').allInnerTexts();
  assert.equal(steps.length, 2);
  assert.match(steps[0], /greet[\s\S]*completed/);
  assert.match(steps[1], /shout[\s\S]*completed/);
  await page.locator('[data-step="greet"] button').click();
  await page.getByTestId('step-log').getByText('greeting written').waitFor();
  await page.locator('[data-step="shout"]').getByRole('link', { name: /loud v1/ }).click();
  await page.getByTestId('artifact-preview').waitFor();
  assert.equal((await page.getByTestId('artifact-preview').innerText()).trim(), 'HELLO WORLD');
  assert.match(await page.getByTestId('artifact-table').innerText(), /produced by\s+hello-1 \/ shout/);

  await show(page, `#/artifacts`);
  await page.getByTestId('artifacts-table').waitFor();
  assert.match(await page.getByTestId('artifacts-table').innerText(), /greeting\s+1\s+v1\s+file/);

  // Only ETL pipeline runs stamp lineage; stand in for one by stamping art-2 with the hello-1
  // run (when the sqlite3 shell is there to do it).
  const stampLineage = existsSync('/usr/bin/sqlite3');
  if (stampLineage) {
    const runs = await (await fetch(`${server.url}/api/twin/pipeline-runs?pipeline=hello`, { headers: { Authorization: `Bearer ${token}` } })).json();
    const runId = runs.runs[0].id;
    const stamped = spawnSync('/usr/bin/sqlite3', [join(server.project, '.twin', 'warehouse.db'),
      `UPDATE wh_articles SET run_id = '${runId}', step_run_id = 'step-x' WHERE id = 'art-2'`], { encoding: 'utf8' });
    assert.equal(stamped.status, 0, stamped.stderr);
  }

  await show(page, `#/warehouse`);
  const warehouseTable = page.getByTestId('warehouse-table');
  await warehouseTable.waitFor();
  const collectionsText = await warehouseTable.innerText();
  assert.match(collectionsText, /articles\s+3\s+Maxime Labonne \(1\), Paul Iusztin \(2\)/);
  assert.match(collectionsText, /users\s+1/);
  await page.getByRole('link', { name: 'articles', exact: true }).click();
  const documentsTable = page.getByTestId('documents-table');
  await documentsTable.waitFor();
  const documentsText = await documentsTable.innerText();
  for (const expected of ['LLM Twin, part 1', 'https://medium.com/art-3', 'medium', 'Maxime Labonne']) {
    assert.ok(documentsText.includes(expected), `documents table lacks ${expected}`);
  }
  await page.getByTestId('show-document').first().click();
  const preview = JSON.parse(await page.getByTestId('document-preview').innerText());
  assert.equal(preview._id, 'art-1');
  assert.ok(preview.content.Content.length < 600, 'the preview did not cut the long text');
  if (stampLineage) {
    await page.getByTestId('show-document').nth(1).click();
    await page.getByTestId('document-run').click();
    await page.getByTestId('dag').waitFor();
    assert.match(await page.locator('h1').innerText(), /hello-1/);
  }

  await show(page, '#/vectors');
  const vectorTable = page.getByTestId('vector-collections');
  await vectorTable.waitFor();
  const vectorText = await vectorTable.innerText();
  assert.match(vectorText, /cleaned_articles\s+3\s+none/);
  assert.match(vectorText, /embedded_articles\s+1\s+100\s+Cosine/);
  await show(page, '#/vectors/embedded_articles');
  await page.getByTestId('points-table').waitFor();
  assert.match(await page.getByTestId('points-table').innerText(), /Paul Iusztin/);
  await page.getByLabel('search text').fill('a twin of myself');
  await page.getByRole('button', { name: 'Search' }).click();
  const results = page.getByTestId('search-results');
  await results.waitFor();
  assert.match(await results.innerText(), /0\.\d{4}/);
  await page.getByTestId('show-point').first().click();
  const payload = JSON.parse(await page.getByTestId('point-payload').locator('pre').innerText());
  assert.equal(payload.document_id, 'art-1');
  assert.equal(payload.metadata.embedding_model_id, 'glove-100d');

  assert.deepEqual(problems, []);
  console.log('dashboard: experiments, runs, charts, run page, models, model card, model files, pipelines, DAG, logs, artifacts, warehouse, vectors: ok');
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
