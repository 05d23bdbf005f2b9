/**
 * The `defusion` command line as users run it: a child process of bin/defusion.js on
 * real, generated image folders, checked through its exit status, its output and the
 * database it leaves behind.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../electron/core/store/store';
import { LATEST_VERSION } from '../../electron/core/store/migrations';
import { makeJpeg, makePng, makeTempDir } from '../unit/library/fixtures';
import { defusion } from './defusionCli';


/** Ground truth: the left `fraction` of the image blurred (255), the rest 0. */
function leftBlurred(width: number, height: number, fraction: number, channels: 1 | 4 = 1): Buffer {
  const pixels = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const value = x < width * fraction ? 255 : 0;
      const i = (y * width + x) * channels;
      pixels.fill(value, i, i + Math.min(channels, 3));
      if (channels === 4) pixels[i + 3] = 255;
    }
  }
  return pixels;
}

let temp: { dir: string; remove: () => Promise<void> };
let ctcug: string;
let plain: string;

beforeAll(async () => {
  temp = await makeTempDir('defusion-cli-');
  // A CTCUG/CUHK-style folder whose masks come in every shape the datasets use.
  ctcug = join(temp.dir, 'blur-set');
  await mkdir(join(ctcug, 'gt'), { recursive: true });
  await makeJpeg(join(ctcug, 'images', 'gray8.jpg'), { width: 320, height: 240, seed: 1 });
  await sharp(leftBlurred(320, 240, 0.5), { raw: { width: 320, height: 240, channels: 1 } }).toColorspace('b-w').png().toFile(join(ctcug, 'gt', 'gray8.png'));
  await makeJpeg(join(ctcug, 'images', 'rgba.jpg'), { width: 200, height: 300, seed: 2 });
  await sharp(leftBlurred(200, 300, 0.25, 4), { raw: { width: 200, height: 300, channels: 4 } }).png().toFile(join(ctcug, 'gt', 'rgba.png'));
  await makePng(join(ctcug, 'images', 'deep.png'), { width: 160, height: 120, seed: 3 });
  await sharp(leftBlurred(160, 120, 0.75), { raw: { width: 160, height: 120, channels: 1 } }).toColorspace('grey16').png().toFile(join(ctcug, 'gt', 'deep.png'));
  // Half-size mask: scaled to the photo, staying binary.
  await makeJpeg(join(ctcug, 'images', 'half.jpg'), { width: 400, height: 200, seed: 4 });
  await sharp(leftBlurred(200, 100, 0.5), { raw: { width: 200, height: 100, channels: 1 } }).toColorspace('b-w').png().toFile(join(ctcug, 'gt', 'half.png'));
  // Rotated by EXIF: the mask matches the upright photo (600x400 stored, 400x600 shown).
  await makeJpeg(join(ctcug, 'images', 'turned.jpg'), { width: 600, height: 400, seed: 5, orientation: 6 });
  await sharp(leftBlurred(400, 600, 0.5), { raw: { width: 400, height: 600, channels: 1 } }).toColorspace('b-w').png().toFile(join(ctcug, 'gt', 'turned.png'));
  // Failures: a mask without its photo, a photo that is not one, a mask of another shape.
  await sharp(leftBlurred(50, 50, 0.5), { raw: { width: 50, height: 50, channels: 1 } }).toColorspace('b-w').png().toFile(join(ctcug, 'gt', 'orphan.png'));
  await writeFile(join(ctcug, 'images', 'broken.jpg'), 'not a photo');
  await makeJpeg(join(ctcug, 'images', 'square.jpg'), { width: 100, height: 100, seed: 6 });
  await sharp(leftBlurred(300, 100, 0.5), { raw: { width: 300, height: 100, channels: 1 } }).toColorspace('b-w').png().toFile(join(ctcug, 'gt', 'square.png'));
  await writeFile(join(ctcug, 'train.txt'), 'gray8\nrgba\ndeep\n');
  await writeFile(join(ctcug, 'test.txt'), 'half\nturned.jpg\n');

  plain = join(temp.dir, 'holiday');
  await makeJpeg(join(plain, 'day1', 'a.jpg'), { width: 300, height: 200, seed: 7, exif: { make: 'Nikon', model: 'Nikon Z 6', fNumber: 2.8, focalLength: 35 } });
  await makePng(join(plain, 'b.png'), { width: 120, height: 90, seed: 8 });
});

afterAll(async () => {
  await temp.remove();
});

