// Starts the built `twin server` (TWIN_BINARY) on a free loopback port in a fresh project folder,
// for the Node.js tests. stop() sends SIGTERM and resolves to the exit code.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

// `prepare(project)` runs first, e.g. to run a pipeline whose runs the dashboard then shows.
// The Qdrant API listens on a free port too (`qdrantUrl`); `args` are added to the command.
export async function startTwinServer({ env = {}, prepare = () => {}, args = [] } = {}) {
  const binary = process.env.TWIN_BINARY;
  if (!binary) throw new Error('TWIN_BINARY is not set (ctest sets it to the built twin)');
  const project = mkdtempSync(join(tmpdir(), 'twin-node-test-'));
  await prepare(project, binary);
  const child = spawn(binary, ['server', '--port', '0', '--qdrant-port', '0', ...args], {
    cwd: project,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? 128)));
  let qdrantUrl = null;
  const url = await new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    let listening = null;
    lines.on('line', (line) => {
      const match = line.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (match) listening = match[1];
      const qdrant = line.match(/Qdrant API: (http:\/\/127\.0\.0\.1:\d+)/);
      if (qdrant) qdrantUrl = qdrant[1];
      // The Qdrant line, when there is one, comes after the MLflow line.
      if (listening && (qdrantUrl || line.includes('MLflow:'))) resolve(listening);
    });
    child.on('exit', (code) => reject(new Error(`twin server exited (${code}) before listening`)));
    setTimeout(() => reject(new Error('twin server did not start within 30 s')), 30000);
  });
  // The Qdrant line follows the MLflow one; give it a moment.
  for (let i = 0; i < 50 && !qdrantUrl; i++) await new Promise((r) => setTimeout(r, 20));
  return {
    url,
    qdrantUrl,
    project,
    async stop() {
      child.kill('SIGTERM');
      const code = await exited;
      rmSync(project, { recursive: true, force: true });
      return code;
    },
  };
}
