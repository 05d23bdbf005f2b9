/**
 * The offscreen canvases the mask and the prediction are shown through: each is the
 * photo's full size, and a change repaints only its rectangle (putImageData of that
 * rectangle), so a stroke on a 24 MP photo costs what the brush covers, not 96 MB.
 */
import { CHANGE_TILE } from './maskEdit';
import type { MaskRaster } from './maskRaster';
import { maskToRgba, outlineToRgba, packRgba, probabilityToRgba } from './overlayPixels';
import type { Rgb } from './overlayPixels';
import { clipRect, expandRect } from './rect';
import type { Rect } from './rect';

/** Rows per putImageData when a large area is repainted (bounds the temporary buffer). */
const STRIP_ROWS = 256;

export interface MaskStyle {
  color: Rgb;
  /** Draw only the boundary, `outlineThickness` image pixels wide. */
  outline: boolean;
  outlineThickness: number;
}

function createCanvas(width: number, height: number): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  return canvas;
}

function context2d(canvas: HTMLCanvasElement): CanvasRenderingContext2D {
  const context = canvas.getContext('2d');
  if (!context) throw new Error('No 2D canvas context is available.');
  return context;
}

/** Paints `rect` strip by strip with `fill(stripRect, words)`. */
function paintStrips(context: CanvasRenderingContext2D, rect: Rect, fill: (strip: Rect, words: Uint32Array) => void): number {
  let pixels = 0;
  for (let top = 0; top < rect.height; top += STRIP_ROWS) {
    const strip = { x: rect.x, y: rect.y + top, width: rect.width, height: Math.min(STRIP_ROWS, rect.height - top) };
    const image = context.createImageData(strip.width, strip.height);
    fill(strip, new Uint32Array(image.data.buffer));
    context.putImageData(image, strip.x, strip.y);
    pixels += strip.width * strip.height;
  }
  return pixels;
}

/**
 * The coloured mask overlay. Changes are collected as dirty CHANGE_TILE squares
 * (`invalidate`) and painted once per frame (`flush`), one putImageData per run of dirty
 * squares, so the many small rectangles of a frame's stroke samples and the scattered
 * areas of an undo cost what they cover, not their bounding box.
 */
export class MaskOverlay {
  readonly canvas: HTMLCanvasElement;
  readonly #context: CanvasRenderingContext2D;
  readonly #raster: MaskRaster;
  readonly #tilesX: number;
  readonly #tilesY: number;
  readonly #dirtyTiles: Uint8Array;
  #dirtyTop = Infinity;
  #dirtyBottom = -Infinity;
  #style: MaskStyle;
  #color: number;
  /** Pixels put since creation: the tests read it to check that strokes repaint little. */
  paintedPixels = 0;

  constructor(raster: MaskRaster, style: MaskStyle) {
    this.#raster = raster;
    this.canvas = createCanvas(raster.width, raster.height);
    this.#context = context2d(this.canvas);
    this.#tilesX = Math.ceil(raster.width / CHANGE_TILE);
    this.#tilesY = Math.ceil(raster.height / CHANGE_TILE);
    this.#dirtyTiles = new Uint8Array(this.#tilesX * this.#tilesY);
    this.#style = style;
    this.#color = packRgba(style.color.r, style.color.g, style.color.b, 255);
    // A new canvas is transparent, which is what an empty mask looks like; anything
    // else is painted by invalidate + flush like every later change.
    if (raster.data.some((value) => value !== 0)) this.invalidate(raster.bounds);
  }

  /** Marks `rect` for repainting at the next flush (an outline also changes around it). */
  invalidate(rect: Rect): void {
    const style = this.#style;
    const area = clipRect(style.outline ? expandRect(rect, Math.ceil(style.outlineThickness)) : rect, this.#raster.width, this.#raster.height);
    if (!area) return;
    const tx0 = Math.floor(area.x / CHANGE_TILE);
    const tx1 = Math.floor((area.x + area.width - 1) / CHANGE_TILE);
    const ty0 = Math.floor(area.y / CHANGE_TILE);
    const ty1 = Math.floor((area.y + area.height - 1) / CHANGE_TILE);
    for (let ty = ty0; ty <= ty1; ty++) this.#dirtyTiles.fill(1, ty * this.#tilesX + tx0, ty * this.#tilesX + tx1 + 1);
    this.#dirtyTop = Math.min(this.#dirtyTop, ty0);
    this.#dirtyBottom = Math.max(this.#dirtyBottom, ty1);
  }

  /** Paints everything invalidated since the last flush; false when there was nothing. */
  flush(): boolean {
    if (this.#dirtyTop > this.#dirtyBottom) return false;
    const { width, height } = this.#raster;
    for (let ty = this.#dirtyTop; ty <= this.#dirtyBottom; ty++) {
      const row = ty * this.#tilesX;
      for (let tx = 0; tx < this.#tilesX; tx++) {
        if (!this.#dirtyTiles[row + tx]) continue;
        let end = tx;
        while (end + 1 < this.#tilesX && this.#dirtyTiles[row + end + 1]) end++;
        const x = tx * CHANGE_TILE;
        const y = ty * CHANGE_TILE;
        this.#paint({ x, y, width: Math.min(width, (end + 1) * CHANGE_TILE) - x, height: Math.min(height, y + CHANGE_TILE) - y });
        tx = end;
      }
      this.#dirtyTiles.fill(0, row, row + this.#tilesX);
    }
    this.#dirtyTop = Infinity;
    this.#dirtyBottom = -Infinity;
    return true;
  }

  /** Changes colour or outline mode; repaints everything when the pixels would differ. */
  setStyle(style: MaskStyle): boolean {
    const old = this.#style;
    const changed =
      old.color.r !== style.color.r || old.color.g !== style.color.g || old.color.b !== style.color.b ||
      old.outline !== style.outline || (style.outline && old.outlineThickness !== style.outlineThickness);
    this.#style = style;
    this.#color = packRgba(style.color.r, style.color.g, style.color.b, 255);
    if (changed) this.repaint(this.#raster.bounds);
    return changed;
  }

  /** Repaints the pixels of `rect` now (an outline also changes a thickness around it). */
  repaint(rect: Rect): void {
    const style = this.#style;
    const area = clipRect(style.outline ? expandRect(rect, Math.ceil(style.outlineThickness)) : rect, this.#raster.width, this.#raster.height);
    if (area) this.#paint(area);
  }

  /** Frees the canvas memory now (a 24 MP overlay holds 96 MB) instead of at the next GC. */
  dispose(): void {
    this.canvas.width = 0;
    this.canvas.height = 0;
  }

  #paint(area: Rect): void {
    const style = this.#style;
    this.paintedPixels += paintStrips(this.#context, area, (strip, words) => {
      if (style.outline) outlineToRgba(this.#raster, strip, style.outlineThickness, this.#color, words);
      else maskToRgba(this.#raster, strip, this.#color, words);
    });
  }
}

/** The model's probability map as a heat overlay (painted once per photo or colour). */
export class PredictionOverlay {
  readonly canvas: HTMLCanvasElement;

  constructor(probability: Uint8Array, width: number, height: number, color: Rgb) {
    this.canvas = createCanvas(width, height);
    const context = context2d(this.canvas);
    paintStrips(context, { x: 0, y: 0, width, height }, (strip, words) => probabilityToRgba(probability, width, strip, color, 255, words));
  }

  /** Frees the canvas memory now. */
  dispose(): void {
    this.canvas.width = 0;
    this.canvas.height = 0;
  }
}
