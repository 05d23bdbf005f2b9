/**
 * The start-up guard for better-sqlite3's native addon. Loading a build made for another
 * ABI fails deep inside `new Database()` with Node's raw "was compiled against a different
 * Node.js version" error; this turns that failure (and a missing build) into one message
 * that names the command which fixes it. The desktop app shows it in a native dialog;
 * the CLI and the browser mode print it.
 */
import Database from 'better-sqlite3';
import { currentSqliteRuntime, electronSqliteBuild, sqliteBindingOptions } from './sqliteBinding';
import type { SqliteRuntime } from './sqliteBinding';

/** The addon could not be loaded; `message` says why and what to run. */
export class SqliteBindingError extends Error {
  override readonly name = 'SqliteBindingError';
}

interface LoadErrorFacts {
  code?: unknown;
  message?: unknown;
}

/** Whether `error` is a failure to load the addon (and not, say, a database that cannot be opened). */
export function isSqliteLoadError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as LoadErrorFacts;
  const text = typeof message === 'string' ? message : '';
  return (
    // process.dlopen: another ABI, another CPU, a damaged file, "did not self-register".
    code === 'ERR_DLOPEN_FAILED' ||
    text.includes('NODE_MODULE_VERSION') ||
    // A nativeBinding path with no file behind it.
    (code === 'MODULE_NOT_FOUND' && text.includes('better_sqlite3')) ||
    // The `bindings` package, when node_modules holds no build at all.
    text.includes('Could not locate the bindings file')
  );
}

/** The loader's reason, shortened: "no such file", "built for NODE_MODULE_VERSION 150, this runtime needs 115", or its first line. */
function shortReason(error: unknown): string {
  if ((error as LoadErrorFacts).code === 'MODULE_NOT_FOUND') return 'no such file';
  const text = error instanceof Error ? error.message : String(error);
  const abi = /NODE_MODULE_VERSION (\d+)\. This version of Node\.js requires\s+NODE_MODULE_VERSION (\d+)/.exec(text);
  if (abi) return `it was built for NODE_MODULE_VERSION ${abi[1]}, this runtime needs ${abi[2]}`;
  const first = text.split('\n').find((line) => line.trim() !== '') ?? text;
  return first.trim();
}

/** The message for a load failure in `runtime`: what failed and the command that fixes it. */
export function describeSqliteLoadError(error: unknown, runtime: SqliteRuntime = currentSqliteRuntime()): string {
  const reason = shortReason(error);
  const build = electronSqliteBuild(runtime);
  const electronVersion = runtime.versions.electron;
  const target = `Electron ${electronVersion ?? '?'} (${runtime.platform}-${runtime.arch})`;
  if (build?.packaged) {
    return (
      `This installation of DeFusion Studio lacks a working SQLite module for ${target} ` +
      `(${build.file}: ${reason}). Reinstall the app; to build it yourself, run \`npm run build\`, which ships that module.`
    );
  }
  if (build) {
    const missing = (error as LoadErrorFacts).code === 'MODULE_NOT_FOUND';
    return missing
      ? `better-sqlite3 has no build for ${target} at ${build.file}. ` +
          'Run `npm start`: it fetches or compiles that build the first time (online) and reuses it afterwards.'
      : `The build of better-sqlite3 for ${target} at ${build.file} does not load (${reason}). ` +
          'Run `node scripts/prepareElectronSqlite.mjs --force` (online) to fetch or compile it again.';
  }
  if (electronVersion) {
    // Inside Electron without an application root: the default build was tried, and it is Node's.
    return `better-sqlite3 does not load in ${target} (${reason}). Start the desktop app with \`npm start\`, which prepares its Electron build.`;
  }
  return (
    `better-sqlite3's native addon in node_modules does not load in Node ${runtime.versions.node ?? ''} (${reason}); ` +
    'it was probably rebuilt for Electron. Run `npm rebuild better-sqlite3` to build it for Node again.'
  );
}

/** `error` itself, or, when it is a failure to load the addon, a SqliteBindingError that says how to fix it. */
export function explainSqliteLoadError(error: unknown, runtime?: SqliteRuntime): unknown {
  if (!isSqliteLoadError(error)) return error;
  return new SqliteBindingError(describeSqliteLoadError(error, runtime), { cause: error });
}

/**
 * Loads the addon this runtime would use, opening and closing an in-memory database.
 * Returns null when it works, else the message of describeSqliteLoadError.
 */
export function sqliteBindingProblem(runtime: SqliteRuntime = currentSqliteRuntime()): string | null {
  try {
    new Database(':memory:', sqliteBindingOptions(runtime)).close();
    return null;
  } catch (error) {
    return isSqliteLoadError(error) ? describeSqliteLoadError(error, runtime) : error instanceof Error ? error.message : String(error);
  }
}
