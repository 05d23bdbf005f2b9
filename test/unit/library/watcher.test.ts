import { mkdir, open, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { probePhoto } from '../../../electron/core/library/probe';
import { coalesce, watchLibrary } from '../../../electron/core/library/watcher';
import type { LibraryChange, LibraryWatcher } from '../../../electron/core/library/watcher';
import { jpegBytes, makeJpeg, makeTempDir } from './fixtures';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('watchLibrary', () => {
  let dir: string;
  let remove: () => Promise<void>;
  let watcher: LibraryWatcher | undefined;
  let changes: LibraryChange[];
  let errors: Error[];

  beforeEach(async () => {
    ({ dir, remove } = await makeTempDir('watch-'));
    changes = [];
    errors = [];
  });
  afterEach(async () => {
    await watcher?.close();
    watcher = undefined;
    await remove();
  });

  async function start(): Promise<void> {
    watcher = watchLibrary(dir, (change) => changes.push(change), { onError: (error) => errors.push(error) });
    await watcher.ready;
  }

  /** Waits until `expected` has been reported (in any order among others), at most `ms`. */
  async function waitFor(expected: LibraryChange, ms = 8000): Promise<number> {
    const started = Date.now();
    while (Date.now() - started < ms) {
      if (changes.some((c) => c.kind === expected.kind && c.relPath === expected.relPath)) return Date.now() - started;
      await sleep(50);
    }
    throw new Error(`no ${expected.kind} of ${expected.relPath} within ${ms} ms; saw ${JSON.stringify(changes)}`);
  }

  it('reports photos added, changed and removed, in nested and new folders, within seconds', async () => {
    await makeJpeg(join(dir, 'existing.jpg'), { width: 64, height: 64 });
    await start();

    await makeJpeg(join(dir, 'new folder', 'Été 📷.JPG'), { width: 80, height: 60 });
    const addMs = await waitFor({ kind: 'add', relPath: 'new folder/Été 📷.JPG' });
    expect(addMs).toBeLessThan(5000);

    await makeJpeg(join(dir, 'existing.jpg'), { width: 64, height: 64, seed: 9 });
    await waitFor({ kind: 'change', relPath: 'existing.jpg' });

    await rm(join(dir, 'new folder', 'Été 📷.JPG'));
    await waitFor({ kind: 'unlink', relPath: 'new folder/Été 📷.JPG' });

    await rename(join(dir, 'existing.jpg'), join(dir, 'renamed.jpg'));
    await waitFor({ kind: 'unlink', relPath: 'existing.jpg' });
    await waitFor({ kind: 'add', relPath: 'renamed.jpg' });

    expect(changes.slice(0, 3)).toEqual([
      { kind: 'add', relPath: 'new folder/Été 📷.JPG' },
      { kind: 'change', relPath: 'existing.jpg' },
      { kind: 'unlink', relPath: 'new folder/Été 📷.JPG' },
    ]);
    // A move is two paths; the scan pairs them up by hash.
    expect(changes.slice(3).sort((a, b) => a.kind.localeCompare(b.kind))).toEqual([
      { kind: 'add', relPath: 'renamed.jpg' },
      { kind: 'unlink', relPath: 'existing.jpg' },
    ]);
    expect(errors).toEqual([]);
  });

  it('ignores non-photo, hidden and junk files', async () => {
    await start();
    await writeFile(join(dir, 'notes.txt'), 'x');
    await writeFile(join(dir, '.hidden.jpg'), await jpegBytes(16, 16));
    await mkdir(join(dir, '.cache'));
    await writeFile(join(dir, '.cache', 'inside.jpg'), await jpegBytes(16, 16));
    await mkdir(join(dir, '@eaDir'));
    await writeFile(join(dir, '@eaDir', 'thumb.jpg'), await jpegBytes(16, 16));
    await writeFile(join(dir, 'Thumbs.db'), 'x');
    await makeJpeg(join(dir, 'real.jpg'), { width: 16, height: 16 });
    await waitFor({ kind: 'add', relPath: 'real.jpg' });
    await sleep(1500); // give the ignored ones every chance to show up
    expect(changes).toEqual([{ kind: 'add', relPath: 'real.jpg' }]);
  });

  it('reports a file being copied in once, when it is complete', async () => {
    await start();
    const bytes = await jpegBytes(1200, 900);
    const path = join(dir, 'copying.jpg');
    const handle = await open(path, 'w');
    const step = Math.ceil(bytes.length / 4);
    for (let offset = 0; offset < bytes.length; offset += step) {
      await handle.write(bytes, offset, Math.min(step, bytes.length - offset));
      await sleep(300); // a slow copy, each pause shorter than the stability window
    }
    await handle.close();
    await waitFor({ kind: 'add', relPath: 'copying.jpg' });
    // When reported, the file is whole: it decodes.
    expect((await probePhoto(path)).width).toBe(1200);
    await sleep(600);
    expect(changes).toEqual([{ kind: 'add', relPath: 'copying.jpg' }]);
  });

  it('watches folders by their own path; links out of the root, loops and diamonds are left out', async () => {
    const outside = await makeTempDir('watch-outside-');
    try {
      await mkdir(join(dir, 'a'));
      await mkdir(join(dir, 'b'));
      await symlink('..', join(dir, 'a', 'up')); // a/up -> root
      await symlink('../b', join(dir, 'a', 'toB')); // a <-> b
      await symlink('../a', join(dir, 'b', 'toA'));
      await symlink(outside.dir, join(dir, 'linked'));
      await symlink(join(outside.dir, 'o.jpg'), join(dir, 'linked-photo.jpg'));
      // A diamond: two links per level, 20 levels, 2^20 paths to one folder.
      for (let level = 0; level <= 20; level++) await mkdir(join(dir, 'maze', `l${level}`), { recursive: true });
      for (let level = 0; level < 20; level++) {
        for (const name of ['x', 'y']) await symlink(`../l${level + 1}`, join(dir, 'maze', `l${level}`, name));
      }
      const started = performance.now();
      await start();
      expect(performance.now() - started, 'ready in seconds').toBeLessThan(10_000);
      await makeJpeg(join(dir, 'a', 'p.jpg'), { width: 16, height: 16 });
      await makeJpeg(join(dir, 'maze', 'l20', 'deep.jpg'), { width: 16, height: 16 });
      await makeJpeg(join(outside.dir, 'o.jpg'), { width: 16, height: 16 });
      await waitFor({ kind: 'add', relPath: 'a/p.jpg' });
      await waitFor({ kind: 'add', relPath: 'maze/l20/deep.jpg' });
      await sleep(1800);
      // Each photo once, by its real path: nothing through a link, nothing from outside.
      expect(changes.map((change) => change.relPath).sort()).toEqual(['a/p.jpg', 'maze/l20/deep.jpg']);
      expect(errors).toEqual([]);
    } finally {
      await outside.remove();
    }
  });

  it('stops reporting after close', async () => {
    await start();
    await watcher?.close();
    await makeJpeg(join(dir, 'late.jpg'), { width: 16, height: 16 });
    await sleep(1800);
    expect(changes).toEqual([]);
  });
});

describe('coalesce', () => {
  it('merges two changes to one path into their net effect', () => {
    expect(coalesce('add', 'change')).toBe('add');
    expect(coalesce('add', 'unlink')).toBeNull();
    expect(coalesce('unlink', 'add')).toBe('change');
    expect(coalesce('change', 'unlink')).toBe('unlink');
    expect(coalesce('change', 'change')).toBe('change');
  });
});
