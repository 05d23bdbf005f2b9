/**
 * `npm run serve`: the studio in a browser. Opens the database and the libraries, starts
 * the loopback server and prints exactly one line on stdout,
 * `Studio: http://127.0.0.1:PORT/?token=TOKEN`, when the page can be loaded.
 * Everything else (progress, warnings) goes to stderr.
 *
 *   --port N       port to listen on (default 0: a free one)
 *   --db FILE      database file (default: the user's app-data folder)
 *   --library DIR  open this folder as a library root (repeatable)
 *   --no-sample    do not fall back to the bundled sample library when none is open
 *   --model FILE   detect with this ONNX model (default: the active one, else the bundled one)
 *   --python FILE  fine-tune with this Python (default: DEFUSION_PYTHON, else PATH); the page
 *                  can never choose it, since what is named is run
 *   --no-open      do not open the system browser
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createCore } from '../core/createCore';
import { chosenPythonRefusal } from '../core/finetune/pythonFinder';
import { defaultDbPath } from './appDataPath';
import { buildRenderer, isRendererBuilt } from './rendererBuild';
import { DEFAULT_RENDERER_DIR, startServer } from './startServer';

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const USAGE = `Usage: npm run serve -- [--port N] [--db FILE] [--library DIR]... [--model FILE] [--python FILE] [--no-sample] [--no-open]`;

interface ServeOptions {
  port: number;
  dbPath: string;
  libraries: string[];
  openSample: boolean;
  openBrowser: boolean;
  modelPath: string | undefined;
  python: string | undefined;
}

class UsageError extends Error {}

function parseOptions(argv: string[]): ServeOptions | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        db: { type: 'string' },
        library: { type: 'string', multiple: true },
        model: { type: 'string' },
        python: { type: 'string' },
        'no-sample': { type: 'boolean' },
        'no-open': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values } = parsed;
  if (values.help) {
    return 'help';
  }
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`--port must be an integer from 0 to 65535 (got '${values.port}')`);
  }
  const python = values.python === undefined ? undefined : path.resolve(values.python);
  const pythonRefusal = python === undefined ? null : chosenPythonRefusal(python);
  if (pythonRefusal !== null) {
    throw new UsageError(`--python: ${pythonRefusal}`);
  }
  return {
    port,
    dbPath: path.resolve(values.db ?? defaultDbPath()),
    libraries: (values.library ?? []).map((folder) => path.resolve(folder)),
    openSample: !values['no-sample'],
    openBrowser: !values['no-open'],
    modelPath: values.model === undefined ? undefined : path.resolve(values.model),
    python,
  };
}

function readVersion(): string | undefined {
  try {
    const manifest = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version?: string };
    return manifest.version;
  } catch {
    return undefined;
  }
}

/** Best effort: a machine without a desktop simply keeps the printed URL. */
function openInBrowser(url: string): void {
  const [command, args] =
    process.platform === 'win32'
      ? ['cmd', ['/c', 'start', '""', url]]
      : process.platform === 'darwin'
        ? ['open', [url]]
        : ['xdg-open', [url]];
  const child = spawn(command, args as string[], { stdio: 'ignore', detached: true });
  child.on('error', () => console.error(`Could not open a browser; open ${url} yourself.`));
  child.unref();
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (options === 'help') {
    console.log(USAGE);
    return;
  }
  if (!isRendererBuilt(DEFAULT_RENDERER_DIR)) {
    console.error('The renderer is not built yet: running vite build…');
    await buildRenderer(PROJECT_ROOT);
  }
  mkdirSync(path.dirname(options.dbPath), { recursive: true });
  const version = readVersion();
  const core = await createCore({
    dbPath: options.dbPath,
    sampleLibrary: path.join(PROJECT_ROOT, 'datasets', 'sample'),
    openSampleIfEmpty: options.openSample && options.libraries.length === 0,
    ...(options.modelPath ? { modelPath: options.modelPath } : {}),
    ...(options.python ? { python: options.python } : {}),
    ...(version ? { version } : {}),
  });
  let server: Awaited<ReturnType<typeof startServer>> | null = null;
  let closing = false;
  async function shutdown(signal: string): Promise<void> {
    if (closing) {
      return;
    }
    closing = true;
    console.error(`${signal}: closing the studio…`);
    try {
      await server?.close();
      await core.close();
    } finally {
      process.exit(0);
    }
  }
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  if (options.libraries.length > 0) {
    const opened = await core.call('library.open', { paths: options.libraries });
    console.error(`Scanning ${opened.roots.map((root) => root.path).join(', ')} (job ${opened.jobId})`);
  }
  server = await startServer({ core, port: options.port });
  const pageUrl = `${server.url}?token=${server.token}`;
  console.log(`Studio: ${pageUrl}`);
  if (options.openBrowser) {
    openInBrowser(pageUrl);
  }
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) {
    console.error(`${error.message}\n${USAGE}`);
    process.exit(2);
  }
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
