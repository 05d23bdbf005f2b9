/**
 * One edit in progress (a stroke from pointerdown to pointerup, a fill, a threshold drag):
 * it remembers what the mask looked like before, so that the finished edit becomes a
 * single undo entry holding only the changed rectangle's bytes.
 *
 * Tools call `willChange(rect)` before they write into a rectangle; the first time a
 * 128x128 tile is touched its original bytes are kept. That costs nothing for pixels a
 * stroke never reaches, and needs no full-mask snapshot at pointerdown (which would be a
 * 24 MB copy on a 24 MP photo).
 */
import type { MaskRaster } from './maskRaster';
import { clipRect, unionRect } from './rect';
import type { Rect } from './rect';

const TILE = 128;

/** Side of the image-aligned squares `MaskDiff.areas` is measured in (the overlay's repaint tiles). */
export const CHANGE_TILE = 64;

/** A finished edit: the bytes of `rect` before and after it, uncompressed. */
export interface MaskDiff {
  rect: Rect;
  before: Uint8Array;
  after: Uint8Array;
  /**
   * Where inside `rect` pixels really changed, as runs of CHANGE_TILE squares: a long
   * diagonal stroke has a huge bounding box but touches a fraction of it, and undo only
   * needs to repaint that fraction.
   */
  areas: Rect[];
}

export class MaskEdit {
  readonly raster: MaskRaster;
  readonly #tilesX: number;
  /** Original bytes of each touched tile, by tile index; undefined = untouched. */
  readonly #originals: (Uint8Array | undefined)[];
  #touched: Rect | null = null;
  /**
   * A copy of the whole pre-edit mask, made instead of tiles once an edit covers all of it
   * (threshold, invert, clear): one native copy beats a thousand tile copies.
   */
  #snapshot: Uint8Array | null = null;

  constructor(raster: MaskRaster) {
    this.raster = raster;
    this.#tilesX = Math.ceil(raster.width / TILE);
    this.#originals = new Array<Uint8Array | undefined>(this.#tilesX * Math.ceil(raster.height / TILE));
  }

  /** Every rectangle announced so far (clipped), or null. */
  get touched(): Rect | null {
    return this.#touched;
  }

  /**
   * Announces that the tool is about to write into `rect`. Returns the clipped rectangle
   * (null when it lies outside the mask, and then nothing may be written).
   */
  willChange(rect: Rect): Rect | null {
    const clipped = clipRect(rect, this.raster.width, this.raster.height);
    if (!clipped) return null;
    this.#touched = unionRect(this.#touched, clipped);
    if (this.#snapshot) return clipped;
    if (clipped.width === this.raster.width && clipped.height === this.raster.height) {
      this.#snapshot = this.readOriginal(this.raster.bounds);
      this.#originals.fill(undefined);
      return clipped;
    }
    const tx0 = Math.floor(clipped.x / TILE);
    const ty0 = Math.floor(clipped.y / TILE);
    const tx1 = Math.floor((clipped.x + clipped.width - 1) / TILE);
    const ty1 = Math.floor((clipped.y + clipped.height - 1) / TILE);
    for (let ty = ty0; ty <= ty1; ty++) {
      for (let tx = tx0; tx <= tx1; tx++) {
        const index = ty * this.#tilesX + tx;
        if (this.#originals[index] === undefined) {
          this.#originals[index] = this.raster.readRect(this.#tileRect(tx, ty));
        }
      }
    }
    return clipped;
  }

  /** The original (pre-edit) bytes of `rect`, which must lie inside the raster. */
  readOriginal(rect: Rect): Uint8Array {
    if (this.#snapshot) {
      const full = this.raster.bounds;
      if (rect.width === full.width && rect.height === full.height) return this.#snapshot.slice();
      return cropBytes(this.#snapshot, full, rect);
    }
    const out = this.raster.readRect(rect);
    this.#forEachSavedTile(rect, (tile, tileRect, part) => {
      for (let row = 0; row < part.height; row++) {
        const from = (part.y - tileRect.y + row) * tileRect.width + (part.x - tileRect.x);
        out.set(tile.subarray(from, from + part.width), (part.y - rect.y + row) * rect.width + (part.x - rect.x));
      }
    });
    return out;
  }

  /**
   * Ends the edit: the smallest rectangle whose bytes changed, with its bytes before and
   * after; null when the edit changed nothing (an eraser over empty mask records nothing).
   */
  finish(): MaskDiff | null {
    const touched = this.#touched;
    this.#touched = null;
    if (!touched) return null;
    const before = this.#snapshot && touched.width === this.raster.width && touched.height === this.raster.height
      ? this.#snapshot
      : this.readOriginal(touched);
    const after = this.raster.readRect(touched);
    this.#originals.fill(undefined);
    this.#snapshot = null;
    const tight = changedBounds(before, after, touched);
    if (!tight) return null;
    const areas = changedAreas(before, after, touched, tight);
    if (tight.width === touched.width && tight.height === touched.height) {
      return { rect: touched, before, after, areas };
    }
    return { rect: tight, before: cropBytes(before, touched, tight), after: cropBytes(after, touched, tight), areas };
  }