describe('defusion import', () => {
  it('imports a CTCUG folder: photos, binary masks at each photo size, splits; failures listed, exit 1', async () => {
    const db = join(temp.dir, 'ctcug.db');
    const result = await defusion('import', ctcug, '--db', db, '--json');
    expect(result.code, result.stderr).toBe(1);
    const report = JSON.parse(result.stdout) as {
      ok: boolean;
      folders: { layout: string; masks: { dataset: string; imported: number; items: number }; photos: { files: number; added: number } }[];
      failures: { path: string; reason: string }[];
    };
    expect(report.ok).toBe(false);
    expect(report.folders[0]).toMatchObject({ layout: 'ctcug', masks: { dataset: 'blur-set', imported: 5, items: 6 }, photos: { files: 7, added: 6 } });
    const failed = Object.fromEntries(report.failures.map((f) => [f.path, f.reason]));
    expect(Object.keys(failed).sort()).toEqual([join(ctcug, 'gt', 'orphan.png'), join(ctcug, 'gt', 'square.png'), join(ctcug, 'images', 'broken.jpg')].sort());
    expect(failed[join(ctcug, 'images', 'broken.jpg')]).toMatch(/not an image/);
    expect(failed[join(ctcug, 'gt', 'orphan.png')]).toMatch(/no photo/);
    expect(failed[join(ctcug, 'gt', 'square.png')]).toMatch(/300x100.*100x100/);
    for (const path of Object.keys(failed)) expect(result.stderr).toContain(path);

    const store = Store.open(db, { log: () => {} });
    try {
      const dataset = store.findDatasetByName('blur-set')!;
      expect(dataset).toMatchObject({ itemCount: 6, counts: { corrected: 5, unlabelled: 1 }, splits: { train: 3, test: 2 } });
      const expected: Record<string, { width: number; height: number; fraction: number }> = {
        'gray8.jpg': { width: 320, height: 240, fraction: 0.5 },
        'rgba.jpg': { width: 200, height: 300, fraction: 0.25 },
        'deep.png': { width: 160, height: 120, fraction: 0.75 },
        'half.jpg': { width: 400, height: 200, fraction: 0.5 },
        'turned.jpg': { width: 400, height: 600, fraction: 0.5 },
      };
      const rootId = store.listRoots()[0]!.id;
      expect(store.listRoots()[0]!.path).toBe(join(ctcug, 'images'));
      for (const [name, { width, height, fraction }] of Object.entries(expected)) {
        const photo = store.getPhotoByPath(rootId, name)!;
        expect([photo.width, photo.height], name).toEqual([width, height]);
        const mask = store.getCurrentMask(photo.id, dataset.id)!;
        expect(mask.version).toMatchObject({ author: 'human', status: 'corrected' });
        expect(mask.version.blurFraction, name).toBeCloseTo(fraction, 2);
        // The contract: 8-bit, one channel, the photo's size, only 0 and 255.
        expect(mask.png[24], `${name} bit depth`).toBe(8);
        expect(mask.png[25], `${name} color type (grayscale)`).toBe(0);
        const meta = await sharp(mask.png).metadata();
        expect([meta.width, meta.height, meta.channels, meta.depth], name).toEqual([width, height, 1, 'uchar']);
        const data = await sharp(mask.png).extractChannel(0).raw().toBuffer();
        expect(new Set(data)).toEqual(new Set([0, 255]));
        // Left part blurred, right part sharp.
        expect(data[0]).toBe(255);
        expect(data[width - 1]).toBe(0);
        expect(photo.status).toBe('corrected');
      }
      const square = store.getPhotoByPath(rootId, 'square.jpg')!;
      expect(store.getCurrentMask(square.id, dataset.id)).toBeUndefined();
    } finally {
      store.close();
    }

    // Importing again finds everything in place: no new versions.
    const again = await defusion('import', ctcug, '--db', db, '--json');
    expect(again.code).toBe(1);
    const second = JSON.parse(again.stdout) as { folders: { masks: { imported: number; unchanged: number }; photos: { unchanged: number } }[] };
    expect(second.folders[0]).toMatchObject({ masks: { imported: 0, unchanged: 5 }, photos: { unchanged: 6 } });

    const info = await defusion('info', '--db', db, '--json');
    expect(info.code).toBe(0);
    expect(JSON.parse(info.stdout)).toMatchObject({
      schemaVersion: LATEST_VERSION,
      counts: { photos: 6, photoErrors: 1, masksByStatus: { corrected: 5, unlabelled: 1 }, datasets: 1, models: 0 },
      datasets: [{ name: 'blur-set', itemCount: 6 }],
    });
    const text = await defusion('info', '--db', db);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/photos\s+6/);
    expect(text.stdout).toMatch(/corrected 5/);
  });

  it('imports plain folders into the library (and a named dataset), exit 0', async () => {
    const db = join(temp.dir, 'plain.db');
    const result = await defusion('import', plain, '--db', db, '--dataset', 'holiday picks');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(plain);
    expect(result.stdout).toMatch(/2 new/);
    expect(result.stderr).toBe('');

    const info = JSON.parse((await defusion('info', '--db', db, '--json')).stdout) as { counts: { photos: number }; datasets: { name: string; itemCount: number }[]; roots: { path: string }[] };
    expect(info.counts.photos).toBe(2);
    expect(info.roots.map((root) => root.path)).toEqual([plain]);
    expect(info.datasets).toMatchObject([{ name: 'holiday picks', itemCount: 2 }]);
  });

  it('refuses bad command lines with a usage message and exit 2', async () => {
    const db = join(temp.dir, 'usage.db');
    const cases: [string[], RegExp][] = [
      [['import', '--db', db], /no folder/],
      [['import', plain], /--db FILE is required/],
      [['import', plain, '--db', db, '--frobnicate'], /frobnicate/],
      [['import', join(temp.dir, 'nope'), '--db', db], /no such folder/],
      [['import', join(plain, 'b.png'), '--db', db], /not a folder/],
      [['info'], /--db FILE is required/],
      [['info', '--db', join(temp.dir, 'missing.db')], /no such database/],
      [['teleport'], /unknown command/],
      [[], /Usage: defusion <command>/],
    ];
    for (const [args, message] of cases) {
      const result = await defusion(...args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(message);
      expect(result.stderr, args.join(' ')).toMatch(/Usage: defusion/);
    }
    // A file that is not a database is refused, not overwritten.
    await writeFile(join(temp.dir, 'text.db'), 'hello');
    const notDb = await defusion('info', '--db', join(temp.dir, 'text.db'));
    expect(notDb.code).toBe(2);
    expect(notDb.stderr).toMatch(/not a studio database/);
  });

  it('prints help for the tool and each command, exit 0', async () => {
    const top = await defusion('--help');
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/import\s+add photo folders/);
    expect(top.stdout).toMatch(/info\s+show what/);
    for (const command of ['import', 'info']) {
      const help = await defusion(command, '--help');
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(new RegExp(`^Usage: defusion ${command}`));
      expect(help.stdout).toMatch(/Exit status/);
    }
  });
});
