/**
 * Undo and redo write run-coded bytes straight into the mask (decodeRunsIntoRect): the
 * result must equal decoding to a temporary and copying the rectangle, for runs that
 * cross row ends, raw entries, rectangles at the image's edges, and bad input must leave
 * the image untouched.
 */
import { describe, expect, it } from 'vitest';
import { MaskRaster } from '../../../renderer/editor/maskRaster';
import { decodeRuns, decodeRunsIntoRect, encodeRuns } from '../../../renderer/editor/rle';
import type { Rect } from '../../../renderer/editor/rect';
import { seededRandom } from './helpers';

function reference(image: Uint8Array, imageWidth: number, rect: Rect, bytes: Uint8Array): Uint8Array {
  const out = image.slice();
  for (let row = 0; row < rect.height; row++) {
    out.set(bytes.subarray(row * rect.width, (row + 1) * rect.width), (rect.y + row) * imageWidth + rect.x);
  }
  return out;
}

describe('decodeRunsIntoRect', () => {
  it('writes what decodeRuns and a copy would, for runs, raw entries and edge rectangles', () => {
    const random = seededRandom(11);
    const width = 37;
    const height = 23;
    for (let trial = 0; trial < 200; trial++) {
      const x = Math.floor(random() * width);
      const y = Math.floor(random() * height);
      const rect = { x, y, width: 1 + Math.floor(random() * (width - x)), height: 1 + Math.floor(random() * (height - y)) };
      const bytes = new Uint8Array(rect.width * rect.height);
      const noisy = trial % 5 === 0;
      let value = 0;
      for (let i = 0; i < bytes.length; i++) {
        // Long runs that cross row ends, or noise (which is stored raw).
        if (noisy ? true : random() < 0.04) value = noisy ? Math.floor(random() * 256) : value === 0 ? 255 : 0;
        bytes[i] = value;
      }
      const encoded = encodeRuns(bytes);
      expect(decodeRuns(encoded, bytes.length)).toEqual(bytes);
      const image = new Uint8Array(width * height).map(() => Math.floor(random() * 256));
      const expected = reference(image, width, rect, bytes);
      decodeRunsIntoRect(encoded, image, width, rect);
      expect(image).toEqual(expected);
    }
  });

  it('leaves the image untouched when the runs do not cover the rectangle', () => {
    const rect = { x: 2, y: 1, width: 4, height: 3 };
    const short = encodeRuns(new Uint8Array(11).fill(255));
    const long = encodeRuns(new Uint8Array(13).fill(255));
    const image = new Uint8Array(8 * 5);
    expect(() => decodeRunsIntoRect(short, image, 8, rect)).toThrow(/cover 11 bytes, expected 12/);
    expect(() => decodeRunsIntoRect(long, image, 8, rect)).toThrow(/overflow/);
    expect(() => decodeRunsIntoRect(short.subarray(0, short.length - 1), image, 8, rect)).toThrow(/Truncated/);
    expect(image.every((value) => value === 0)).toBe(true);
  });

  it('is what MaskRaster.writeRuns does, inside the raster only', () => {
    const raster = new MaskRaster(10, 6);
    const rect = { x: 3, y: 2, width: 5, height: 4 };
    const bytes = new Uint8Array(20).map((_, i) => (i % 7 < 3 ? 255 : 0));
    raster.writeRuns(rect, encodeRuns(bytes));
    expect(raster.readRect(rect)).toEqual(bytes);
    expect(() => raster.writeRuns({ x: 8, y: 2, width: 5, height: 4 }, encodeRuns(bytes))).toThrow();
  });
});
