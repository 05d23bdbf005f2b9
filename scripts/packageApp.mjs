// The packaging step of `npm run build`: electron-builder with build/electron-builder.yml.
// electron-builder downloads Electron for each target platform; offline it cannot, and
// this says so and exits non-zero instead of failing somewhere deep in a download.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { MISSING_ELECTRON_MESSAGE, electronBinary, repoRoot } from './electronBinary.mjs';

if (!electronBinary()) {
  console.error(`npm run build: cannot package the desktop app.\n${MISSING_ELECTRON_MESSAGE}`);
  console.error('The renderer (dist/renderer) and the Electron bundles (dist/electron), when built, stay usable.');
  process.exit(1);
}
// electron-builder would happily package an app without its code: check the bundles first.
const needed = ['dist/renderer/index.html', 'dist/electron/main.js', 'dist/electron/preload.cjs', 'dist/electron/package.json'];
const missing = needed.filter((file) => !existsSync(path.join(repoRoot, file)));
if (missing.length > 0) {
  console.error(`npm run build: ${missing.join(', ')} missing; run 'npm run build:renderer' and 'npm run build:electron' first (or 'npm run build').`);
  process.exit(1);
}
const result = spawnSync('npx', ['electron-builder', '--config', 'build/electron-builder.yml', ...process.argv.slice(2)], {
  cwd: repoRoot,
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
