/**
 * Edge-aware refine: snaps a rough mask onto the photo's edges with a guided filter
 * (He, Sun, Tang, "Guided Image Filtering", TPAMI 2013), the photo's grayscale as guide
 * and the mask as input, then cuts the filtered mask at 0.5.
 *
 * The filter models the output as locally linear in the guide, q = a*I + b over each
 * window, so where the mask's rough edge sits near a real intensity edge the output takes
 * that edge's shape. Box means come from running sums: O(pixels) whatever the radius.
 * One pass only moves the edge part of the way, so a few passes run, each on the binary
 * result of the last. The output at a pixel depends on guide and mask within 2 * radius
 * per pass, so a region is filtered with that margin and only the region is written; a
 * whole 24 MP photo is done tile by tile to keep the float buffers small, skipping tiles
 * with no mask boundary in reach, on a 4x coarser coefficient grid (fast guided filter).
 */
import type { MaskEdit } from './maskEdit';
import { MASK_OFF, MASK_ON } from './maskRaster';
import { clipRect, expandRect, unionRect } from './rect';
import type { Rect } from './rect';

/** Grayscale pixels of the photo (0..255), read a rectangle at a time. */
export interface GuideSource {
  readonly width: number;
  readonly height: number;
  /** Row-major gray bytes of `rect` (inside the photo). */
  read(rect: Rect): Uint8Array;
}

export interface RefineOptions {
  /** Window radius in pixels: how far an edge may be from the rough outline and still snap. */
  radius: number;
  /** Regularisation on the 0..1 scale: smaller follows weaker edges. */
  epsilon: number;
  /**
   * Passes, each fed the previous pass's binary result. One pass moves an edge about a
   * quarter of the radius towards the photo's edge; three snap offsets up to about half
   * the radius (measured on a noisy step edge: radius 12 snaps ±6 px exactly).
   */
  iterations?: number;
  /** Region-sized bytes; only pixels where it is non-zero may change (a refine brush). */
  footprint?: Uint8Array;
  /**
   * Compute the filter's coefficients on a grid `subsample` times coarser and interpolate
   * them back (He and Sun's "fast guided filter", 2015): about subsample² times less
   * work for nearly the same edges. 1 = exact. Whole-photo refine uses 4.
   */
  subsample?: number;
}

export const DEFAULT_REFINE_OPTIONS: RefineOptions = { radius: 12, epsilon: 1e-3, iterations: 3 };
/** Coarse grid step of a whole-photo refine (see RefineOptions.subsample). */
export const REFINE_ALL_SUBSAMPLE = 4;
/** Side of the tiles a whole-photo refine is cut into (small enough that most can be skipped). */
const TILE = 512;

/** Mean over the (2r+1)^2 window clipped to the image, in place into `out`. */
export function boxMean(src: Float32Array, width: number, height: number, radius: number, out: Float32Array): Float32Array {
  const r = Math.max(0, Math.floor(radius));
  const rows = new Float32Array(width * height);
  // Horizontal running sums, normalised by the clipped window width.
  for (let y = 0; y < height; y++) {
    const base = y * width;
    let sum = 0;
    for (let x = 0; x <= Math.min(r, width - 1); x++) sum += src[base + x]!;
    for (let x = 0; x < width; x++) {
      const lo = Math.max(0, x - r);
      const hi = Math.min(width - 1, x + r);
      rows[base + x] = sum / (hi - lo + 1);
      const add = x + r + 1;
      const drop = x - r;
      if (add < width) sum += src[base + add]!;
      if (drop >= 0) sum -= src[base + drop]!;
    }
  }
  // Vertical running sums over whole rows at a time (cache-friendly), in doubles.
  const columns = new Float64Array(width);
  for (let y = 0; y <= Math.min(r, height - 1); y++) {
    const base = y * width;
    for (let x = 0; x < width; x++) columns[x]! += rows[base + x]!;
  }
  for (let y = 0; y < height; y++) {
    const lo = Math.max(0, y - r);
    const hi = Math.min(height - 1, y + r);
    const count = hi - lo + 1;
    const base = y * width;
    for (let x = 0; x < width; x++) out[base + x] = columns[x]! / count;
    const add = y + r + 1;
    const drop = y - r;
    if (add < height) {
      const addBase = add * width;
      for (let x = 0; x < width; x++) columns[x]! += rows[addBase + x]!;
    }
    if (drop >= 0) {
      const dropBase = drop * width;
      for (let x = 0; x < width; x++) columns[x]! -= rows[dropBase + x]!;
    }
  }
  return out;
}

