// Compiles the better-sqlite3 of one private folder for Electron with @electron/rebuild's API.
// electronSqlite.mjs runs this as a child process, to keep what node-gyp prints out of the
// terminal and in its log. `node electronRebuildRunner.mjs FOLDER ELECTRON_VERSION ARCH HEADERS_URL`
//
// It prints `abi=N`, the NODE_MODULE_VERSION of that Electron, before building, so that the
// caller can check the result is for it.
import { rebuild } from '@electron/rebuild';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const [buildPath, electronVersion, arch, headerURL] = process.argv.slice(2);
// The ABI table @electron/rebuild itself uses (its own node-abi, newer than prebuild-install's).
const rebuildMain = createRequire(import.meta.url).resolve('@electron/rebuild');
const { getAbi } = await import(pathToFileURL(createRequire(rebuildMain).resolve('node-abi')).href);
console.log(`abi=${getAbi(electronVersion, 'electron')}`);
await rebuild({
  buildPath,
  // Left to itself, @electron/rebuild takes the nearest folder above with a lock file as the
  // project root and rebuilds every better-sqlite3 up to it: the repository's own included.
  projectRootPath: buildPath,
  electronVersion,
  arch,
  headerURL,
  onlyModules: ['better-sqlite3'],
  force: true,
  // prebuild-install has just been tried; this step compiles.
  buildFromSource: true,
});
console.log('compiled');
