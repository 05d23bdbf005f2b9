/**
 * Finding a Python with torch, against real interpreters: a fake PATH whose `python3` is
 * a real Python of a virtual environment without the system's packages (so `import torch`
 * really fails), a `python` that hangs, a script named python3 that runs something else,
 * a wrapper around the real Python, and the machine's /usr/bin/python3 (Debian's
 * python3-torch).
 */
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StudioError } from '../../../electron/api/errors';
import { methodSchemas } from '../../../electron/api/methods';
import { checkPython, chosenPythonRefusal, findPython, probePython, pythonCandidates } from '../../../electron/core/finetune/pythonFinder';

const SYSTEM_PYTHON = '/usr/bin/python3';

let dir: string;
let noTorchDir: string;
let hangingDir: string;
let otherDir: string;
let wrapperDir: string;
/** Where the scripts below leave a mark when they run. */
let marks: string;

async function script(file: string, body: string, executable = true): Promise<string> {
  await writeFile(file, `#!/bin/sh\n${body}\n`);
  await chmod(file, executable ? 0o755 : 0o644);
  return file;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'defusion-python-'));
  noTorchDir = path.join(dir, 'no-torch');
  hangingDir = path.join(dir, 'hanging');
  otherDir = path.join(dir, 'other');
  wrapperDir = path.join(dir, 'wrapper');
  marks = path.join(dir, 'marks.txt');
  for (const folder of [hangingDir, otherDir, wrapperDir]) await mkdir(folder);
  // A real Python, without the system's site-packages (where Debian's torch lives).
  execFileSync(SYSTEM_PYTHON, ['-m', 'venv', '--without-pip', path.join(dir, 'venv')]);
  noTorchDir = path.join(dir, 'venv', 'bin');
  await script(path.join(hangingDir, 'python'), 'exec sleep 30');
  // Any program may be named python3: this one echoes and leaves a mark.
  await script(path.join(otherDir, 'python3'), `echo other >> ${marks}; echo hello`);
  // A wrapper that starts the real Python: a Python answers, but not the file that was named.
  await script(path.join(wrapperDir, 'python3'), `echo wrapper >> ${marks}; exec ${SYSTEM_PYTHON} "$@"`);
  // Not executable: never a candidate.
  await script(path.join(otherDir, 'python'), 'echo never', false);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('pythonCandidates', () => {
  it('lists python3 then python along PATH, then the system Python, skipping duplicates and non-executables', async () => {
    const env = { PATH: [noTorchDir, hangingDir, otherDir, noTorchDir].join(path.delimiter) };
    const candidates = await pythonCandidates({ env, systemPaths: [SYSTEM_PYTHON, path.join(noTorchDir, 'python3')] });
    expect(candidates).toEqual([
      { path: path.join(noTorchDir, 'python3'), source: 'path' },
      { path: path.join(otherDir, 'python3'), source: 'path' },
      { path: path.join(noTorchDir, 'python'), source: 'path' },
      { path: path.join(hangingDir, 'python'), source: 'path' },
      { path: SYSTEM_PYTHON, source: 'system' },
    ]);
  });

  it('takes only the Python that was named: the setting, then DEFUSION_PYTHON', async () => {
    const env = { PATH: noTorchDir, DEFUSION_PYTHON: '/opt/env/bin/python3' };
    expect(await pythonCandidates({ env, setting: '/b/python' })).toEqual([{ path: '/b/python', source: 'setting' }]);
    expect(await pythonCandidates({ env })).toEqual([{ path: '/opt/env/bin/python3', source: 'env' }]);
    expect(await pythonCandidates({ env: { ...env, DEFUSION_PYTHON: '  ' }, systemPaths: [] })).toEqual([
      { path: path.join(noTorchDir, 'python3'), source: 'path' },
      { path: path.join(noTorchDir, 'python'), source: 'path' },
    ]);
  });
});

describe('probePython', () => {
  it('says why a real Python without torch, a hanging one, a talking script, a wrapper and a missing file cannot train', async () => {
    const noTorch = await probePython(path.join(noTorchDir, 'python3'), 30_000);
    expect(noTorch).toEqual({ ok: false, reason: "ModuleNotFoundError: No module named 'torch'" });
    const started = Date.now();
    expect(await probePython(path.join(hangingDir, 'python'), 1000)).toEqual({ ok: false, reason: 'did not answer within 1 s' });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await probePython(path.join(otherDir, 'python3'), 30_000)).toEqual({ ok: false, reason: 'not a Python interpreter: it printed hello' });
    const wrapped = await probePython(path.join(wrapperDir, 'python3'), 60_000);
    expect(wrapped).toEqual({ ok: false, reason: `not a Python interpreter itself: it started ${SYSTEM_PYTHON}; choose that one instead` });
    expect(await probePython(path.join(dir, 'nope', 'python3'), 30_000)).toEqual({ ok: false, reason: 'no such file' });
  });

  it('runs the interpreter isolated, in an empty folder: no PYTHONPATH, no startup file, no module from the current folder', async () => {
    // Each of these would shadow torch or run code if Python read it.
    const planted = path.join(dir, 'planted');
    await mkdir(planted, { recursive: true });
    await writeFile(path.join(planted, 'torch.py'), `open(${JSON.stringify(marks)}, 'a').write('planted torch\\n')\n__version__ = '0.0-planted'\n`);
    await writeFile(path.join(planted, 'startup.py'), `open(${JSON.stringify(marks)}, 'a').write('startup\\n')\n`);
    const env = { ...process.env, PYTHONPATH: planted, PYTHONSTARTUP: path.join(planted, 'startup.py'), PYTHONINSPECT: '1' };
    const probe = await probePython(SYSTEM_PYTHON, 60_000, env);
    expect(probe).toEqual({ ok: true, torch: expect.not.stringContaining('planted'), cuda: expect.any(Boolean) });
    const marked = await readFile(marks, 'utf8').catch(() => '');
    expect(marked).not.toContain('planted torch');
    expect(marked).not.toContain('startup');
  });
});

