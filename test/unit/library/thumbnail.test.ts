import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_THUMBNAIL_SIDE, makeThumbnail } from '../../../electron/core/library/thumbnail';
import { makeFakeRaw, makeJpeg, makePng, makeTempDir, makeTiff, redCorner } from './fixtures';

let dir: string;
let remove: () => Promise<void>;
beforeAll(async () => {
  ({ dir, remove } = await makeTempDir('thumbnail-'));
});
afterAll(async () => {
  await remove();
});

describe('makeThumbnail', () => {
  it('fits the oriented photo into 320 pixels as WebP', async () => {
    const path = join(dir, 'portrait.jpg');
    await makeJpeg(path, { width: 2400, height: 1800, orientation: 6 });
    const thumbnail = await makeThumbnail(path);
    expect(DEFAULT_THUMBNAIL_SIDE).toBe(320);
    expect({ ...thumbnail, bytes: undefined }).toEqual({ bytes: undefined, width: 240, height: 320, mimeType: 'image/webp' });
    const meta = await sharp(thumbnail.bytes).metadata();
    expect([meta.format, meta.width, meta.height, meta.orientation]).toEqual(['webp', 240, 320, undefined]);
    expect((await redCorner(sharp(thumbnail.bytes))).corner).toBe('top-right');
    expect(thumbnail.bytes.length).toBeLessThan(30_000);
  });

  it('honours another size and never enlarges a small photo', async () => {
    const path = join(dir, 'landscape.png');
    await makePng(path, { width: 1000, height: 250 });
    expect(await makeThumbnail(path, 100)).toMatchObject({ width: 100, height: 25 });
    await makeTiff(join(dir, 'small.tif'), { width: 120, height: 90, orientation: 8 });
    const small = await makeThumbnail(join(dir, 'small.tif'));
    expect([small.width, small.height]).toEqual([90, 120]);
    expect((await redCorner(sharp(small.bytes))).corner).toBe('bottom-left');
  });

  it('makes RAW thumbnails from the oriented preview', async () => {
    const path = join(dir, 'DSC_1.arw');
    await makeFakeRaw(path, { previewWidth: 640, previewHeight: 480, orientation: 8, withDecoys: true });
    const thumbnail = await makeThumbnail(path, 160);
    expect([thumbnail.width, thumbnail.height]).toEqual([120, 160]);
    expect((await redCorner(sharp(thumbnail.bytes))).corner).toBe('bottom-left');
  });

  it('refuses a truncated JPEG instead of drawing half a thumbnail', async () => {
    const whole = await makeJpeg(join(dir, 'whole.jpg'), { width: 1600, height: 1200 });
    await writeFile(join(dir, 'half.jpg'), whole.subarray(0, whole.length >> 1));
    await expect(makeThumbnail(join(dir, 'half.jpg'))).rejects.toMatchObject({
      code: 'corrupt',
      reason: 'truncated or corrupt JPEG data: premature end of JPEG image',
    });
  });
});
