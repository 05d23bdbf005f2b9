/**
 * Which build of better-sqlite3's native addon the store loads.
 *
 * better-sqlite3 is a classic node-gyp addon, compiled for one NODE_MODULE_VERSION, and
 * Electron's embedded Node has another one than the Node that runs the CLI, the browser
 * mode and the tests. So both builds exist side by side and nothing ever switches them:
 * - the Node build stays where npm put it (node_modules/better-sqlite3/build/Release);
 *   better-sqlite3 finds it by itself;
 * - the Electron build sits in a folder keyed by Electron version, platform and CPU:
 *   `.cache/electron-native/<key>/` in a checkout (scripts/prepareElectronSqlite.mjs fills
 *   it; `npm start` runs that), `app.asar.unpacked/dist/electron-native/<key>/` in a
 *   packaged app (`npm run build` stages it there).
 * Inside Electron (`process.versions.electron` is set) the store hands that file to
 * better-sqlite3 as its `nativeBinding` option.
 */
import path from 'node:path';
import { applicationRoot } from '../detect/modelPath';

/** In a checkout: where the Electron builds are kept, relative to the repository. */
export const ELECTRON_SQLITE_CACHE_DIR = '.cache/electron-native';
/** In a package: where the Electron build is staged, relative to the app (under `dist/**`, unpacked from asar). */
export const PACKAGED_ELECTRON_SQLITE_DIR = 'dist/electron-native';
/** The addon's file name, as node-gyp and prebuild-install write it. */
export const SQLITE_ADDON_FILE = 'better_sqlite3.node';

/** What the choice depends on: the process's runtime and where the studio is installed. */
export interface SqliteRuntime {
  /** `process.versions`; `electron` is set only inside Electron. */
  versions: Readonly<Record<string, string | undefined>>;
  platform: string;
  arch: string;
  /** The folder holding the studio's package.json: the repository, or a packaged `app.asar`. */
  appRoot: string | null;
}

/** This process's runtime. The application root is looked up only inside Electron. */
export function currentSqliteRuntime(): SqliteRuntime {
  const versions: Readonly<Record<string, string | undefined>> = { ...process.versions };
  return {
    versions,
    platform: process.platform,
    arch: process.arch,
    appRoot: versions.electron ? applicationRoot() : null,
  };
}

/** The folder name of one Electron build: one per Electron version, platform and CPU. */
export function electronSqliteKey(electronVersion: string, platform: string, arch: string): string {
  return `electron-${electronVersion}-${platform}-${arch}`;
}

export interface ElectronSqliteBuild {
  /** The `.node` file Electron must load. */
  file: string;
  /** True in a packaged app (the root is an asar archive), false in a checkout. */
  packaged: boolean;
  electronVersion: string;
}

/** Where the Electron build must be for `runtime`; null outside Electron (or with no application root). */
export function electronSqliteBuild(runtime: SqliteRuntime = currentSqliteRuntime()): ElectronSqliteBuild | null {
  const electronVersion = runtime.versions.electron;
  if (!electronVersion || !runtime.appRoot) return null;
  // A native addon cannot be loaded from inside an asar archive: electron-builder puts the
  // unpacked files beside it, in `<archive>.unpacked`, at the same relative paths.
  const packaged = runtime.appRoot.endsWith('.asar');
  const folder = packaged
    ? path.join(`${runtime.appRoot}.unpacked`, PACKAGED_ELECTRON_SQLITE_DIR)
    : path.join(runtime.appRoot, ELECTRON_SQLITE_CACHE_DIR);
  const key = electronSqliteKey(electronVersion, runtime.platform, runtime.arch);
  return { file: path.join(folder, key, SQLITE_ADDON_FILE), packaged, electronVersion };
}

/** The part of better-sqlite3's constructor options that picks the addon. */
export interface SqliteBindingOptions {
  nativeBinding?: string;
}

/** `{ nativeBinding }` inside Electron; `{}` under Node, where better-sqlite3 loads the build npm installed. */
export function sqliteBindingOptions(runtime: SqliteRuntime = currentSqliteRuntime()): SqliteBindingOptions {
  const build = electronSqliteBuild(runtime);
  return build ? { nativeBinding: build.file } : {};
}
