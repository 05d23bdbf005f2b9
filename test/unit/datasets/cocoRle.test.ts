/**
 * COCO RLE: column-major runs and pycocotools' compressed strings. The reference below
 * transliterates maskApi.c's rleToString / rleFrString with 64-bit BigInt arithmetic
 * (C `long`), so the studio's float-safe version is checked against the C semantics,
 * including negative deltas and the `i > 2` quirk.
 */
import { describe, expect, it } from 'vitest';
import {
  decodeRleString,
  encodeRleString,
  maskAreaAndBox,
  maskToRunCounts,
  runCountsToMask,
} from '../../../electron/core/datasets/cocoRle';
import { seededRandom } from '../../../electron/core/datasets/splitPlan';

function referenceToString(counts: readonly number[]): string {
  let out = '';
  for (let i = 0; i < counts.length; i++) {
    let x = BigInt(counts[i]!);
    if (i > 2) x -= BigInt(counts[i - 2]!);
    let more = true;
    while (more) {
      let c = Number(BigInt.asIntN(64, x) & 0x1fn);
      x >>= 5n; // BigInt shift is arithmetic, as C's on a signed long
      more = c & 0x10 ? x !== -1n : x !== 0n;
      if (more) c |= 0x20;
      out += String.fromCharCode(c + 48);
    }
  }
  return out;
}

function referenceFromString(text: string): number[] {
  const counts: number[] = [];
  let p = 0;
  while (p < text.length) {
    let x = 0n;
    let k = 0n;
    let more = true;
    while (more) {
      const c = BigInt(text.charCodeAt(p) - 48);
      x |= (c & 0x1fn) << (5n * k);
      more = (c & 0x20n) !== 0n;
      p++;
      k++;
      if (!more && (c & 0x10n) !== 0n) x |= -1n << (5n * k);
    }
    if (counts.length > 2) x += BigInt(counts[counts.length - 2]!);
    counts.push(Number(BigInt.asUintN(32, x)));
  }
  return counts;
}

function randomMask(width: number, height: number, seed: number, blobs: number): Uint8Array {
  const random = seededRandom(seed);
  const data = new Uint8Array(width * height);
  for (let b = 0; b < blobs; b++) {
    const cx = random() * width;
    const cy = random() * height;
    const r = 1 + random() * Math.min(width, height) * 0.3;
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) if ((x - cx) ** 2 + (y - cy) ** 2 < r * r) data[y * width + x] = 255;
  }
  return data;
}

describe('COCO RLE', () => {
  it('runs down the columns first, starting with a (possibly empty) 0-run', () => {
    // 2 x 3 (h x w):   row 0: 0 1 1      column-major: 0 1 | 1 0 | 1 1
    //                  row 1: 1 0 1      runs: 0:1, 1:2, 0:1, 1:2
    const mask = { width: 3, height: 2, data: Uint8Array.from([0, 255, 255, 255, 0, 255]) };
    expect(maskToRunCounts(mask)).toEqual([1, 2, 1, 2]);
    const starting = { width: 2, height: 1, data: Uint8Array.from([255, 0]) };
    expect(maskToRunCounts(starting)).toEqual([0, 1, 1]);
    expect(maskToRunCounts({ width: 2, height: 2, data: new Uint8Array(4) })).toEqual([4]);
    expect(runCountsToMask([1, 2, 1, 2], 2, 3).data).toEqual(mask.data);
  });

  it('writes compressed strings exactly as pycocotools does', () => {
    // Small hand-checked values: a count below 16 is one character '0' + count.
    expect(encodeRleString([1, 3])).toBe('13');
    expect(encodeRleString([0, 4])).toBe('04');
    // 100 = 0b11_00100: low group 4 | 0x20 (more) → 'T', then 3 → '3'.
    expect(encodeRleString([100])).toBe('T3');
    // From the fourth count on, the count two places back is subtracted: 5 - 7 = -2.
    expect(encodeRleString([1, 7, 3, 5])).toBe('173N');
    const random = seededRandom(11);
    for (let trial = 0; trial < 200; trial++) {
      const counts = Array.from({ length: 1 + Math.floor(random() * 40) }, () => Math.floor(random() ** 3 * 5_000_000));
      const text = encodeRleString(counts);
      expect(text).toBe(referenceToString(counts));
      expect(decodeRleString(text)).toEqual(referenceFromString(text));
      expect(decodeRleString(text)).toEqual(counts);
      // Characters 48..111 only ('0' to 'o').
      expect(text).toMatch(/^[0-o]*$/);
    }
  });

  it('round-trips real masks through runs and strings', () => {
    for (const [width, height, seed] of [
      [37, 23, 1],
      [64, 64, 2],
      [1, 50, 3],
      [200, 3, 4],
    ] as const) {
      const data = randomMask(width, height, seed, 4);
      const counts = maskToRunCounts({ width, height, data });
      expect(counts.reduce((a, b) => a + b, 0)).toBe(width * height);
      const decoded = runCountsToMask(decodeRleString(encodeRleString(counts)), height, width);
      expect(decoded.data).toEqual(data);
    }
  });

  it('refuses counts that do not cover the image and strings cut in the middle of a number', () => {
    expect(() => runCountsToMask([1, 2], 2, 2)).toThrow(/cover 3 pixels/);
    expect(() => decodeRleString('T')).toThrow(/ends inside a number/);
    expect(() => decodeRleString('1\x01')).toThrow(/invalid character/);
  });

  it('measures area and the tight box', () => {
    const data = new Uint8Array(10 * 8);
    for (let y = 2; y <= 5; y++) for (let x = 3; x <= 8; x++) data[y * 10 + x] = 255;
    expect(maskAreaAndBox({ width: 10, height: 8, data })).toEqual({ area: 24, bbox: [3, 2, 6, 4] });
    expect(maskAreaAndBox({ width: 4, height: 4, data: new Uint8Array(16) })).toEqual({ area: 0, bbox: [0, 0, 0, 0] });
  });
});