describe('findPython', () => {
  it('passes over a PATH Python without torch and finds the system one with torch', async () => {
    const check = await checkPython({ env: { PATH: noTorchDir }, systemPaths: [SYSTEM_PYTHON] });
    expect(check.error).toBeNull();
    expect(check.python).toEqual({ path: SYSTEM_PYTHON, source: 'system', torch: expect.stringMatching(/^\d+\.\d+/), cuda: expect.any(Boolean) });
    expect(check.tried).toEqual([
      { path: path.join(noTorchDir, 'python3'), source: 'path', reason: expect.stringContaining("No module named 'torch'") },
      { path: path.join(noTorchDir, 'python'), source: 'path', reason: expect.stringContaining("No module named 'torch'") },
      { path: SYSTEM_PYTHON, source: 'system', reason: '' },
    ]);
  });

  it('uses DEFUSION_PYTHON before PATH', async () => {
    const python = await findPython({ env: { PATH: noTorchDir, DEFUSION_PYTHON: SYSTEM_PYTHON }, systemPaths: [] });
    expect(python).toMatchObject({ path: SYSTEM_PYTHON, source: 'env' });
  });

  it('without any Python with torch, fails as unavailable with every reason and the install steps', async () => {
    const error = await findPython({ env: { PATH: [noTorchDir, otherDir].join(path.delimiter) }, systemPaths: [] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StudioError);
    const studioError = error as StudioError;
    expect(studioError.code).toBe('unavailable');
    expect(studioError.message).toContain('No Python with PyTorch was found. Tried:');
    expect(studioError.message).toContain(`${path.join(noTorchDir, 'python3')} (PATH): ModuleNotFoundError: No module named 'torch'`);
    expect(studioError.message).toContain(`${path.join(otherDir, 'python3')} (PATH): not a Python interpreter: it printed hello`);
    expect(studioError.message).toContain('apt-get install python3-torch python3-onnx python3-pil python3-numpy');
    expect(studioError.message).toContain('pip install torch onnx pillow numpy');
  });

  it('does not fall back to another Python when the one chosen has no torch', async () => {
    const setting = path.join(noTorchDir, 'python3');
    const error = (await findPython({ setting, env: { PATH: '/usr/bin' }, systemPaths: [SYSTEM_PYTHON] }).catch((e: unknown) => e)) as StudioError;
    expect(error.code).toBe('unavailable');
    expect(error.message).toMatch(new RegExp(`^the Python chosen for this studio \\(${setting.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\) cannot run the trainer: ModuleNotFoundError`));
    expect((error.details as { tried: unknown[] }).tried).toHaveLength(1);
  });

  it('refuses a relative path, and a network (UNC) path on Windows, without running anything', async () => {
    expect(chosenPythonRefusal('/usr/bin/python3', 'linux')).toBeNull();
    expect(chosenPythonRefusal('venv/bin/python', 'linux')).toMatch(/absolute/);
    expect(chosenPythonRefusal('C:\\Python312\\python.exe', 'win32')).toBeNull();
    for (const unc of ['\\\\server\\share\\python.exe', '//server/share/python.exe', '\\\\?\\UNC\\server\\share\\python.exe']) {
      expect(chosenPythonRefusal(unc, 'win32'), unc).toMatch(/network \(UNC\) path/);
      const check = await checkPython({ setting: unc, platform: 'win32', env: {} });
      expect(check.python, unc).toBeNull();
      expect(check.tried[0]?.reason, unc).toMatch(/network \(UNC\) path/);
    }
  });
});

describe('the API', () => {
  it('takes no Python from a caller: finetune.python and finetune.start refuse the field', () => {
    expect(methodSchemas['finetune.python'].safeParse({}).success).toBe(true);
    expect(methodSchemas['finetune.start'].safeParse({ datasetId: 1 }).success).toBe(true);
    for (const python of ['/usr/bin/python3', path.join(otherDir, 'python3')]) {
      expect(methodSchemas['finetune.python'].safeParse({ python }).success, python).toBe(false);
      expect(methodSchemas['finetune.start'].safeParse({ datasetId: 1, python }).success, python).toBe(false);
    }
  });
});
