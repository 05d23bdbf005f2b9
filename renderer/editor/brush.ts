/**
 * The round brush: rasterises one stroke segment into the mask as a capsule (every pixel
 * whose centre lies within `radius` of the segment), so a fast stroke whose pointer
 * samples are far apart leaves no gaps and no beads, whatever the spacing of the samples.
 *
 * The footprint is exact and binary: a mask has no soft edges, so hardness does not apply
 * to the brush and eraser (it shapes the "paint with prediction" brush, see fill.ts).
 * The same span generator draws the cursor outline, so what the cursor shows is exactly
 * what a click paints.
 */
import type { MaskEdit } from './maskEdit';
import type { Point, Rect } from './rect';
import { rectFromBounds } from './rect';

/** Smallest brush radius: a 1-pixel brush (diameter 1) covers exactly one pixel centre. */
export const MIN_BRUSH_RADIUS = 0.5;

/** Called once per row of a footprint with the inclusive column range it covers. */
export type SpanVisitor = (y: number, x0: number, x1: number) => void;

/** Pixels whose centres may be within `radius` of the segment (before clipping). */
export function capsuleBounds(from: Point, to: Point, radius: number): Rect {
  return rectFromBounds(
    Math.min(from.x, to.x) - radius,
    Math.min(from.y, to.y) - radius,
    Math.max(from.x, to.x) + radius,
    Math.max(from.y, to.y) + radius,
  );
}

/**
 * Visits, row by row, the pixels whose centre (x + 0.5, y + 0.5) is within `radius` of
 * the segment from→to, clipped to a width x height image. A capsule is convex, so each
 * row is one span: the union of the row's cuts through the two end disks and the band.
 */
export function capsuleSpans(from: Point, to: Point, radius: number, width: number, height: number, visit: SpanVisitor): void {
  const r = Math.max(radius, 0);
  const r2 = r * r;
  const dx = to.x - from.x;
  const dy = to.y - from.y;
  const length = Math.hypot(dx, dy);
  const ux = length > 0 ? dx / length : 0;
  const uy = length > 0 ? dy / length : 0;
  // Normal of the segment.
  const nx = -uy;
  const ny = ux;
  const yStart = Math.max(0, Math.ceil(Math.min(from.y, to.y) - r - 0.5));
  const yEnd = Math.min(height - 1, Math.floor(Math.max(from.y, to.y) + r - 0.5));
  for (let y = yStart; y <= yEnd; y++) {
    const yc = y + 0.5;
    let lo = Infinity;
    let hi = -Infinity;
    // The two end disks.
    for (const end of [from, to]) {
      const ey = yc - end.y;
      const rest = r2 - ey * ey;
      if (rest >= 0) {
        const half = Math.sqrt(rest);
        lo = Math.min(lo, end.x - half);
        hi = Math.max(hi, end.x + half);
      }
    }
    // The band between them: 0 <= t(x) <= length and |s(x)| <= r, both linear in x.
    if (length > 0) {
      const t = linearRange(ux, (yc - from.y) * uy - from.x * ux, 0, length);
      const s = linearRange(nx, (yc - from.y) * ny - from.x * nx, -r, r);
      if (t && s) {
        const bandLo = Math.max(t[0], s[0]);
        const bandHi = Math.min(t[1], s[1]);
        if (bandLo <= bandHi) {
          lo = Math.min(lo, bandLo);
          hi = Math.max(hi, bandHi);
        }
      }
    }
    if (lo > hi) continue;
    const x0 = Math.max(0, Math.ceil(lo - 0.5));
    const x1 = Math.min(width - 1, Math.floor(hi - 0.5));
    if (x0 <= x1) visit(y, x0, x1);
  }
}

/** The x-interval where min <= a*x + b <= max; null if empty (all reals when a = 0 and b fits). */
function linearRange(a: number, b: number, min: number, max: number): [number, number] | null {
  if (Math.abs(a) < 1e-12) {
    return b >= min && b <= max ? [-Infinity, Infinity] : null;
  }
  const p = (min - b) / a;
  const q = (max - b) / a;
  return p <= q ? [p, q] : [q, p];
}

/**
 * Paints (value 255) or erases (value 0) one segment of a stroke. A click is a segment
 * from a point to itself. Returns the rectangle written (clipped), null when off-image.
 */
export function paintSegment(edit: MaskEdit, from: Point, to: Point, radius: number, value: number): Rect | null {
  const raster = edit.raster;
  const rect = edit.willChange(capsuleBounds(from, to, radius));
  if (!rect) return null;
  const data = raster.data;
  const width = raster.width;
  capsuleSpans(from, to, radius, width, raster.height, (y, x0, x1) => {
    data.fill(value, y * width + x0, y * width + x1 + 1);
  });
  return rect;
}

/**
 * The outline of the footprint a click at `center` would paint, as a closed polygon in
 * image pixel coordinates following pixel edges (for the cursor: at high zoom it shows
 * the staircase of real pixels, not an idealised circle). Unclipped.
 */
export function footprintOutline(center: Point, radius: number): number[] {
  const rows: { y: number; x0: number; x1: number }[] = [];
  const bounds = capsuleBounds(center, center, radius);
  // Shift so spans are computed in a local, non-negative frame, then shift back.
  const local = { x: center.x - bounds.x, y: center.y - bounds.y };
  capsuleSpans(local, local, radius, bounds.width + 1, bounds.height + 1, (y, x0, x1) => {
    rows.push({ y: y + bounds.y, x0: x0 + bounds.x, x1: x1 + bounds.x });
  });
  if (rows.length === 0) return [];
  const points: number[] = [];
  for (const row of rows) points.push(row.x1 + 1, row.y, row.x1 + 1, row.y + 1);
  for (let i = rows.length - 1; i >= 0; i--) {
    const row = rows[i]!;
    points.push(row.x0, row.y + 1, row.x0, row.y);
  }
  return points;
}
