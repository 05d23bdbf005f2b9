/**
 * The mask being edited: one byte per photo pixel (0 = in focus, 255 = defocus-blurred),
 * at the photo's full pixel size, row-major. A 24 MP photo costs 24 MB, which is cheap
 * next to the canvases that show it, and a typed array is what every tool writes into
 * directly: strokes are rasterised here, never kept as shapes.
 */
import { clipRect } from './rect';
import type { Rect } from './rect';
import { decodeRunsIntoRect } from './rle';

/** Mask byte of a blurred pixel. */
export const MASK_ON = 255;
/** Mask byte of an in-focus pixel. */
export const MASK_OFF = 0;

export class MaskRaster {
  readonly width: number;
  readonly height: number;
  /** Row-major bytes, `width * height` of them. Tools write here directly. */
  readonly data: Uint8Array;

  constructor(width: number, height: number, data?: Uint8Array) {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
      throw new RangeError(`A mask needs a positive integer size, got ${width}x${height}.`);
    }
    if (data && data.length !== width * height) {
      throw new RangeError(`A ${width}x${height} mask holds ${width * height} bytes, got ${data.length}.`);
    }
    this.width = width;
    this.height = height;
    this.data = data ?? new Uint8Array(width * height);
  }

  /** The full image as a rectangle. */
  get bounds(): Rect {
    return { x: 0, y: 0, width: this.width, height: this.height };
  }

  /** Clips `rect` to the raster; null when nothing of it is inside. */
  clip(rect: Rect): Rect | null {
    return clipRect(rect, this.width, this.height);
  }

  get(x: number, y: number): number {
    return this.data[y * this.width + x] ?? 0;
  }

  /** Copies the bytes of `rect` (which must lie inside the raster) row after row. */
  readRect(rect: Rect, into?: Uint8Array): Uint8Array {
    this.#checkInside(rect);
    const out = into ?? new Uint8Array(rect.width * rect.height);
    if (rect.x === 0 && rect.width === this.width) {
      // Whole rows are contiguous: one copy.
      out.set(this.data.subarray(rect.y * this.width, (rect.y + rect.height) * this.width));
      return out;
    }
    for (let row = 0; row < rect.height; row++) {
      const start = (rect.y + row) * this.width + rect.x;
      out.set(this.data.subarray(start, start + rect.width), row * rect.width);
    }
    return out;
  }

  /** Writes `bytes` (rect.width * rect.height of them) into `rect`. */
  writeRect(rect: Rect, bytes: Uint8Array): void {
    this.#checkInside(rect);
    if (bytes.length !== rect.width * rect.height) {
      throw new RangeError(`A ${rect.width}x${rect.height} rectangle takes ${rect.width * rect.height} bytes, got ${bytes.length}.`);
    }
    if (rect.x === 0 && rect.width === this.width) {
      this.data.set(bytes, rect.y * this.width);
      return;
    }
    for (let row = 0; row < rect.height; row++) {
      this.data.set(bytes.subarray(row * rect.width, (row + 1) * rect.width), (rect.y + row) * this.width + rect.x);
    }
  }

  /** Writes run-coded bytes of `rect` (rle.ts `encodeRuns`) without decoding them to a temporary. */
  writeRuns(rect: Rect, encoded: Uint8Array): void {
    this.#checkInside(rect);
    decodeRunsIntoRect(encoded, this.data, this.width, rect);
  }

  /** Sets every byte of `rect` to `value`. */
  fillRect(rect: Rect, value: number): void {
    this.#checkInside(rect);
    for (let row = 0; row < rect.height; row++) {
      const start = (rect.y + row) * this.width + rect.x;
      this.data.fill(value, start, start + rect.width);
    }
  }

  /** Number of blurred (non-zero) pixels. */
  countOn(): number {
    let count = 0;
    const data = this.data;
    for (let i = 0; i < data.length; i++) {
      if (data[i] !== 0) count++;
    }
    return count;
  }

  /** Fraction of blurred pixels (0..1), what the store records with each mask version. */
  blurFraction(): number {
    return this.countOn() / this.data.length;
  }

  /**
   * Replaces the whole content with a binary version of `bytes`: 128 and above become 255,
   * the rest 0 (a mask is always binary; imported masks may carry antialiased edges).
   */
  assignBinary(bytes: Uint8Array): void {
    if (bytes.length !== this.data.length) {
      throw new RangeError(`Expected ${this.data.length} bytes, got ${bytes.length}.`);
    }
    const data = this.data;
    for (let i = 0; i < data.length; i++) {
      data[i] = bytes[i]! >= 128 ? MASK_ON : MASK_OFF;
    }
  }

  clone(): MaskRaster {
    return new MaskRaster(this.width, this.height, this.data.slice());
  }

  #checkInside(rect: Rect): void {
    if (
      rect.x < 0 || rect.y < 0 || rect.width < 0 || rect.height < 0 ||
      rect.x + rect.width > this.width || rect.y + rect.height > this.height ||
      !Number.isInteger(rect.x) || !Number.isInteger(rect.y) || !Number.isInteger(rect.width) || !Number.isInteger(rect.height)
    ) {
      throw new RangeError(`Rectangle ${JSON.stringify(rect)} is not inside the ${this.width}x${this.height} mask.`);
    }
  }
}
