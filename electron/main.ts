/**
 * The Electron main process: app lifecycle, the window, menus, dialogs, the `studio://app`
 * origin that serves the page and its image bytes, and the IPC wiring to the core.
 * Everything it drives lives in electron/core and runs under plain Node too (CLI, browser
 * mode, tests). docs/security.md maps Electron's security checklist onto this file.
 */
import { BrowserWindow, Menu, app, dialog, ipcMain, protocol, screen, session, shell } from 'electron';
import type { IpcMainInvokeEvent, MenuItemConstructorOptions, WebContents } from 'electron';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { StudioError, toErrorPayload } from './api/errors';
import type { Envelope } from './api/errors';
import { isMethodName } from './api/methods';
import { createAppLog } from './desktop/appLog';
import { CloseGuard, answerWithin } from './desktop/closeGuard';
import { APP_CONTENT_SECURITY_POLICY, APP_PAGE_URL, isAppUrl, parseAppRequest } from './desktop/appProtocol';
import { UserGestureClock, isAllowedExternalLink } from './desktop/externalLinks';
import { buildMenuTemplate } from './desktop/menuTemplate';
import type { MenuItemSpec } from './desktop/menuTemplate';
import { WINDOW_MINIMUM, fitToDisplays, loadWindowState, saveWindowState } from './desktop/windowState';
import type { PythonCheck } from './api/types';
import { createCoreServices } from './core/createCore';
import type { FinetuneService } from './core/finetune/finetuneService';
import { sqliteBindingProblem } from './core/store/sqliteBindingGuard';
import type { StudioCore } from './core/studioCore';
import { readStaticFile } from './server/staticFiles';

const APP_ROOT = app.isPackaged ? process.resourcesPath : path.resolve(__dirname, '..', '..');
const RENDERER_DIR = path.join(__dirname, '..', 'renderer');

// A standard, secure scheme gives the page a real origin (studio://app) for its CSP,
// its module scripts (corsEnabled) and fetch; file:// would give it none of these.
protocol.registerSchemesAsPrivileged([
  { scheme: 'studio', privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true, stream: true } },
]);
// Every renderer sandboxed, whatever a window's options say.
app.enableSandbox();

const log = createAppLog(path.join(app.getPath('userData'), 'logs'));
let core: StudioCore | null = null;
/** Fine-tuning, for the one setting only this process may make: the Python, through a file dialog. */
let finetune: FinetuneService | null = null;
let mainWindow: BrowserWindow | null = null;
let quitting = false;
/** A quit is waiting for the window to close (after its page saved). */
let quitWhenWindowCloses = false;
/** How long a page may take to save before the window closes anyway (a hung page cannot save). */
const PAGE_SAVE_TIMEOUT_MS = 15_000;
let closeRequestId = 0;

const recentFile = () => path.join(app.getPath('userData'), 'recent-libraries.json');
const pythonSettingFile = () => path.join(app.getPath('userData'), 'python.json');

