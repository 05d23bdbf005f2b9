/**
 * The Electron build of better-sqlite3 beside npm's Node build (scripts/electronSqlite.mjs):
 * the prepare step that `npm start` runs, and the native-module step of packaging.
 *
 * This machine reaches neither GitHub (prebuilt binaries) nor electronjs.org (headers), so
 * no real Electron build can be made here. What is checked for real: with the network
 * refused (a proxy on a closed port, empty download caches) the step fails with its one
 * sentence and exit status 3 and leaves node_modules/better-sqlite3 byte-identical; a
 * prebuilt archive served by a local mirror is downloaded, checked for Electron's ABI and
 * cached (or refused when built for another ABI); a cached build is reused without the
 * network; packaging stages the cached build and the CLI still opens a real database.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ELECTRON_SQLITE_CACHE_DIR as CORE_CACHE_DIR,
  PACKAGED_ELECTRON_SQLITE_DIR as CORE_PACKAGED_DIR,
  SQLITE_ADDON_FILE as CORE_ADDON_FILE,
  electronSqliteKey as coreKey,
  sqliteBindingOptions,
} from '../../electron/core/store/sqliteBinding';
import { electronVersion } from '../../scripts/electronBinary.mjs';
import {
  ELECTRON_SQLITE_CACHE_DIR,
  EXIT_ELECTRON_SQLITE_UNAVAILABLE,
  buildEnv,
  PACKAGED_ELECTRON_SQLITE_DIR,
  SQLITE_ADDON_FILE,
  electronSqliteKey,
  installedBetterSqlite,
  packageTargets,
  stageElectronSqlite,
} from '../../scripts/electronSqlite.mjs';
import { makeJpeg } from '../fixtures/images';
import { defusion } from './defusionCli';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const betterSqlite = installedBetterSqlite();
const electron = electronVersion(path.join(repoRoot, 'node_modules', 'electron'), {});

const temporary: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  temporary.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of temporary.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Every file of the installed better-sqlite3 (its Node build included), path → sha256. */
function packageFingerprint(): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else files.set(path.relative(betterSqlite.dir, full), createHash('sha256').update(readFileSync(full)).digest('hex'));
    }
  };
  walk(betterSqlite.dir);
  return files;
}

/** A local port with nothing listening on it: connecting is refused at once. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * An environment whose every download is refused: prebuild-install and node-gyp both go
 * through HTTPS_PROXY, here a closed port. HOME and the npm cache are empty folders, so
 * no cached prebuilt binary or Electron headers can stand in for the network.
 */
