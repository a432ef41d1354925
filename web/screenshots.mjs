// Takes the dashboard screenshots of docs/images/ on a server filled by twin's demo (`make run`:
// configs/demo/run-demo.sh) in a fresh clone of this repository:
//   TWIN_BINARY=../build/release/twin node screenshots.mjs [OUT_DIR]     (npm run screenshots)
// OUT_DIR defaults to ../docs/images. Headless Chromium at 1280x800, 1x zoom.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startTwinServer } from './tests/twin_server.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repository = resolve(here, '..');
const outDir = resolve(process.argv[2] ?? join(repository, 'docs', 'images'));
mkdirSync(outDir, { recursive: true });

function run(command, args, options) {
  const result = spawnSync(command, args, { encoding: 'utf8', ...options });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

const server = await startTwinServer({
  prepare: (project, binary) => {
    run('git', ['clone', '--quiet', '--depth', '1', `file://${repository}`, project]);
    run('bash', ['configs/demo/run-demo.sh'], { cwd: project, env: { ...process.env, TWIN_EXE: binary, TWIN_ROOT: project, NO_COLOR: '1' } });
  },
});
const browser = await chromium.launch({ executablePath: process.env.TWIN_CHROMIUM ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'], headless: true });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
  const show = async (hash) => {
    await page.goto(`${server.url}/${hash}`);
    await page.locator(`#app[data-route="${hash}"]`).waitFor();
  };
  const shoot = (name) => page.screenshot({ path: join(outDir, `${name}.png`) });
  const runs = (await (await fetch(`${server.url}/api/twin/pipeline-runs?pipeline=feature_engineering`)).json()).runs;
  await show('#/');
  await shoot('dashboard-home');
  await show(`#/pipeline-runs/${runs[0].id}`);
  await page.locator('[data-testid="dag-node"][data-step="chunk_and_embed"]').click();
  await page.evaluate(() => window.scrollTo(0, 0));
  await shoot('dashboard-pipeline-run');
  await show('#/warehouse/articles');
  await page.getByTestId('show-document').nth(1).click();
  await shoot('dashboard-warehouse');
  await show('#/artifacts/crawled_links/1');
  await shoot('dashboard-artifact');
  console.log(`screenshots in ${outDir}`);
} finally {
  await browser.close();
  await server.stop();
}
