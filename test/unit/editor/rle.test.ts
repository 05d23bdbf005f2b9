import { describe, expect, it } from 'vitest';
import { decodeRuns, encodeRuns } from '../../../renderer/editor/rle';
import { firstDifference, seededRandom } from './helpers';

function roundTrip(bytes: Uint8Array): Uint8Array {
  return decodeRuns(encodeRuns(bytes), bytes.length);
}

describe('run-length coding', () => {
  it('round-trips binary masks byte for byte', () => {
    const random = seededRandom(1);
    for (let trial = 0; trial < 50; trial++) {
      const bytes = new Uint8Array(Math.floor(random() * 5000));
      let value = random() < 0.5 ? 0 : 255;
      for (let i = 0; i < bytes.length; i++) {
        if (random() < 0.02) value = 255 - value;
        bytes[i] = value;
      }
      expect(firstDifference(roundTrip(bytes), bytes)).toBeNull();
    }
  });

  it('round-trips any byte values, empty input and runs longer than a varint byte', () => {
    expect(roundTrip(new Uint8Array(0))).toEqual(new Uint8Array(0));
    const long = new Uint8Array(3_000_001).fill(7);
    long[123_456] = 8;
    long[long.length - 1] = 9;
    expect(firstDifference(roundTrip(long), long)).toBeNull();
    const mixed = Uint8Array.from({ length: 1000 }, (_, i) => (i % 97 < 50 ? i % 3 : 200));
    expect(firstDifference(roundTrip(mixed), mixed)).toBeNull();
  });

  it('reads unaligned views (the word-at-a-time path must not misread them)', () => {
    const buffer = new Uint8Array(4099).fill(255);
    buffer.fill(0, 1000, 2001);
    const view = buffer.subarray(3);
    expect(firstDifference(roundTrip(view), view)).toBeNull();
  });

  it('stores noise raw, one byte over its size', () => {
    const random = seededRandom(2);
    const noise = Uint8Array.from({ length: 10_000 }, () => Math.floor(random() * 256));
    const encoded = encodeRuns(noise);
    expect(encoded.length).toBe(noise.length + 1);
    expect(firstDifference(decodeRuns(encoded, noise.length), noise)).toBeNull();
  });

  it('compresses a brush stroke rectangle by more than 50x', () => {
    // 400x400 box around a diagonal stroke of radius 40: a few runs per row.
    const size = 400;
    const bytes = new Uint8Array(size * size);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) if (Math.abs(x - y) < 56) bytes[y * size + x] = 255;
    }
    const encoded = encodeRuns(bytes);
    expect(bytes.length / encoded.length).toBeGreaterThan(50);
    expect(firstDifference(decodeRuns(encoded, bytes.length), bytes)).toBeNull();
  });

  it('refuses damaged input instead of writing past the output', () => {
    const encoded = encodeRuns(new Uint8Array(100).fill(255));
    expect(() => decodeRuns(encoded, 99)).toThrow(RangeError);
    expect(() => decodeRuns(encoded.subarray(0, encoded.length - 1), 100)).toThrow(RangeError);
  });
});