/** The Python the user picked in an earlier session, if any. */
function readPythonSetting(): string | undefined {
  try {
    const value = (JSON.parse(readFileSync(pythonSettingFile(), 'utf8')) as { python?: unknown }).python;
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The Python for fine-tuning, chosen in a native file dialog: the page can ask for the
 * dialog but never name a file (what is named is run). The core checks that the file
 * really is a Python interpreter before it is kept.
 */
async function pickPython(): Promise<PythonCheck | null> {
  if (!finetune) return null;
  const options = { title: 'Choose the Python for fine-tuning', properties: ['openFile' as const] };
  const result = mainWindow ? await dialog.showOpenDialog(mainWindow, options) : await dialog.showOpenDialog(options);
  const file = result.canceled ? undefined : result.filePaths[0];
  if (!file) return null;
  try {
    const check = await finetune.choosePython(file);
    if (check.python) writeFileSync(pythonSettingFile(), JSON.stringify({ python: file }));
    return check;
  } catch (error) {
    return { python: null, error: error instanceof Error ? error.message : String(error), tried: [] };
  }
}

function readRecent(): string[] {
  try {
    const value = JSON.parse(readFileSync(recentFile(), 'utf8')) as unknown;
    return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string').slice(0, 10) : [];
  } catch {
    return [];
  }
}

function rememberRecent(folders: string[]): void {
  const next = [...folders, ...readRecent().filter((item) => !folders.includes(item))].slice(0, 10);
  writeFileSync(recentFile(), JSON.stringify(next));
  installMenu();
}

/** Only our own top-level page, on the studio://app origin, may call the core. */
function isTrustedSender(event: IpcMainInvokeEvent): boolean {
  const frame = event.senderFrame;
  return (
    frame !== null &&
    frame === event.sender.mainFrame &&
    isAppUrl(frame.url) &&
    mainWindow !== null &&
    event.sender === mainWindow.webContents
  );
}

function sendCommand(contents: WebContents | undefined, command: string, args?: unknown): void {
  contents?.send('studio:command', { command, args });
}

async function openLibraries(folders: string[]): Promise<void> {
  if (!core || folders.length === 0) {
    return;
  }
  try {
    await core.call('library.open', { paths: folders });
    rememberRecent(folders);
  } catch (error) {
    log.error('open library failed', error);
    dialog.showErrorBox('Could not open the library', error instanceof Error ? error.message : String(error));
  }
}

async function pickFolders(): Promise<string[]> {
  const options = { title: 'Open photo library', properties: ['openDirectory', 'multiSelections'] as const };
  const result = mainWindow
    ? await dialog.showOpenDialog(mainWindow, { ...options, properties: [...options.properties] })
    : await dialog.showOpenDialog({ ...options, properties: [...options.properties] });
  return result.canceled ? [] : result.filePaths;
}

async function handleMainCommand(command: string): Promise<void> {
  if (command === 'main:openLibrary') {
    await openLibraries(await pickFolders());
  } else if (command.startsWith('main:openRecent:')) {
    await openLibraries([command.slice('main:openRecent:'.length)]);
  } else if (command === 'main:chooseModel') {
    const result = await dialog.showOpenDialog({ title: 'Choose a model file', filters: [{ name: 'ONNX model', extensions: ['onnx'] }] });
    if (!result.canceled && result.filePaths[0]) {
      sendCommand(mainWindow?.webContents, 'models.choose', { file: result.filePaths[0] });
    }
  } else if (command === 'main:about') {
    const info = core ? await core.call('app.info', {}) : null;
    await dialog.showMessageBox({
      type: 'info',
      title: 'About DeFusion Studio',
      message: `DeFusion Studio ${app.getVersion()}`,
      detail: [
        `Electron ${process.versions.electron}, Chromium ${process.versions.chrome}, Node ${process.versions.node}`,
        info ? `Database: ${info.dbPath} (schema ${info.schemaVersion})` : '',
        `Log: ${log.file}`,
      ].join('\n'),
    });
  }
}

function toElectronMenu(items: MenuItemSpec[]): MenuItemConstructorOptions[] {
  return items.map((item): MenuItemConstructorOptions => {
    if (item.separator) {
      return { type: 'separator' };
    }
    if (item.role) {
      return { role: item.role as MenuItemConstructorOptions['role'] };
    }
    const command = item.command;
    return {
      label: item.label,
      accelerator: item.accelerator,
      enabled: Boolean(command || item.submenu),
      submenu: item.submenu ? toElectronMenu(item.submenu) : undefined,
      click: command
        ? () => {
            if (command.startsWith('main:')) {
              void handleMainCommand(command);
            } else {
              sendCommand(mainWindow?.webContents, command);
            }
          }
        : undefined,
    };
  });
}

function installMenu(): void {
  const template = buildMenuTemplate({ isMac: process.platform === 'darwin', recentLibraries: readRecent(), devTools: !app.isPackaged });
  Menu.setApplicationMenu(Menu.buildFromTemplate(toElectronMenu(template)));
}

function createWindow(): BrowserWindow {
  const stateFile = path.join(app.getPath('userData'), 'window-state.json');
  const state = loadWindowState(stateFile);
  const displays = screen.getAllDisplays().map((display) => display.workArea);
  const window = new BrowserWindow({
    ...fitToDisplays(state.bounds, displays),
    minWidth: WINDOW_MINIMUM.width,
    minHeight: WINDOW_MINIMUM.height,
    title: 'DeFusion Studio',
    backgroundColor: '#15171c',
    show: false,
    webPreferences: {
      preload: path.join(__dirname, 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webviewTag: false,
      spellcheck: false,
      // A production build has no developer tools at all, not only no menu item for them.
      devTools: !app.isPackaged,
    },
  });
  if (state.maximized) {
    window.maximize();
  }
  window.once('ready-to-show', () => window.show());
  const remember = () => {
    if (!window.isDestroyed()) {
      saveWindowState(stateFile, { bounds: window.getNormalBounds(), maximized: window.isMaximized() });
    }
  };
  // The page saves an open mask before the window goes (closeGuard.ts).
  const guard = new CloseGuard({
    askPageToSave: () => answerWithin(askPageToSave(window), PAGE_SAVE_TIMEOUT_MS),
    confirmCloseUnsaved: async (message) => {
      const { response } = await dialog.showMessageBox(window, {
        type: 'warning',
        buttons: ['Keep Open', 'Close Without Saving'],
        defaultId: 0,
        cancelId: 0,
        message: 'The open mask could not be saved.',
        detail: `${message}\n\nClosing now loses the strokes made since the last save.`,
      });
      if (response === 0) quitWhenWindowCloses = false;
      return response === 1;
    },
    closeWindow: () => window.close(),
  });
  window.on('close', (event) => {
    if (!guard.onClose()) {
      event.preventDefault();
      return;
    }
    remember();
  });
  void window.loadURL(APP_PAGE_URL);
  return window;
}

/** Asks the page to save what it holds (preload's onBeforeClose); resolves with its answer. */
function askPageToSave(window: BrowserWindow): Promise<boolean> {
  if (window.isDestroyed() || window.webContents.isCrashed()) return Promise.resolve(true);
  const id = ++closeRequestId;
  return new Promise<boolean>((resolve) => {
    const onAnswer = (event: Electron.IpcMainEvent, answerId: unknown, saved: unknown) => {
      if (event.sender !== window.webContents || answerId !== id) return;
      ipcMain.removeListener('studio:close-answer', onAnswer);
      resolve(saved === true);
    };
    ipcMain.on('studio:close-answer', onAnswer);
    window.webContents.send('studio:before-close', id);
  });
}

/** The renderer's files, with the CSP on the page; nothing outside dist/renderer. */
async function serveRendererFile(pathname: string): Promise<Response> {
  const result = await readStaticFile(RENDERER_DIR, pathname);
  if (result.kind !== 'file') {
    return new Response(result.kind === 'forbidden' ? 'forbidden' : 'not found', { status: result.kind === 'forbidden' ? 403 : 404 });
  }
  const headers: Record<string, string> = { 'Content-Type': result.file.mimeType, 'X-Content-Type-Options': 'nosniff' };
  if (result.file.isPage) {
    headers['Content-Security-Policy'] = APP_CONTENT_SECURITY_POLICY;
  }
  return new Response(new Uint8Array(result.file.bytes), { headers });
}

function wireIpc(studioCore: StudioCore): void {
  ipcMain.handle('studio:call', async (event, method: unknown, input: unknown): Promise<Envelope<unknown>> => {
    if (!isTrustedSender(event)) {
      log.error(`refused IPC from ${event.senderFrame?.url ?? 'unknown frame'}`);
      return { ok: false, error: new StudioError('forbidden', 'untrusted sender').toPayload() };
    }
    if (typeof method !== 'string' || !isMethodName(method)) {
      return { ok: false, error: new StudioError('not-found', `unknown method ${String(method)}`).toPayload() };
    }
    try {
      // The core validates `input` against the method's schema before any handler runs.
      return { ok: true, value: await studioCore.call(method, input) };
    } catch (error) {
      if (!(error instanceof StudioError)) {
        log.error(`${method} failed`, error);
      }
      return { ok: false, error: toErrorPayload(error) };
    }
  });
  ipcMain.handle('studio:pickFolders', async (event) => (isTrustedSender(event) ? pickFolders() : []));
  ipcMain.handle('studio:pickPython', async (event) => (isTrustedSender(event) ? pickPython() : null));
  studioCore.onAny((name, payload) => {
    mainWindow?.webContents.send('studio:event', { name, payload });
  });
  protocol.handle('studio', async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return new Response('read only', { status: 405 });
    }
    const target = parseAppRequest(request.url);
    if (target.kind === 'refused') {
      return new Response(target.reason, { status: target.status });
    }
    if (target.kind === 'file') {
      return serveRendererFile(target.pathname);
    }
    try {
      // The core serves only photos under a library root the user opened.
      const resource = await studioCore.resource(target.resource, target.id, target.params);
      return new Response(Buffer.from(resource.bytes), {
        headers: { 'Content-Type': resource.mimeType, 'Cache-Control': 'private, max-age=60' },
      });
    } catch (error) {
      const code = error instanceof StudioError ? error.code : 'internal';
      const status = code === 'forbidden' ? 403 : code === 'not-found' ? 404 : 500;
      return new Response(error instanceof Error ? error.message : 'error', { status });
    }
  });
}

async function start(): Promise<void> {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  app.on('second-instance', () => {
    if (mainWindow) {
      if (mainWindow.isMinimized()) {
        mainWindow.restore();
      }
      mainWindow.focus();
    }
  });
  await app.whenReady();
  // The studio needs no camera, microphone, notifications or anything else a page may ask.
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);

  // A better-sqlite3 build for another ABI would otherwise fail inside createCore with
  // Node's raw "compiled against a different Node.js version"; this names the fix.
  const sqliteProblem = sqliteBindingProblem();
  if (sqliteProblem) {
    log.error(`better-sqlite3 does not load: ${sqliteProblem}`);
    dialog.showErrorBox('DeFusion Studio could not start', `${sqliteProblem}\n\nLog: ${log.file}`);
    app.exit(1);
    return;
  }
  const sampleLibrary = path.join(APP_ROOT, 'datasets', 'sample');
  const dbPath = path.join(app.getPath('userData'), 'studio.db');
  log.info(`starting ${app.getVersion()} db=${dbPath}`);
  try {
    const python = readPythonSetting();
    const services = await createCoreServices({
      dbPath,
      sampleLibrary: existsSync(sampleLibrary) ? sampleLibrary : undefined,
      // First run with no library opens the sample, so a new user sees detection at once.
      openSampleIfEmpty: true,
      version: app.getVersion(),
      ...(python ? { python } : {}),
    });
    core = services.core;
    finetune = services.finetune;
  } catch (error) {
    log.error('could not open the studio database', error);
    dialog.showErrorBox('DeFusion Studio could not start', `${error instanceof Error ? error.message : String(error)}\n\nLog: ${log.file}`);
    app.exit(1);
    return;
  }
  wireIpc(core);
  installMenu();
  mainWindow = createWindow();
  mainWindow.on('closed', () => {
    mainWindow = null;
  });
}

