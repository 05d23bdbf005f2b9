/**
 * Finds a Python interpreter that imports torch, for the trainer of models/training.
 *
 * The studio itself never needs Python (detection runs the ONNX file); only fine-tuning
 * does. An interpreter chosen on purpose (the studio's setting: `--python` when the
 * server or the CLI starts, or the desktop app's file dialog; else the DEFUSION_PYTHON
 * environment variable) is the only one tried: silently training with another Python
 * than the one the user named would be a surprise. Without one, the `python3` and then
 * the `python` commands on PATH are tried in PATH order, then the system's
 * /usr/bin/python3 (Debian's python3-torch lives there while a pyenv or conda `python3`
 * may come first on PATH without torch). The page can never name one: what is named
 * here is run.
 *
 * Each candidate is checked to really be a Python interpreter, not merely named like
 * one: it is started isolated (`-I`: no PYTHON* variables, no current folder or user
 * script folder on its path) in an empty folder of its own, asked to hash a random
 * nonce, and its own sys.executable must be the very file that was started. A script
 * named python3 that runs something else fails that, as does a wrapper around a real
 * Python (the message names the interpreter to choose instead).
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdtemp, realpath, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { StudioError } from '../../api/errors';
import type { PythonCheck, PythonInfo, PythonSource } from '../../api/types';
import { USER_SITE_SETUP } from './isolatedPython';

/**
 * What the probe runs, isolated: it hashes the nonce given as its argument (proof that a
 * Python ran it), says which interpreter it is, then imports torch, as one JSON line.
 */
export const TORCH_PROBE = [
  'import hashlib, json, sys',
  USER_SITE_SETUP,
  "out = {'executable': sys.executable, 'answer': hashlib.sha256(sys.argv[1].encode()).hexdigest()}",
  'try:',
  '    import torch',
  "    out['torch'] = torch.__version__",
  "    out['cuda'] = bool(torch.cuda.is_available())",
  'except Exception as error:',
  "    out['error'] = type(error).__name__ + ': ' + str(error)",
  'print(json.dumps(out))',
].join('\n');

/** Importing torch takes seconds on a busy machine, and longer on a cold disk cache. */
export const DEFAULT_PROBE_TIMEOUT_MS = 60_000;

/** Interpreters tried when nothing names one and PATH has none with torch. */
export const SYSTEM_PYTHONS: readonly string[] = process.platform === 'win32' ? [] : ['/usr/bin/python3'];

/** What to install, for the message shown when no interpreter imports torch. */
export const INSTALL_STEPS = [
  'Fine-tuning needs Python 3 with PyTorch, ONNX, Pillow and NumPy.',
  'On Debian or Ubuntu: sudo apt-get install python3-torch python3-onnx python3-pil python3-numpy',
  'Elsewhere: pip install torch onnx pillow numpy (a CUDA build of torch to train on a GPU, see pytorch.org).',
  'Then pick that interpreter with the DEFUSION_PYTHON environment variable (or the --python option), e.g. DEFUSION_PYTHON=/usr/bin/python3.',
].join('\n');

export interface PythonCandidate {
  path: string;
  source: PythonSource;
}

export interface FindPythonOptions {
  /** The studio's setting: `--python` of the server or the CLI, or the desktop app's dialog. */
  setting?: string | null;
  /** Where DEFUSION_PYTHON and PATH are read; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Tried after PATH; default SYSTEM_PYTHONS. */
  systemPaths?: readonly string[];
  timeoutMs?: number;
  platform?: NodeJS.Platform;
}

export type ProbeResult = { ok: true; torch: string; cuda: boolean } | { ok: false; reason: string };

/** The last non-empty line of a process's output, trimmed (Python puts the exception there). */
function lastLine(text: string): string {
  const lines = text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '');
  return lines[lines.length - 1] ?? '';
}

/**
 * Why `file` cannot be a chosen interpreter before anything runs, or null: it must be an
 * absolute path, and on Windows not a network (UNC) path, where anyone with the share
 * could replace the interpreter the studio then runs.
 */
