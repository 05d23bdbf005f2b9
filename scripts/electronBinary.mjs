// Where the Electron binary is, without triggering the download that
// `require('electron')` would attempt when it is missing.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Absolute path of the Electron executable, or null when it was never downloaded. */
export function electronBinary() {
  const packageDir = path.join(repoRoot, 'node_modules', 'electron');
  const pathFile = path.join(packageDir, 'path.txt');
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH) {
    return process.env.ELECTRON_OVERRIDE_DIST_PATH;
  }
  if (!existsSync(pathFile)) {
    return null;
  }
  const binary = path.join(packageDir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? binary : null;
}

export const MISSING_ELECTRON_MESSAGE = [
  'The Electron binary is not installed (its download failed or was skipped, e.g. offline).',
  'Online, run:  node node_modules/electron/install.js',
  'Without it, use the browser mode (`npm run serve`) or the CLI (`npx defusion --help`).',
].join('\n');
