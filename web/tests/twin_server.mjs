// Starts the built `twin server` (TWIN_BINARY) on a free loopback port in a fresh project folder,
// for the Node.js tests. stop() sends SIGTERM and resolves to the exit code.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

// `prepare(project)` runs first, e.g. to run a pipeline whose runs the dashboard then shows.
export async function startTwinServer({ env = {}, prepare = () => {} } = {}) {
  const binary = process.env.TWIN_BINARY;
  if (!binary) throw new Error('TWIN_BINARY is not set (ctest sets it to the built twin)');
  const project = mkdtempSync(join(tmpdir(), 'twin-node-test-'));
  await prepare(project, binary);
  const child = spawn(binary, ['server', '--port', '0'], {
    cwd: project,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? 128)));
  const url = await new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      const match = line.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (match) resolve(match[1]);
    });
    child.on('exit', (code) => reject(new Error(`twin server exited (${code}) before listening`)));
    setTimeout(() => reject(new Error('twin server did not start within 30 s')), 30000);
  });
  return {
    url,
    project,
    async stop() {
      child.kill('SIGTERM');
      const code = await exited;
      rmSync(project, { recursive: true, force: true });
      return code;
    },
  };
}
