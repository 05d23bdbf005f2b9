/**
 * Builds the renderer once before the E2E run when `dist/renderer` is missing or older
 * than the renderer's sources (a stale build would test yesterday's UI).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function newestMtime(target: string): number {
  const info = statSync(target);
  if (!info.isDirectory()) {
    return info.mtimeMs;
  }
  return readdirSync(target).reduce((newest, entry) => Math.max(newest, newestMtime(path.join(target, entry))), info.mtimeMs);
}

export default function globalSetup(): void {
  const builtPage = path.join(root, 'dist', 'renderer', 'index.html');
  const sources = [path.join(root, 'renderer'), path.join(root, 'electron', 'api'), path.join(root, 'vite.config.ts')];
  if (existsSync(builtPage) && statSync(builtPage).mtimeMs >= Math.max(...sources.map(newestMtime))) {
    return;
  }
  const vite = path.join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  // Always a production build: the specs check that test hooks stay off without ?test=1.
  const result = spawnSync(process.execPath, [vite, 'build', '--mode', 'production'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, NODE_ENV: 'production' },
  });
  if (result.status !== 0) {
    throw new Error(`vite build failed (exit ${result.status}); run 'npm run build:renderer' to see why`);
  }
}
