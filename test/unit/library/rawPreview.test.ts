import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findEmbeddedJpegs, largestDecodableJpeg, withExifOrientation } from '../../../electron/core/library/embeddedJpeg';
import { PhotoReadError, probePhoto } from '../../../electron/core/library/probe';
import { jpegBytes, losslessJpegStream, makeFakeRaw, makeTempDir, sensorBytes } from './fixtures';

let dir: string;
let remove: () => Promise<void>;
beforeAll(async () => {
  ({ dir, remove } = await makeTempDir('raw-'));
});
afterAll(async () => {
  await remove();
});

const exif = {
  make: 'NIKON CORPORATION',
  model: 'NIKON D850',
  lensModel: 'AF-S NIKKOR 85mm f/1.4G',
  fNumber: 1.4,
  focalLength: 85,
  dateTimeOriginal: '2022:07:14 09:08:07',
};

describe('findEmbeddedJpegs', () => {
  it('finds complete JPEG streams among other bytes and ignores stray or cut-off ones', async () => {
    const small = await jpegBytes(64, 48, 1);
    const big = await jpegBytes(320, 240, 2);
    const lossless = losslessJpegStream(6000, 4000);
    const cut = big.subarray(0, big.length - 500);
    const parts = [sensorBytes(5000, 1), small, sensorBytes(3000, 2), cut, sensorBytes(3000, 3), lossless, big, sensorBytes(2000, 4)];
    const file = Buffer.concat(parts);
    const offsetOf = (index: number): number => parts.slice(0, index).reduce((sum, part) => sum + part.length, 0);

    expect(findEmbeddedJpegs(file)).toEqual([
      { offset: offsetOf(1), length: small.length, width: 64, height: 48, frameType: 0xc0 },
      { offset: offsetOf(5), length: lossless.length, width: 6000, height: 4000, frameType: 0xc3 },
      { offset: offsetOf(6), length: big.length, width: 320, height: 240, frameType: 0xc0 },
    ]);
    // The lossless sensor stream is the biggest but is not a picture.
    expect(largestDecodableJpeg(file)).toMatchObject({ offset: offsetOf(6), width: 320, height: 240 });
    expect(largestDecodableJpeg(sensorBytes(50_000, 5))).toBeNull();
  });

  it('finds progressive JPEGs', async () => {
    const progressive = await sharp(await jpegBytes(200, 100)).jpeg({ progressive: true }).toBuffer();
    const file = Buffer.concat([sensorBytes(1000, 6), progressive]);
    expect(largestDecodableJpeg(file)).toEqual({ offset: 1000, length: progressive.length, width: 200, height: 100, frameType: 0xc2 });
  });
});

describe('withExifOrientation', () => {
  it('gives a JPEG that sharp auto-orients, with the same pixels and the ICC profile kept', async () => {
    const original = await sharp(await jpegBytes(120, 80)).withMetadata({ orientation: 3 }).withIccProfile('p3').jpeg().toBuffer();
    for (const orientation of [1, 6, 8]) {
      const patched = withExifOrientation(original, orientation);
      const meta = await sharp(patched).metadata();
      expect(meta.orientation).toBe(orientation);
      expect(meta.icc).toBeDefined();
      expect(meta.autoOrient).toEqual(orientation === 1 ? { width: 120, height: 80 } : { width: 80, height: 120 });
      const [a, b] = await Promise.all([sharp(original).raw().toBuffer(), sharp(patched).raw().toBuffer()]);
      expect(b.equals(a)).toBe(true);
    }
  });
});

describe('probePhoto on camera RAW files', () => {
  it('reads the largest embedded preview, turned by the RAW orientation, with the RAW EXIF', async () => {
    const path = join(dir, 'DSC_0001.NEF');
    const { bytes } = await makeFakeRaw(path, { previewWidth: 600, previewHeight: 400, orientation: 6, exif, withDecoys: true });
    const probed = await probePhoto(path, { thumbnailMaxSide: 150 });
    expect({ ...probed, thumbnail: undefined }).toEqual({
      hash: createHash('sha256').update(bytes).digest('hex'),
      byteSize: bytes.length,
      width: 400,
      height: 600,
      format: 'raw-preview',
      orientation: 6,
      capturedAt: '2022-07-14T09:08:07',
      camera: 'NIKON D850',
      lens: 'AF-S NIKKOR 85mm f/1.4G',
      fNumber: 1.4,
      focalLength: 85,
      thumbnail: undefined,
    });
    expect(probed.thumbnail).toMatchObject({ width: 100, height: 150 });
  });

  it('takes EXIF and orientation from the preview when the RAW container is not TIFF', async () => {
    const path = join(dir, 'DSCF0001.raf');
    await makeFakeRaw(path, { previewWidth: 300, previewHeight: 200, orientation: 8, exif, nonTiffHeader: true });
    expect(await probePhoto(path)).toMatchObject({ format: 'raw-preview', width: 200, height: 300, orientation: 8, camera: 'NIKON D850', fNumber: 1.4 });
  });

  it('keeps the preview size when the RAW is upright', async () => {
    const path = join(dir, 'upright.dng');
    await makeFakeRaw(path, { previewWidth: 300, previewHeight: 200, exif: { make: 'Canon', model: 'Canon EOS R5' } });
    expect(await probePhoto(path)).toMatchObject({ width: 300, height: 200, orientation: 1, camera: 'Canon EOS R5', lens: null });
  });

  it('refuses a RAW file without an embedded JPEG preview', async () => {
    const path = join(dir, 'no-preview.cr2');
    await makeFakeRaw(path, { previewWidth: 1, previewHeight: 1, exif, withoutPreview: true });
    const error = await probePhoto(path).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PhotoReadError);
    expect(error).toMatchObject({ code: 'no-raw-preview', reason: 'RAW file without an embedded JPEG preview' });

    await writeFile(join(dir, 'text.arw'), 'not a raw file at all');
    await expect(probePhoto(join(dir, 'text.arw'))).rejects.toMatchObject({ reason: 'RAW file without an embedded JPEG preview' });
    await writeFile(join(dir, 'empty.orf'), '');
    await expect(probePhoto(join(dir, 'empty.orf'))).rejects.toMatchObject({ reason: 'empty file (0 bytes)' });
  });

  it('refuses a RAW file whose preview is corrupt', async () => {
    const path = join(dir, 'damaged.rw2');
    const { bytes, previewOffset, previewLength } = await makeFakeRaw(path, { previewWidth: 300, previewHeight: 200, exif });
    // Break the preview's first Huffman table (code counts summing far above 256) while
    // keeping every segment length, so the stream is still found but cannot be decoded.
    const damaged = Buffer.from(bytes);
    const dht = damaged.indexOf(Buffer.from([0xff, 0xc4]), previewOffset);
    expect(dht).toBeGreaterThan(previewOffset);
    expect(dht).toBeLessThan(previewOffset + previewLength);
    damaged.fill(0xff, dht + 5, dht + 5 + 16);
    await writeFile(path, damaged);
    await expect(probePhoto(path)).rejects.toMatchObject({ code: 'corrupt', reason: expect.stringMatching(/corrupt JPEG preview/) });
  });
});
