/**
 * Colors for the overlay canvases, computed from the mask bytes one rectangle at a time
 * (the component puts them on screen with putImageData of that rectangle only).
 *
 * Pixels are written as 32-bit words into a Uint32Array over the ImageData buffer; the
 * word order is little-endian (RGBA bytes = 0xAABBGGRR), which every platform Chromium
 * runs on is.
 */
import type { MaskRaster } from './maskRaster';
import type { Rect } from './rect';

export interface Rgb {
  r: number;
  g: number;
  b: number;
}

/** One RGBA pixel as the little-endian word ImageData's buffer holds. */
export function packRgba(r: number, g: number, b: number, a: number): number {
  return ((a & 255) << 24 | (b & 255) << 16 | (g & 255) << 8 | (r & 255)) >>> 0;
}

/** `#rrggbb` or `#rgb` to numbers; null when it is neither. */
export function parseHexColor(text: string): Rgb | null {
  const match = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(text.trim());
  if (!match) return null;
  let hex = match[1]!;
  if (hex.length === 3) hex = [...hex].map((c) => c + c).join('');
  const value = parseInt(hex, 16);
  return { r: (value >> 16) & 255, g: (value >> 8) & 255, b: value & 255 };
}

/** Fills `out` (rect-sized) with `color` where the mask is on, transparent elsewhere. */
export function maskToRgba(raster: MaskRaster, rect: Rect, color: number, out: Uint32Array): void {
  const data = raster.data;
  const width = raster.width;
  for (let row = 0; row < rect.height; row++) {
    const from = (rect.y + row) * width + rect.x;
    const to = row * rect.width;
    for (let col = 0; col < rect.width; col++) {
      out[to + col] = data[from + col] === 0 ? 0 : color;
    }
  }
}

/**
 * Outline only: a mask pixel is drawn when some pixel within `thickness` of it (a square
 * neighbourhood) is off or outside the photo. The component scales the thickness with
 * the zoom so the outline stays visible on a photo shown at 1/8.
 */
export function outlineToRgba(raster: MaskRaster, rect: Rect, thickness: number, color: number, out: Uint32Array): void {
  const t = Math.max(1, Math.round(thickness));
  const data = raster.data;
  const width = raster.width;
  const height = raster.height;
  // Rows rect.y - t .. rect.y + rect.height - 1 + t; columns of the rect only.
  const rows = rect.height + 2 * t;
  const full = new Uint8Array(rows * rect.width);
  const span = 2 * t + 1;
  // Horizontal pass: 1 where all 2t+1 neighbours on the row are on (out of bounds = off).
  for (let r = 0; r < rows; r++) {
    const y = rect.y - t + r;
    if (y < 0 || y >= height) continue;
    const base = y * width;
    let count = 0;
    for (let x = rect.x - t; x < rect.x + t; x++) {
      if (x >= 0 && x < width && data[base + x] !== 0) count++;
    }
    for (let col = 0; col < rect.width; col++) {
      const x = rect.x + col;
      const add = x + t;
      if (add >= 0 && add < width && data[base + add] !== 0) count++;
      full[r * rect.width + col] = count === span ? 1 : 0;
      const drop = x - t;
      if (drop >= 0 && drop < width && data[base + drop] !== 0) count--;
    }
  }
  // Vertical pass over the horizontal result, one column counter per column.
  const counts = new Int32Array(rect.width);
  for (let r = 0; r < 2 * t; r++) {
    for (let col = 0; col < rect.width; col++) counts[col]! += full[r * rect.width + col]!;
  }
  for (let row = 0; row < rect.height; row++) {
    const addRow = row + 2 * t;
    const from = (rect.y + row) * width + rect.x;
    const to = row * rect.width;
    for (let col = 0; col < rect.width; col++) {
      counts[col]! += full[addRow * rect.width + col]!;
      const interior = counts[col] === span;
      out[to + col] = data[from + col] !== 0 && !interior ? color : 0;
      counts[col]! -= full[row * rect.width + col]!;
    }
  }
}

