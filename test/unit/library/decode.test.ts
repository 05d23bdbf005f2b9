import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openOriented, readDisplayImage, readOrientedJpeg } from '../../../electron/core/library/decode';
import { PhotoReadError } from '../../../electron/core/library/probe';
import { DISPLAYED_CORNER, makeAvif, makeFakeRaw, makeJpeg, makePng, makePngBomb, makeTempDir, makeTiff, makeWebp, redCorner } from './fixtures';

let dir: string;
let remove: () => Promise<void>;
beforeAll(async () => {
  ({ dir, remove } = await makeTempDir('decode-'));
});
afterAll(async () => {
  await remove();
});

describe('openOriented', () => {
  it('turns every EXIF orientation upright', async () => {
    for (const orientation of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const path = join(dir, `o${orientation}.jpg`);
      await makeJpeg(path, { width: 160, height: 120, orientation });
      const seen = await redCorner(await openOriented(path));
      expect({ orientation, ...seen }).toEqual({
        orientation,
        corner: DISPLAYED_CORNER[orientation],
        ...(orientation >= 5 ? { width: 120, height: 160 } : { width: 160, height: 120 }),
      });
    }
  });

  it('turns a RAW preview by the orientation stored in the RAW file', async () => {
    for (const orientation of [1, 3, 6, 8]) {
      const path = join(dir, `raw-${orientation}.nef`);
      await makeFakeRaw(path, { previewWidth: 300, previewHeight: 200, orientation, withDecoys: true });
      const seen = await redCorner(await openOriented(path));
      expect(seen.corner).toBe(DISPLAYED_CORNER[orientation]);
      expect([seen.width, seen.height]).toEqual(orientation >= 5 ? [200, 300] : [300, 200]);
    }
  });

  it('gives 8-bit sRGB from 16-bit and grey sources, and lets callers resize upright', async () => {
    const sixteen = join(dir, 'sixteen.png');
    await sharp(Buffer.alloc(40 * 30 * 3 * 2, 0x80), { raw: { width: 40, height: 30, channels: 3, premultiplied: false } })
      .toColorspace('rgb16')
      .png()
      .toFile(sixteen);
    const grey = join(dir, 'grey.png');
    await sharp({ create: { width: 20, height: 10, channels: 3, background: '#777' } }).greyscale().png().toFile(grey);
    expect((await sharp(sixteen).metadata()).depth).toBe('ushort');
    for (const path of [sixteen, grey]) {
      const { data, info } = await (await openOriented(path)).raw().toBuffer({ resolveWithObject: true });
      expect(info.channels).toBe(3);
      expect(data.length).toBe(info.width * info.height * 3); // one byte per sample
    }

    const rotated = join(dir, 'rotated-for-resize.jpg');
    await makeJpeg(rotated, { width: 400, height: 200, orientation: 6 });
    const resized = await (await openOriented(rotated)).resize(100).raw().toBuffer({ resolveWithObject: true });
    expect([resized.info.width, resized.info.height]).toEqual([100, 200]);
  });

  it('refuses what probePhoto refuses', async () => {
    await makePngBomb(join(dir, 'bomb.png'), 30_000, 30_000);
    await expect(openOriented(join(dir, 'bomb.png'))).rejects.toThrow(PhotoReadError);
    await expect(openOriented(join(dir, 'bomb.png'))).rejects.toMatchObject({ reason: 'image is 30000 x 30000 = 900 MP, above the 200 MP limit' });
    await writeFile(join(dir, 'text.jpg'), 'hello');
    await expect(openOriented(join(dir, 'text.jpg'))).rejects.toMatchObject({ code: 'not-image' });
    const whole = await makeJpeg(join(dir, 'whole.jpg'), { width: 300, height: 200 });
    await writeFile(join(dir, 'cut.jpg'), whole.subarray(0, whole.length >> 1));
    // The header reads, so the pipeline opens; decoding it fails.
    await expect((await openOriented(join(dir, 'cut.jpg'))).raw().toBuffer()).rejects.toThrow(/premature end/);
  });
});

