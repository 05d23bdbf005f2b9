/**
 * Region tools: polygon / lasso fill and cut, flood fill, threshold of the model's
 * probability map, the "paint with prediction" brush, invert and clear.
 *
 * Each writes through a MaskEdit (so the change becomes one undo entry) and returns the
 * rectangle it wrote, for repainting. Pixels are in or out by their centres, like the
 * brush, so a polygon drawn along pixel edges covers exactly the pixels inside it.
 */
import { capsuleBounds, capsuleSpans } from './brush';
import type { MaskEdit } from './maskEdit';
import { MASK_OFF, MASK_ON } from './maskRaster';
import type { Point, Rect } from './rect';
import { rectFromBounds } from './rect';

/**
 * Fills (255) or cuts (0) the inside of a closed polygon by the even-odd rule: a pixel is
 * inside when a ray from its centre crosses the outline an odd number of times, so a
 * self-crossing lasso behaves predictably. Scanline with an active edge list: O(rows x
 * crossings), fine for lassos of thousands of points on 24 MP.
 */
export function fillPolygon(edit: MaskEdit, points: readonly Point[], value: number): Rect | null {
  if (points.length < 3) return null;
  const raster = edit.raster;
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const p of points) {
    minX = Math.min(minX, p.x);
    minY = Math.min(minY, p.y);
    maxX = Math.max(maxX, p.x);
    maxY = Math.max(maxY, p.y);
  }
  const rect = edit.willChange(rectFromBounds(minX, minY, maxX, maxY));
  if (!rect) return null;

  interface Edge { yTop: number; yBottom: number; x: number; slope: number }
  const edges: Edge[] = [];
  for (let i = 0; i < points.length; i++) {
    const a = points[i]!;
    const b = points[(i + 1) % points.length]!;
    if (a.y === b.y) continue; // horizontal edges never cross a scanline through pixel centres
    const top = a.y < b.y ? a : b;
    const bottom = a.y < b.y ? b : a;
    edges.push({ yTop: top.y, yBottom: bottom.y, x: top.x, slope: (bottom.x - top.x) / (bottom.y - top.y) });
  }
  edges.sort((p, q) => p.yTop - q.yTop);

  const data = raster.data;
  const width = raster.width;
  const yStart = Math.max(rect.y, Math.ceil(minY - 0.5));
  const yEnd = Math.min(rect.y + rect.height - 1, Math.floor(maxY - 0.5));
  let active: Edge[] = [];
  let next = 0;
  const crossings: number[] = [];
  for (let y = yStart; y <= yEnd; y++) {
    const yc = y + 0.5;
    // An edge covers the half-open interval [yTop, yBottom): a vertex shared by two
    // edges is counted once, so the parity stays right.
    while (next < edges.length && edges[next]!.yTop <= yc) active.push(edges[next++]!);
    active = active.filter((edge) => edge.yBottom > yc);
    crossings.length = 0;
    for (const edge of active) crossings.push(edge.x + (yc - edge.yTop) * edge.slope);
    crossings.sort((p, q) => p - q);
    for (let k = 0; k + 1 < crossings.length; k += 2) {
      // Pixel centres in [left, right).
      const x0 = Math.max(0, Math.ceil(crossings[k]! - 0.5));
      const x1 = Math.min(width - 1, Math.ceil(crossings[k + 1]! - 0.5) - 1);
      if (x0 <= x1) data.fill(value, y * width + x0, y * width + x1 + 1);
    }
  }
  return rect;
}

/**
 * Flood fill, 4-connected: the region of pixels equal to the one at (x, y) takes `value`.
 * Scanline spans on an explicit stack, no recursion, so a region of 24 million pixels is
 * as safe as a small one. Returns null when the seed already has `value` or is outside.
 */
export function floodFill(edit: MaskEdit, x: number, y: number, value: number): Rect | null {
  const raster = edit.raster;
  const width = raster.width;
  const height = raster.height;
  const sx = Math.floor(x);
  const sy = Math.floor(y);
  if (sx < 0 || sy < 0 || sx >= width || sy >= height) return null;
  const data = raster.data;
  const target = data[sy * width + sx]!;
  if (target === value) return null;

  let stack = new Int32Array(1024);
  let top = 0;
  const push = (px: number, py: number): void => {
    if (top + 2 > stack.length) {
      const grown = new Int32Array(stack.length * 2);
      grown.set(stack);
      stack = grown;
    }
    stack[top++] = px;
    stack[top++] = py;
  };
  let minX = sx;
  let maxX = sx;
  let minY = sy;
  let maxY = sy;
  push(sx, sy);
  while (top > 0) {
    const py = stack[--top]!;
    const px = stack[--top]!;
    const row = py * width;
    if (data[row + px] !== target) continue;
    let left = px;
    while (left > 0 && data[row + left - 1] === target) left--;
    let right = px;
    while (right < width - 1 && data[row + right + 1] === target) right++;
    edit.willChange({ x: left, y: py, width: right - left + 1, height: 1 });
    data.fill(value, row + left, row + right + 1);
    if (left < minX) minX = left;
    if (right > maxX) maxX = right;
    if (py < minY) minY = py;
    if (py > maxY) maxY = py;
    // One seed per run of target pixels in the rows above and below.
    for (const ny of [py - 1, py + 1]) {
      if (ny < 0 || ny >= height) continue;
      const nrow = ny * width;
      let i = left;
      while (i <= right) {
        if (data[nrow + i] === target) {
          push(i, ny);
          while (i <= right && data[nrow + i] === target) i++;
        } else {
          i++;
        }
      }
    }
  }
  return { x: minX, y: minY, width: maxX - minX + 1, height: maxY - minY + 1 };
}

