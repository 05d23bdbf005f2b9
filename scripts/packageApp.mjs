// The packaging step of `npm run build`: better-sqlite3's Electron build staged for the
// package, then electron-builder with build/electron-builder.yml. electron-builder downloads
// Electron for each target platform; offline it cannot, and this says so and exits non-zero
// instead of failing somewhere deep in a download.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { MISSING_ELECTRON_MESSAGE, electronBinary, electronVersion, repoRoot } from './electronBinary.mjs';

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
const builderArgs = process.argv.slice(2);
// The native-module step. The config has npmRebuild: false, so electron-builder leaves
// node_modules as it is (its better-sqlite3 stays built for Node); the Electron build
// comes from the cache (fetched or compiled there the first time) and is staged into
// dist/electron-native/, which the package ships in app.asar.unpacked. sharp and
// onnxruntime-node are Node-API addons and load in Electron as they are.
const { EXIT_ELECTRON_SQLITE_UNAVAILABLE, ElectronSqliteUnavailable, packageTargets, stageElectronSqlite } = await import('./electronSqlite.mjs');
try {
  // electron-builder packages the Electron that the electron package names (not an override).
  const version = electronVersion(path.join(repoRoot, 'node_modules', 'electron'), {});
  stageElectronSqlite(packageTargets(builderArgs, version), { caller: 'npm run build', log: (line) => console.log(line) });
} catch (error) {
  if (error instanceof ElectronSqliteUnavailable) {
    console.error(error.message);
    process.exit(EXIT_ELECTRON_SQLITE_UNAVAILABLE);
  }
  throw error;
}
const result = spawnSync('npx', ['electron-builder', '--config', 'build/electron-builder.yml', ...builderArgs], {
  cwd: repoRoot,
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
