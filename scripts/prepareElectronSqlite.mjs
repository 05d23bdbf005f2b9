// `node scripts/prepareElectronSqlite.mjs [--force] [--electron VERSION] [--arch ARCH]`:
// fetches or compiles better-sqlite3 for Electron into .cache/electron-native/ (the step
// `npm start` runs before launching; electronSqlite.mjs says how). `--force` replaces a
// cached build, e.g. one the studio reports as not loading. node_modules is only read.
// Exit status: 0 ready, 2 usage error, 3 neither fetched nor compiled (e.g. offline).
import path from 'node:path';
import { parseArgs } from 'node:util';
import { electronVersion } from './electronBinary.mjs';
import { EXIT_ELECTRON_SQLITE_UNAVAILABLE, ElectronSqliteUnavailable, prepareElectronSqlite } from './electronSqlite.mjs';

const caller = 'node scripts/prepareElectronSqlite.mjs';
let values;
try {
  ({ values } = parseArgs({
    options: {
      force: { type: 'boolean', default: false },
      electron: { type: 'string' },
      platform: { type: 'string', default: process.platform },
      arch: { type: 'string', default: process.arch },
      'cache-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }));
} catch (error) {
  console.error(`${caller}: ${error.message}`);
  process.exit(2);
}
if (values.help) {
  console.log(`Usage: ${caller} [--force] [--electron VERSION] [--platform PLATFORM] [--arch ARCH] [--cache-dir DIR]`);
  process.exit(0);
}
try {
  const target = { electronVersion: values.electron ?? electronVersion(), platform: values.platform, arch: values.arch };
  const cacheDir = values['cache-dir'] ? path.resolve(values['cache-dir']) : undefined;
  const { file, source } = prepareElectronSqlite(target, { cacheDir, force: values.force, caller, log: (line) => console.log(line) });
  console.log(`${caller}: ${source === 'cache' ? 'cached' : 'ready'}: ${file}`);
} catch (error) {
  if (error instanceof ElectronSqliteUnavailable) {
    console.error(error.message);
    process.exit(EXIT_ELECTRON_SQLITE_UNAVAILABLE);
  }
  throw error;
}
