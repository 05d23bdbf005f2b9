// The Electron build of better-sqlite3, kept beside npm's Node build instead of replacing it.
//
// better-sqlite3 is compiled for one Node ABI; Electron's embedded Node has another. The
// desktop app loads its own build through better-sqlite3's `nativeBinding` option
// (electron/core/store/sqliteBinding.ts, which these paths must match), so the Node build in
// node_modules is never rebuilt, and the CLI, the browser mode and the tests keep working.
//
// The build is made once per Electron version, platform and CPU, into
// `.cache/electron-native/<key>/`, from a private copy of the package (never from
// node_modules/better-sqlite3 itself):
// 1. prebuild-install (better-sqlite3's own installer) fetches the prebuilt binary for the
//    Electron runtime from the package's GitHub releases;
// 2. failing that, @electron/rebuild compiles it against the Electron headers (downloaded
//    from electronjs.org; needs Python 3, make and a C++ compiler).
// Offline, both fail: prepareElectronSqlite throws ElectronSqliteUnavailable, whose message
// is one sentence naming what could not be fetched.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from './electronBinary.mjs';

/** Where the builds are kept in a checkout (sqliteBinding.ts: ELECTRON_SQLITE_CACHE_DIR). */
export const ELECTRON_SQLITE_CACHE_DIR = '.cache/electron-native';
/** Where `npm run build` stages the build it ships (sqliteBinding.ts: PACKAGED_ELECTRON_SQLITE_DIR). */
export const PACKAGED_ELECTRON_SQLITE_DIR = 'dist/electron-native';
export const SQLITE_ADDON_FILE = 'better_sqlite3.node';
/** The exit status of `npm start` / `npm run build` when the Electron build can be neither fetched nor compiled. */
export const EXIT_ELECTRON_SQLITE_UNAVAILABLE = 3;
/** Where @electron/rebuild downloads the Electron headers from: its own default, or its override. */
function headersUrl(env) {
  return env.ELECTRON_REBUILD_DIST_URL || 'https://www.electronjs.org/headers';
}

const require = createRequire(import.meta.url);

/** The folder of one build (sqliteBinding.ts: electronSqliteKey). */
export function electronSqliteKey(electronVersion, platform, arch) {
  return `electron-${electronVersion}-${platform}-${arch}`;
}

/** Neither a prebuilt binary nor a compiled build could be had; the message says why in one sentence. */
export class ElectronSqliteUnavailable extends Error {
  name = 'ElectronSqliteUnavailable';
}

/** The better-sqlite3 package npm installed: its folder and version. */
export function installedBetterSqlite() {
  const manifest = require.resolve('better-sqlite3/package.json');
  return { dir: path.dirname(manifest), version: JSON.parse(readFileSync(manifest, 'utf8')).version };
}

