/**
 * Issue 13, item 2: any program ran as "python". Over real HTTP, whoever holds the token
 * sends the request that used to run a shell script named python3; the script leaves a
 * mark when it runs, so "refused" means it never ran. The interpreter is set only when
 * the studio starts, and even then a script or a wrapper named python3 is found out.
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJson } from '../../electron/api/codec';
import type { Envelope } from '../../electron/api/errors';
import type { PythonCheck } from '../../electron/api/types';
import { createCore } from '../../electron/core/createCore';
import type { StudioCore } from '../../electron/core/studioCore';
import { startServer } from '../../electron/server/startServer';
import type { RunningServer } from '../../electron/server/startServer';
import { rawRequest } from '../fixtures/rawHttp';

let dir: string;
let marks: string;
let evil: string;
let wrapper: string;

async function script(file: string, body: string): Promise<string> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `#!/bin/sh\n${body}\n`);
  await chmod(file, 0o755);
  return file;
}

async function studio(python?: string): Promise<{ core: StudioCore; server: RunningServer; close: () => Promise<void> }> {
  const core = await createCore({ dbPath: path.join(dir, `studio-${python ? path.basename(path.dirname(python)) : 'plain'}.db`), watch: false, scanOnStart: false, log: () => {}, ...(python ? { python } : {}) });
  const server = await startServer({ core, rendererDir: dir });
  return { core, server, close: async () => (await server.close(), await core.close()) };
}

async function post<T>(server: RunningServer, method: string, input: unknown): Promise<{ status: number; envelope: Envelope<T> }> {
  const response = await rawRequest(server.port, {
    method: 'POST',
    path: `/api/${method}`,
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${server.token}` },
    body: JSON.stringify(input),
  });
  return { status: response.status, envelope: decodeJson(response.text) as Envelope<T> };
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'defusion-python-choice-'));
  marks = path.join(dir, 'marks.txt');
  evil = await script(path.join(dir, 'evil', 'python3'), `echo "evil ran in $(pwd)" >> ${marks}; echo '{}'`);
  wrapper = await script(path.join(dir, 'wrapper', 'python3'), `echo wrapper ran >> ${marks}; exec /usr/bin/python3 "$@"`);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('over HTTP, the Python cannot be chosen', () => {
  it('finetune.python and finetune.start refuse a python field, and the script never runs', async () => {
    const { server, close } = await studio();
    try {
      const python = await post(server, 'finetune.python', { python: evil });
      expect(python.status).toBe(400);
      expect(python.envelope).toMatchObject({ ok: false, error: { code: 'invalid-input', message: expect.stringContaining('python') } });
      const start = await post(server, 'finetune.start', { datasetId: 1, python: evil });
      expect(start.status).toBe(400);
      expect(start.envelope).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
      // Other spellings reach nothing either.
      for (const input of [{ Python: evil }, { setting: evil }, { python: [evil] }]) {
        expect((await post(server, 'finetune.python', input)).status).toBe(400);
      }
      expect(existsSync(marks), 'the script named python3 never ran').toBe(false);
    } finally {
      await close();
    }
  });
});

describe('a Python set when the studio starts is checked to be one', () => {
  it('a script named python3 is refused: it did not hash the nonce', async () => {
    const { server, close } = await studio(evil);
    try {
      const check = await post<PythonCheck>(server, 'finetune.python', {});
      expect(check.envelope).toMatchObject({ ok: true, value: { python: null } });
      const value = (check.envelope as { value: PythonCheck }).value;
      expect(value.tried).toEqual([{ path: evil, source: 'setting', reason: 'not a Python interpreter: it printed {}' }]);
      // It was run once, to be checked: isolated, in an empty folder of its own.
      const ran = await readFile(marks, 'utf8');
      expect(ran).toMatch(/^evil ran in .*defusion-python-probe-/m);
    } finally {
      await close();
    }
  });

  it('a wrapper around the real Python is refused, naming the interpreter to choose', async () => {
    const { server, close } = await studio(wrapper);
    try {
      const check = await post<PythonCheck>(server, 'finetune.python', {});
      const value = (check.envelope as { value: PythonCheck }).value;
      expect(value.python).toBeNull();
      expect(value.tried[0]?.reason).toBe('not a Python interpreter itself: it started /usr/bin/python3; choose that one instead');
      expect(value.error).toContain('the Python chosen for this studio');
    } finally {
      await close();
    }
  });

  it('the real interpreter is taken', async () => {
    const { server, close } = await studio('/usr/bin/python3');
    try {
      const check = await post<PythonCheck>(server, 'finetune.python', {});
      expect(check.envelope).toMatchObject({ ok: true, value: { python: { path: '/usr/bin/python3', source: 'setting', torch: expect.any(String) } } });
    } finally {
      await close();
    }
  });
});
