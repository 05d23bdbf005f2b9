import sharp from 'sharp';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { RowFilter, crc32, encodeGrayPng } from '../../../renderer/editor/png';
import { firstDifference, seededRandom } from './helpers';

async function decodeWithSharp(png: Uint8Array): Promise<{ width: number; height: number; channels: number; pixels: Uint8Array }> {
  const metadata = await sharp(png).metadata();
  const { data, info } = await sharp(png).toColorspace('b-w').raw().toBuffer({ resolveWithObject: true });
  expect(metadata.channels).toBe(1);
  expect(metadata.depth).toBe('uchar');
  return { width: info.width, height: info.height, channels: info.channels, pixels: new Uint8Array(data) };
}

function blobMask(width: number, height: number, seed: number): Uint8Array {
  const random = seededRandom(seed);
  const blobs = Array.from({ length: 12 }, () => ({ x: random() * width, y: random() * height, r: 10 + random() * width * 0.2 }));
  const pixels = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (blobs.some((b) => (x - b.x) ** 2 + (y - b.y) ** 2 < b.r * b.r)) pixels[y * width + x] = 255;
    }
  }
  return pixels;
}

describe('mask PNG encoder', () => {
  it('writes an 8-bit grayscale PNG that decodes to the exact bytes, with every filter and coder', async () => {
    const width = 333;
    const height = 211;
    const pixels = blobMask(width, height, 1);
    const variants = [
      { filter: RowFilter.None },
      { filter: RowFilter.None, compression: 'platform' as const },
      { filter: RowFilter.Sub },
      { filter: RowFilter.Up },
    ];
    for (const options of variants) {
      const png = await encodeGrayPng(width, height, pixels, options);
      const decoded = await decodeWithSharp(png);
      expect([decoded.width, decoded.height, decoded.channels]).toEqual([width, height, 1]);
      expect(firstDifference(decoded.pixels, pixels)).toBeNull();
    }
  });

  it('keeps arbitrary gray values and writes valid chunk CRCs and a zlib stream', async () => {
    const random = seededRandom(2);
    const pixels = Uint8Array.from({ length: 40 * 30 }, () => Math.floor(random() * 256));
    const png = await encodeGrayPng(40, 30, pixels);
    expect((await decodeWithSharp(png)).pixels).toEqual(pixels);
    // Walk the chunks: IHDR (color type 0, depth 8), IDAT, IEND, each CRC right.
    const view = new DataView(png.buffer, png.byteOffset, png.length);
    const types: string[] = [];
    let idat = new Uint8Array(0);
    for (let at = 8; at < png.length;) {
      const length = view.getUint32(at);
      const type = String.fromCharCode(...png.subarray(at + 4, at + 8));
      types.push(type);
      expect(view.getUint32(at + 8 + length)).toBe(crc32(png, at + 4, at + 8 + length));
      if (type === 'IHDR') expect([png[at + 16], png[at + 17]]).toEqual([8, 0]);
      if (type === 'IDAT') idat = png.slice(at + 8, at + 8 + length);
      at += 12 + length;
    }
    expect(types).toEqual(['IHDR', 'IDAT', 'IEND']);
    expect(inflateSync(idat).length).toBe(30 * 41);
  });

  it('encodes a 24 MP mask exactly and compactly', async () => {
    const width = 6000;
    const height = 4000;
    const pixels = new Uint8Array(width * height);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        if ((x - 2000) ** 2 + (y - 1500) ** 2 < 900 ** 2 || Math.abs(x - y * 1.3 - 500) < 60) pixels[y * width + x] = 255;
      }
    }
    const png = await encodeGrayPng(width, height, pixels);
    // The run coder stays within a few percent of zlib at level 6 on a mask.
    const platform = await encodeGrayPng(width, height, pixels, { compression: 'platform' });
    expect(png.length).toBeLessThan(platform.length * 1.25);
    expect(png.length).toBeLessThan(100_000);
    const decoded = await decodeWithSharp(png);
    expect(firstDifference(decoded.pixels, pixels)).toBeNull();
  });
});
