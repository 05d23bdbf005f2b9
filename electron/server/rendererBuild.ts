/**
 * Browser mode needs the built renderer. A fresh checkout has none, so the server builds
 * it once (`vite build`) rather than answering every page load with an error.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** True when `rendererDir` holds a built page. */
export function isRendererBuilt(rendererDir: string): boolean {
  return existsSync(path.join(rendererDir, 'index.html'));
}

/**
 * Runs `vite build` in `projectRoot`. Vite's output goes to stderr: stdout belongs to the
 * one `Studio:` line that scripts read.
 */
export async function buildRenderer(projectRoot: string): Promise<void> {
  const require = createRequire(path.join(projectRoot, 'package.json'));
  let viteBin: string;
  try {
    viteBin = path.join(path.dirname(require.resolve('vite/package.json')), 'bin', 'vite.js');
  } catch {
    throw new Error("The renderer is not built and Vite is not installed: run 'npm install' then 'npm run build:renderer'");
  }
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [viteBin, 'build', '--mode', 'production'], {
      cwd: projectRoot,
      stdio: ['ignore', 2, 2],
      // An inherited NODE_ENV (vitest sets 'test') would give a development build, with
      // the test hooks on for every page.
      env: { ...process.env, NODE_ENV: 'production' },
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`'vite build' failed (exit ${code}): run 'npm run build:renderer' to see why`)),
    );
  });
}
