// The twin dashboard: a hash-routed single page over twin server's /api/twin/ API.
//   #/                       an overview: recent pipeline runs, experiments, models, warehouse
//                            and vector collections with their counts (pages/home.js)
//   #/experiments, #/experiments/<id>, #/runs/<run_id>
//                            experiments, their runs (search, sort, charts), one tracker run
//                            with its artifacts and model versions (pages/experiments.js)
//   #/models, #/models/<n>   the model registry: versions, stage and alias controls, model
//                            cards (pages/models.js)
//   #/pipelines, #/pipelines/<name>, #/pipeline-runs/<id>
//                            pipelines, their runs, a run's DAG graph, config, metadata and
//                            logs (pages/pipelines.js, dag.js)
//   #/artifacts, #/artifacts/<name>/<version>
//                            artifact versions with metadata, lineage, preview, version list
//                            (pages/artifacts.js)
//   #/warehouse, #/warehouse/<collection>
//                            warehouse collections, a page of documents beside the chosen
//                            one's JSON (pages/warehouse.js)
//   #/vectors, #/vectors/<name>  vector collections, their points and a search (vectors.js)
import './style.css';
import { h } from './dom.js';
import { render, errorBox, unavailable } from './ui.js';
import { homePage } from './pages/home.js';
import { experimentsPage, experimentPage, runPage } from './pages/experiments.js';
import { modelsPage, modelPage } from './pages/models.js';
import { pipelinesPage, pipelinePage, pipelineRunPage } from './pages/pipelines.js';
import { artifactsPage, artifactPage } from './pages/artifacts.js';
import { warehousePage, warehouseCollectionPage } from './pages/warehouse.js';
import { vectorsPage, vectorCollectionPage } from './vectors.js';

const app = document.getElementById('app');

const routes = [
  [/^#?\/?$/, () => homePage(), 'home'],
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
