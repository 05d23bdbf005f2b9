// `npm start`: prepares better-sqlite3 for Electron, builds what the desktop app needs and
// launches Electron.
import { spawn, spawnSync } from 'node:child_process';
import { MISSING_ELECTRON_MESSAGE, electronBinary, electronVersion, repoRoot } from './electronBinary.mjs';

const binary = electronBinary();
if (!binary) {
  console.error(`npm start: ${MISSING_ELECTRON_MESSAGE}`);
  process.exit(1);
}
// The Electron build of better-sqlite3, beside npm's Node build (electronSqlite.mjs): fetched
// or compiled the first time, from the cache afterwards. Loaded only once there is an
// Electron to run it in.
const { EXIT_ELECTRON_SQLITE_UNAVAILABLE, ElectronSqliteUnavailable, prepareElectronSqlite } = await import('./electronSqlite.mjs');
try {
  const target = { electronVersion: electronVersion(), platform: process.platform, arch: process.arch };
  prepareElectronSqlite(target, { caller: 'npm start', log: (line) => console.log(line) });
} catch (error) {
  if (error instanceof ElectronSqliteUnavailable) {
    console.error(error.message);
    process.exit(EXIT_ELECTRON_SQLITE_UNAVAILABLE);
  }
  throw error;
}
for (const script of ['build:renderer', 'build:electron']) {
  const result = spawnSync('npm', ['run', script], { cwd: repoRoot, stdio: 'inherit' });
  if (result.status !== 0) {
    process.exit(result.status ?? 1);
  }
}
const child = spawn(binary, ['.', ...process.argv.slice(2)], { cwd: repoRoot, stdio: 'inherit' });
child.on('error', (error) => {
  console.error(`npm start: could not run ${binary}: ${error.message}`);
  process.exit(1);
});
child.on('exit', (code) => process.exit(code ?? 0));
