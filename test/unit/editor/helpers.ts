/** Shared test helpers for the editor engine: a seeded generator and brute-force references. */
import type { Point } from '../../../renderer/editor/rect';

/** The split plans' seeded generator (mulberry32), for reproducible random strokes. */
export { seededRandom } from '../../../electron/core/datasets/splitPlan';

/** Distance from (px, py) to the segment a-b. */
export function distanceToSegment(px: number, py: number, a: Point, b: Point): number {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const length2 = dx * dx + dy * dy;
  let t = length2 > 0 ? ((px - a.x) * dx + (py - a.y) * dy) / length2 : 0;
  t = Math.min(1, Math.max(0, t));
  return Math.hypot(px - (a.x + t * dx), py - (a.y + t * dy));
}

/** Even-odd point-in-polygon by ray casting (the textbook version, for reference). */
export function insidePolygon(px: number, py: number, points: readonly Point[]): boolean {
  let inside = false;
  for (let i = 0, j = points.length - 1; i < points.length; j = i++) {
    const a = points[i]!;
    const b = points[j]!;
    if (a.y > py !== b.y > py && px < ((b.x - a.x) * (py - a.y)) / (b.y - a.y) + a.x) inside = !inside;
  }
  return inside;
}

/** A random stroke: a short polyline of `count` samples with steps up to `step` pixels. */
export function randomStroke(random: () => number, width: number, height: number, count: number, step: number): Point[] {
  const points: Point[] = [];
  let x = random() * width;
  let y = random() * height;
  for (let i = 0; i < count; i++) {
    points.push({ x, y });
    x = Math.min(width, Math.max(0, x + (random() - 0.5) * 2 * step));
    y = Math.min(height, Math.max(0, y + (random() - 0.5) * 2 * step));
  }
  return points;
}

/**
 * Byte-exact comparison that stays fast on megabytes (a deep `toEqual` walks element by
 * element). Returns a description of the first difference, or null when equal.
 */
export function firstDifference(actual: Uint8Array, expected: Uint8Array): string | null {
  if (actual.length !== expected.length) return `length ${actual.length} != ${expected.length}`;
  if (Buffer.from(actual.buffer, actual.byteOffset, actual.length).equals(Buffer.from(expected.buffer, expected.byteOffset, expected.length))) {
    return null;
  }
  for (let i = 0; i < actual.length; i++) {
    if (actual[i] !== expected[i]) return `byte ${i}: ${actual[i]} != ${expected[i]}`;
  }
  return null;
}