/**
 * A reduced overlay for zoomed-out views: each overlay pixel stands for a square of
 * 2^level x 2^level mask pixels and is `color` with alpha = the share of them that are on
 * (squares on the photo's right and bottom edges count only the pixels inside it). `rect`
 * is in overlay pixels. Shown at a zoom of at most 1/2^level, it looks like the full mask
 * drawn smoothly, at a sixteenth of the pixels for level 2.
 *
 * The mask is binary (0 or MASK_ON = 255), so the sum of a square's bytes divided by its
 * pixel count is already the alpha.
 */
export function maskCoverageToRgba(source: { data: Uint8Array; width: number; height: number }, level: number, rect: Rect, color: number, out: Uint32Array): void {
  const scale = 1 << level;
  const { data, width, height } = source;
  const rgb = color & 0x00ffffff;
  const sums = new Uint32Array(rect.width);
  const x0 = rect.x * scale;
  const x1 = Math.min(width, (rect.x + rect.width) * scale);
  // Four mask bytes at a time where they line up with 32-bit words: a square row of a
  // level-2 or -3 overlay is one or two words, and most words are all-off or all-on.
  const words = level >= 2 && width % 4 === 0 && data.byteOffset % 4 === 0 ? new Uint32Array(data.buffer, data.byteOffset, data.length >> 2) : null;
  const wordShift = level - 2;
  for (let row = 0; row < rect.height; row++) {
    const y0 = (rect.y + row) * scale;
    const y1 = Math.min(height, y0 + scale);
    sums.fill(0);
    for (let y = y0; y < y1; y++) {
      const base = y * width;
      if (words) {
        const fullWords = (x1 - x0) >> 2;
        const first = (base + x0) >> 2;
        for (let i = 0; i < fullWords; i++) {
          const word = words[first + i]!;
          if (word === 0) continue;
          sums[i >> wordShift]! += word === 0xffffffff ? 1020 : (word & 255) + ((word >>> 8) & 255) + ((word >>> 16) & 255) + (word >>> 24);
        }
        // A photo width that is a multiple of 4 leaves no partial word, but x1 may be cut by it.
        for (let x = x0 + fullWords * 4; x < x1; x++) sums[(x - x0) >> level]! += data[base + x]!;
      } else {
        for (let x = x0; x < x1; x++) sums[(x - x0) >> level]! += data[base + x]!;
      }
    }
    const rows = y1 - y0;
    const to = row * rect.width;
    for (let col = 0; col < rect.width; col++) {
      const sum = sums[col]!;
      if (sum === 0) {
        out[to + col] = 0;
        continue;
      }
      const cols = Math.min(scale, width - (rect.x + col) * scale);
      out[to + col] = ((Math.round(sum / (rows * cols)) << 24) | rgb) >>> 0;
    }
  }
}

/** Long side of the reduced overlay is at most this (about a screen's width). */
const REDUCED_MAX_SIDE = 2048;

/** The reduced overlay's level for a photo (0 = none: the photo is small enough), at most 3. */
export function reducedLevel(width: number, height: number): number {
  const longSide = Math.max(width, height);
  let level = 0;
  while (level < 3 && longSide / 2 ** level > REDUCED_MAX_SIDE) level++;
  return level;
}

/**
 * The model's probability map as a heat overlay: `rgb` with alpha growing with the
 * probability (0 stays fully transparent, 255 reaches `maxAlpha`).
 */
export function probabilityToRgba(probability: Uint8Array, imageWidth: number, rect: Rect, rgb: Rgb, maxAlpha: number, out: Uint32Array): void {
  const table = new Uint32Array(256);
  for (let p = 0; p < 256; p++) table[p] = packRgba(rgb.r, rgb.g, rgb.b, Math.round((p * maxAlpha) / 255));
  for (let row = 0; row < rect.height; row++) {
    const from = (rect.y + row) * imageWidth + rect.x;
    const to = row * rect.width;
    for (let col = 0; col < rect.width; col++) out[to + col] = table[probability[from + col]!]!;
  }
}
