/**
 * COCO run-length encoding of binary masks, exactly as pycocotools (maskApi.c) writes and
 * reads it, so that `pycocotools.mask.decode` gives back the studio's pixels:
 *
 * - runs over the pixels in column-major order (down each column, then the next
 *   column), alternating 0-runs and 1-runs and starting with a 0-run (possibly empty);
 * - uncompressed: `{ size: [h, w], counts: [n0, n1, n0, ...] }`;
 * - compressed (`rleToString`): each count, minus the count two places before it from
 *   the fourth count on (`i > 2`, a quirk kept for compatibility), written as a signed
 *   LEB128-like number in 5-bit groups, one character per group (48 + group, +32 when
 *   more groups follow; the last group's 0x10 bit is the sign).
 */
import type { MaskPixels } from './maskPixels';

export interface UncompressedRle {
  size: [number, number];
  counts: number[];
}

export interface CompressedRle {
  size: [number, number];
  counts: string;
}

/** Runs of a mask (>= 128 is 1) in column-major order, starting with a 0-run. */
export function maskToRunCounts(mask: MaskPixels): number[] {
  const { width, height, data } = mask;
  const counts: number[] = [];
  let current = 0;
  let run = 0;
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) {
      const value = data[y * width + x]! >= 128 ? 1 : 0;
      if (value !== current) {
        counts.push(run);
        run = 0;
        current = value;
      }
      run++;
    }
  }
  counts.push(run);
  return counts;
}

/**
 * Checks that `counts` are non-negative integers covering exactly `pixels` pixels. The
 * running total is checked as it grows, so a count of 1.6e9 for a small image fails at
 * that count, before anything of that size exists.
 */
export function checkRunCounts(counts: readonly number[], pixels: number): void {
  if (counts.length > pixels + 1) throw new Error(`RLE has ${counts.length} runs, more than the ${pixels} pixels it covers`);
  let total = 0;
  for (const count of counts) {
    if (typeof count !== 'number' || count < 0 || !Number.isInteger(count)) throw new Error(`RLE count ${String(count)} is not a non-negative integer`);
    total += count;
    if (total > pixels) throw new Error(`RLE counts cover more than the ${pixels} pixels of the image`);
  }
  if (total !== pixels) throw new Error(`RLE counts cover ${total} pixels, the image has ${pixels}`);
}

/**
 * Sets to 255 the pixels of `target` (a row-major h x w mask) that the 1-runs of
 * column-major `counts` cover, leaving the others as they are: several annotations of one
 * image paint into one mask. The counts must have passed checkRunCounts.
 */
export function paintRunCounts(counts: readonly number[], target: MaskPixels): void {
  const { width, height, data } = target;
  let index = 0;
  for (let run = 0; run < counts.length; run++) {
    const count = counts[run]!;
    if (run % 2 === 1) {
      for (let k = index; k < index + count; k++) data[(k % height) * width + Math.floor(k / height)] = 255;
    }
    index += count;
  }
}

/** A mask (0 / 255) from column-major runs; throws when the runs do not cover h x w. */
export function runCountsToMask(counts: readonly number[], height: number, width: number): MaskPixels {
  checkRunCounts(counts, width * height);
  const mask = { width, height, data: new Uint8Array(width * height) };
  paintRunCounts(counts, mask);
  return mask;
}

/** pycocotools' rleToString. */
export function encodeRleString(counts: readonly number[]): string {
  let out = '';
  for (let i = 0; i < counts.length; i++) {
    let x = counts[i]!;
    if (i > 2) x -= counts[i - 2]!;
    let more = true;
    while (more) {
      let c = ((x % 32) + 32) % 32;
      x = Math.floor(x / 32);
      more = c & 0x10 ? x !== -1 : x !== 0;
      if (more) c |= 0x20;
      out += String.fromCharCode(c + 48);
    }
  }
  return out;
}

/**
 * pycocotools' rleFrString. With `maxPixels`, decoding stops with an error as soon as the
 * counts add up to more: a short string can name runs of billions of pixels.
 */
export function decodeRleString(text: string, maxPixels = Number.MAX_SAFE_INTEGER): number[] {
  const counts: number[] = [];
  let total = 0;
  let p = 0;
  while (p < text.length) {
    let x = 0;
    let k = 0;
    let more = true;
    while (more) {
      if (p >= text.length) throw new Error('compressed RLE ends inside a number');
      const c = text.charCodeAt(p) - 48;
      if (c < 0 || c > 63) throw new Error(`compressed RLE has an invalid character at ${p}`);
      x += (c & 0x1f) * 2 ** (5 * k);
      more = (c & 0x20) !== 0;
      p++;
      k++;
      if (!more && c & 0x10) x -= 2 ** (5 * k);
    }
    if (counts.length > 2) x += counts[counts.length - 2]!;
    total += x;
    if (total > maxPixels) throw new Error(`compressed RLE covers more than the ${maxPixels} pixels of the image`);
    counts.push(x);
  }
  return counts;
}

/** Blurred pixel count and tight box [x, y, w, h] of a mask ([0, 0, 0, 0] when empty). */
export function maskAreaAndBox(mask: MaskPixels): { area: number; bbox: [number, number, number, number] } {
  const { width, height, data } = mask;
  let area = 0;
  let minX = width;
  let minY = height;
  let maxX = -1;
  let maxY = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (data[y * width + x]! >= 128) {
        area++;
        if (x < minX) minX = x;
        if (x > maxX) maxX = x;
        if (y < minY) minY = y;
        if (y > maxY) maxY = y;
      }
    }
  }
  return { area, bbox: area === 0 ? [0, 0, 0, 0] : [minX, minY, maxX - minX + 1, maxY - minY + 1] };
}
