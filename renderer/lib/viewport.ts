/**
 * Zoom and pan as plain numbers: screen = image * zoom + offset. Pure functions, so the
 * component, the minimap and the tests agree on every conversion.
 */
import type { Point } from './rect';

export interface Viewport {
  /** Screen pixels per image pixel. */
  zoom: number;
  /** Screen position of image pixel (0, 0)'s corner. */
  x: number;
  y: number;
}

export const MIN_ZOOM = 1 / 64;
export const MAX_ZOOM = 64;
/** Fraction of the view left free around a fitted photo. */
const FIT_MARGIN = 0.02;

export function clampZoom(zoom: number): number {
  return Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, zoom));
}

export function imageToScreen(view: Viewport, point: Point): Point {
  return { x: point.x * view.zoom + view.x, y: point.y * view.zoom + view.y };
}

export function screenToImage(view: Viewport, point: Point): Point {
  return { x: (point.x - view.x) / view.zoom, y: (point.y - view.y) / view.zoom };
}

/** The whole photo centred in a view of viewWidth x viewHeight. */
export function fitViewport(imageWidth: number, imageHeight: number, viewWidth: number, viewHeight: number): Viewport {
  const usableW = Math.max(1, viewWidth * (1 - 2 * FIT_MARGIN));
  const usableH = Math.max(1, viewHeight * (1 - 2 * FIT_MARGIN));
  const zoom = clampZoom(Math.min(usableW / imageWidth, usableH / imageHeight));
  return centred(imageWidth, imageHeight, viewWidth, viewHeight, zoom);
}

/** 100 %: one image pixel per screen pixel, keeping the image point under `anchor` still. */
export function actualSize(view: Viewport, anchor: Point): Viewport {
  return zoomAround(view, 1, anchor);
}

/** Changes the zoom so that the image point under `anchor` (screen) stays under it. */
export function zoomAround(view: Viewport, zoom: number, anchor: Point): Viewport {
  const next = clampZoom(zoom);
  const image = screenToImage(view, anchor);
  return { zoom: next, x: anchor.x - image.x * next, y: anchor.y - image.y * next };
}

/** Zoom factor of one wheel event: smooth for trackpads, one notch ≈ 1.2x for mice. */
export function wheelZoomFactor(deltaY: number, deltaMode: number): number {
  const pixels = deltaMode === 1 ? deltaY * 33 : deltaMode === 2 ? deltaY * 800 : deltaY;
  return Math.exp(-pixels * 0.0018);
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
