import { execFile } from 'node:child_process';
import { chmod, mkdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeJpeg, makeTempDir } from './fixtures';

const run = promisify(execFile);
const script = resolve(import.meta.dirname, 'scripts', 'readWithoutPermission.ts');
/** The conventional unprivileged account; root drops to it, anyone else stays as is. */
const NOBODY = 65534;
const repoRoot = resolve(import.meta.dirname, '../../..');

/** Whether an account that is neither owner nor group can reach and read `path`. */
async function othersCanRead(path: string): Promise<boolean> {
  if (((await stat(path)).mode & 0o004) === 0) return false;
  for (let folder = dirname(path); ; folder = dirname(folder)) {
    if (((await stat(folder)).mode & 0o001) === 0) return false;
    if (dirname(folder) === folder) return true;
  }
}

let dir: string;
let remove: () => Promise<void>;
beforeAll(async () => {
  ({ dir, remove } = await makeTempDir('permissions-'));
});
afterAll(async () => {
  await chmod(join(dir, 'locked'), 0o755).catch(() => undefined);
  await remove();
});

interface ScriptResult {
  uid: number;
  entries: { kind: string; relPath: string; reason?: string }[];
  probe: Record<string, unknown>;
}

async function runScript(account: { uid?: number; gid?: number }): Promise<ScriptResult> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', script, dir, join(dir, 'secret.jpg')], {
    cwd: repoRoot,
    ...account,
    // Its own writable temp folder (hidden, so the walk skips it) keeps tsx's cache
    // inside the test folder.
    env: { ...process.env, HOME: dir, TMPDIR: join(dir, '.tmp') },
    timeout: 60_000,
  });
  return JSON.parse(stdout) as ScriptResult;
}

describe('unreadable files and folders', () => {
  it('are per-entry errors for the walk and a PhotoReadError for the probe', async () => {
    await makeJpeg(join(dir, 'open.jpg'), { width: 32, height: 32 });
    await makeJpeg(join(dir, 'secret.jpg'), { width: 32, height: 32 });
    await mkdir(join(dir, 'locked'));
    await makeJpeg(join(dir, 'locked', 'inside.jpg'), { width: 32, height: 32 });
    await makeJpeg(join(dir, 'later', 'after.jpg'), { width: 32, height: 32 });
    await chmod(dir, 0o755); // mkdtemp makes it private to its owner
    await mkdir(join(dir, '.tmp'), { mode: 0o777 });
    await chmod(join(dir, '.tmp'), 0o777);
    await chmod(join(dir, 'secret.jpg'), 0o000);
    await chmod(join(dir, 'locked'), 0o000);

    const asRoot = process.getuid?.() === 0;
    const expectedEntries = [
      { kind: 'file', relPath: 'open.jpg', reason: undefined },
      { kind: 'error', relPath: 'secret.jpg', reason: 'permission denied: the file cannot be read' },
      { kind: 'file', relPath: 'later/after.jpg', reason: undefined },
      { kind: 'error', relPath: 'locked', reason: 'permission denied: the folder cannot be read' },
    ];
    const expectedProbe = { ok: false, name: 'PhotoReadError', code: 'unreadable', reason: 'permission denied: the file cannot be read' };
    const othersCanRun = (await othersCanRead(join(repoRoot, 'node_modules', 'sharp', 'package.json'))) && (await othersCanRead(join(dir, 'open.jpg')));
    if (asRoot && !othersCanRun) {
      // The checkout or the temp folder is private to root, so no other account can run the code: check
      // instead what is true for root, which reads every file whatever its mode.
      const result = await runScript({});
      expect(result.uid).toBe(0);
      expect(result.entries.map(({ kind, relPath }) => ({ kind, relPath }))).toEqual([
        { kind: 'file', relPath: 'open.jpg' },
        { kind: 'file', relPath: 'secret.jpg' },
        { kind: 'file', relPath: 'later/after.jpg' },
        { kind: 'file', relPath: 'locked/inside.jpg' },
      ]);
      expect(result.probe).toEqual({ ok: true });
      return;
    }
    const result = await runScript(asRoot ? { uid: NOBODY, gid: NOBODY } : {});
    expect(result.uid).not.toBe(0);
    expect(result.entries.map(({ kind, relPath, reason }) => ({ kind, relPath, reason }))).toEqual(expectedEntries);
    expect(result.probe).toEqual(expectedProbe);
  });
});