// Whatever web contents exist (the window, a devtools host), none navigates away from the
// app, opens a window or attaches a <webview>; links to the few allowed sites open in the
// user's browser, and only right after the user clicked or typed (externalLinks.ts).
app.on('web-contents-created', (_event, contents) => {
  const gesture = new UserGestureClock();
  contents.on('input-event', (_inputEvent, input) => gesture.note(input.type));
  contents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url)) {
      event.preventDefault();
    }
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAppUrl(url)) {
      event.preventDefault();
    }
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (isAllowedExternalLink(url) && gesture.isRecent()) {
      void shell.openExternal(url);
    } else {
      log.error(`refused to open ${url.slice(0, 200)}${gesture.isRecent() ? '' : ' (no click or key press just before)'}`);
    }
    return { action: 'deny' };
  });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin' || quitWhenWindowCloses) {
    app.quit();
  }
});

app.on('activate', () => {
  if (!mainWindow && core) {
    mainWindow = createWindow();
  }
});

// Quit waits for pending saves: the window closes first (its page saves an open mask
// through the core), then the core drains its jobs and closes the database.
app.on('before-quit', (event) => {
  if (quitting || !core) {
    return;
  }
  if (mainWindow && !mainWindow.isDestroyed()) {
    event.preventDefault();
    quitWhenWindowCloses = true;
    mainWindow.close();
    return;
  }
  event.preventDefault();
  quitting = true;
  const closing = core;
  core = null;
  closing
    .close()
    .catch((error: unknown) => log.error('close failed', error))
    .finally(() => app.quit());
});

void start();
