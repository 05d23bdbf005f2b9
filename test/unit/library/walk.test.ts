import { execFileSync } from 'node:child_process';
import { mkdir, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LibraryRootError, PHOTO_EXTENSIONS, isPhotoPath, walkLibrary } from '../../../electron/core/library/walk';
import type { WalkEntry } from '../../../electron/core/library/walk';
import { makeJpeg, makePng, makeTempDir } from './fixtures';

async function collect(root: string, signal?: AbortSignal): Promise<WalkEntry[]> {
  const entries: WalkEntry[] = [];
  for await (const entry of walkLibrary(root, { signal })) entries.push(entry);
  return entries;
}

const files = (entries: WalkEntry[]): string[] => entries.filter((e) => e.kind === 'file').map((e) => e.relPath).sort();
const errors = (entries: WalkEntry[]): Record<string, string> =>
  Object.fromEntries(entries.flatMap((e) => (e.kind === 'error' ? [[e.relPath, e.reason]] : [])));

async function touch(root: string, relPath: string, content = 'x'): Promise<void> {
  const path = join(root, relPath);
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, content);
}

describe('isPhotoPath', () => {
  it('knows the photo and RAW extensions, in any case, and nothing else', () => {
    for (const ext of PHOTO_EXTENSIONS) {
      expect(isPhotoPath(`a/b.${ext}`)).toBe(true);
      expect(isPhotoPath(`B.${ext.toUpperCase()}`)).toBe(true);
    }
    expect(PHOTO_EXTENSIONS).toEqual(expect.arrayContaining(['jpg', 'jpeg', 'png', 'tif', 'tiff', 'webp', 'avif', 'cr2', 'cr3', 'nef', 'arw', 'dng', 'raf', 'orf', 'rw2', 'pef', 'srw']));
    for (const path of ['a.txt', 'a.xmp', 'a.jpg.part', 'jpg', 'a.gif', 'a.heic', 'dir.jpg/readme', 'a.mp4']) {
      expect(isPhotoPath(path), path).toBe(false);
    }
  });
});