/**
 * A guided filter bound to one guide image: the guide's window means and variances do
 * not depend on the input, so the passes of a refine compute them once.
 */
export class GuidedFilter {
  readonly #width: number;
  readonly #height: number;
  readonly #guide: Float32Array;
  readonly #step: number;
  /** The grid the coefficients live on (the guide itself, or its coarse version). */
  readonly #gridWidth: number;
  readonly #gridHeight: number;
  readonly #gridGuide: Float32Array;
  readonly #radius: number;
  readonly #epsilon: number;
  readonly #meanI: Float32Array;
  readonly #variance: Float32Array;

  /**
   * `step` > 1 makes it the fast guided filter (He and Sun, 2015): coefficients on a grid
   * `step` times coarser (box-averaged guide and input, radius / step), interpolated back
   * bilinearly and applied to the full-resolution guide, so edges stay as sharp as the
   * photo's while the window sums cost step² times less.
   */
  constructor(guide: Float32Array, width: number, height: number, radius: number, epsilon: number, step = 1) {
    this.#width = width;
    this.#height = height;
    this.#guide = guide;
    this.#step = Math.max(1, Math.round(step));
    this.#gridWidth = Math.ceil(width / this.#step);
    this.#gridHeight = Math.ceil(height / this.#step);
    this.#gridGuide = this.#step === 1 ? guide : shrink(guide, width, height, this.#step);
    this.#radius = this.#step === 1 ? radius : Math.max(1, Math.round(radius / this.#step));
    this.#epsilon = epsilon;
    const n = this.#gridWidth * this.#gridHeight;
    this.#meanI = boxMean(this.#gridGuide, this.#gridWidth, this.#gridHeight, this.#radius, new Float32Array(n));
    const squares = new Float32Array(n);
    for (let i = 0; i < n; i++) squares[i] = this.#gridGuide[i]! * this.#gridGuide[i]!;
    this.#variance = boxMean(squares, this.#gridWidth, this.#gridHeight, this.#radius, squares);
    for (let i = 0; i < n; i++) this.#variance[i] = this.#variance[i]! - this.#meanI[i]! * this.#meanI[i]!;
  }