function sha256(file) {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

/**
 * The environment for prebuild-install and node-gyp: this one without the npm settings
 * that would retarget them. `npm start` passes npm's configuration down as npm_config_*,
 * and some Node distributions set `nodedir` (Debian: /usr), which would make node-gyp
 * compile against this Node's headers instead of Electron's. Proxy and CA settings stay.
 */
export function buildEnv(env = process.env) {
  const retargeting = ['nodedir', 'target', 'target_arch', 'target_platform', 'runtime', 'disturl', 'dist_url', 'arch', 'platform', 'libc', 'build_from_source'];
  const result = { ...env };
  for (const name of Object.keys(result)) {
    const setting = /^npm_config_(.+)$/i.exec(name)?.[1]?.toLowerCase().replaceAll('-', '_');
    if (setting && retargeting.includes(setting)) delete result[name];
  }
  return result;
}

/** Runs a Node script; returns whether it succeeded and everything it printed. */
function runNode(script, args, cwd, env, timeoutMs) {
  const result = spawnSync(process.execPath, [script, ...args], {
    cwd,
    env,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    timeout: timeoutMs,
  });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? `\n${result.error.message}` : ''}`;
  return { ok: result.status === 0, output };
}

/** The network failure a log reports ("getaddrinfo ENOTFOUND github.com"), if it reports one. */
function networkFailure(output) {
  const match = /(getaddrinfo \S+ \S+|connect \S+ [\d.:a-f]+|\b(?:ENOTFOUND|ECONNREFUSED|ECONNRESET|EAI_AGAIN|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH)\b[^\n]*|fetch failed|related to network connectivity)/.exec(output);
  if (!match) return null;
  // node-gyp replaces the system's error with a paragraph; keep its gist.
  return match[1] === 'related to network connectivity' ? 'unreachable' : match[1].trim();
}

/** A path to show the user: relative to the working folder when inside it. */
function shown(file) {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

/**
 * A private copy of the installed package in `workDir/node_modules/better-sqlite3`, without
 * its build, inside a minimal app that depends on it (the layout @electron/rebuild walks).
 */
function privateCopy(workDir, betterSqlite) {
  const copy = path.join(workDir, 'node_modules', 'better-sqlite3');
  cpSync(betterSqlite.dir, copy, {
    recursive: true,
    filter: (source) => path.relative(betterSqlite.dir, source).split(path.sep)[0] !== 'build',
  });
  writeFileSync(
    path.join(workDir, 'package.json'),
    `${JSON.stringify({ name: 'electron-sqlite-build', version: '0.0.0', private: true, dependencies: { 'better-sqlite3': betterSqlite.version } }, null, 2)}\n`,
  );
  return copy;
}

/** Step 1: prebuild-install in the copy, for the Electron runtime. */
function fetchPrebuilt(copy, betterSqlite, target, env) {
  const bin = createRequire(path.join(betterSqlite.dir, 'package.json')).resolve('prebuild-install/bin.js');
  const args = ['--runtime', 'electron', '--target', target.electronVersion, '--platform', target.platform, '--arch', target.arch, '--verbose'];
  const run = runNode(bin, args, copy, env, 5 * 60_000);
  const url = /GET (https?:\/\/\S+)/.exec(run.output)?.[1] ?? 'its GitHub releases';
  const reason = networkFailure(run.output) ?? /warn install (.+)/.exec(run.output)?.[1]?.trim() ?? 'failed';
  // The archive is named for the ABI it was built for: better-sqlite3-v12.11.1-electron-v150-linux-x64.tar.gz.
  const abi = /-electron-v(\d+)-/.exec(url)?.[1] ?? null;
  return { ...run, url, reason, abi };
}

/** Step 2: @electron/rebuild compiles the copy against the Electron headers. */
function compile(workDir, target, env) {
  const runner = path.join(repoRoot, 'scripts', 'electronRebuildRunner.mjs');
  const run = runNode(runner, [workDir, target.electronVersion, target.arch, headersUrl(env)], workDir, env, 60 * 60_000);
  return { ...run, network: networkFailure(run.output), abi: /^abi=(\d+)$/m.exec(run.output)?.[1] ?? null };
}

/**
 * Whether `file` is an addon for NODE_MODULE_VERSION `abi`: its initializer is exported
 * as `node_register_module_v<abi>` (node.h, NODE_MODULE_INIT), in ELF, Mach-O and PE alike.
 */
function isBuiltForAbi(file, abi) {
  return readFileSync(file).includes(`node_register_module_v${abi}\0`);
}

/** The Node build npm installed, as a hash ('missing' when there is none), to prove it untouched. */
function nodeBuildFingerprint(betterSqlite) {
  const file = path.join(betterSqlite.dir, 'build', 'Release', SQLITE_ADDON_FILE);
  return existsSync(file) ? sha256(file) : 'missing';
}

/**
 * Fetches, else compiles, the build for `target` in a private copy under `workDir`, and
 * returns where it landed and how it was made. Throws ElectronSqliteUnavailable, after
 * writing what the tools printed to `logFile`.
 */
function makeBuild(target, context) {
  const { betterSqlite, workDir, logFile, env, log, caller, label } = context;
  const copy = privateCopy(workDir, betterSqlite);
  const built = path.join(copy, 'build', 'Release', SQLITE_ADDON_FILE);
  const details = `node_modules is unchanged; details in ${shown(logFile)}`;
  const fail = (output, sentence) => {
    writeFileSync(logFile, output);
    return new ElectronSqliteUnavailable(`${caller}: ${sentence} (${details}).`);
  };
  log(`${caller}: fetching the prebuilt ${label}…`);
  const prebuilt = fetchPrebuilt(copy, betterSqlite, target, env);
  let output = `$ prebuild-install\n${prebuilt.output}`;
  let made = { source: 'prebuilt', abi: prebuilt.abi };
  if (!prebuilt.ok || !existsSync(built)) {
    if (target.platform !== process.platform) {
      throw fail(output, `could not fetch the prebuilt ${label} (${prebuilt.url}: ${prebuilt.reason}), and it can be compiled only on ${target.platform}`);
    }
    log(`${caller}: no prebuilt binary (${prebuilt.reason}); compiling ${label} with @electron/rebuild (a few minutes, once)…`);
    const compiled = compile(workDir, target, env);
    output += `\n$ @electron/rebuild\n${compiled.output}`;
    if (!compiled.ok || !existsSync(built)) {
      throw fail(
        output,
        compiled.network
          ? `could not fetch ${label}: neither its prebuilt binary (${prebuilt.url}: ${prebuilt.reason}) nor the Electron headers to compile it (${headersUrl(env)}: ${compiled.network}) could be downloaded; run \`${caller}\` again when online`
          : `could not fetch the prebuilt ${label} (${prebuilt.url}: ${prebuilt.reason}), and compiling it failed; compiling needs Python 3, make and a C++ compiler`,
      );
    }
    made = { source: 'compiled', abi: compiled.abi };
  }
  if (made.abi && !isBuiltForAbi(built, made.abi)) {
    throw fail(output, `the ${made.source} ${label} is not built for Electron's NODE_MODULE_VERSION ${made.abi}, so it was not kept`);
  }
  return { built, source: made.source };
}

