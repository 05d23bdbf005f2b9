/**
 * The desktop shell, as far as it can be checked without the Electron binary (which this
 * machine cannot download): the start and packaging scripts refuse clearly when it is
 * missing, the bundles are what a sandboxed Electron can load, the electron-builder
 * config passes electron-builder's own schema and ships what the app needs, lint keeps
 * 'electron' out of the core, and the bundled main process wires the studio://app origin
 * and IPC to the real core.
 *
 * In that last test Electron's API is a recorder standing in for the `electron` module:
 * it holds what main.js registers (protocol handler, IPC handlers, window options) so the
 * test can call them. Everything behind them is real: the bundle, the core, a SQLite
 * file, the sample library's photos, the built renderer.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import Module, { builtinModules, createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_CONTENT_SECURITY_POLICY } from '../../electron/desktop/appProtocol';
import { PACKAGED_ELECTRON_SQLITE_DIR } from '../../electron/core/store/sqliteBinding';
import buildRendererIfStale from '../e2e/globalSetup';
import { grayPng } from '../fixtures/images';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const distElectron = path.join(repoRoot, 'dist', 'electron');
const require = createRequire(import.meta.url);
const NATIVE_MODULES = ['better-sqlite3', 'sharp', 'onnxruntime-node'];
const MISSING = 'The Electron binary is not installed';

const temporary: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  temporary.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of temporary.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Runs a command; returns its exit status and everything it printed. */
function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): { status: number | null; output: string } {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: 120_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** The environment without ELECTRON_OVERRIDE_DIST_PATH, plus `extra`. */
function envWith(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  if (!('ELECTRON_OVERRIDE_DIST_PATH' in extra)) delete env.ELECTRON_OVERRIDE_DIST_PATH;
  return env;
}

/** Every module name a CommonJS bundle requires with a literal, and how many `require(` calls it makes at all. */
function requiresOf(bundle: string): { names: string[]; calls: number } {
  const names = [...bundle.matchAll(/\brequire\(\s*(["'`])([^"'`]+)\1\s*\)/g)].map((match) => match[2] ?? '');
  const calls = [...bundle.matchAll(/\brequire\(/g)].length;
  return { names, calls };
}

function isBuiltin(name: string): boolean {
  return name.startsWith('node:') || builtinModules.includes(name);
}

describe('without the Electron binary', () => {
  it('npm start and the packaging step say so and exit non-zero (this checkout, binary overridden to an empty folder)', () => {
    const empty = tempDir('electron-dist-');
    const env = envWith({ ELECTRON_OVERRIDE_DIST_PATH: empty });
    const started = Date.now();
    const start = run('npm', ['start'], repoRoot, env);
    expect(start.status, start.output).toBe(1);
    expect(start.output).toContain(`npm start: ${MISSING}`);
    expect(start.output).toContain('npm run serve');
    // It stops before building anything: the refusal is immediate.
    expect(start.output).not.toContain('vite');
    expect(Date.now() - started).toBeLessThan(30_000);

    const pack = run(process.execPath, ['scripts/packageApp.mjs'], repoRoot, env);
    expect(pack.status, pack.output).toBe(1);
    expect(pack.output).toContain('npm run build: cannot package the desktop app.');
    expect(pack.output).toContain(MISSING);
  });

  it('npm start and the packaging step say so where the download was skipped (no path.txt, no override)', () => {
    // A checkout installed with ELECTRON_SKIP_BINARY_DOWNLOAD=1: the electron package is
    // there, its binary and path.txt are not. The real scripts run in a copy of that layout.
    const checkout = tempDir('checkout-');
    mkdirSync(path.join(checkout, 'scripts'));
    for (const script of ['startElectron.mjs', 'packageApp.mjs', 'electronBinary.mjs']) {
      copyFileSync(path.join(repoRoot, 'scripts', script), path.join(checkout, 'scripts', script));
    }
    copyFileSync(path.join(repoRoot, 'package.json'), path.join(checkout, 'package.json'));
    mkdirSync(path.join(checkout, 'node_modules', 'electron'), { recursive: true });
    copyFileSync(path.join(repoRoot, 'node_modules', 'electron', 'package.json'), path.join(checkout, 'node_modules', 'electron', 'package.json'));
    expect(existsSync(path.join(checkout, 'node_modules', 'electron', 'path.txt'))).toBe(false);

    const start = run('npm', ['start'], checkout, envWith());
    expect(start.status, start.output).toBe(1);
    expect(start.output).toContain(`npm start: ${MISSING}`);
    const pack = run(process.execPath, ['scripts/packageApp.mjs'], checkout, envWith());
    expect(pack.status, pack.output).toBe(1);
    expect(pack.output).toContain(MISSING);
  });
});

describe('the Electron bundles', () => {
  beforeAll(() => {
    const build = run(process.execPath, ['scripts/buildElectron.mjs'], repoRoot, envWith());
    expect(build.status, build.output).toBe(0);
  });

  it('writes main.js, preload.cjs and the detection worker, in a folder Node reads as CommonJS', () => {
    for (const file of ['main.js', 'preload.cjs', 'detectWorker.js']) {
      expect(statSync(path.join(distElectron, file)).size, file).toBeGreaterThan(1000);
    }
    // The project is "type": "module"; without this, Electron would load main.js as ESM.
    expect(JSON.parse(readFileSync(path.join(distElectron, 'package.json'), 'utf8'))).toEqual({ type: 'commonjs' });
    const main = readFileSync(path.join(distElectron, 'main.js'), 'utf8');
    // import.meta is empty in CommonJS: the bundle defines it from its own file.
    expect(main).toContain("const __bundleUrl = require('node:url').pathToFileURL(__filename).href;");
    expect(main).not.toContain('import.meta');
  });

  it('the preload requires nothing but electron', () => {
    const preload = readFileSync(path.join(distElectron, 'preload.cjs'), 'utf8');
    const { names, calls } = requiresOf(preload);
    expect(names).toEqual(['electron']);
    expect(calls, 'no require( call other than the one of electron').toBe(1);
    expect(preload).toContain('exposeInMainWorld("studio"');
  });

  it('the main bundle keeps the native modules external and bundles every other package', () => {
    const main = readFileSync(path.join(distElectron, 'main.js'), 'utf8');
    const packages = [...new Set(requiresOf(main).names.filter((name) => !isBuiltin(name)))].sort();
    expect(packages).toEqual(['better-sqlite3', 'electron', 'onnxruntime-node', 'sharp']);
    // None of their insides came along: no compiled addon, no binding loader.
    expect(main).not.toMatch(/\.node["'`]\)/);
    expect(main).not.toContain('require("bindings")');
    expect(main).not.toContain('@img/sharp-');
    const worker = readFileSync(path.join(distElectron, 'detectWorker.js'), 'utf8');
    const workerPackages = [...new Set(requiresOf(worker).names.filter((name) => !isBuiltin(name)))].sort();
    expect(workerPackages.every((name) => NATIVE_MODULES.includes(name)), workerPackages.join(', ')).toBe(true);
    expect(workerPackages).toContain('onnxruntime-node');
  });
});

describe('the electron-builder config', () => {
  interface BuilderConfig {
    appId?: string;
    productName?: string;
    files?: { filter?: string[] }[];
    extraResources?: { from: string; to: string; filter?: string[] }[];
    asarUnpack?: string[];
    npmRebuild?: boolean;
    extraMetadata?: { homepage?: string; author?: { name?: string; email?: string } };
    linux?: { target?: string[] };
    win?: { target?: string[] };
    mac?: { target?: string[] };
    electronFuses?: Record<string, boolean>;
  }
  let config: BuilderConfig;

  beforeAll(async () => {
    // electron-builder's own loader and JSON schema, as `electron-builder --config` uses them.
    const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
      getConfig(projectDir: string, configPath: string, options: null): Promise<BuilderConfig>;
      validateConfiguration(config: BuilderConfig, debugLogger: { isEnabled: boolean; add(): void }): Promise<void>;
    };
    config = await getConfig(repoRoot, path.join(repoRoot, 'build', 'electron-builder.yml'), null);
    await validateConfiguration(config, { isEnabled: false, add() {} });
  });

  it('names the four targets', () => {
    expect(config.linux?.target).toEqual(['AppImage', 'deb']);
    expect(config.win?.target).toEqual(['nsis']);
    expect(config.mac?.target).toEqual(['dmg']);
    // The deb target refuses to build without a maintainer e-mail and a homepage.
    expect(config.extraMetadata?.author?.email).toMatch(/^[^@\s]+@[^@\s]+\.[a-z]+$/);
    expect(config.extraMetadata?.homepage).toMatch(/^https:\/\//);
  });

  it('unpacks the native modules, ships the Electron build of better-sqlite3, and never rebuilds node_modules', () => {
    for (const name of ['sharp', 'onnxruntime-node']) {
      expect(config.asarUnpack, name).toContain(`node_modules/${name}/**`);
    }
    // sharp's compiled libvips lives in the @img packages.
    expect(config.asarUnpack).toContain('node_modules/@img/**');
    // better-sqlite3 for Electron is staged where the packaged app looks for it
    // (app.asar.unpacked/<that folder>); npm's Node build stays out of the package...
    expect(config.asarUnpack).toContain(`${PACKAGED_ELECTRON_SQLITE_DIR}/**`);
    expect(config.files?.flatMap((set) => set.filter ?? [])).toContain('!node_modules/better-sqlite3/{build,deps,src}/**');
    // ...and in node_modules, built for Node: a rebuild there would break the CLI and the tests.
    expect(config.npmRebuild).toBe(false);
  });

  it('ships the bundles, models/ and the sample library', () => {
    const files = config.files?.flatMap((set) => set.filter ?? []) ?? [];
    expect(files).toContain('dist/**');
    expect(files).toContain('package.json');
    const models = config.extraResources?.find((resource) => resource.from === 'models');
    expect(models?.to).toBe('models');
    expect(models?.filter).toEqual(expect.arrayContaining(['*.onnx', '*.json', 'training/**', '!training/runs/**']));
    const sample = config.extraResources?.find((resource) => resource.from === 'datasets/sample');
    expect(sample?.to).toBe('datasets/sample');
    // What it ships is there to ship.
    expect(readdirSync(path.join(repoRoot, 'datasets', 'sample', 'images')).length).toBeGreaterThan(0);
    expect(existsSync(path.join(repoRoot, 'models', 'training', 'defusionnet', 'train.py'))).toBe(true);
  });

  it('flips the fuses that keep the packaged binary from running other code', () => {
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });
});

describe('lint', () => {
  it("refuses an 'electron' import anywhere but main.ts and preload.ts", async () => {
    const eslint = new ESLint({ cwd: repoRoot });
    const probe = path.join(repoRoot, 'electron', 'core', `lintProbe${process.pid}.ts`);
    writeFileSync(probe, "import { app } from 'electron';\n\nexport const probeName = app.name;\n");
    try {
      const [result] = await eslint.lintFiles([probe]);
      const messages = result?.messages.map((message) => `${message.ruleId}: ${message.message}`) ?? [];
      expect(messages).toEqual([expect.stringMatching(/^no-restricted-imports: .*only electron\/main\.ts and electron\/preload\.ts import electron/)]);
    } finally {
      rmSync(probe, { force: true });
    }
    // The two files that may, do, and lint clean.
    const allowed = await eslint.lintFiles([path.join(repoRoot, 'electron', 'main.ts'), path.join(repoRoot, 'electron', 'preload.ts')]);
    expect(allowed.flatMap((result) => result.messages.map((message) => message.message))).toEqual([]);
  });
});

describe('the bundled main process', () => {
  type Handler = (...args: never[]) => unknown;
  type ProtocolHandler = (request: Request) => Promise<Response>;
  type Envelope = { ok: true; value: unknown } | { ok: false; error: { code: string; message: string } };

  /** A web contents as main.js sees it: the frame it checks and the handlers it installs. */
  class RecordedContents {
    readonly mainFrame = { url: '' };
    readonly sent: unknown[][] = [];
    readonly listeners = new Map<string, Handler>();
    windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null;
    /** What the page does with a message from main (the test plays the page). */
    onMessage: ((channel: string, ...args: unknown[]) => void) | null = null;
    send(...args: unknown[]): void {
      this.sent.push(args);
      this.onMessage?.(...(args as [string, ...unknown[]]));
    }
    isCrashed(): boolean {
      return false;
    }
    on(name: string, listener: Handler): void {
      this.listeners.set(name, listener);
    }
    setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
      this.windowOpenHandler = handler;
    }
  }

  const recorded = {
    schemes: [] as unknown[],
    sandboxEnabled: false,
    appListeners: new Map<string, Handler>(),
    ipc: new Map<string, Handler>(),
    ipcListeners: new Map<string, Handler[]>(),
    closedWindows: 0,
    protocols: new Map<string, ProtocolHandler>(),
    windows: [] as { options: { webPreferences: Record<string, unknown> }; contents: RecordedContents; loaded: string }[],
    permissionRequest: null as Handler | null,
    permissionCheck: null as Handler | null,
    quit: 0,
    errors: [] as unknown[][],
    menu: null as unknown,
    opened: [] as string[],
    dialogs: [] as unknown[][],
    picks: [] as string[],
  };
  let userData: string;
  /** A photo of the sample library, for the save made while quitting. */
  let samplePhoto: { id: number; width: number; height: number } | null = null;
  let quitDone: () => void;
  const quitted = new Promise<void>((resolve) => (quitDone = resolve));
  const moduleInternals = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
  const originalLoad = moduleInternals._load;
  const bundlePath = path.join(distElectron, 'main.js');

  function electronStandIn(): unknown {
    class BrowserWindow {
      readonly webContents = new RecordedContents();
      readonly #listeners = new Map<string, Handler[]>();
      #destroyed = false;
      constructor(readonly options: { webPreferences: Record<string, unknown> }) {}
      /** As Electron: 'close' may be prevented; otherwise the window goes, then 'closed', then window-all-closed. */
      close(): void {
        if (this.#destroyed) return;
        let prevented = false;
        for (const listener of this.#listeners.get('close') ?? []) listener({ preventDefault: () => (prevented = true) } as never);
        if (prevented) return;
        this.#destroyed = true;
        recorded.closedWindows += 1;
        for (const listener of this.#listeners.get('closed') ?? []) listener();
        recorded.appListeners.get('window-all-closed')?.();
      }
      loadURL(url: string): Promise<void> {
        this.webContents.mainFrame.url = url;
        recorded.windows.push({ options: this.options, contents: this.webContents, loaded: url });
        return Promise.resolve();
      }
      maximize(): void {}
      once(): void {}
      on(name: string, listener: Handler): void {
        this.#listeners.set(name, [...(this.#listeners.get(name) ?? []), listener]);
      }
      show(): void {}
      isDestroyed(): boolean {
        return this.#destroyed;
      }
      isMinimized(): boolean {
        return false;
      }
      getNormalBounds(): { x: number; y: number; width: number; height: number } {
        return { x: 10, y: 10, width: 1200, height: 800 };
      }
      isMaximized(): boolean {
        return false;
      }
    }
    return {
      app: {
        isPackaged: false,
        getPath: () => userData,
        getVersion: () => '0.1.0',
        enableSandbox: () => {
          recorded.sandboxEnabled = true;
        },
        on: (name: string, listener: Handler) => recorded.appListeners.set(name, listener),
        whenReady: () => Promise.resolve(),
        requestSingleInstanceLock: () => true,
        // As Electron: quit emits before-quit, which may prevent it.
        quit: () => {
          let prevented = false;
          recorded.appListeners.get('before-quit')?.({ preventDefault: () => (prevented = true) } as never);
          if (prevented) return;
          recorded.quit += 1;
          quitDone();
        },
        exit: (code: number) => recorded.errors.push(['exit', code]),
      },
      protocol: {
        registerSchemesAsPrivileged: (schemes: unknown[]) => recorded.schemes.push(...schemes),
        handle: (scheme: string, handler: ProtocolHandler) => recorded.protocols.set(scheme, handler),
      },
      ipcMain: {
        handle: (channel: string, handler: Handler) => recorded.ipc.set(channel, handler),
        on: (channel: string, listener: Handler) => recorded.ipcListeners.set(channel, [...(recorded.ipcListeners.get(channel) ?? []), listener]),
        removeListener: (channel: string, listener: Handler) =>
          recorded.ipcListeners.set(channel, (recorded.ipcListeners.get(channel) ?? []).filter((item) => item !== listener)),
      },
      BrowserWindow,
      screen: { getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }] },
      Menu: { buildFromTemplate: (template: unknown) => template, setApplicationMenu: (menu: unknown) => (recorded.menu = menu) },
      dialog: {
        showErrorBox: (...args: unknown[]) => recorded.errors.push(args),
        // The user picks the next file of `picks` in the native dialog.
        showOpenDialog: (...args: unknown[]) => {
          recorded.dialogs.push(args);
          const file = recorded.picks.shift();
          return Promise.resolve(file === undefined ? { canceled: true, filePaths: [] } : { canceled: false, filePaths: [file] });
        },
      },
      session: {
        defaultSession: {
          setPermissionRequestHandler: (handler: Handler) => (recorded.permissionRequest = handler),
          setPermissionCheckHandler: (handler: Handler) => (recorded.permissionCheck = handler),
        },
      },
      shell: {
        openExternal: (url: string) => {
          recorded.opened.push(url);
          return Promise.resolve();
        },
      },
    };
  }

  const window = () => {
    const first = recorded.windows[0];
    if (!first) throw new Error('main.js opened no window');
    return first;
  };

  async function get(url: string, method = 'GET'): Promise<{ status: number; type: string | null; csp: string | null; body: Buffer }> {
    const handler = recorded.protocols.get('studio');
    if (!handler) throw new Error('no studio:// handler');
    const response = await handler(new Request(url, { method }));
    return {
      status: response.status,
      type: response.headers.get('content-type'),
      csp: response.headers.get('content-security-policy'),
      body: Buffer.from(await response.arrayBuffer()),
    };
  }

  /** Calls the core over the IPC handler, as the page's preload would. */
  async function ipcCall(method: unknown, input: unknown, sender = window().contents, frame: { url: string } = sender.mainFrame): Promise<Envelope> {
    const handler = recorded.ipc.get('studio:call') as ((event: unknown, method: unknown, input: unknown) => Promise<Envelope>) | undefined;
    if (!handler) throw new Error('no studio:call handler');
    return handler({ sender, senderFrame: frame }, method, input);
  }

  beforeAll(async () => {
    const build = run(process.execPath, ['scripts/buildElectron.mjs'], repoRoot, envWith());
    expect(build.status, build.output).toBe(0);
    // The same production build the E2E run uses (a build made under vitest's NODE_ENV would not be).
    buildRendererIfStale();
    userData = tempDir('studio-user-data-');
    const standIn = electronStandIn();
    moduleInternals._load = function (request: string, ...rest: unknown[]) {
      return request === 'electron' ? standIn : originalLoad.call(this, request, ...rest);
    };
    // Node's own require: the bundle loads as CommonJS through dist/electron/package.json.
    require(bundlePath);
    // main.js starts on load; its window opens once the core is up.
    for (let waited = 0; recorded.windows.length === 0 && recorded.errors.length === 0 && waited < 60_000; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });

  afterAll(async () => {
    moduleInternals._load = originalLoad;
    delete require.cache[bundlePath];
  });

  it('registers studio as a standard, secure scheme and sandboxes every renderer', () => {
    expect(recorded.schemes).toEqual([
      { scheme: 'studio', privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true, stream: true } },
    ]);
    expect(recorded.sandboxEnabled).toBe(true);
  });

  it('opens one window, isolated and sandboxed, on the studio://app page', () => {
    const { options, loaded } = window();
    expect(loaded).toBe('studio://app/index.html');
    expect(options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webviewTag: false });
    expect(options.webPreferences.preload).toBe(path.join(distElectron, 'preload.cjs'));
    expect(existsSync(String(options.webPreferences.preload))).toBe(true);
    expect(recorded.errors).toEqual([]);
  });

  it('serves the page with its CSP, the renderer files, and nothing outside them', async () => {
    const page = await get('studio://app/index.html');
    expect(page.status).toBe(200);
    expect(page.type).toMatch(/^text\/html/);
    expect(page.csp).toBe(APP_CONTENT_SECURITY_POLICY);
    const script = /<script[^>]+src="\.\/([^"]+)"/.exec(page.body.toString('utf8'))?.[1];
    expect(script).toBeDefined();
    const asset = await get(`studio://app/${script}`);
    expect(asset.status).toBe(200);
    expect(asset.type).toMatch(/^text\/javascript/);
    expect(asset.csp).toBeNull();

    const packageJson = readFileSync(path.join(repoRoot, 'package.json'));
    for (const [url, status] of [
      ['studio://app/..%2F..%2Fpackage.json', 403],
      ['studio://app/%2e%2e%2f%2e%2e%2fpackage.json', 403],
      ['studio://app/..%5C..%5Cpackage.json', 403],
      ['studio://app/../../package.json', 404],
      ['studio://evil/index.html', 404],
      ['studio://photo/1', 404],
    ] as const) {
      const refused = await get(url);
      expect(refused.status, url).toBe(status);
      expect(refused.body.includes(packageJson.subarray(0, 40)), url).toBe(false);
    }
    expect((await get('studio://app/index.html', 'POST')).status).toBe(405);
  });

  it('serves the photos of an open library root on the same origin, and only those', async () => {
    // First run: no library yet, so the sample library was opened.
    let page: { total: number; photos: { id: number; width: number; height: number }[] } = { total: 0, photos: [] };
    await expect
      .poll(
        async () => {
          const answer = await ipcCall('library.query', {});
          if (answer.ok) page = answer.value as typeof page;
          return page.total;
        },
        { timeout: 60_000 },
      )
      .toBeGreaterThan(0);
    const id = page.photos[0]?.id ?? 0;
    samplePhoto = page.photos[0] ?? null;
    const photo = await get(`studio://app/files/photo/${id}`);
    expect(photo.status).toBe(200);
    expect(photo.type).toMatch(/^image\//);
    expect((await get(`studio://app/files/thumbnail/${id}`)).status).toBe(200);
    expect((await get('studio://app/files/photo/999999')).status).toBe(404);
    expect((await get(`studio://app/files/photo/${id}%2F..%2F..`)).status).toBe(400);

    // Closing the root closes its photos.
    const roots = await ipcCall('library.roots', {});
    expect(roots.ok).toBe(true);
    const rootId = (roots.ok ? (roots.value as { id: number }[]) : [])[0]?.id ?? 0;
    expect((await ipcCall('library.close', { rootId })).ok).toBe(true);
    const closed = await get(`studio://app/files/photo/${id}`);
    expect(closed.status).toBe(403);
    expect(closed.body.includes(photo.body.subarray(200, 260))).toBe(false);
  });

  it('answers IPC only from its own top frame, and validates every input', async () => {
    const info = await ipcCall('app.info', {});
    expect(info.ok).toBe(true);
    expect(info.ok && (info.value as { dbPath: string }).dbPath).toBe(path.join(userData, 'studio.db'));

    const contents = window().contents;
    const refusals = [
      ['a page from elsewhere', contents, { url: 'https://evil.example/' }],
      ['a file:// page', contents, { url: 'file:///tmp/index.html' }],
      ['a lookalike origin', contents, { url: 'studio://app.evil/index.html' }],
      ['a subframe of the page', contents, { url: 'studio://app/index.html' }],
      ['another web contents', new RecordedContents(), { url: 'studio://app/index.html' }],
    ] as const;
    for (const [what, sender, frame] of refusals) {
      const answer = await ipcCall('app.info', {}, sender, frame);
      expect(answer, what).toEqual({ ok: false, error: { code: 'forbidden', message: 'untrusted sender' } });
    }
    expect(await ipcCall('fs.readFile', { path: '/etc/passwd' })).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect(await ipcCall('library.open', { paths: 'not a list' })).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    expect(await ipcCall('library.close', { rootId: -1 })).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    const log = readFileSync(path.join(userData, 'logs', 'studio.log'), 'utf8');
    expect(log).toContain('refused IPC from https://evil.example/');
  });

  it('keeps every web contents from navigating away, opening windows or attaching webviews', () => {
    const contents = new RecordedContents();
    recorded.appListeners.get('web-contents-created')?.({} as never, contents as never);
    const prevented = (name: string, url?: string): boolean => {
      let blocked = false;
      contents.listeners.get(name)?.({ preventDefault: () => (blocked = true) } as never, url as never);
      return blocked;
    };
    expect(prevented('will-navigate', 'https://evil.example/')).toBe(true);
    expect(prevented('will-navigate', 'file:///etc/passwd')).toBe(true);
    expect(prevented('will-navigate', 'studio://app.evil/')).toBe(true);
    expect(prevented('will-navigate', 'studio://app/index.html')).toBe(false);
    expect(prevented('will-redirect', 'https://evil.example/')).toBe(true);
    expect(prevented('will-attach-webview')).toBe(true);
    expect(contents.windowOpenHandler?.({ url: 'https://example.org/' })).toEqual({ action: 'deny' });
    expect(contents.windowOpenHandler?.({ url: 'studio://app/index.html' })).toEqual({ action: 'deny' });
  });

  it('opens only allowed https links, and only right after a click or key press', () => {
    const contents = new RecordedContents();
    recorded.appListeners.get('web-contents-created')?.({} as never, contents as never);
    const input = (type: string): void => void contents.listeners.get('input-event')?.(...([{}, { type }] as never[]));
    const open = (url: string): unknown => contents.windowOpenHandler?.({ url });
    recorded.opened.length = 0;
    // A page's own script, with no person at the keyboard: nothing opens, not even an allowed link.
    expect(open('https://pytorch.org/get-started/locally/')).toEqual({ action: 'deny' });
    input('mouseMove');
    open('https://pytorch.org/get-started/locally/');
    expect(recorded.opened).toEqual([]);
    // After a real click: the allowed link, and nothing else.
    input('mouseUp');
    for (const url of [
      'https://pytorch.org.evil.example/',
      'https://evil.example/?https://pytorch.org',
      'https://user:secret@pytorch.org/',
      'http://pytorch.org/',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'ms-settings:',
      'smb://pytorch.org/share',
      'https://pytorch.org/get-started/locally/',
    ]) {
      expect(open(url), url).toEqual({ action: 'deny' });
    }
    expect(recorded.opened).toEqual(['https://pytorch.org/get-started/locally/']);
  });

  it('has no developer tools in the menu or the window of a packaged build; this run is not one', () => {
    // The stand-in runs main.js unpackaged (development): the tools are there, and the
    // same switch takes them away when packaged (test/unit/app/menuTemplate.test.ts).
    const roles = JSON.stringify(recorded.menu);
    expect(roles).toContain('toggleDevTools');
    expect(window().options.webPreferences.devTools).toBe(true);
  });

  it('takes the Python only from the native file dialog, and checks that it is one', async () => {
    const pick = recorded.ipc.get('studio:pickPython') as ((event: unknown) => Promise<{ python: { path: string; source: string } | null; tried: { reason: string }[] } | null>) | undefined;
    expect(pick).toBeDefined();
    const contents = window().contents;
    // The page cannot name it in a call.
    expect(await ipcCall('finetune.python', { python: '/usr/bin/python3' })).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    // Another frame cannot even open the dialog.
    recorded.dialogs.length = 0;
    expect(await pick!({ sender: contents, senderFrame: { url: 'https://evil.example/' } })).toBeNull();
    expect(recorded.dialogs).toEqual([]);
    // The user picks a script named python3: checked, refused, not kept.
    const fake = path.join(tempDir('fake-python-'), 'python3');
    writeFileSync(fake, '#!/bin/sh\necho hello\n', { mode: 0o755 });
    recorded.picks.push(fake);
    const refused = await pick!({ sender: contents, senderFrame: contents.mainFrame });
    expect(refused?.python).toBeNull();
    expect(refused?.tried[0]?.reason).toBe('not a Python interpreter: it printed hello');
    expect(existsSync(path.join(userData, 'python.json'))).toBe(false);
    // The real interpreter is kept, for this session and the next.
    recorded.picks.push('/usr/bin/python3');
    const taken = await pick!({ sender: contents, senderFrame: contents.mainFrame });
    expect(taken?.python).toMatchObject({ path: '/usr/bin/python3', source: 'setting' });
    expect(JSON.parse(readFileSync(path.join(userData, 'python.json'), 'utf8'))).toEqual({ python: '/usr/bin/python3' });
    expect(await ipcCall('finetune.python', {})).toMatchObject({ ok: true, value: { python: { path: '/usr/bin/python3', source: 'setting' } } });
  });

  it('grants no permission', () => {
    let granted: boolean | null = null;
    recorded.permissionRequest?.(...([{}, 'media', (answer: boolean) => (granted = answer)] as never[]));
    expect(granted).toBe(false);
    expect(recorded.permissionCheck?.(...([{}, 'clipboard-read'] as never[]))).toBe(false);
  });

  it('on quit, the page saves its open mask first; the database closes after that and the app quits', async () => {
    const photo = samplePhoto;
    expect(photo).not.toBeNull();
    const { width, height } = photo!;
    const pixels = Buffer.alloc(width * height);
    pixels.fill(255, 0, width * Math.floor(height / 2));
    const png = await grayPng(pixels, width, height);

    // The test plays the page: asked before the window closes, it saves through the core
    // (still open) and only then answers, as App.svelte does through the preload.
    const contents = window().contents;
    const asked: unknown[] = [];
    let saved: Envelope | null = null;
    contents.onMessage = (channel, requestId) => {
      if (channel !== 'studio:before-close') return;
      asked.push(requestId);
      void ipcCall('masks.save', { photoId: photo!.id, png, status: 'corrected' }).then((answer) => {
        saved = answer;
        for (const listener of recorded.ipcListeners.get('studio:close-answer') ?? []) listener(...([{ sender: contents }, requestId, answer.ok] as never[]));
      });
    };

    // The database read beside the running core (WAL lets a reader in).
    const databaseSummary = (): { integrity: string; roots: number; photoVersions: number } => {
      const script = `const db = new (require('better-sqlite3'))(${JSON.stringify(path.join(userData, 'studio.db'))}, { readonly: true });
        console.log(JSON.stringify({
          integrity: db.pragma('integrity_check', { simple: true }),
          roots: db.prepare('select count(*) as n from library_roots').get().n,
          photoVersions: db.prepare('select count(*) as n from mask_versions v join masks m on m.id = v.mask_id where m.photo_id = ?').get(${photo!.id}).n,
        }));
        db.close();`;
      const check = spawnSync(process.execPath, ['-e', script], { cwd: repoRoot, encoding: 'utf8' });
      return JSON.parse(check.stdout) as { integrity: string; roots: number; photoVersions: number };
    };
    // The first run imports the sample library's masks in a job: let it finish, or its
    // versions would land between the two counts.
    await expect
      .poll(async () => {
        const jobs = await ipcCall('jobs.list', {});
        return jobs.ok && (jobs.value as { state: string }[]).every((job) => job.state !== 'running' && job.state !== 'queued');
      }, { timeout: 60_000 })
      .toBe(true);
    const before = databaseSummary();

    let prevented = false;
    recorded.appListeners.get('before-quit')?.({ preventDefault: () => (prevented = true) } as never);
    expect(prevented).toBe(true);
    await quitted;
    expect(asked).toHaveLength(1);
    expect(saved).toMatchObject({ ok: true });
    expect(recorded.closedWindows).toBe(1);
    expect(recorded.quit).toBe(1);
    // Closed before quitting: the core answers no more, and the database file is whole.
    await expect(ipcCall('app.info', {})).resolves.toMatchObject({ ok: false });
    // Whole, with its library root and the mask the page saved while the window closed.
    const after = databaseSummary();
    expect(after.integrity).toBe('ok');
    expect(after.roots).toBeGreaterThan(0);
    expect(after.photoVersions).toBe(before.photoVersions + 1);
  });
});