export function chosenPythonRefusal(file: string, platform: NodeJS.Platform = process.platform): string | null {
  if (platform === 'win32') {
    if (/^[\\/]{2}/.test(file)) return 'a network (UNC) path is not accepted for the Python: copy or install it on a local drive';
    if (!/^[A-Za-z]:[\\/]/.test(file)) return 'the Python path must be absolute (C:\\…\\python.exe)';
    return null;
  }
  return path.isAbsolute(file) ? null : 'the Python path must be absolute';
}

async function sameFile(a: string, b: string, platform: NodeJS.Platform): Promise<boolean> {
  try {
    const [realA, realB] = await Promise.all([realpath(a), realpath(b)]);
    return platform === 'win32' ? realA.toLowerCase() === realB.toLowerCase() : realA === realB;
  } catch {
    return false;
  }
}

/** What the probe printed, read and checked; a reason when it is not what a Python prints. */
async function readProbe(executable: string, stdout: string, nonce: string, platform: NodeJS.Platform): Promise<ProbeResult> {
  const line = lastLine(stdout);
  let parsed: { executable?: unknown; answer?: unknown; torch?: unknown; cuda?: unknown; error?: unknown };
  try {
    parsed = JSON.parse(line) as typeof parsed;
  } catch {
    return { ok: false, reason: `not a Python interpreter: it printed ${line.slice(0, 200) || 'nothing'}` };
  }
  if (parsed === null || typeof parsed !== 'object' || parsed.answer !== createHash('sha256').update(nonce).digest('hex')) {
    return { ok: false, reason: `not a Python interpreter: it printed ${line.slice(0, 200)}` };
  }
  const itself = typeof parsed.executable === 'string' ? parsed.executable : '';
  if (!(await sameFile(itself, executable, platform))) {
    return {
      ok: false,
      reason: `not a Python interpreter itself: it started ${itself || 'an unknown interpreter'}; choose that one instead`,
    };
  }
  if (typeof parsed.error === 'string') return { ok: false, reason: parsed.error };
  if (typeof parsed.torch === 'string' && typeof parsed.cuda === 'boolean') return { ok: true, torch: parsed.torch, cuda: parsed.cuda };
  return { ok: false, reason: `printed no torch version (${line.slice(0, 200)})` };
}

/**
 * Runs the torch probe with `executable`, isolated, in a new empty folder. Never throws:
 * a missing file, a script that is no Python, a wrapper, a Python without torch, one that
 * hangs, all come back as a reason.
 */
export async function probePython(
  executable: string,
  timeoutMs = DEFAULT_PROBE_TIMEOUT_MS,
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): Promise<ProbeResult> {
  const neutral = await mkdtemp(path.join(os.tmpdir(), 'defusion-python-probe-'));
  const nonce = randomBytes(16).toString('hex');
  try {
    return await new Promise<ProbeResult>((resolve) => {
      execFile(
        executable,
        // -B: no __pycache__ next to someone else's interpreter files.
        ['-I', '-B', '-c', TORCH_PROBE, nonce],
        { cwd: neutral, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 1024 * 1024, windowsHide: true, env },
        (error, stdout, stderr) => {
          if (error) {
            const code = (error as NodeJS.ErrnoException).code;
            if (code === 'ENOENT') return resolve({ ok: false, reason: 'no such file' });
            if (code === 'EACCES') return resolve({ ok: false, reason: 'not executable' });
            if (error.killed) return resolve({ ok: false, reason: `did not answer within ${Math.round(timeoutMs / 1000)} s` });
            const said = lastLine(String(stderr)) || lastLine(String(stdout));
            const status = typeof error.code === 'number' ? `exit status ${error.code}` : (error.signal ?? String(code ?? 'failed'));
            return resolve({ ok: false, reason: said ? `${said} (${status})` : status });
          }
          resolve(readProbe(executable, String(stdout), nonce, platform));
        },
      );
    });
  } finally {
    await rm(neutral, { recursive: true, force: true });
  }
}

