/**
 * Colours for the overlay canvases, computed from the mask bytes one rectangle at a time
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