/**
 * Makes sure the Electron build for `target` is in `cacheDir` and returns it. A build made
 * for the installed better-sqlite3 version is reused; `force` makes a new one. Throws
 * ElectronSqliteUnavailable when it can be neither fetched nor compiled.
 *
 * @param {{electronVersion: string, platform: string, arch: string}} target
 * @param {{cacheDir?: string, force?: boolean, env?: NodeJS.ProcessEnv, log?: (line: string) => void, caller?: string}} [options]
 * @returns {{file: string, source: 'cache' | 'prebuilt' | 'compiled'}}
 */
export function prepareElectronSqlite(target, options = {}) {
  const { cacheDir = path.join(repoRoot, ELECTRON_SQLITE_CACHE_DIR), force = false, log = () => {}, caller = 'electron-sqlite' } = options;
  const betterSqlite = installedBetterSqlite();
  const key = electronSqliteKey(target.electronVersion, target.platform, target.arch);
  const folder = path.join(cacheDir, key);
  const file = path.join(folder, SQLITE_ADDON_FILE);
  const manifest = readJson(path.join(folder, 'build.json'));
  // The addon and better-sqlite3's JavaScript must come from the same version.
  if (!force && existsSync(file) && manifest?.betterSqlite3 === betterSqlite.version) {
    return { file, source: 'cache' };
  }
  const label = `better-sqlite3 ${betterSqlite.version} for Electron ${target.electronVersion} (${target.platform}-${target.arch})`;
  mkdirSync(cacheDir, { recursive: true });
  const nodeBuild = nodeBuildFingerprint(betterSqlite);
  // The private copy lives outside the repository, so that no tool run in it can take the
  // repository's node_modules for its own.
  const workDir = mkdtempSync(path.join(os.tmpdir(), `defusion-${key}-`));
  const staging = path.join(cacheDir, `.${key}.${process.pid}.tmp`);
  const logFile = path.join(cacheDir, `${key}.log`);
  let made;
  let failure;
  try {
    made = makeBuild(target, { betterSqlite, workDir, logFile, env: buildEnv(options.env), log, caller, label });
    // Into place in one rename, so a reader never sees half a build.
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging);
    copyFileSync(made.built, path.join(staging, SQLITE_ADDON_FILE));
    const facts = { betterSqlite3: betterSqlite.version, ...target, source: made.source, bytes: statSync(made.built).size, sha256: sha256(made.built), madeAt: new Date().toISOString() };
    writeFileSync(path.join(staging, 'build.json'), `${JSON.stringify(facts, null, 2)}\n`);
    rmSync(folder, { recursive: true, force: true });
    renameSync(staging, folder);
    rmSync(logFile, { force: true });
  } catch (error) {
    failure = error;
  } finally {
    rmSync(workDir, { recursive: true, force: true });
    rmSync(staging, { recursive: true, force: true });
  }
  // What every message promises, checked rather than assumed.
  if (nodeBuildFingerprint(betterSqlite) !== nodeBuild) {
    throw new Error(`${caller}: node_modules/better-sqlite3 changed while ${label} was being made; run \`npm rebuild better-sqlite3\` to restore its Node build.`);
  }
  if (failure) throw failure;
  log(`${caller}: ${label} ${made.source === 'prebuilt' ? 'downloaded' : 'compiled'} into ${shown(folder)}`);
  return { file, source: made.source };
}

