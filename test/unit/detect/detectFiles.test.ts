/**
 * Collecting the photos of a `defusion detect` run: files as given, folders walked with
 * their sub-folders mirrored in the output, and inputs that would overwrite each other's
 * output refused by name.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectPhotoInputs } from '../../../electron/core/detect/detectFiles';
import { writePhoto } from './fixturePhotos';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'defusion-inputs-'));
  await mkdir(path.join(dir, 'shoot', 'day 2'), { recursive: true });
  await writePhoto(path.join(dir, 'shoot', 'a.jpg'), { width: 40, height: 30 });
  await writePhoto(path.join(dir, 'shoot', 'day 2', 'a.jpg'), { width: 40, height: 30 });
  await writePhoto(path.join(dir, 'shoot', 'b.png'), { width: 40, height: 30, format: 'png' });
  await writeFile(path.join(dir, 'shoot', 'notes.txt'), 'not a photo');
  await writePhoto(path.join(dir, 'a.png'), { width: 40, height: 30, format: 'png' });
  await writePhoto(path.join(dir, 'single.jpg'), { width: 40, height: 30 });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('collectPhotoInputs', () => {
  it('walks folders, mirrors sub-folders, keeps explicit files, names what is missing', async () => {
    const missing = path.join(dir, 'gone.jpg');
    const collected = await collectPhotoInputs([path.join(dir, 'shoot'), path.join(dir, 'single.jpg'), missing]);
    expect(collected.photos.map((photo) => photo.outStem)).toEqual(['a', 'b', 'day 2/a', 'single']);
    expect(collected.photos[2]!.absPath).toBe(path.join(dir, 'shoot', 'day 2', 'a.jpg'));
    expect(collected.failures).toEqual([{ input: missing, reason: 'no such file or folder' }]);
  });

  it('refuses a second input that would write the same output', async () => {
    const collected = await collectPhotoInputs([path.join(dir, 'shoot'), path.join(dir, 'a.png')]);
    expect(collected.photos.map((photo) => photo.outStem)).toEqual(['a', 'b', 'day 2/a']);
    expect(collected.failures).toHaveLength(1);
    expect(collected.failures[0]!.input).toBe(path.join(dir, 'a.png'));
    expect(collected.failures[0]!.reason).toBe(`its output a.png would overwrite that of ${path.join(dir, 'shoot', 'a.jpg')}`);
  });
});
