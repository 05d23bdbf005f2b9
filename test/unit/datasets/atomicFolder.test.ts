/** Atomic folder writes: all or nothing, existing folders refused unless forced. */
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StudioError } from '../../../electron/api/errors';
import { writeFolderAtomically } from '../../../electron/core/datasets/atomicFolder';
import { makeTempDir } from './fixtures';

let temp: { dir: string; remove: () => Promise<void> };

beforeAll(async () => {
  temp = await makeTempDir('defusion-atomic-');
});

afterAll(async () => {
  await temp.remove();
});

describe('atomic folders', () => {
  it('writes into a hidden sibling and renames it into place', async () => {
    const out = join(temp.dir, 'parent', 'out');
    const seen = await writeFolderAtomically(out, { force: false }, async (folder) => {
      expect(folder).not.toBe(out);
      expect(folder.startsWith(join(temp.dir, 'parent', '.out.partial-'))).toBe(true);
      await writeFile(join(folder, 'a.txt'), 'one');
      await expect(readdir(out)).rejects.toThrow();
      return 'done';
    });
    expect(seen).toBe('done');
    expect(await readFile(join(out, 'a.txt'), 'utf8')).toBe('one');
    expect(await readdir(join(temp.dir, 'parent'))).toEqual(['out']);
  });

  it('refuses an existing folder, or replaces it with force', async () => {
    const out = join(temp.dir, 'existing');
    await mkdir(out);
    await writeFile(join(out, 'old.txt'), 'old');
    await expect(writeFolderAtomically(out, { force: false }, async () => 1)).rejects.toThrow(StudioError);
    await expect(writeFolderAtomically(out, { force: false }, async () => 1)).rejects.toThrow(/already exists/);
    await writeFolderAtomically(out, { force: true }, async (folder) => writeFile(join(folder, 'new.txt'), 'new'));
    expect(await readdir(out)).toEqual(['new.txt']);
    expect((await readdir(temp.dir)).filter((name) => name.startsWith('.'))).toEqual([]);
    await writeFile(join(temp.dir, 'file'), 'x');
    await expect(writeFolderAtomically(join(temp.dir, 'file'), { force: true }, async () => 1)).rejects.toThrow(/not a folder/);
  });

  it('replaces only what the caller calls replaceable', async () => {
    const out = join(temp.dir, 'precious');
    await mkdir(out);
    await writeFile(join(out, 'mine.txt'), 'mine');
    const replaceable = async (folder: string): Promise<boolean> => (await readdir(folder)).includes('manifest.json');
    await expect(writeFolderAtomically(out, { force: true, replaceable }, async () => 1)).rejects.toThrow(/not an earlier export/);
    expect(await readdir(out)).toEqual(['mine.txt']);
    await writeFile(join(out, 'manifest.json'), '{}');
    await writeFolderAtomically(out, { force: true, replaceable }, async (folder) => writeFile(join(folder, 'new.txt'), 'new'));
    expect(await readdir(out)).toEqual(['new.txt']);
  });

  it('leaves nothing behind, and the old folder intact, when writing fails', async () => {
    const out = join(temp.dir, 'kept');
    await mkdir(out);
    await writeFile(join(out, 'old.txt'), 'old');
    await expect(
      writeFolderAtomically(out, { force: true }, async (folder) => {
        await writeFile(join(folder, 'half.txt'), 'half');
        throw new Error('disk full');
      }),
    ).rejects.toThrow('disk full');
    expect(await readdir(out)).toEqual(['old.txt']);
    expect((await readdir(temp.dir)).filter((name) => name.startsWith('.'))).toEqual([]);
  });

  it('puts the previous folder back under its own name when the new one cannot take its place', async () => {
    // The final rename fails for real: the new folder is gone from under it by then, as
    // when a virus scanner quarantines it (on Windows the same rename answers EBUSY).
    const out = join(temp.dir, 'previous-export');
    await mkdir(out);
    await writeFile(join(out, 'manifest.json'), '{"version": 1}');
    const quarantine = join(temp.dir, 'quarantine');
    const failure = await writeFolderAtomically(out, { force: true }, async (folder) => {
      await writeFile(join(folder, 'manifest.json'), '{"version": 2}');
      await rename(folder, quarantine);
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(StudioError);
    expect((failure as StudioError).code).toBe('conflict');
    expect((failure as StudioError).message).toMatch(/could not be replaced .*ENOENT.*the previous folder is still there/);
    // The previous export, whole, where it was; no hidden folder left beside it.
    expect(await readFile(join(out, 'manifest.json'), 'utf8')).toBe('{"version": 1}');
    expect((await readdir(temp.dir)).filter((name) => name.startsWith('.'))).toEqual([]);
  });
});