function refusedNetworkEnv(port: number): NodeJS.ProcessEnv {
  const home = tempDir('offline-home-');
  const proxy = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, USERPROFILE: home, npm_config_cache: path.join(home, 'npm-cache') };
  for (const name of ['HTTPS_PROXY', 'HTTP_PROXY', 'https_proxy', 'http_proxy']) env[name] = proxy;
  for (const name of ['NO_PROXY', 'no_proxy', 'npm_config_proxy', 'npm_config_https_proxy', 'npm_config_noproxy', 'ELECTRON_REBUILD_DIST_URL', 'npm_config_build_from_source', 'ELECTRON_OVERRIDE_DIST_PATH']) {
    delete env[name];
  }
  return env;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(command, args, { cwd: repoRoot, env, encoding: 'utf8', timeout: 240_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** As `run`, without blocking this process (which may be serving the downloads). */
function runAsync(args: string[], env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** A cache holding a stand-in "Electron build" for `target` (a copy of the Node build: any file will do), as a successful prepare leaves it. */
function seededCache(target: { electronVersion: string; platform: string; arch: string }): { cacheDir: string; file: string } {
  const cacheDir = tempDir('electron-native-');
  const folder = path.join(cacheDir, electronSqliteKey(target.electronVersion, target.platform, target.arch));
  mkdirSync(folder, { recursive: true });
  const file = path.join(folder, SQLITE_ADDON_FILE);
  copyFileSync(path.join(betterSqlite.dir, 'build', 'Release', SQLITE_ADDON_FILE), file);
  writeFileSync(path.join(folder, 'build.json'), JSON.stringify({ betterSqlite3: betterSqlite.version, ...target, source: 'prebuilt' }));
  return { cacheDir, file };
}

describe('the scripts and the store agree', () => {
  it('on the cache folder, the packaged folder, the addon name and the key', () => {
    expect(ELECTRON_SQLITE_CACHE_DIR).toBe(CORE_CACHE_DIR);
    expect(PACKAGED_ELECTRON_SQLITE_DIR).toBe(CORE_PACKAGED_DIR);
    expect(SQLITE_ADDON_FILE).toBe(CORE_ADDON_FILE);
    expect(electronSqliteKey('45.5.0', 'darwin', 'arm64')).toBe(coreKey('45.5.0', 'darwin', 'arm64'));
    // What the prepare step writes by default is what the desktop app opens from a checkout.
    const runtime = { versions: { ...process.versions, electron }, platform: process.platform, arch: process.arch, appRoot: repoRoot };
    expect(sqliteBindingOptions(runtime).nativeBinding).toBe(
      path.join(repoRoot, ELECTRON_SQLITE_CACHE_DIR, electronSqliteKey(electron, process.platform, process.arch), SQLITE_ADDON_FILE),
    );
  });
});

describe('the build tools', () => {
  it("get npm's settings without those that would build for another runtime", () => {
    // Debian's npm sets nodedir=/usr: node-gyp would then compile against this Node's headers.
    const env = buildEnv({ npm_config_nodedir: '/usr', npm_config_target: '20.0.0', NPM_CONFIG_RUNTIME: 'node', npm_config_https_proxy: 'http://proxy:3128', HTTPS_PROXY: 'http://proxy:3128', PATH: '/bin' });
    expect(env).toEqual({ npm_config_https_proxy: 'http://proxy:3128', HTTPS_PROXY: 'http://proxy:3128', PATH: '/bin' });
  });
});

describe('the prepare step with the network refused', () => {
  let env: NodeJS.ProcessEnv;
  let port: number;
  beforeAll(async () => {
    port = await closedPort();
    env = refusedNetworkEnv(port);
  });

  it('says in one sentence what could not be fetched, exits 3, and leaves the Node build byte-identical', () => {
    const before = packageFingerprint();
    const cacheDir = tempDir('electron-native-');
    const result = run(process.execPath, ['scripts/prepareElectronSqlite.mjs', '--cache-dir', cacheDir], env);
    expect(result.status, `${result.stdout}${result.stderr}`).toBe(EXIT_ELECTRON_SQLITE_UNAVAILABLE);
    const lines = result.stderr.trim().split('\n');
    expect(lines, result.stderr).toHaveLength(1);
    const sentence = lines[0] ?? '';
    const key = electronSqliteKey(electron, process.platform, process.arch);
    expect(sentence).toContain(`could not fetch better-sqlite3 ${betterSqlite.version} for Electron ${electron} (${process.platform}-${process.arch})`);
    // Both sources, each with its address and the refusal.
    expect(sentence).toMatch(new RegExp(`prebuilt binary \\(https://github\\.com/WiseLibs/better-sqlite3/releases/download/v${betterSqlite.version}/\\S+: connect ECONNREFUSED 127\\.0\\.0\\.1:${port}\\)`));
    expect(sentence).toContain(`Electron headers to compile it (https://www.electronjs.org/headers: connect ECONNREFUSED 127.0.0.1:${port})`);
    expect(sentence).toContain('node_modules is unchanged');
    expect(sentence).toMatch(/\.$/);
    expect(sentence.slice(0, -1)).not.toMatch(/\.\s/);
    // The Node build, and everything else npm installed there, untouched.
    expect(packageFingerprint()).toEqual(before);
    // No half build in the cache, no private copy left; only the log the sentence points at.
    expect(readdirSync(cacheDir)).toEqual([`${key}.log`]);
    expect(sentence).toContain(path.join(cacheDir, `${key}.log`));
  });

  it('npm start, with an Electron to launch, stops at that step with exit 3 before building or launching anything', () => {
    // A stand-in Electron (ELECTRON_OVERRIDE_DIST_PATH), of a version no cache can hold yet.
    const dist = tempDir('electron-dist-');
    const version = `${electron}-offline.${process.pid}`;
    const launched = path.join(dist, 'launched');
    const executable = process.platform === 'darwin' ? path.join(dist, 'Electron.app', 'Contents', 'MacOS', 'Electron') : path.join(dist, 'electron');
    mkdirSync(path.dirname(executable), { recursive: true });
    writeFileSync(executable, `#!/bin/sh\ntouch '${launched}'\n`);
    chmodSync(executable, 0o755);
    writeFileSync(path.join(dist, 'version'), `v${version}\n`);
    const key = electronSqliteKey(version, process.platform, process.arch);
    const cachedLog = path.join(repoRoot, ELECTRON_SQLITE_CACHE_DIR, `${key}.log`);
    const before = packageFingerprint();
    try {
      const result = run('npm', ['start'], { ...env, ELECTRON_OVERRIDE_DIST_PATH: dist });
      const output = `${result.stdout}${result.stderr}`;
      expect(result.status, output).toBe(EXIT_ELECTRON_SQLITE_UNAVAILABLE);
      expect(result.stderr).toContain(`npm start: could not fetch better-sqlite3 ${betterSqlite.version} for Electron ${version} (${process.platform}-${process.arch})`);
      expect(result.stderr).toContain('run `npm start` again when online');
      expect(output).not.toContain('vite');
      expect(existsSync(launched)).toBe(false);
      expect(packageFingerprint()).toEqual(before);
      expect(existsSync(path.join(repoRoot, ELECTRON_SQLITE_CACHE_DIR, key))).toBe(false);
    } finally {
      rmSync(cachedLog, { force: true });
    }
  });

  it('a cached build is reused: no download, exit 0', () => {
    const target = { electronVersion: electron, platform: process.platform, arch: process.arch };
    const { cacheDir, file } = seededCache(target);
    const result = run(process.execPath, ['scripts/prepareElectronSqlite.mjs', '--cache-dir', cacheDir], env);
    expect(result.status, `${result.stdout}${result.stderr}`).toBe(0);
    expect(result.stdout).toContain(`cached: ${file}`);
    expect(result.stdout).not.toContain('fetching');
  });
});

describe('the prepare step with a prebuilt binary to download', () => {
  // better-sqlite3's prebuilt archives, served the way its GitHub releases are, from a
  // mirror (prebuild-install's npm_config_<package>_binary_host setting) on this machine.
  const served = new Map<string, Buffer>();
  const requested: string[] = [];
  let server: http.Server;
  let mirror: string;
  let env: NodeJS.ProcessEnv;
  const abi = '150'; // NODE_MODULE_VERSION of Electron 45.
  const archive = `better-sqlite3-v${betterSqlite.version}-electron-v${abi}-${process.platform}-${process.arch}.tar.gz`;

  /** A release archive holding build/Release/better_sqlite3.node with these bytes. */
  function releaseArchive(addon: Buffer): Buffer {
    const dir = tempDir('prebuilt-');
    mkdirSync(path.join(dir, 'build', 'Release'), { recursive: true });
    writeFileSync(path.join(dir, 'build', 'Release', SQLITE_ADDON_FILE), addon);
    const result = spawnSync('tar', ['-czf', path.join(dir, 'archive.tar.gz'), '-C', dir, `build/Release/${SQLITE_ADDON_FILE}`]);
    expect(result.status, String(result.stderr)).toBe(0);
    return readFileSync(path.join(dir, 'archive.tar.gz'));
  }

  beforeAll(async () => {
    server = http.createServer((request, response) => {
      requested.push(request.url ?? '');
      const body = served.get(path.posix.basename(request.url ?? ''));
      response.writeHead(body ? 200 : 404).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    mirror = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    const home = tempDir('prebuilt-home-');
    env = { ...refusedNetworkEnv(await closedPort()), HOME: home, USERPROFILE: home, npm_config_cache: path.join(home, 'npm-cache'), npm_config_better_sqlite3_binary_host: mirror };
    // The mirror is on this machine: no proxy for it.
    for (const name of ['HTTPS_PROXY', 'HTTP_PROXY', 'https_proxy', 'http_proxy']) delete env[name];
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("downloads it into the cache when it is built for Electron's ABI, and reuses it after", async () => {
    // A stand-in for the real addon: what the step checks is the initializer Electron will look for.
    const addon = Buffer.concat([Buffer.from('\x7fELF stand-in '), Buffer.from(`node_register_module_v${abi}\0`)]);
    served.set(archive, releaseArchive(addon));
    const cacheDir = tempDir('electron-native-');
    const before = packageFingerprint();
    const first = await runAsync(['scripts/prepareElectronSqlite.mjs', '--cache-dir', cacheDir], env);
    expect(first.status, `${first.stdout}${first.stderr}`).toBe(0);
    expect(requested).toContain(`/v${betterSqlite.version}/${archive}`);
    const key = electronSqliteKey(electron, process.platform, process.arch);
    const file = path.join(cacheDir, key, SQLITE_ADDON_FILE);
    expect(first.stdout).toContain(`ready: ${file}`);
    expect(readFileSync(file)).toEqual(addon);
    expect(JSON.parse(readFileSync(path.join(cacheDir, key, 'build.json'), 'utf8'))).toMatchObject({
      betterSqlite3: betterSqlite.version,
      electronVersion: electron,
      source: 'prebuilt',
      sha256: createHash('sha256').update(addon).digest('hex'),
    });
    expect(readdirSync(cacheDir)).toEqual([key]);
    expect(packageFingerprint()).toEqual(before);

    requested.length = 0;
    const again = await runAsync(['scripts/prepareElectronSqlite.mjs', '--cache-dir', cacheDir], env);
    expect(again.status).toBe(0);
    expect(again.stdout).toContain(`cached: ${file}`);
    expect(requested).toEqual([]);
  });

  it("refuses one built for another ABI (here npm's Node build), exit 3, nothing kept", async () => {
    served.set(archive, releaseArchive(readFileSync(path.join(betterSqlite.dir, 'build', 'Release', SQLITE_ADDON_FILE))));
    const cacheDir = tempDir('electron-native-');
    // prebuild-install keeps what it downloaded; a fresh npm cache makes it download this archive.
    const result = await runAsync(['scripts/prepareElectronSqlite.mjs', '--cache-dir', cacheDir], { ...env, npm_config_cache: tempDir('npm-cache-') });
    expect(result.status, `${result.stdout}${result.stderr}`).toBe(EXIT_ELECTRON_SQLITE_UNAVAILABLE);
    expect(result.stderr).toContain(`is not built for Electron's NODE_MODULE_VERSION ${abi}, so it was not kept`);
    expect(readdirSync(cacheDir)).toEqual([`${electronSqliteKey(electron, process.platform, process.arch)}.log`]);
  });
});

describe("packaging's native-module step", () => {
  it('stages the cached Electron build for the package, and the CLI still opens a real database afterwards', async () => {
    const work = tempDir('package-native-');
    // A real database, made by the CLI before the step.
    const photos = path.join(work, 'photos');
    mkdirSync(photos);
    await makeJpeg(path.join(photos, 'a.jpg'), { width: 64, height: 48, seed: 1 });
    await makeJpeg(path.join(photos, 'b.jpg'), { width: 48, height: 64, seed: 2 });
    const db = path.join(work, 'studio.db');
    const imported = await defusion('import', photos, '--db', db);
    expect(imported.code, imported.stderr).toBe(0);

    const before = packageFingerprint();
    const targets = packageTargets(['--linux', 'AppImage'], electron, 'linux', process.arch);
    expect(targets).toEqual([{ electronVersion: electron, platform: 'linux', arch: process.arch }]);
    const target = targets[0]!;
    const { cacheDir, file } = seededCache(target);
    const stageDir = path.join(work, 'dist', 'electron-native');
    // Whatever an earlier build staged is replaced, not shipped too.
    mkdirSync(path.join(stageDir, 'electron-1.0.0-linux-x64'), { recursive: true });
    const staged = stageElectronSqlite(targets, { cacheDir, stageDir });
    expect(staged).toEqual([path.join(stageDir, electronSqliteKey(target.electronVersion, target.platform, target.arch), SQLITE_ADDON_FILE)]);
    expect(readdirSync(stageDir)).toEqual([electronSqliteKey(target.electronVersion, target.platform, target.arch)]);
    expect(readFileSync(staged[0]!)).toEqual(readFileSync(file));

    // node_modules as it was, and the Node side works.
    expect(packageFingerprint()).toEqual(before);
    const info = await defusion('info', '--db', db, '--json');
    expect(info.code, info.stderr).toBe(0);
    expect(JSON.parse(info.stdout)).toMatchObject({ counts: { photos: 2 } });
    expect(statSync(db).size).toBeGreaterThan(0);
  });

  it('reads the targets from electron-builder arguments as electron-builder does', () => {
    expect(packageTargets([], '45.5.0', 'linux', 'x64')).toEqual([{ electronVersion: '45.5.0', platform: 'linux', arch: 'x64' }]);
    expect(packageTargets(['--mac', 'dmg', '--arm64'], '45.5.0', 'darwin', 'x64')).toEqual([{ electronVersion: '45.5.0', platform: 'darwin', arch: 'arm64' }]);
    expect(packageTargets(['--win', 'nsis'], '45.5.0', 'win32', 'x64')).toEqual([{ electronVersion: '45.5.0', platform: 'win32', arch: 'x64' }]);
    expect(packageTargets(['-m', '--universal'], '45.5.0', 'darwin', 'arm64').map((target) => target.arch)).toEqual(['x64', 'arm64']);
    expect(packageTargets(['--linux', 'deb', '--x64', '--arm64'], '45.5.0', 'linux', 'x64').map((target) => target.arch)).toEqual(['x64', 'arm64']);
  });
});
