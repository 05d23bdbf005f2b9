/**
 * Which better-sqlite3 addon the store loads: npm's Node build under Node, the Electron
 * build from its keyed folder when `process.versions.electron` is set; and the guard's
 * message when the chosen addon does not load. The Electron build itself cannot be made
 * here (no Electron headers or prebuilt downloads), so the "Electron" addon in these
 * tests is a copy of the Node build placed where an Electron build would be: loading it
 * proves the option is followed, not which ABI it has.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../electron/core/store/database';
import {
  ELECTRON_SQLITE_CACHE_DIR,
  PACKAGED_ELECTRON_SQLITE_DIR,
  SQLITE_ADDON_FILE,
  currentSqliteRuntime,
  electronSqliteKey,
  sqliteBindingOptions,
} from '../../../electron/core/store/sqliteBinding';
import type { SqliteRuntime } from '../../../electron/core/store/sqliteBinding';
import {
  SqliteBindingError,
  describeSqliteLoadError,
  isSqliteLoadError,
  sqliteBindingProblem,
} from '../../../electron/core/store/sqliteBindingGuard';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const require = createRequire(import.meta.url);
const nodeBuild = path.join(path.dirname(require.resolve('better-sqlite3/package.json')), 'build', 'Release', SQLITE_ADDON_FILE);

const temporary: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sqlite-binding-'));
  temporary.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of temporary.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** An Electron-like runtime: Node's versions plus `electron`. */
function electronRuntime(appRoot: string | null, electron = '45.5.0', platform = 'linux', arch = 'x64'): SqliteRuntime {
  return { versions: { ...process.versions, electron }, platform, arch, appRoot };
}

/** Runs `body` with `process.versions.electron` set, as inside Electron's main process. */
function asElectron<T>(version: string, body: () => T): T {
  Object.defineProperty(process.versions, 'electron', { value: version, configurable: true, enumerable: true });
  try {
    return body();
  } finally {
    delete (process.versions as Record<string, string | undefined>).electron;
  }
}

describe('the binding chosen', () => {
  it('under Node: no option, so better-sqlite3 loads the build npm installed', () => {
    expect(process.versions.electron).toBeUndefined();
    const runtime = currentSqliteRuntime();
    // The application root is looked up only for Electron.
    expect(runtime.appRoot).toBeNull();
    expect(sqliteBindingOptions(runtime)).toEqual({});
    expect(sqliteBindingOptions({ ...runtime, appRoot: repoRoot })).toEqual({});
    const db = openDatabase(':memory:');
    expect(db.prepare('SELECT sqlite_version() AS v').get()).toMatchObject({ v: expect.any(String) });
    db.close();
  });

  it('with an Electron-like process.versions, in a checkout: the build in the cache keyed by Electron version, platform and CPU', () => {
    const runtime = asElectron('45.5.0', () => currentSqliteRuntime());
    expect(runtime.versions.electron).toBe('45.5.0');
    expect(runtime.appRoot).toBe(repoRoot);
    expect(sqliteBindingOptions(runtime)).toEqual({
      nativeBinding: path.join(repoRoot, ELECTRON_SQLITE_CACHE_DIR, `electron-45.5.0-${process.platform}-${process.arch}`, SQLITE_ADDON_FILE),
    });
    expect(electronSqliteKey('45.5.0', 'win32', 'arm64')).toBe('electron-45.5.0-win32-arm64');
  });

  it('in a packaged app: the build staged beside app.asar, in app.asar.unpacked', () => {
    const appRoot = path.join(path.sep, 'opt', 'DeFusion Studio', 'resources', 'app.asar');
    expect(sqliteBindingOptions(electronRuntime(appRoot, '45.5.0', 'darwin', 'arm64'))).toEqual({
      nativeBinding: path.join(`${appRoot}.unpacked`, PACKAGED_ELECTRON_SQLITE_DIR, 'electron-45.5.0-darwin-arm64', SQLITE_ADDON_FILE),
    });
  });

  it('the store follows it: a database opens through the addon at the chosen path', () => {
    const appRoot = tempDir();
    const runtime = electronRuntime(appRoot, '0.0.1-test', process.platform, process.arch);
    const chosen = sqliteBindingOptions(runtime).nativeBinding ?? '';
    mkdirSync(path.dirname(chosen), { recursive: true });
    copyFileSync(nodeBuild, chosen);
    const db = new Database(':memory:', sqliteBindingOptions(runtime));
    expect(db.prepare('SELECT 1 + 1 AS two').get()).toEqual({ two: 2 });
    db.close();
    // Node's require loaded that very file.
    expect(Object.keys(require.cache)).toContain(chosen);
    expect(sqliteBindingProblem(runtime)).toBeNull();
  });
});