async function isExecutableFile(file: string): Promise<boolean> {
  try {
    if (!(await stat(file)).isFile()) return false;
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Interpreter names to look for on PATH, in order of preference. */
function commandNames(platform: NodeJS.Platform): string[] {
  return platform === 'win32' ? ['python3.exe', 'python.exe'] : ['python3', 'python'];
}

/**
 * The interpreters to try, in order: the setting, else DEFUSION_PYTHON (each alone),
 * else every `python3` then `python` on PATH and the system's interpreters. Paths are
 * compared as written, not through their links: a virtual environment's python is a link
 * to the system's and still has other packages.
 */
export async function pythonCandidates(options: FindPythonOptions = {}): Promise<PythonCandidate[]> {
  const env = options.env ?? process.env;
  const platform = options.platform ?? process.platform;
  const resolve = platform === 'win32' ? path.win32.resolve : path.resolve;
  const chosen: [string | null | undefined, PythonSource][] = [
    [options.setting, 'setting'],
    [env.DEFUSION_PYTHON, 'env'],
  ];
  for (const [value, source] of chosen) {
    if (value !== undefined && value !== null && value.trim() !== '') return [{ path: resolve(value.trim()), source }];
  }

  const dirs = (env.PATH ?? env.Path ?? '').split(platform === 'win32' ? ';' : path.delimiter).filter((dir) => dir !== '');
  const seen = new Set<string>();
  const candidates: PythonCandidate[] = [];
  for (const name of commandNames(platform)) {
    for (const dir of dirs) {
      const file = path.resolve(dir, name);
      if (seen.has(file)) continue;
      seen.add(file);
      if (await isExecutableFile(file)) candidates.push({ path: file, source: 'path' });
    }
  }
  for (const file of options.systemPaths ?? SYSTEM_PYTHONS) {
    const resolved = path.resolve(file);
    if (seen.has(resolved)) continue;
    seen.add(resolved);
    if (await isExecutableFile(resolved)) candidates.push({ path: resolved, source: 'system' });
  }
  return candidates;
}

/** Tries the candidates in order and stops at the first that imports torch. Never throws. */
export async function checkPython(options: FindPythonOptions = {}): Promise<PythonCheck> {
  const candidates = await pythonCandidates(options);
  const tried: PythonCheck['tried'] = [];
  const platform = options.platform ?? process.platform;
  for (const candidate of candidates) {
    const refusal = candidate.source === 'path' || candidate.source === 'system' ? null : chosenPythonRefusal(candidate.path, platform);
    const probe = refusal !== null ? { ok: false as const, reason: refusal } : await probePython(candidate.path, options.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS, options.env ?? process.env, platform);
    if (probe.ok) {
      tried.push({ ...candidate, reason: '' });
      return { python: { path: candidate.path, source: candidate.source, torch: probe.torch, cuda: probe.cuda }, error: null, tried };
    }
    tried.push({ ...candidate, reason: probe.reason });
  }
  return { python: null, error: noPythonMessage(tried), tried };
}

const SOURCE_NAMES: Record<PythonSource, string> = {
  setting: 'the Python chosen for this studio',
  env: 'DEFUSION_PYTHON',
  path: 'PATH',
  system: 'the system Python',
};

function noPythonMessage(tried: PythonCheck['tried']): string {
  const first = tried[0];
  const head =
    first && tried.length === 1 && first.source !== 'path' && first.source !== 'system'
      ? `${SOURCE_NAMES[first.source]} (${first.path}) cannot run the trainer: ${first.reason}.`
      : tried.length === 0
        ? 'No Python was found (no python3 or python on PATH, no /usr/bin/python3).'
        : `No Python with PyTorch was found. Tried:\n${tried.map((entry) => `  ${entry.path} (${SOURCE_NAMES[entry.source]}): ${entry.reason}`).join('\n')}`;
  return `${head}\n${INSTALL_STEPS}`;
}

/** The interpreter to train with; StudioError('unavailable') with install steps when there is none. */
export async function findPython(options: FindPythonOptions = {}): Promise<PythonInfo> {
  const check = await checkPython(options);
  if (!check.python) throw new StudioError('unavailable', check.error ?? INSTALL_STEPS, { tried: check.tried });
  return check.python;
}