  /** Filters `input` (0..1, the guide's size); returns the output (0..1, unclamped). */
  apply(input: Float32Array): Float32Array {
    const w = this.#gridWidth;
    const h = this.#gridHeight;
    const n = w * h;
    const grid = this.#step === 1 ? input : shrink(input, this.#width, this.#height, this.#step);
    const meanP = boxMean(grid, w, h, this.#radius, new Float32Array(n));
    const product = new Float32Array(n);
    for (let i = 0; i < n; i++) product[i] = this.#gridGuide[i]! * grid[i]!;
    const meanIP = boxMean(product, w, h, this.#radius, product);
    // a and b reuse the buffers they are computed from (He et al., eq. 5 and 6).
    const a = meanIP;
    const b = meanP;
    for (let i = 0; i < n; i++) {
      const mi = this.#meanI[i]!;
      const mp = meanP[i]!;
      const ai = (meanIP[i]! - mi * mp) / (this.#variance[i]! + this.#epsilon);
      a[i] = ai;
      b[i] = mp - ai * mi;
    }
    const meanA = boxMean(a, w, h, this.#radius, new Float32Array(n));
    const meanB = boxMean(b, w, h, this.#radius, new Float32Array(n));
    const out = new Float32Array(this.#width * this.#height);
    const guide = this.#guide;
    if (this.#step === 1) {
      for (let i = 0; i < out.length; i++) out[i] = meanA[i]! * guide[i]! + meanB[i]!;
      return out;
    }
    const cols = interpolationWeights(this.#width, w, this.#step);
    const rows = interpolationWeights(this.#height, h, this.#step);
    for (let y = 0; y < this.#height; y++) {
      const r0 = rows.lo[y]! * w;
      const r1 = rows.hi[y]! * w;
      const ty = rows.t[y]!;
      for (let x = 0; x < this.#width; x++) {
        const c0 = cols.lo[x]!;
        const c1 = cols.hi[x]!;
        const tx = cols.t[x]!;
        const a0 = meanA[r0 + c0]! + (meanA[r0 + c1]! - meanA[r0 + c0]!) * tx;
        const a1 = meanA[r1 + c0]! + (meanA[r1 + c1]! - meanA[r1 + c0]!) * tx;
        const b0 = meanB[r0 + c0]! + (meanB[r0 + c1]! - meanB[r0 + c0]!) * tx;
        const b1 = meanB[r1 + c0]! + (meanB[r1 + c1]! - meanB[r1 + c0]!) * tx;
        const i = y * this.#width + x;
        out[i] = (a0 + (a1 - a0) * ty) * guide[i]! + b0 + (b1 - b0) * ty;
      }
    }
    return out;
  }
}

/**
 * The guided filter of `input` (0..1) with `guide` (0..1), both width x height.
 * Returns the filtered values (0..1, unclamped).
 */
export function guidedFilter(guide: Float32Array, input: Float32Array, width: number, height: number, radius: number, epsilon: number): Float32Array {
  return new GuidedFilter(guide, width, height, radius, epsilon).apply(input);
}

/** Bilinear weights from full-resolution positions to coarse cells centred on step * (j + 0.5). */
function interpolationWeights(size: number, coarse: number, step: number): { lo: Int32Array; hi: Int32Array; t: Float32Array } {
  const lo = new Int32Array(size);
  const hi = new Int32Array(size);
  const t = new Float32Array(size);
  for (let x = 0; x < size; x++) {
    const u = Math.max(0, (x + 0.5) / step - 0.5);
    const j = Math.min(coarse - 1, Math.floor(u));
    lo[x] = j;
    hi[x] = Math.min(coarse - 1, j + 1);
    t[x] = Math.min(1, u - j);
  }
  return { lo, hi, t };
}

/** Box-averages step x step blocks (partial blocks at the right and bottom edges included). */
function shrink(src: Float32Array, width: number, height: number, step: number): Float32Array {
  const w = Math.ceil(width / step);
  const h = Math.ceil(height / step);
  const out = new Float32Array(w * h);
  for (let j = 0; j < h; j++) {
    const y0 = j * step;
    const y1 = Math.min(height, y0 + step);
    for (let i = 0; i < w; i++) {
      const x0 = i * step;
      const x1 = Math.min(width, x0 + step);
      let sum = 0;
      for (let y = y0; y < y1; y++) {
        const row = y * width;
        for (let x = x0; x < x1; x++) sum += src[row + x]!;
      }
      out[j * w + i] = sum / ((y1 - y0) * (x1 - x0));
    }
  }
  return out;
}

/**
 * Refines the mask inside `region` (clipped to the photo): filters with a margin of twice
 * the radius, writes back the filtered mask cut at 0.5. Returns the rectangle written.
 */
export function refineRegion(edit: MaskEdit, guide: GuideSource, region: Rect, options: RefineOptions = DEFAULT_REFINE_OPTIONS): Rect | null {
  if (options.footprint && options.footprint.length !== region.width * region.height) {
    throw new RangeError('The footprint must have one byte per pixel of the region.');
  }
  return refineFrom(edit.raster.data, edit, guide, region, options);
}

/** How far a whole-photo refine has got: tiles looked at of all, and what the last step wrote. */
export interface RefineProgress {
  done: number;
  total: number;
  written: Rect | null;
}

/**
 * Refines the whole mask, tile by tile. Every tile reads the mask as it was before the
 * refine (a frozen copy), or a tile's margin would see its neighbour's refined pixels and
 * the result would depend on the tiling.
 */
export function refineAll(edit: MaskEdit, guide: GuideSource, options: Omit<RefineOptions, 'footprint'> = DEFAULT_REFINE_OPTIONS): Rect | null {
  const steps = refineAllSteps(edit, guide, options);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * refineAll one filtered tile per step (tiles with nothing to refine are passed over in
 * the same step), so that the editor can run it in slices between frames with a progress
 * bar; a 24 MP photo takes seconds. Returns the rectangle written, as refineAll.
 */
export function* refineAllSteps(edit: MaskEdit, guide: GuideSource, options: Omit<RefineOptions, 'footprint'> = DEFAULT_REFINE_OPTIONS): Generator<RefineProgress, Rect | null, void> {
  const { width, height } = edit.raster;
  const frozen = edit.raster.data.slice();
  const settings = { ...options, subsample: options.subsample ?? REFINE_ALL_SUBSAMPLE };
  const margin = reach(settings);
  const total = Math.ceil(width / TILE) * Math.ceil(height / TILE);
  let done = 0;
  let written: Rect | null = null;
  for (let y = 0; y < height; y += TILE) {
    for (let x = 0; x < width; x += TILE) {
      done++;
      const tile = { x, y, width: Math.min(TILE, width - x), height: Math.min(TILE, height - y) };
      // Where the mask is all one value within the filter's reach, the filter returns that
      // value exactly (the mask has no covariance with the photo there): skip the tile.
      // Only tiles near a mask boundary cost anything.
      if (isUniform(frozen, width, clipRect(expandRect(tile, margin), width, height)!)) continue;
      const changed = refineFrom(frozen, edit, guide, tile, settings);
      written = unionRect(written, changed);
      yield { done, total, written: changed };
    }
  }
  return written;
}

function isUniform(bytes: Uint8Array, width: number, rect: Rect): boolean {
  const value = bytes[rect.y * width + rect.x];
  for (let row = rect.y; row < rect.y + rect.height; row++) {
    const start = row * width + rect.x;
    for (let i = start; i < start + rect.width; i++) if (bytes[i] !== value) return false;
  }
  return true;
}

/** How far from a pixel the refine looks (the margin a region is filtered with). */
function reach(options: RefineOptions): number {
  const radius = Math.max(1, Math.round(options.radius));
  const iterations = Math.max(1, Math.round(options.iterations ?? 1));
  const step = Math.max(1, Math.round(options.subsample ?? 1));
  if (step === 1) return 2 * radius * iterations;
  // Coarse windows of round(radius / step) cells, plus one cell of interpolation, per pass.
  return (2 * Math.max(1, Math.round(radius / step)) + 2) * step * iterations;
}

/** Filters `source` (mask bytes laid out like the raster) around `region`, writes the region. */
function refineFrom(source: Uint8Array, edit: MaskEdit, guide: GuideSource, region: Rect, options: RefineOptions): Rect | null {
  const raster = edit.raster;
  if (guide.width !== raster.width || guide.height !== raster.height) {
    throw new RangeError(`The guide is ${guide.width}x${guide.height}, the mask ${raster.width}x${raster.height}.`);
  }
  const target = clipRect(region, raster.width, raster.height);
  if (!target) return null;
  const radius = Math.max(1, Math.round(options.radius));
  const iterations = Math.max(1, Math.round(options.iterations ?? 1));
  const step = Math.max(1, Math.round(options.subsample ?? 1));
  const reached = clipRect(expandRect(target, reach(options)), raster.width, raster.height)!;
  // The coarse grid is aligned to the photo, not to the region, so neighbouring tiles
  // of a whole-photo refine see the same coarse cells.
  const x0 = Math.floor(reached.x / step) * step;
  const y0 = Math.floor(reached.y / step) * step;
  const work = { x: x0, y: y0, width: reached.x + reached.width - x0, height: reached.y + reached.height - y0 };
  const gray = guide.read(work);
  const n = work.width * work.height;
  const guideValues = new Float32Array(n);
  const maskValues = new Float32Array(n);
  for (let row = 0; row < work.height; row++) {
    const from = (work.y + row) * raster.width + work.x;
    const to = row * work.width;
    for (let col = 0; col < work.width; col++) {
      guideValues[to + col] = gray[to + col]! / 255;
      maskValues[to + col] = source[from + col]! / 255;
    }
  }
  const filter = new GuidedFilter(guideValues, work.width, work.height, radius, options.epsilon, step);
  let filtered = filter.apply(maskValues);
  for (let pass = 1; pass < iterations; pass++) {
    for (let i = 0; i < n; i++) maskValues[i] = filtered[i]! >= 0.5 ? 1 : 0;
    filtered = filter.apply(maskValues);
  }
  edit.willChange(target);
  const data = raster.data;
  const footprint = options.footprint;
  for (let row = 0; row < target.height; row++) {
    const y = target.y + row;
    for (let col = 0; col < target.width; col++) {
      const x = target.x + col;
      if (footprint && footprint[(y - region.y) * region.width + (x - region.x)] === 0) continue;
      data[y * raster.width + x] = filtered[(y - work.y) * work.width + (x - work.x)]! >= 0.5 ? MASK_ON : MASK_OFF;
    }
  }
  return target;
}
