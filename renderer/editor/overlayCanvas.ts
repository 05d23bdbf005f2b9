/**
 * The offscreen canvases the mask and the prediction are shown through. A change
 * repaints only its rectangle (putImageData of that rectangle), so a stroke on a 24 MP
 * photo costs what the brush covers, not 96 MB; a big photo's mask also has a reduced
 * canvas for zoomed-out views (MaskOverlays).
 */
import { CHANGE_TILE } from './maskEdit';
import type { MaskRaster } from './maskRaster';
import { maskCoverageToRgba, maskToRgba, outlineToRgba, packRgba, probabilityToRgba, reducedLevel } from './overlayPixels';
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
 * The colored mask overlay at one level of detail: level 0 has a canvas pixel per photo
 * pixel, level L one per 2^L x 2^L square (see maskCoverageToRgba). Changes are collected
 * as dirty squares of CHANGE_TILE photo pixels (`invalidate`) and painted by `flush`, one
 * putImageData per run of dirty squares, so the many small rectangles of a frame's stroke
 * samples and the scattered areas of an undo cost what they cover, not their bounding box.
 */
export class MaskOverlay {
  readonly canvas: HTMLCanvasElement;
  readonly level: number;
  readonly #scale: number;
  /** Side of a dirty tile in canvas pixels: CHANGE_TILE photo pixels at every level (at least 8). */
  readonly #tile: number;
  readonly #context: CanvasRenderingContext2D;
  readonly #raster: MaskRaster;
  readonly #tilesX: number;
  readonly #tilesY: number;
  readonly #dirtyTiles: Uint8Array;
  #dirtyTop = Infinity;
  #dirtyBottom = -Infinity;
  #style: MaskStyle;
  #color: number;
  /** Canvas pixels put since creation: the tests read it to check that strokes repaint little. */
  paintedPixels = 0;

