import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { deflateScanlines, huffmanLengths } from '../../../renderer/editor/runDeflate';
import { firstDifference, seededRandom } from './helpers';

/** The PNG scanline stream the deflate must reproduce: per row the filter byte 0, then the row. */
function scanlines(pixels: Uint8Array, width: number, height: number): Uint8Array {
  const out = new Uint8Array(height * (width + 1));
  for (let y = 0; y < height; y++) out.set(pixels.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  return out;
}

function roundTrip(pixels: Uint8Array, width: number, height: number): void {
  // inflateSync checks the Adler-32 too.
  const inflated = new Uint8Array(inflateSync(deflateScanlines(pixels, width, height)));
  expect(firstDifference(inflated, scanlines(pixels, width, height))).toBeNull();
}

describe('run-length deflate', () => {
  it('is a valid zlib stream for masks of every shape', () => {
    const random = seededRandom(12);
    for (const [width, height] of [[1, 1], [3, 2], [7, 5], [64, 64], [333, 211], [1001, 3]] as const) {
      const blobs = new Uint8Array(width * height);
      let value = 0;
      for (let i = 0; i < blobs.length; i++) {
        if (random() < 0.03) value = 255 - value;
        blobs[i] = value;
      }
      roundTrip(blobs, width, height);
      roundTrip(new Uint8Array(width * height), width, height);
      roundTrip(new Uint8Array(width * height).fill(255), width, height);
      // Alternating pixels: no copies at all, only literals.
      roundTrip(Uint8Array.from({ length: width * height }, (_, i) => (i % 2 ? 255 : 0)), width, height);
    }
  });

  it('keeps any byte values and reads unaligned views', () => {
    const random = seededRandom(13);
    const noise = Uint8Array.from({ length: 50 * 40 }, () => (random() < 0.5 ? Math.floor(random() * 256) : 7));
    roundTrip(noise, 50, 40);
    const buffer = new Uint8Array(4 + 61 * 17).fill(255);
    buffer.fill(0, 300, 700);
    roundTrip(buffer.subarray(3, 3 + 61 * 17), 61, 17);
  });

  it('handles runs far longer than one copy, across rows', () => {
    const width = 6000;
    const height = 400;
    const pixels = new Uint8Array(width * height);
    pixels.fill(255, 1000 * 3 + 17, width * 250);
    roundTrip(pixels, width, height);
  });

  it('limits Huffman codes to the bit budget, even for skewed frequencies', () => {
    // Fibonacci frequencies give a plain Huffman tree as deep as there are symbols.
    const frequencies = new Array<number>(30).fill(0);
    let a = 1;
    let b = 1;
    for (let i = 0; i < 30; i++) {
      frequencies[i] = a;
      [a, b] = [b, a + b];
    }
    const lengths = huffmanLengths(frequencies, 15);
    expect(Math.max(...lengths)).toBeLessThanOrEqual(15);
    // Kraft: a complete prefix code.
    expect(lengths.reduce((sum, length) => sum + 2 ** -length, 0)).toBeCloseTo(1, 12);
  });
});
