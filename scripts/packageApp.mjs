// The packaging step of `npm run build`: electron-builder with build/electron-builder.yml.
// electron-builder downloads Electron for each target platform; offline it cannot, and
// this says so and exits non-zero instead of failing somewhere deep in a download.
import { spawnSync } from 'node:child_process';
import { MISSING_ELECTRON_MESSAGE, electronBinary, repoRoot } from './electronBinary.mjs';

if (!electronBinary()) {
  console.error(`npm run build: cannot package the desktop app.\n${MISSING_ELECTRON_MESSAGE}`);
  console.error('The renderer (dist/renderer) and the Electron bundles (dist/electron) were built.');
  process.exit(1);
}
const result = spawnSync('npx', ['electron-builder', '--config', 'build/electron-builder.yml', ...process.argv.slice(2)], {
  cwd: repoRoot,
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
