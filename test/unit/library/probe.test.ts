import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_PIXELS, PhotoReadError, probePhoto } from '../../../electron/core/library/probe';
import type { PhotoReadErrorCode } from '../../../electron/core/library/probe';
import { makeThumbnail } from '../../../electron/core/library/thumbnail';
import { makeAvif, makeJpeg, makePng, makePngBomb, makeTempDir, makeTiff, makeWebp } from './fixtures';

let dir: string;
let remove: () => Promise<void>;
beforeAll(async () => {
  ({ dir, remove } = await makeTempDir('probe-'));
});
afterAll(async () => {
  await remove();
});

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** The PhotoReadError probePhoto throws for `path` (fails the test when it succeeds). */
async function readError(path: string, options?: { maxPixels?: number }): Promise<PhotoReadError> {
  try {
    await probePhoto(path, options);
  } catch (error) {
    expect(error).toBeInstanceOf(PhotoReadError);
    return error as PhotoReadError;
  }
  throw new Error(`${path} was accepted`);
}

async function expectRefused(path: string, code: PhotoReadErrorCode, reason: string | RegExp, options?: { maxPixels?: number }): Promise<void> {
  const error = await readError(path, options);
  expect(error.code).toBe(code);
  if (typeof reason === 'string') expect(error.reason).toBe(reason);
  else expect(error.reason).toMatch(reason);
  expect(error.message).toContain(path);
}

