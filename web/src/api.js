// Reads twin server's JSON API. The token, when the server needs one, travels as the cookie the
// server set when the dashboard was opened with ?token=, so no code here handles secrets.

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export async function getJson(path) {
  const response = await fetch(path, { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (!response.ok) {
    throw new ApiError(response.status, body?.error_code ?? 'HTTP_ERROR', body?.message ?? response.statusText);
  }
  return body;
}

// A write through the MLflow REST API (the model registry's stage and alias changes).
export async function sendJson(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
    credentials: 'same-origin',
    body: JSON.stringify(body),
  });
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) throw new ApiError(response.status, data?.error_code ?? 'HTTP_ERROR', data?.message ?? response.statusText);
  return data;
}

const mlflow = '/api/2.0/mlflow';

export const api = {
  experiments: () => getJson('/api/twin/experiments'),
  experimentRuns: (id) => getJson(`/api/twin/experiments/${encodeURIComponent(id)}/runs`),
  run: (id) => getJson(`/api/twin/runs/${encodeURIComponent(id)}`),
  metricHistory: (runId, key) =>
    getJson(`/api/twin/runs/${encodeURIComponent(runId)}/metrics/${encodeURIComponent(key)}?max_points=2000`),
  models: () => getJson('/api/twin/models'),
  model: (name) => getJson(`/api/twin/models/${encodeURIComponent(name)}`),
  modelCard: async (name, version) => {
    const response = await fetch(`/api/twin/models/${encodeURIComponent(name)}/versions/${version}/README.md`);
    return response.ok ? response.text() : '';
  },
  modelFileUrl: (name, version, path) =>
    `/api/twin/models/${encodeURIComponent(name)}/versions/${version}/files/${path.split('/').map(encodeURIComponent).join('/')}`,
  runArtifacts: (runId, path = '') => getJson(`${mlflow}/artifacts/list?${new URLSearchParams({ run_id: runId, path })}`),
  modelVersionsOfRun: (runId) => getJson(`${mlflow}/model-versions/search?${new URLSearchParams({ filter: `run_id = '${runId}'` })}`),
  transitionStage: (name, version, stage, archiveExisting) =>
    sendJson('POST', `${mlflow}/model-versions/transition-stage`, { name, version: String(version), stage, archive_existing_versions: archiveExisting }),
  setAlias: (name, alias, version) => sendJson('POST', `${mlflow}/registered-models/alias`, { name, alias, version: String(version) }),
  deleteAlias: (name, alias) => sendJson('DELETE', `${mlflow}/registered-models/alias`, { name, alias }),
  recentPipelineRuns: (limit = 10) => getJson(`/api/twin/pipeline-runs?limit=${limit}`),
  pipelines: () => getJson('/api/twin/pipelines'),
  pipelineRuns: (pipeline) => getJson(`/api/twin/pipeline-runs?pipeline=${encodeURIComponent(pipeline)}&limit=200`),
  pipelineRun: (id) => getJson(`/api/twin/pipeline-runs/${encodeURIComponent(id)}`),
  stepLog: async (runId, step) => {
    const response = await fetch(`/api/twin/pipeline-runs/${encodeURIComponent(runId)}/steps/${encodeURIComponent(step)}/logs`);
    return response.ok ? response.text() : `(no log: HTTP ${response.status})`;
  },
  artifacts: () => getJson('/api/twin/artifacts'),
  artifactsNamed: (name) => getJson(`/api/twin/artifacts?${new URLSearchParams({ name })}`),
  artifactVersion: (name, version) => getJson(`/api/twin/artifacts/${encodeURIComponent(name)}/versions/${version}`),
  artifactDownloadUrl: (name, version) => `/api/twin/artifacts/${encodeURIComponent(name)}/versions/${version}/download`,
  warehouse: () => getJson('/api/twin/warehouse'),
  warehouseDocuments: (collection, { limit = 50, skip = 0, filter = '' } = {}) => {
    const query = new URLSearchParams({ limit: String(limit), skip: String(skip) });
    if (filter) query.set('filter', filter);
    return getJson(`/api/twin/warehouse/${encodeURIComponent(collection)}?${query}`);
  },
  vectors: () => getJson('/api/twin/vectors'),
  vectorPoints: (collection, { limit = 20, offset = null } = {}) => {
    const query = new URLSearchParams({ limit: String(limit) });
    if (offset !== null && offset !== undefined) query.set('offset', String(offset));
    return getJson(`/api/twin/vectors/${encodeURIComponent(collection)}?${query}`);
  },
  vectorSearch: (collection, text, k = 10) =>
    getJson(`/api/twin/vectors/${encodeURIComponent(collection)}/search?${new URLSearchParams({ text, k: String(k) })}`),
};
