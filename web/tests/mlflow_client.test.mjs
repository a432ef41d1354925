// The npm `mlflow` client (MLflow REST API client for Node.js) against a real `twin server`:
// experiment, run, params, metrics over steps, tags, log-batch, metric history, a search by
// param filter and the end of the run. The server requires a token, which the client sends as a
// header, as MLflow users do with MLFLOW_TRACKING_TOKEN.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { startTwinServer } from './twin_server.mjs';

const require = createRequire(import.meta.url);
const MLflow = require('mlflow');

// The client logs every request body with console.log; keep the test output readable.
const log = console.log;
console.log = () => {};

const token = 'node-test-token';
const server = await startTwinServer({ env: { TWIN_SERVER_TOKEN: token } });
let failed = false;
try {
  const client = new MLflow({ endpoint: server.url, headers: { Authorization: `Bearer ${token}` } });
  const { Experiments, Runs, Metrics } = client;

  // Without the token the server refuses, in MLflow's error shape.
  const anonymous = new MLflow({ endpoint: server.url });
  await assert.rejects(anonymous.Experiments.list(), (error) => {
    const detail = JSON.parse(error.message.replace(/^Error: /, ''));
    assert.equal(detail.status, 401);
    assert.equal(detail.data.error_code, 'UNAUTHENTICATED');
    return true;
  });

  const { experiment_id } = await Experiments.create({ name: 'node-client' });
  assert.match(experiment_id, /^\d+$/);
  const { experiment } = await Experiments.get({ experiment_id });
  assert.equal(experiment.name, 'node-client');

  const startTime = Date.now();
  const { run } = await Runs.create({ experiment_id, start_time: startTime, tags: [{ key: 'mlflow.runName', value: 'npm-run' }] });
  const runId = run.info.run_id;
  assert.equal(run.info.status, 'RUNNING');
  assert.equal(run.info.run_name, 'npm-run');

  await Runs.logParameter({ run_id: runId, key: 'learning_rate', value: '0.0003' });
  await Runs.logParameter({ run_id: runId, key: 'epochs', value: '3' });
  for (let step = 0; step < 20; step++) {
    await Runs.logMetric({ run_id: runId, key: 'loss', value: 2 / (step + 1), timestamp: startTime + step, step });
  }
  await Runs.setTag({ run_id: runId, key: 'model', value: 'llama-3.1-8b' });
  await Runs.logBatch({
    run_id: runId,
    metrics: Array.from({ length: 50 }, (_, i) => ({ key: 'accuracy', value: i / 50, timestamp: startTime + i, step: i })),
    params: [{ key: 'batch_size', value: '8' }],
    tags: [{ key: 'dataset', value: 'twin-instruct' }],
  });

  const { metrics: lossHistory } = await Metrics.getHistory({ run_id: runId, metric_key: 'loss' });
  assert.equal(lossHistory.length, 20);
  assert.deepEqual(lossHistory.map((m) => m.step), Array.from({ length: 20 }, (_, i) => i));
  assert.equal(lossHistory[19].value, 2 / 20);
  const { metrics: accuracyHistory } = await Metrics.getHistory({ run_id: runId, metric_key: 'accuracy' });
  assert.equal(accuracyHistory.length, 50);

  // A second run with another learning rate, so the search has something to leave out.
  const { run: other } = await Runs.create({ experiment_id, start_time: startTime });
  await Runs.logParameter({ run_id: other.info.run_id, key: 'learning_rate', value: '0.001' });

  const { runs } = await Runs.search({ experiment_ids: [experiment_id], filter: "params.learning_rate = '0.0003'" });
  assert.equal(runs.length, 1);
  assert.equal(runs[0].info.run_id, runId);
  const data = runs[0].data;
  assert.equal(data.params.find((p) => p.key === 'batch_size').value, '8');
  assert.equal(data.tags.find((t) => t.key === 'model').value, 'llama-3.1-8b');
  assert.equal(data.tags.find((t) => t.key === 'dataset').value, 'twin-instruct');
  assert.equal(data.metrics.find((m) => m.key === 'loss').value, 0.1);
  const { runs: combined } = await Runs.search({
    experiment_ids: [experiment_id],
    filter: "params.learning_rate = '0.0003' and metrics.accuracy > 0.9 and tags.model LIKE 'llama%'",
  });
  assert.equal(combined.length, 1);

  // Artifacts: the run's artifact_uri points at the server's artifact proxy, where MLflow's
  // clients PUT files (the npm client has no upload call; this is the request MLflow's Python
  // client makes); the npm client's Artifacts.list then sees them.
  assert.equal(run.info.artifact_uri, `mlflow-artifacts:/${experiment_id}/${runId}/artifacts`);
  const proxyPath = run.info.artifact_uri.replace(/^mlflow-artifacts:\//, '');
  const upload = await fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts/${proxyPath}/model/config.json`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/octet-stream' },
    body: '{"hidden_size": 64}',
  });
  assert.equal(upload.status, 200, await upload.text());
  const { files: top } = await client.Artifacts.list({ run_id: runId });
  assert.deepEqual(top, [{ path: 'model', is_dir: true }]);
  const { root_uri, files } = await client.Artifacts.list({ run_id: runId, path: 'model' });
  assert.equal(root_uri, run.info.artifact_uri);
  assert.deepEqual(files, [{ path: 'model/config.json', is_dir: false, file_size: 19 }]);
  const download = await fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts/${proxyPath}/model/config.json`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  assert.equal(await download.text(), '{"hidden_size": 64}');

  const endTime = Date.now();
  const { run_info } = await Runs.update({ run_id: runId, status: 'FINISHED', end_time: endTime });
  assert.equal(run_info.status, 'FINISHED');
  assert.equal(run_info.end_time, endTime);
  const { run: finished } = await Runs.get({ run_id: runId });
  assert.equal(finished.info.status, 'FINISHED');
  log('mlflow npm client: experiment, run, params, metrics, tags, log-batch, history, search, artifacts, end: ok');
} catch (error) {
  failed = true;
  console.error(error);
} finally {
  const code = await server.stop();
  if (code !== 0) {
    console.error(`twin server exited with ${code} after SIGTERM (expected 0)`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
