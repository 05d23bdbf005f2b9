// Where the Electron binary is, without triggering the download that
// `require('electron')` would attempt when it is missing.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The executable inside an Electron dist folder, as electron/install.js names it. */
function platformExecutable(platform) {
  if (platform === 'darwin' || platform === 'mas') {
    return 'Electron.app/Contents/MacOS/Electron';
  }
  return platform === 'win32' ? 'electron.exe' : 'electron';
}

/**
 * Absolute path of the Electron executable, or null when it was never downloaded.
 *
 * Follows the electron package's own lookup (node_modules/electron/index.js): `path.txt`
 * names the executable inside `dist/`, and ELECTRON_OVERRIDE_DIST_PATH, when set, replaces
 * that `dist/` folder. The package folder and the environment can be passed in, so that
 * the lookup can be checked against any layout.
 */
export function electronBinary(
  packageDir = path.join(repoRoot, 'node_modules', 'electron'),
  env = process.env,
  platform = process.platform,
) {
  const pathFile = path.join(packageDir, 'path.txt');
  const named = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : '';
  const override = env.ELECTRON_OVERRIDE_DIST_PATH;
  if (override) {
    const binary = path.resolve(override, named || platformExecutable(platform));
    return existsSync(binary) ? binary : null;
  }
  if (!named) {
    return null;
  }
  const binary = path.join(packageDir, 'dist', named);
  return existsSync(binary) ? binary : null;
}

/**
 * The version of that Electron: the `version` file of the ELECTRON_OVERRIDE_DIST_PATH
 * folder when one is set and has it (Electron's own zips carry one), else the electron
 * package's. Native addons must be built for exactly this version.
 */
export function electronVersion(packageDir = path.join(repoRoot, 'node_modules', 'electron'), env = process.env) {
  const override = env.ELECTRON_OVERRIDE_DIST_PATH;
  const versionFile = override ? path.join(override, 'version') : '';
  if (versionFile && existsSync(versionFile)) {
    return readFileSync(versionFile, 'utf8').trim().replace(/^v/, '');
  }
  return JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')).version;
}

export const MISSING_ELECTRON_MESSAGE = [
  'The Electron binary is not installed (its download failed or was skipped, e.g. offline).',
  'Online, run:  node node_modules/electron/install.js',
  'Or point ELECTRON_OVERRIDE_DIST_PATH at a folder holding an Electron build.',
  'Without it, use the browser mode (`npm run serve`) or the CLI (`npx defusion --help`).',
].join('\n');