/**
 * The native-module step of packaging: the Electron build for each target, from the cache
 * (prepared first when missing), copied alone into `stageDir/<key>/`, which the package
 * ships unpacked from asar. node_modules is only read.
 *
 * @param {{electronVersion: string, platform: string, arch: string}[]} targets
 * @param {{stageDir?: string, cacheDir?: string, env?: NodeJS.ProcessEnv, log?: (line: string) => void, caller?: string}} [options]
 * @returns {string[]} the staged files
 */
export function stageElectronSqlite(targets, options = {}) {
  const { stageDir = path.join(repoRoot, PACKAGED_ELECTRON_SQLITE_DIR), ...prepareOptions } = options;
  // A stale build for another Electron version must not ship.
  rmSync(stageDir, { recursive: true, force: true });
  return targets.map((target) => {
    const { file } = prepareElectronSqlite(target, prepareOptions);
    const staged = path.join(stageDir, electronSqliteKey(target.electronVersion, target.platform, target.arch), SQLITE_ADDON_FILE);
    mkdirSync(path.dirname(staged), { recursive: true });
    copyFileSync(file, staged);
    return staged;
  });
}

const PLATFORM_FLAGS = { '--linux': 'linux', '-l': 'linux', '--win': 'win32', '--windows': 'win32', '-w': 'win32', '--mac': 'darwin', '--macos': 'darwin', '-m': 'darwin', '-o': 'darwin' };
const ARCH_FLAGS = { '--x64': ['x64'], '--ia32': ['ia32'], '--armv7l': ['armv7l'], '--arm64': ['arm64'], '--universal': ['x64', 'arm64'] };

/**
 * The platforms and CPUs that electron-builder will package for, from the arguments it is
 * given (`--linux`, `--win`, `--mac`; `--x64`, `--arm64`, … , `--universal`), each
 * defaulting to this machine's, as electron-builder's do.
 *
 * @param {string[]} args
 * @param {string} electronVersion
 * @returns {{electronVersion: string, platform: string, arch: string}[]}
 */
export function packageTargets(args, electronVersion, hostPlatform = process.platform, hostArch = process.arch) {
  const platforms = [...new Set(args.flatMap((arg) => (arg in PLATFORM_FLAGS ? [PLATFORM_FLAGS[arg]] : [])))];
  const archs = [...new Set(args.flatMap((arg) => ARCH_FLAGS[arg] ?? []))];
  return (platforms.length ? platforms : [hostPlatform]).flatMap((platform) =>
    (archs.length ? archs : [hostArch]).map((arch) => ({ electronVersion, platform, arch })),
  );
}