describe('the start-up guard', () => {
  it('inside Electron, with no Electron build yet: openDatabase names the path and `npm start`', () => {
    // A version whose build cannot be in the cache: the real lookup, the real load attempt.
    const error = asElectron('0.0.0-missing', () => {
      try {
        openDatabase(':memory:');
        return null;
      } catch (caught) {
        return caught;
      }
    });
    expect(error).toBeInstanceOf(SqliteBindingError);
    const message = (error as Error).message;
    expect(message).toContain(path.join(repoRoot, ELECTRON_SQLITE_CACHE_DIR, `electron-0.0.0-missing-${process.platform}-${process.arch}`, SQLITE_ADDON_FILE));
    expect(message).toContain('Run `npm start`');
    expect(message).not.toContain('Cannot find module');
  });

  it('a damaged Electron build: says it does not load and how to fetch it again', () => {
    const appRoot = tempDir();
    const runtime = electronRuntime(appRoot, '0.0.2-test', process.platform, process.arch);
    const chosen = sqliteBindingOptions(runtime).nativeBinding ?? '';
    mkdirSync(path.dirname(chosen), { recursive: true });
    writeFileSync(chosen, 'not a shared library');
    const problem = sqliteBindingProblem(runtime);
    expect(problem).toContain(`does not load`);
    expect(problem).toContain(chosen);
    expect(problem).toContain('node scripts/prepareElectronSqlite.mjs --force');
  });

  it('a packaged app without its build: reinstall', () => {
    const appRoot = path.join(tempDir(), 'resources', 'app.asar');
    const problem = sqliteBindingProblem(electronRuntime(appRoot, '45.5.0', process.platform, process.arch)) ?? '';
    expect(problem).toMatch(/^This installation of DeFusion Studio lacks a working SQLite module for Electron 45\.5\.0/);
    expect(problem).toContain('Reinstall the app');
    expect(problem).toContain(`${appRoot}.unpacked`);
  });

  it("Node's wrong-ABI error: the two module versions and `npm rebuild better-sqlite3` (under Node) or `--force` (in Electron)", () => {
    // Node's own wording (src/node_binding.cc), as thrown by process.dlopen.
    const wrongAbi = Object.assign(
      new Error(
        `The module '${nodeBuild}'\nwas compiled against a different Node.js version using\nNODE_MODULE_VERSION 150. This version of Node.js requires\n` +
          'NODE_MODULE_VERSION 115. Please try re-compiling or re-installing\nthe module (for instance, using `npm rebuild` or `npm install`).',
      ),
      { code: 'ERR_DLOPEN_FAILED' },
    );
    expect(isSqliteLoadError(wrongAbi)).toBe(true);
    const underNode = describeSqliteLoadError(wrongAbi, { versions: process.versions, platform: 'linux', arch: 'x64', appRoot: null });
    expect(underNode).toContain('it was built for NODE_MODULE_VERSION 150, this runtime needs 115');
    expect(underNode).toContain('Run `npm rebuild better-sqlite3`');
    const inElectron = describeSqliteLoadError(wrongAbi, electronRuntime(repoRoot));
    expect(inElectron).toContain('node scripts/prepareElectronSqlite.mjs --force');
    // Other failures pass through untouched.
    expect(isSqliteLoadError(Object.assign(new Error('unable to open database file'), { code: 'SQLITE_CANTOPEN' }))).toBe(false);
  });
});