describe('walkLibrary', () => {
  let dir: string;
  let remove: () => Promise<void>;
  beforeEach(async () => {
    ({ dir, remove } = await makeTempDir('walk-'));
  });
  afterEach(async () => {
    await remove();
  });

  it('finds photos in nested folders with Unicode and odd names, skipping the rest', async () => {
    const jpeg = await makeJpeg(join(dir, 'Été 2023', 'Ünïcødé 📷.JPG'), { width: 64, height: 48 });
    await makePng(join(dir, 'with  two spaces', 'a b.png'), { width: 32, height: 32 });
    const photos = [
      'top.jpeg',
      `it's "quoted".jpg`,
      '#1 [x] (y) & z;.webp',
      '日本語/写真.tif',
      'a/b/c/d/e/deep.tiff',
      'raw/IMG_0001.CR2',
      'raw/DSC_0002.nef',
      'raw/x.dng',
      'avif/a.avif',
      'trailing space .jpg',
      'ends-with-dot..png',
    ];
    for (const relPath of photos) await touch(dir, relPath);
    const skipped = [
      'notes.txt', 'IMG_0001.xmp', 'clip.mp4', 'anim.gif', 'no-extension',
      '.hidden.jpg', '._IMG_0001.jpg', '.DS_Store', '.cache/inside.jpg', '.git/objects/x.png',
      'Thumbs.db', 'desktop.ini', '@eaDir/SYNOPHOTO_THUMB_M.jpg', '__MACOSX/a.jpg', '$RECYCLE.BIN/old.jpg',
      'sub/.thumbnails/t.png',
    ];
    for (const relPath of skipped) await touch(dir, relPath);

    const entries = await collect(dir);
    expect(errors(entries)).toEqual({});
    expect(files(entries)).toEqual(
      [...photos, 'Été 2023/Ünïcødé 📷.JPG', 'with  two spaces/a b.png'].sort(),
    );
    const unicode = entries.find((e) => e.relPath === 'Été 2023/Ünïcødé 📷.JPG');
    const info = await stat(join(dir, 'Été 2023', 'Ünïcødé 📷.JPG'));
    expect(unicode).toEqual({
      kind: 'file',
      relPath: 'Été 2023/Ünïcødé 📷.JPG',
      absPath: join(dir, 'Été 2023', 'Ünïcødé 📷.JPG'),
      byteSize: jpeg.length,
      mtimeMs: info.mtimeMs,
    });
  });

  it('walks each folder in name order, files before subfolders, deterministically', async () => {
    for (const relPath of ['b.jpg', 'a.jpg', 'z/1.jpg', 'm/2.jpg', 'm/n/3.jpg', 'C.jpg']) await touch(dir, relPath);
    const order = (await collect(dir)).map((e) => e.relPath);
    expect(order).toEqual(['C.jpg', 'a.jpg', 'b.jpg', 'm/2.jpg', 'm/n/3.jpg', 'z/1.jpg']);
    expect((await collect(dir)).map((e) => e.relPath)).toEqual(order);
  });

  it('follows links inside the root, walks each real folder once, and reports loops and links that leave', async () => {
    const outside = await makeTempDir('walk-outside-');
    try {
      await touch(outside.dir, 'elsewhere.jpg');
      await touch(dir, 'a/photo.jpg');
      await touch(dir, 'x/px.jpg');
      await touch(dir, 'y/py.jpg');
      await touch(dir, '.hidden/only-linked/ph.jpg');
      await symlink('..', join(dir, 'a', 'up')); // a/up -> root
      await symlink('.', join(dir, 'a', 'self')); // a/self -> a
      await symlink('../y', join(dir, 'x', 'toY')); // x <-> y: both folders are walked by their own path
      await symlink('../x', join(dir, 'y', 'toX'));
      await symlink('.hidden/only-linked', join(dir, 'shown')); // a folder reached through a link only
      await symlink(outside.dir, join(dir, 'linked-folder'));
      await symlink(join(outside.dir, 'elsewhere.jpg'), join(dir, 'linked-photo.jpg'));
      await symlink(join(dir, 'a', 'photo.jpg'), join(dir, 'alias.jpg'));
      await symlink('missing.jpg', join(dir, 'broken.jpg'));
      await symlink('missing-folder', join(dir, 'broken-folder'));
      await symlink('selfloop.jpg', join(dir, 'selfloop.jpg'));

      const entries = await collect(dir);
      expect(files(entries)).toEqual(['a/photo.jpg', 'alias.jpg', 'shown/ph.jpg', 'x/px.jpg', 'y/py.jpg']);
      const leaves = 'symbolic link to a place outside the folder: not followed (open its target as a folder of its own to include it)';
      expect(errors(entries)).toEqual({
        'a/up': 'symbolic link loop: the link leads back into the library root',
        'a/self': 'symbolic link loop: the link leads back into "a"',
        'linked-folder': leaves,
        'linked-photo.jpg': leaves,
        'broken.jpg': 'broken symbolic link: its target does not exist',
        'selfloop.jpg': 'symbolic link loop: the link leads back to itself',
      });
      const alias = entries.find((e) => e.relPath === 'alias.jpg');
      expect(alias).toMatchObject({ kind: 'file', absPath: join(dir, 'alias.jpg'), byteSize: 1 });
      // Folders reached through links come after everything reachable by real paths.
      expect(entries.filter((e) => e.kind === 'file').map((e) => e.relPath).at(-1)).toBe('shown/ph.jpg');
    } finally {
      await outside.remove();
    }
  });

  it('walks a diamond of links (two per level, 24 levels) once per real folder', async () => {
    // level00/{a,b} -> level01, level01/{a,b} -> level02, … : 2^24 paths lead to the photo.
    const levels = 24;
    for (let level = 0; level <= levels; level++) await mkdir(join(dir, 'maze', `level${String(level).padStart(2, '0')}`), { recursive: true });
    for (let level = 0; level < levels; level++) {
      const next = `../level${String(level + 1).padStart(2, '0')}`;
      for (const name of ['a', 'b']) await symlink(next, join(dir, 'maze', `level${String(level).padStart(2, '0')}`, name));
    }
    await touch(dir, `maze/level${levels}/deep.jpg`);
    await touch(dir, 'beside.jpg');
    const started = performance.now();
    const entries = await collect(dir);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(files(entries)).toEqual(['beside.jpg', `maze/level${levels}/deep.jpg`]);
    expect(errors(entries)).toEqual({});
  });

  it('reports a pipe named like a photo instead of handing it to the decoder', async () => {
    await touch(dir, 'ok.jpg');
    execFileSync('mkfifo', [join(dir, 'pipe.jpg')]);
    const entries = await collect(dir);
    expect(files(entries)).toEqual(['ok.jpg']);
    expect(errors(entries)).toEqual({ 'pipe.jpg': 'not a regular file (a device, pipe or socket)' });
  });

  it('stops with the abort reason when cancelled', async () => {
    for (let i = 0; i < 40; i++) await touch(dir, `f${i}/p.jpg`);
    const controller = new AbortController();
    const seen: string[] = [];
    const walk = async (): Promise<void> => {
      for await (const entry of walkLibrary(dir, { signal: controller.signal })) {
        seen.push(entry.relPath);
        if (seen.length === 3) controller.abort(new Error('scan cancelled'));
      }
    };
    await expect(walk()).rejects.toThrow('scan cancelled');
    expect(seen).toHaveLength(3);
  });

  it('refuses a root that is missing or not a folder', async () => {
    await expect(collect(join(dir, 'nope'))).rejects.toThrow(LibraryRootError);
    await expect(collect(join(dir, 'nope'))).rejects.toThrow('the folder does not exist');
    await touch(dir, 'file.jpg');
    await expect(collect(join(dir, 'file.jpg'))).rejects.toThrow('not a folder');
  });

  it('walks an empty root without entries', async () => {
    expect(await collect(dir)).toEqual([]);
  });
});
