/**
 * Integer pixel rectangles: the unit of everything the editor repaints and records.
 * A rectangle with zero width or height is empty; helpers never return negative sizes.
 */

/** An axis-aligned block of whole pixels: columns x..x+width-1, rows y..y+height-1. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A point in image pixel coordinates (pixel (i, j) has its centre at (i + 0.5, j + 0.5)). */
export interface Point {
  x: number;
  y: number;
}

export const EMPTY_RECT: Readonly<Rect> = Object.freeze({ x: 0, y: 0, width: 0, height: 0 });

export function isEmptyRect(rect: Rect): boolean {
  return rect.width <= 0 || rect.height <= 0;
}

export function rectArea(rect: Rect): number {
  return isEmptyRect(rect) ? 0 : rect.width * rect.height;
}

/** The smallest rectangle holding both (an empty one is ignored). */
export function unionRect(a: Rect | null, b: Rect | null): Rect | null {
  if (!a || isEmptyRect(a)) return b && !isEmptyRect(b) ? { ...b } : null;
  if (!b || isEmptyRect(b)) return { ...a };
  const x = Math.min(a.x, b.x);
  const y = Math.min(a.y, b.y);
  return {
    x,
    y,
    width: Math.max(a.x + a.width, b.x + b.width) - x,
    height: Math.max(a.y + a.height, b.y + b.height) - y,
  };
}

/** The common part of both, or null when they do not overlap. */
export function intersectRect(a: Rect, b: Rect): Rect | null {
  const x = Math.max(a.x, b.x);
  const y = Math.max(a.y, b.y);
  const right = Math.min(a.x + a.width, b.x + b.width);
  const bottom = Math.min(a.y + a.height, b.y + b.height);
  if (right <= x || bottom <= y) return null;
  return { x, y, width: right - x, height: bottom - y };
}

/** Clips a rectangle to an image of the given size. */
export function clipRect(rect: Rect, width: number, height: number): Rect | null {
  return intersectRect(rect, { x: 0, y: 0, width, height });
}

/** Grows a rectangle by `margin` pixels on every side. */
export function expandRect(rect: Rect, margin: number): Rect {
  return { x: rect.x - margin, y: rect.y - margin, width: rect.width + 2 * margin, height: rect.height + 2 * margin };
}

/** Whole pixels whose centres may lie inside the real-valued box [x0, x1] x [y0, y1]. */
export function rectFromBounds(x0: number, y0: number, x1: number, y1: number): Rect {
  const left = Math.floor(Math.min(x0, x1));
  const top = Math.floor(Math.min(y0, y1));
  const right = Math.ceil(Math.max(x0, x1));
  const bottom = Math.ceil(Math.max(y0, y1));
  return { x: left, y: top, width: Math.max(0, right - left), height: Math.max(0, bottom - top) };
}

export function rectsEqual(a: Rect, b: Rect): boolean {
  return a.x === b.x && a.y === b.y && a.width === b.width && a.height === b.height;
}
