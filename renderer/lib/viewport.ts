/**
 * Zoom and pan as plain numbers: screen = image * zoom + offset. Pure functions, so the
 * mask editor, its minimap, the photo viewer and the tests agree on every conversion.
 * The editor and the viewer differ only in their limits (`ZoomRange`) and their fit.
 */

/** A point in screen or image pixels. */
type Point = { x: number; y: number };

export interface Viewport {
  /** Screen pixels per image pixel. */
  zoom: number;
  /** Screen position of image pixel (0, 0)'s corner. */
  x: number;
  y: number;
}

export interface ZoomRange {
  min: number;
  max: number;
}

/** The mask editor's limits: a whole 24 MP photo, down to single pixels at 64x. */
export const EDITOR_ZOOM: ZoomRange = { min: 1 / 64, max: 64 };

export interface FitOptions {
  /** Fraction of the view left free on each side of the photo. */
  margin: number;
  /** The zooms a fit may take. */
  range: ZoomRange;
}

/** The editor's fit: a little room around the photo. */
const EDITOR_FIT: FitOptions = { margin: 0.02, range: EDITOR_ZOOM };

export function clampZoom(zoom: number, range: ZoomRange = EDITOR_ZOOM): number {
  return Math.min(range.max, Math.max(range.min, zoom));
}

export function imageToScreen(view: Viewport, point: Point): Point {
  return { x: point.x * view.zoom + view.x, y: point.y * view.zoom + view.y };
}

export function screenToImage(view: Viewport, point: Point): Point {
  return { x: (point.x - view.x) / view.zoom, y: (point.y - view.y) / view.zoom };
}

/** The whole photo centred in a view of viewWidth x viewHeight (at 100 % while either has no size yet). */
export function fitViewport(imageWidth: number, imageHeight: number, viewWidth: number, viewHeight: number, options: FitOptions = EDITOR_FIT): Viewport {
  if (imageWidth <= 0 || imageHeight <= 0 || viewWidth <= 0 || viewHeight <= 0) return centred(imageWidth, imageHeight, viewWidth, viewHeight, 1);
  const usableW = Math.max(1, viewWidth * (1 - 2 * options.margin));
  const usableH = Math.max(1, viewHeight * (1 - 2 * options.margin));
  const zoom = clampZoom(Math.min(usableW / imageWidth, usableH / imageHeight), options.range);
  return centred(imageWidth, imageHeight, viewWidth, viewHeight, zoom);
}

/** 100 %: one image pixel per screen pixel, keeping the image point under `anchor` still. */
export function actualSize(view: Viewport, anchor: Point): Viewport {
  return zoomAround(view, 1, anchor);
}

/** Changes the zoom (kept within `range`) so that the image point under `anchor` (screen) stays under it. */
export function zoomAround(view: Viewport, zoom: number, anchor: Point, range: ZoomRange = EDITOR_ZOOM): Viewport {
  const next = clampZoom(zoom, range);
  const image = screenToImage(view, anchor);
  return { zoom: next, x: anchor.x - image.x * next, y: anchor.y - image.y * next };
}

/**
 * Zoom factor of one wheel event: smooth for trackpads; for mice, one notch (100 px) is
 * about 1.2x at the editor's `rate` and 1.16x at the viewer's gentler one.
 */
export function wheelZoomFactor(deltaY: number, deltaMode: number, rate = 0.0018): number {
  const pixels = deltaMode === 1 ? deltaY * 33 : deltaMode === 2 ? deltaY * 800 : deltaY;
  return Math.exp(-pixels * rate);
}

export function panBy(view: Viewport, dx: number, dy: number): Viewport {
  return { zoom: view.zoom, x: view.x + dx, y: view.y + dy };
}

/**
 * Keeps at least `keep` screen pixels of the photo inside the view, so a fast pan or zoom
 * never loses the photo off screen.
 */
export function constrainViewport(view: Viewport, imageWidth: number, imageHeight: number, viewWidth: number, viewHeight: number, keep = 48): Viewport {
  const w = imageWidth * view.zoom;
  const h = imageHeight * view.zoom;
  const keepX = Math.min(keep, w);
  const keepY = Math.min(keep, h);
  const x = Math.min(viewWidth - keepX, Math.max(keepX - w, view.x));
  const y = Math.min(viewHeight - keepY, Math.max(keepY - h, view.y));
  return { zoom: view.zoom, x, y };
}

/** The part of the image (image pixels) the view shows. */
export function visibleImageRect(view: Viewport, viewWidth: number, viewHeight: number): { x: number; y: number; width: number; height: number } {
  const topLeft = screenToImage(view, { x: 0, y: 0 });
  return { x: topLeft.x, y: topLeft.y, width: viewWidth / view.zoom, height: viewHeight / view.zoom };
}

/** Centres the image point `image` in the view at the current zoom (minimap clicks). */
export function centreOn(view: Viewport, image: Point, viewWidth: number, viewHeight: number): Viewport {
  return { zoom: view.zoom, x: viewWidth / 2 - image.x * view.zoom, y: viewHeight / 2 - image.y * view.zoom };
}

function centred(imageWidth: number, imageHeight: number, viewWidth: number, viewHeight: number, zoom: number): Viewport {
  return { zoom, x: (viewWidth - imageWidth * zoom) / 2, y: (viewHeight - imageHeight * zoom) / 2 };
}