describe('probePhoto', () => {
  it('reads size after EXIF orientation, the EXIF fields and the content hash of a JPEG', async () => {
    const path = join(dir, 'rotated.jpg');
    const bytes = await makeJpeg(path, {
      width: 640,
      height: 480,
      orientation: 6,
      exif: { make: 'Canon', model: 'Canon EOS 5D', lensModel: 'EF50mm f/1.8 II', fNumber: 2.8, focalLength: 50, dateTimeOriginal: '2021:05:01 12:34:56' },
    });
    const probed = await probePhoto(path);
    expect(probed).toEqual({
      hash: sha256(bytes),
      byteSize: bytes.length,
      width: 480,
      height: 640,
      format: 'jpeg',
      orientation: 6,
      capturedAt: '2021-05-01T12:34:56',
      camera: 'Canon EOS 5D',
      lens: 'EF50mm f/1.8 II',
      fNumber: 2.8,
      focalLength: 50,
    });
  });

  it('keeps the stored size for orientations that do not swap axes, and swaps for 5 to 8', async () => {
    for (const orientation of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const path = join(dir, `orientation-${orientation}.jpg`);
      await makeJpeg(path, { width: 120, height: 80, orientation });
      const { width, height, orientation: read } = await probePhoto(path);
      expect({ width, height, read }).toEqual(orientation >= 5 ? { width: 80, height: 120, read: orientation } : { width: 120, height: 80, read: orientation });
    }
  });

  it('gives a stable hash that follows the content, not the name', async () => {
    const a = join(dir, 'hash-a.jpg');
    const b = join(dir, 'hash-b.jpg');
    const moved = join(dir, 'moved here.jpg');
    await makeJpeg(a, { width: 100, height: 100, seed: 1 });
    await makeJpeg(b, { width: 100, height: 100, seed: 2 });
    await copyFile(a, moved);
    const [first, again, other, copy] = await Promise.all([probePhoto(a), probePhoto(a), probePhoto(b), probePhoto(moved)]);
    expect(first.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(again.hash).toBe(first.hash);
    expect(copy.hash).toBe(first.hash);
    expect(other.hash).not.toBe(first.hash);
  });

  it('reads PNG, WebP, AVIF and TIFF, taking the format from the content', async () => {
    const exif = { make: 'NIKON CORPORATION', model: 'NIKON D850', fNumber: 1.4, focalLength: 85 };
    await makePng(join(dir, 'a.png'), { width: 300, height: 200, orientation: 6, exif, alpha: true });
    await makeWebp(join(dir, 'a.webp'), { width: 300, height: 200, orientation: 8, exif });
    await makeAvif(join(dir, 'a.avif'), { width: 300, height: 200 });
    await makeTiff(join(dir, 'a.tif'), { width: 300, height: 200, orientation: 6 });
    await makePng(join(dir, 'png-named.jpg'), { width: 50, height: 40 });

    expect(await probePhoto(join(dir, 'a.png'))).toMatchObject({ format: 'png', width: 200, height: 300, orientation: 6, camera: 'NIKON D850', fNumber: 1.4, focalLength: 85 });
    expect(await probePhoto(join(dir, 'a.webp'))).toMatchObject({ format: 'webp', width: 200, height: 300, orientation: 8, camera: 'NIKON D850' });
    expect(await probePhoto(join(dir, 'a.avif'))).toMatchObject({ format: 'avif', width: 300, height: 200, camera: null, capturedAt: null });
    expect(await probePhoto(join(dir, 'a.tif'))).toMatchObject({ format: 'tiff', width: 200, height: 300, orientation: 6 });
    expect(await probePhoto(join(dir, 'png-named.jpg'))).toMatchObject({ format: 'png', width: 50, height: 40 });
  });

  it('returns the grid thumbnail from the same decode when asked', async () => {
    const path = join(dir, 'thumb.jpg');
    await makeJpeg(path, { width: 1200, height: 900, orientation: 6 });
    const probed = await probePhoto(path, { thumbnailMaxSide: 320 });
    expect(probed.thumbnail).toMatchObject({ width: 240, height: 320, mimeType: 'image/webp' });
    const meta = await sharp(probed.thumbnail?.bytes).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['webp', 240, 320]);
  });

  it('refuses an empty file', async () => {
    const path = join(dir, 'empty.jpg');
    await writeFile(path, '');
    await expectRefused(path, 'empty', 'empty file (0 bytes)');
  });

  it('refuses a truncated JPEG although its header still reads', async () => {
    const whole = await makeJpeg(join(dir, 'whole.jpg'), { width: 800, height: 600 });
    for (const fraction of [0.3, 0.9, 0.99]) {
      const path = join(dir, `truncated-${fraction}.jpg`);
      await writeFile(path, whole.subarray(0, Math.floor(whole.length * fraction)));
      // The header alone looks fine: this is what a metadata-only probe would accept.
      expect((await sharp(path).metadata()).width).toBe(800);
      await expectRefused(path, 'corrupt', 'truncated or corrupt JPEG data: premature end of JPEG image');
    }
  });

  it('refuses a truncated PNG and a JPEG whose header is garbage', async () => {
    const png = await makePng(join(dir, 'whole.png'), { width: 400, height: 300 });
    await writeFile(join(dir, 'truncated.png'), png.subarray(0, png.length >> 1));
    await expectRefused(join(dir, 'truncated.png'), 'corrupt', /^truncated or corrupt PNG data: /);

    const jpeg = await readFile(join(dir, 'whole.jpg'));
    const mangled = Buffer.from(jpeg);
    mangled.fill(0x41, 4, 600); // overwrite the tables and the frame header
    await writeFile(join(dir, 'mangled.jpg'), mangled);
    await expectRefused(join(dir, 'mangled.jpg'), 'corrupt', /^(corrupt JPEG file|truncated or corrupt JPEG data): /);
  });

  it('refuses files that are not images despite their extension', async () => {
    await writeFile(join(dir, 'notes.jpg'), 'Shopping list:\n- film\n- lens cloth\n');
    await expectRefused(join(dir, 'notes.jpg'), 'not-image', 'not an image: the content is not JPEG, PNG, TIFF, WebP or AVIF (it looks like a text file)');

    await writeFile(join(dir, 'page.png'), '<!DOCTYPE html><html><body>404</body></html>');
    await expectRefused(join(dir, 'page.png'), 'not-image', /\(it looks like an HTML page\)$/);

    await writeFile(join(dir, 'binary.tif'), Buffer.from([0, 1, 2, 3, 250, 251, 252, 253, 0, 0, 9]));
    await expectRefused(join(dir, 'binary.tif'), 'not-image', 'not an image: the content is not JPEG, PNG, TIFF, WebP or AVIF');

    await writeFile(join(dir, 'anim.webp'), await sharp({ create: { width: 8, height: 8, channels: 3, background: '#888' } }).gif().toBuffer());
    await expectRefused(join(dir, 'anim.webp'), 'unsupported-format', 'unsupported image format: the file is a GIF image, not JPEG, PNG, TIFF, WebP or AVIF');

    await writeFile(join(dir, 'drawing.png'), '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="9000" height="9000"/>');
    await expectRefused(join(dir, 'drawing.png'), 'unsupported-format', /the file is an SVG drawing/);
  });

  it('refuses a decompression bomb before decoding, saying how big it is', async () => {
    // A 200-byte PNG whose header claims 20000 x 15000 pixels.
    const path = join(dir, 'bomb.png');
    const bytes = await makePngBomb(path, 20_000, 15_000);
    expect(bytes.length).toBeLessThan(200);
    expect(DEFAULT_MAX_PIXELS).toBe(200_000_000);
    await expectRefused(path, 'too-many-pixels', 'image is 20000 x 15000 = 300 MP, above the 200 MP limit');
  });

  it('applies a caller-chosen pixel cap to real images', async () => {
    const path = join(dir, 'capped.jpg');
    await makeJpeg(path, { width: 200, height: 100, orientation: 6 });
    await expectRefused(path, 'too-many-pixels', 'image is 100 x 200 = 0.02 MP, above the 0.01 MP limit', { maxPixels: 10_000 });
    expect((await probePhoto(path, { maxPixels: 20_000 })).width).toBe(100);
  });

  it('refuses a path that has disappeared or is a folder', async () => {
    await expectRefused(join(dir, 'gone.jpg'), 'not-found', 'the file no longer exists');
    await expectRefused(dir, 'not-image', 'a folder, not a file');
  });

  it('refuses a named pipe at once instead of waiting for a writer', async () => {
    const path = join(dir, 'pipe.jpg');
    execFileSync('mkfifo', [path]);
    await expectRefused(path, 'not-image', 'not a regular file (a device, pipe or socket)');
    await expect(makeThumbnail(path)).rejects.toMatchObject({ code: 'not-image' });
  });
});