/**
 * Replaces the mask by the model's probability map cut at `threshold`: 255 where the
 * probability (0..255) is at least `threshold`. The map must be at the mask's size.
 */
export function applyThreshold(edit: MaskEdit, probability: Uint8Array, threshold: number): Rect | null {
  const raster = edit.raster;
  checkSize(probability, raster.data.length);
  const rect = edit.willChange(raster.bounds);
  if (!rect) return null;
  const data = raster.data;
  for (let i = 0; i < data.length; i++) {
    data[i] = probability[i]! >= threshold ? MASK_ON : MASK_OFF;
  }
  return rect;
}

/**
 * The "paint with prediction" brush: within the stroke's capsule it only adds pixels the
 * model calls blurred, i.e. whose probability is at least `threshold`. Never removes.
 *
 * Hardness (0..1) is where a binary mask can have a soft brush: inside `hardness * radius`
 * the threshold applies as is; from there to the rim it rises linearly towards 256, so a
 * soft brush only takes the model's most confident pixels near its edge and the stroke
 * fades into the prediction instead of ending in a hard circle. Hardness 1 = uniform.
 */
export function paintWithPrediction(
  edit: MaskEdit,
  probability: Uint8Array,
  from: Point,
  to: Point,
  radius: number,
  threshold: number,
  hardness = 1,
): Rect | null {
  const raster = edit.raster;
  checkSize(probability, raster.data.length);
  const rect = edit.willChange(capsuleBounds(from, to, radius));
  if (!rect) return null;
  const data = raster.data;
  const width = raster.width;
  const hard = Math.min(1, Math.max(0, hardness));
  const core = hard * radius;
  const ramp = radius - core;
  const dx = to.x - from.x;
  const dy = to.y - from.y;
  const length2 = dx * dx + dy * dy;
  capsuleSpans(from, to, radius, width, raster.height, (y, x0, x1) => {
    const yc = y + 0.5;
    for (let x = x0; x <= x1; x++) {
      const i = y * width + x;
      if (data[i] === MASK_ON) continue;
      let needed = threshold;
      if (ramp > 0) {
        const distance = distanceToSegment(x + 0.5, yc, from, dx, dy, length2);
        if (distance > core) needed = threshold + ((256 - threshold) * (distance - core)) / ramp;
      }
      if (probability[i]! >= needed) data[i] = MASK_ON;
    }
  });
  return rect;
}

function distanceToSegment(px: number, py: number, from: Point, dx: number, dy: number, length2: number): number {
  let t = length2 > 0 ? ((px - from.x) * dx + (py - from.y) * dy) / length2 : 0;
  t = Math.min(1, Math.max(0, t));
  return Math.hypot(px - (from.x + t * dx), py - (from.y + t * dy));
}

/** Swaps blurred and in-focus everywhere. */
export function invertMask(edit: MaskEdit): Rect | null {
  const rect = edit.willChange(edit.raster.bounds);
  if (!rect) return null;
  const data = edit.raster.data;
  // The mask is binary, so inverting is XOR 255: four bytes at a time where aligned.
  const wordCount = data.byteOffset % 4 === 0 ? data.length >>> 2 : 0;
  const words = new Uint32Array(data.buffer, data.byteOffset, wordCount);
  for (let i = 0; i < words.length; i++) words[i] = ~words[i]!;
  for (let i = wordCount * 4; i < data.length; i++) data[i] = data[i] === MASK_OFF ? MASK_ON : MASK_OFF;
  return rect;
}

/** Marks everything in focus. */
export function clearMask(edit: MaskEdit): Rect | null {
  const rect = edit.willChange(edit.raster.bounds);
  if (!rect) return null;
  edit.raster.data.fill(MASK_OFF);
  return rect;
}

function checkSize(probability: Uint8Array, expected: number): void {
  if (probability.length !== expected) {
    throw new RangeError(`The probability map has ${probability.length} pixels, the mask ${expected}.`);
  }
}