describe('readDisplayImage', () => {
  it('serves upright JPEG, PNG, WebP and AVIF byte for byte', async () => {
    const cases = [
      { file: 'plain.jpg', make: makeJpeg, mimeType: 'image/jpeg' },
      { file: 'plain.png', make: makePng, mimeType: 'image/png' },
      { file: 'plain.webp', make: makeWebp, mimeType: 'image/webp' },
      { file: 'plain.avif', make: makeAvif, mimeType: 'image/avif' },
    ] as const;
    for (const { file, make, mimeType } of cases) {
      const path = join(dir, file);
      const bytes = await make(path, { width: 90, height: 60 });
      const shown = await readDisplayImage(path);
      expect({ file, mimeType: shown.mimeType, width: shown.width, height: shown.height }).toEqual({ file, mimeType, width: 90, height: 60 });
      expect(Buffer.from(shown.bytes).equals(bytes)).toBe(true);
    }
  });

  it('re-encodes a rotated JPEG upright, without an orientation tag left to apply twice', async () => {
    const path = join(dir, 'rotated.jpg');
    await makeJpeg(path, { width: 160, height: 120, orientation: 6 });
    const shown = await readDisplayImage(path);
    expect([shown.mimeType, shown.width, shown.height]).toEqual(['image/jpeg', 120, 160]);
    const meta = await sharp(shown.bytes).metadata();
    expect([meta.format, meta.width, meta.height, meta.orientation]).toEqual(['jpeg', 120, 160, undefined]);
    expect((await redCorner(sharp(shown.bytes))).corner).toBe('top-right');
  });

  it('converts TIFF and RAW to JPEG, keeps transparency as PNG, and scales to maxSide', async () => {
    await makeTiff(join(dir, 'a.tif'), { width: 300, height: 200, orientation: 8 });
    const tiff = await readDisplayImage(join(dir, 'a.tif'));
    expect([tiff.mimeType, tiff.width, tiff.height]).toEqual(['image/jpeg', 200, 300]);
    expect((await sharp(tiff.bytes).metadata()).format).toBe('jpeg');

    const { bytes: rawBytes, previewOffset, previewLength } = await makeFakeRaw(join(dir, 'upright.dng'), { previewWidth: 320, previewHeight: 240 });
    const upright = await readDisplayImage(join(dir, 'upright.dng'));
    expect([upright.mimeType, upright.width, upright.height]).toEqual(['image/jpeg', 320, 240]);
    // An upright preview needs no re-encoding: same pixels as the embedded JPEG.
    const embedded = await sharp(rawBytes.subarray(previewOffset, previewOffset + previewLength)).raw().toBuffer();
    expect((await sharp(upright.bytes).raw().toBuffer()).equals(embedded)).toBe(true);

    await makeFakeRaw(join(dir, 'turned.cr2'), { previewWidth: 320, previewHeight: 240, orientation: 6 });
    const turned = await readDisplayImage(join(dir, 'turned.cr2'), { maxSide: 160 });
    expect([turned.mimeType, turned.width, turned.height]).toEqual(['image/jpeg', 120, 160]);

    await makePng(join(dir, 'alpha.png'), { width: 400, height: 100, alpha: true });
    const alpha = await readDisplayImage(join(dir, 'alpha.png'), { maxSide: 200 });
    expect([alpha.mimeType, alpha.width, alpha.height]).toEqual(['image/png', 200, 50]);
    expect((await sharp(alpha.bytes).metadata()).hasAlpha).toBe(true);

    const small = await readOrientedJpeg(join(dir, 'plain.jpg'), 1000);
    expect(Buffer.from(small.bytes).equals(await readFile(join(dir, 'plain.jpg')))).toBe(true);
    const scaled = await readOrientedJpeg(join(dir, 'plain.jpg'), 45);
    expect([scaled.mimeType, scaled.width, scaled.height]).toEqual(['image/jpeg', 45, 30]);
  });
});