  /** Puts back every original byte (an edit abandoned with Escape); returns what changed. */
  revert(): Rect | null {
    const touched = this.#touched;
    if (!touched) return null;
    if (this.#snapshot) this.raster.data.set(this.#snapshot);
    else this.#forEachSavedTile(touched, (tile, tileRect) => this.raster.writeRect(tileRect, tile));
    this.#originals.fill(undefined);
    this.#snapshot = null;
    this.#touched = null;
    return touched;
  }

  #tileRect(tx: number, ty: number): Rect {
    const x = tx * TILE;
    const y = ty * TILE;
    return { x, y, width: Math.min(TILE, this.raster.width - x), height: Math.min(TILE, this.raster.height - y) };
  }

  #forEachSavedTile(rect: Rect, visit: (tile: Uint8Array, tileRect: Rect, part: Rect) => void): void {
    const tx0 = Math.floor(rect.x / TILE);
    const ty0 = Math.floor(rect.y / TILE);
    const tx1 = Math.floor((rect.x + rect.width - 1) / TILE);
    const ty1 = Math.floor((rect.y + rect.height - 1) / TILE);
    for (let ty = ty0; ty <= ty1; ty++) {
      for (let tx = tx0; tx <= tx1; tx++) {
        const tile = this.#originals[ty * this.#tilesX + tx];
        if (!tile) continue;
        const tileRect = this.#tileRect(tx, ty);
        const x = Math.max(rect.x, tileRect.x);
        const y = Math.max(rect.y, tileRect.y);
        const part = {
          x,
          y,
          width: Math.min(rect.x + rect.width, tileRect.x + tileRect.width) - x,
          height: Math.min(rect.y + rect.height, tileRect.y + tileRect.height) - y,
        };
        visit(tile, tileRect, part);
      }
    }
  }
}

/** Bounding box (in image coordinates) of the bytes that differ, or null. */
function changedBounds(before: Uint8Array, after: Uint8Array, rect: Rect): Rect | null {
  let top = -1;
  let bottom = -1;
  let left = rect.width;
  let right = -1;
  for (let row = 0; row < rect.height; row++) {
    const start = row * rect.width;
    let first = -1;
    let last = -1;
    for (let i = 0; i < rect.width; i++) {
      if (before[start + i] !== after[start + i]) {
        first = i;
        break;
      }
    }
    if (first < 0) continue;
    for (let i = rect.width - 1; i >= first; i--) {
      if (before[start + i] !== after[start + i]) {
        last = i;
        break;
      }
    }
    if (top < 0) top = row;
    bottom = row;
    if (first < left) left = first;
    if (last > right) right = last;
  }
  if (top < 0) return null;
  return { x: rect.x + left, y: rect.y + top, width: right - left + 1, height: bottom - top + 1 };
}

/**
 * The CHANGE_TILE squares (aligned to the image, clipped to `tight`) holding a changed
 * byte, merged into horizontal runs. `before`/`after` are laid out as `within`.
 */
function changedAreas(before: Uint8Array, after: Uint8Array, within: Rect, tight: Rect): Rect[] {
  const areas: Rect[] = [];
  const tx0 = Math.floor(tight.x / CHANGE_TILE);
  const tx1 = Math.floor((tight.x + tight.width - 1) / CHANGE_TILE);
  const columns = tx1 - tx0 + 1;
  const changed = new Uint8Array(columns);
  for (let bandTop = Math.floor(tight.y / CHANGE_TILE) * CHANGE_TILE; bandTop < tight.y + tight.height; bandTop += CHANGE_TILE) {
    const y0 = Math.max(bandTop, tight.y);
    const y1 = Math.min(bandTop + CHANGE_TILE, tight.y + tight.height);
    changed.fill(0);
    let remaining = columns;
    for (let y = y0; y < y1 && remaining > 0; y++) {
      const row = (y - within.y) * within.width - within.x;
      for (let c = 0; c < columns; c++) {
        if (changed[c]) continue;
        const x0 = Math.max((tx0 + c) * CHANGE_TILE, tight.x);
        const x1 = Math.min((tx0 + c + 1) * CHANGE_TILE, tight.x + tight.width);
        for (let x = x0; x < x1; x++) {
          if (before[row + x] !== after[row + x]) {
            changed[c] = 1;
            remaining--;
            break;
          }
        }
      }
    }
    for (let c = 0; c < columns; c++) {
      if (!changed[c]) continue;
      let end = c;
      while (end + 1 < columns && changed[end + 1]) end++;
      const x0 = Math.max((tx0 + c) * CHANGE_TILE, tight.x);
      const x1 = Math.min((tx0 + end + 1) * CHANGE_TILE, tight.x + tight.width);
      areas.push({ x: x0, y: y0, width: x1 - x0, height: y1 - y0 });
      c = end;
    }
  }
  return areas;
}

function cropBytes(bytes: Uint8Array, from: Rect, to: Rect): Uint8Array {
  const out = new Uint8Array(to.width * to.height);
  for (let row = 0; row < to.height; row++) {
    const start = (to.y - from.y + row) * from.width + (to.x - from.x);
    out.set(bytes.subarray(start, start + to.width), row * to.width);
  }
  return out;
}
