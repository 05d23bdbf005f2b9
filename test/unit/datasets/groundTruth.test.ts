/** Reading public ground truths: layouts, scaling, non-binary values, refusals. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binarise, readGroundTruth } from '../../../electron/core/datasets/groundTruth';
import { leftPart, makeTempDir, maskPixels, writeMask } from './fixtures';

let temp: { dir: string; remove: () => Promise<void> };

beforeAll(async () => {
  temp = await makeTempDir('defusion-gt-');
});

afterAll(async () => {
  await temp.remove();
});

describe('ground truth files', () => {
  it('reads gray, RGB and 16-bit masks to the same values', async () => {
    const mask = maskPixels(60, 40, leftPart(0.5));
    await writeMask(join(temp.dir, 'gray.png'), mask, 60, 40);
    await writeMask(join(temp.dir, 'rgb.png'), mask, 60, 40, { rgb: true });
    await sharp(Buffer.from(mask), { raw: { width: 60, height: 40, channels: 1 } }).toColorspace('grey16').png().toFile(join(temp.dir, 'deep.png'));
    for (const name of ['gray.png', 'rgb.png', 'deep.png']) {
      const truth = await readGroundTruth(join(temp.dir, name), 60, 40);
      expect(truth, name).toMatchObject({ width: 60, height: 40, scaledFrom: null, nonBinary: 0 });
      expect(truth.gray, name).toEqual(mask);
    }
  });

  it('scales a mask of the photo\'s aspect ratio, and refuses another one', async () => {
    const small = maskPixels(30, 20, leftPart(0.5));
    await writeMask(join(temp.dir, 'small.png'), small, 30, 20);
    const truth = await readGroundTruth(join(temp.dir, 'small.png'), 60, 40);
    expect(truth.scaledFrom).toEqual({ width: 30, height: 20 });
    expect(truth.gray).toEqual(maskPixels(60, 40, leftPart(0.5)));
    await expect(readGroundTruth(join(temp.dir, 'small.png'), 60, 60)).rejects.toThrow(/wrong size: the mask is 30x20 but its photo is 60x60/);
  });

  it('counts grey pixels, thresholds at 128 either way round', async () => {
    const soft = new Uint8Array(4 * 2);
    soft.set([0, 100, 127, 128, 129, 200, 255, 0]);
    await sharp(Buffer.from(soft), { raw: { width: 4, height: 2, channels: 1 } }).toColorspace('b-w').png().toFile(join(temp.dir, 'soft.png'));
    const truth = await readGroundTruth(join(temp.dir, 'soft.png'), 4, 2);
    expect(truth.nonBinary).toBe(5);
    expect([...binarise(truth.gray, true)]).toEqual([0, 0, 0, 255, 255, 255, 255, 0]);
    expect([...binarise(truth.gray, false)]).toEqual([255, 255, 255, 0, 0, 0, 0, 255]);
  });

  it('says why a file is not a mask', async () => {
    await writeFile(join(temp.dir, 'text.png'), 'not a png');
    await expect(readGroundTruth(join(temp.dir, 'text.png'), 10, 10)).rejects.toThrow(/unreadable mask/);
    const bytes = await sharp(Buffer.alloc(64 * 64, 255), { raw: { width: 64, height: 64, channels: 1 } }).png().toBuffer();
    await writeFile(join(temp.dir, 'cut.png'), bytes.subarray(0, bytes.length - 30));
    await expect(readGroundTruth(join(temp.dir, 'cut.png'), 64, 64)).rejects.toThrow(/unreadable mask/);
  });
});
