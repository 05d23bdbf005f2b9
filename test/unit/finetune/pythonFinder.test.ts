/**
 * Finding a Python with torch, against real interpreters: a fake PATH whose `python3` is
 * a real Python started without its site packages (so `import torch` really fails), a
 * `python` that hangs, one that prints nonsense, and the machine's /usr/bin/python3
 * (Debian's python3-torch).
 */
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StudioError } from '../../../electron/api/errors';
import { methodSchemas } from '../../../electron/api/methods';
import { checkPython, findPython, probePython, pythonCandidates } from '../../../electron/core/finetune/pythonFinder';

const SYSTEM_PYTHON = '/usr/bin/python3';

let dir: string;
let noTorchDir: string;
let hangingDir: string;
let otherDir: string;

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
  for (const folder of [noTorchDir, hangingDir, otherDir]) await mkdir(folder);
  // A real Python, without site-packages: where Debian's torch lives.
  await script(path.join(noTorchDir, 'python3'), `exec ${SYSTEM_PYTHON} -S "$@"`);
  await script(path.join(hangingDir, 'python'), 'exec sleep 30');
  await script(path.join(otherDir, 'python3'), 'echo hello');
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
      { path: path.join(hangingDir, 'python'), source: 'path' },
      { path: SYSTEM_PYTHON, source: 'system' },
    ]);
  });

  it('takes only the Python that was named: request, then setting, then DEFUSION_PYTHON', async () => {
    const env = { PATH: noTorchDir, DEFUSION_PYTHON: '/opt/env/bin/python3' };
    expect(await pythonCandidates({ env, requested: '/a/python', setting: '/b/python' })).toEqual([{ path: '/a/python', source: 'request' }]);
    expect(await pythonCandidates({ env, setting: '/b/python' })).toEqual([{ path: '/b/python', source: 'setting' }]);
    expect(await pythonCandidates({ env })).toEqual([{ path: '/opt/env/bin/python3', source: 'env' }]);
    expect(await pythonCandidates({ env: { ...env, DEFUSION_PYTHON: '  ' }, systemPaths: [] })).toEqual([
      { path: path.join(noTorchDir, 'python3'), source: 'path' },
    ]);
  });
});

describe('probePython', () => {
  it('says why a real Python without torch, a hanging one, a talking script and a missing file cannot train', async () => {
    const noTorch = await probePython(path.join(noTorchDir, 'python3'), 30_000);
    expect(noTorch).toEqual({ ok: false, reason: expect.stringMatching(/^ModuleNotFoundError: No module named 'torch' \(exit status 1\)$/) });
    const started = Date.now();
    expect(await probePython(path.join(hangingDir, 'python'), 1000)).toEqual({ ok: false, reason: 'did not answer within 1 s' });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await probePython(path.join(otherDir, 'python3'), 30_000)).toEqual({ ok: false, reason: 'printed no torch version (hello)' });
    expect(await probePython(path.join(dir, 'nope', 'python3'), 30_000)).toEqual({ ok: false, reason: 'no such file' });
  });
});

describe('findPython', () => {
  it('passes over a PATH Python without torch and finds the system one with torch', async () => {
    const check = await checkPython({ env: { PATH: noTorchDir }, systemPaths: [SYSTEM_PYTHON] });
    expect(check.error).toBeNull();
    expect(check.python).toEqual({ path: SYSTEM_PYTHON, source: 'system', torch: expect.stringMatching(/^\d+\.\d+/), cuda: expect.any(Boolean) });
    expect(check.tried).toEqual([
      { path: path.join(noTorchDir, 'python3'), source: 'path', reason: expect.stringContaining("No module named 'torch'") },
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
    expect(studioError.message).toContain(`${path.join(otherDir, 'python3')} (PATH): printed no torch version (hello)`);
    expect(studioError.message).toContain('apt-get install python3-torch python3-onnx python3-pil python3-numpy');
    expect(studioError.message).toContain('pip install torch onnx pillow numpy');
  });

  it('does not fall back to another Python when the one asked for has no torch', async () => {
    const requested = path.join(noTorchDir, 'python3');
    const error = (await findPython({ requested, env: { PATH: '/usr/bin' }, systemPaths: [SYSTEM_PYTHON] }).catch((e: unknown) => e)) as StudioError;
    expect(error.code).toBe('unavailable');
    expect(error.message).toMatch(new RegExp(`^the Python asked for \\(${requested.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\) cannot run the trainer: ModuleNotFoundError`));
    expect((error.details as { tried: unknown[] }).tried).toHaveLength(1);
  });
});

describe('the python option of the API', () => {
  it('takes an absolute path to a Python interpreter, and nothing else', () => {
    const schema = methodSchemas['finetune.start'];
    for (const python of ['/usr/bin/python3', '/opt/venv/bin/python', '/usr/bin/python3.11', 'C:\\Python312\\python.exe']) {
      expect(schema.safeParse({ datasetId: 1, python }).success, python).toBe(true);
    }
    for (const python of ['python3', './venv/bin/python', '/bin/sh', '/usr/bin/env', '/tmp/python3-evil', '/x/python\0']) {
      expect(schema.safeParse({ datasetId: 1, python }).success, python).toBe(false);
    }
  });
});