  constructor(raster: MaskRaster, style: MaskStyle, level = 0) {
    this.#raster = raster;
    this.level = level;
    this.#scale = 2 ** level;
    this.canvas = createCanvas(Math.ceil(raster.width / this.#scale), Math.ceil(raster.height / this.#scale));
    this.#context = context2d(this.canvas);
    this.#tile = Math.max(8, CHANGE_TILE >> level);
    this.#tilesX = Math.ceil(this.canvas.width / this.#tile);
    this.#tilesY = Math.ceil(this.canvas.height / this.#tile);
    this.#dirtyTiles = new Uint8Array(this.#tilesX * this.#tilesY);
    this.#style = style;
    this.#color = packRgba(style.color.r, style.color.g, style.color.b, 255);
    // A new canvas is transparent, which is what an empty mask looks like; anything
    // else is painted by invalidate + flush like every later change.
    if (raster.data.some((value) => value !== 0)) this.invalidate(raster.bounds);
  }

  /** True while invalidated pixels wait for a flush. */
  get pending(): boolean {
    return this.#dirtyTop <= this.#dirtyBottom;
  }

  /** Marks `rect` (photo pixels) for repainting at the next flush (an outline also changes around it). */
  invalidate(rect: Rect): void {
    const style = this.#style;
    const area = clipRect(style.outline ? expandRect(rect, Math.ceil(style.outlineThickness)) : rect, this.#raster.width, this.#raster.height);
    if (!area) return;
    const span = this.#tile * this.#scale;
    const tx0 = Math.floor(area.x / span);
    const tx1 = Math.floor((area.x + area.width - 1) / span);
    const ty0 = Math.floor(area.y / span);
    const ty1 = Math.floor((area.y + area.height - 1) / span);
    for (let ty = ty0; ty <= ty1; ty++) this.#dirtyTiles.fill(1, ty * this.#tilesX + tx0, ty * this.#tilesX + tx1 + 1);
    this.#dirtyTop = Math.min(this.#dirtyTop, ty0);
    this.#dirtyBottom = Math.max(this.#dirtyBottom, ty1);
  }

  /**
   * Paints what was invalidated, a row of tiles at a time, stopping once `deadline`
   * (performance.now() time) has passed; the rest stays pending. False when there was
   * nothing to paint.
   */
  flush(deadline = Infinity): boolean {
    if (!this.pending) return false;
    const { width, height } = this.canvas;
    for (let ty = this.#dirtyTop; ty <= this.#dirtyBottom; ty++) {
      const row = ty * this.#tilesX;
      for (let tx = 0; tx < this.#tilesX; tx++) {
        if (!this.#dirtyTiles[row + tx]) continue;
        let end = tx;
        while (end + 1 < this.#tilesX && this.#dirtyTiles[row + end + 1]) end++;
        const x = tx * this.#tile;
        const y = ty * this.#tile;
        this.#paint({ x, y, width: Math.min(width, (end + 1) * this.#tile) - x, height: Math.min(height, y + this.#tile) - y });
        tx = end;
      }
      this.#dirtyTiles.fill(0, row, row + this.#tilesX);
      this.#dirtyTop = ty + 1;
      if (ty < this.#dirtyBottom && performance.now() > deadline) return true;
    }
    this.#dirtyTop = Infinity;
    this.#dirtyBottom = -Infinity;
    return true;
  }

  /** Changes color or outline mode; marks everything for repainting when the pixels would differ. */
  setStyle(style: MaskStyle): boolean {
    const old = this.#style;
    const changed =
      old.color.r !== style.color.r || old.color.g !== style.color.g || old.color.b !== style.color.b ||
      old.outline !== style.outline || (style.outline && old.outlineThickness !== style.outlineThickness);
    this.#style = style;
    this.#color = packRgba(style.color.r, style.color.g, style.color.b, 255);
    if (changed) this.invalidate(this.#raster.bounds);
    return changed;
  }

  /** The canvas's alpha at photo point (x, y) (for the test hook). */
  alphaAt(x: number, y: number): number {
    return this.#context.getImageData(Math.floor(x / this.#scale), Math.floor(y / this.#scale), 1, 1).data[3]!;
  }

  /** Frees the canvas memory now (a 24 MP overlay holds 96 MB) instead of at the next GC. */
  dispose(): void {
    this.canvas.width = 0;
    this.canvas.height = 0;
  }

  /** Paints `area` (canvas pixels). */
  #paint(area: Rect): void {
    const style = this.#style;
    const level = this.level;
    this.paintedPixels += paintStrips(this.#context, area, (strip, words) => {
      if (level === 0) {
        if (style.outline) outlineToRgba(this.#raster, strip, style.outlineThickness, this.#color, words);
        else maskToRgba(this.#raster, strip, this.#color, words);
      } else if (style.outline) {
        maskCoverageToRgba(this.#outlineBytes(strip, style.outlineThickness), level, { x: 0, y: 0, width: strip.width, height: strip.height }, this.#color, words);
      } else {
        maskCoverageToRgba(this.#raster, level, strip, this.#color, words);
      }
    });
  }

  /** The outline of the photo pixels under `strip` (canvas pixels), as a 0/255 raster of them. */
  #outlineBytes(strip: Rect, thickness: number): { data: Uint8Array; width: number; height: number } {
    const scale = this.#scale;
    const x = strip.x * scale;
    const y = strip.y * scale;
    const source = { x, y, width: Math.min(this.#raster.width, (strip.x + strip.width) * scale) - x, height: Math.min(this.#raster.height, (strip.y + strip.height) * scale) - y };
    const words = new Uint32Array(source.width * source.height);
    outlineToRgba(this.#raster, source, thickness, 1, words);
    const data = new Uint8Array(words.length);
    for (let i = 0; i < words.length; i++) data[i] = words[i] === 0 ? 0 : 255;
    return { data, width: source.width, height: source.height };
  }
}

/**
 * The mask overlay of one photo as the editor shows it: the full-resolution canvas, and
 * for big photos a reduced one (about 2048 canvas pixels on the long side) shown while
 * the view is zoomed out far enough that it looks the same. An undo of a long stroke on a
 * 24 MP photo seen whole then repaints a sixteenth of the pixels; the canvas not shown
 * catches up when the browser is idle (`flushHidden`) and before it is shown.
 */
export class MaskOverlays {
  readonly full: MaskOverlay;
  readonly reduced: MaskOverlay | null;

  constructor(raster: MaskRaster, style: MaskStyle) {
    this.full = new MaskOverlay(raster, style, 0);
    const level = reducedLevel(raster.width, raster.height);
    this.reduced = level > 0 ? new MaskOverlay(raster, style, level) : null;
  }

  /** The canvas for a view at `zoom`: the reduced one while each of its pixels covers at most one screen pixel. */
  shownAt(zoom: number): MaskOverlay {
    const reduced = this.reduced;
    return reduced && zoom * 2 ** reduced.level <= 1 ? reduced : this.full;
  }

  invalidate(rect: Rect): void {
    this.full.invalidate(rect);
    this.reduced?.invalidate(rect);
  }

  /** Paints everything pending on the canvas shown at `zoom`; false when there was nothing. */
  flushShown(zoom: number): boolean {
    return this.shownAt(zoom).flush();
  }

  /** True while the canvas not shown at `zoom` has pixels to catch up on. */
  hiddenPending(zoom: number): boolean {
    const shown = this.shownAt(zoom);
    return (shown !== this.full && this.full.pending) || (this.reduced !== null && shown !== this.reduced && this.reduced.pending);
  }

  /** Catches up on the canvas not shown at `zoom` until `deadline` (performance.now() time). */
  flushHidden(zoom: number, deadline: number): void {
    const shown = this.shownAt(zoom);
    for (const overlay of [this.full, this.reduced]) {
      if (overlay && overlay !== shown) overlay.flush(deadline);
    }
  }

  setStyle(style: MaskStyle): boolean {
    const changed = this.full.setStyle(style);
    this.reduced?.setStyle(style);
    return changed;
  }

  get paintedPixels(): number {
    return this.full.paintedPixels + (this.reduced?.paintedPixels ?? 0);
  }

  dispose(): void {
    this.full.dispose();
    this.reduced?.dispose();
  }
}

/** The model's probability map as a heat overlay (painted once per photo or color). */
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
