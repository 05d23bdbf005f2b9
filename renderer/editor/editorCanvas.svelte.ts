/**
 * The editor's canvas: the Konva scene, the overlay canvases of the mask and the
 * prediction, the view (zoom and pan), and the frame loop that paints them.
 *
 * Nothing is drawn outside an animation frame: an edit marks the 64 px squares it changed
 * (`markChanged`), a move of the view or of a tool asks for a layer (`requestDraw`), and
 * the next frame applies the tools' queued work, repaints the dirty squares of the overlay
 * on screen and draws each layer asked for once. The overlay not on screen (full or
 * reduced) catches up in idle time.
 */
import { untrack } from 'svelte';
import type { EditorState } from './EditorState.svelte';
import { EditorScene } from './editorScene';
import type { ToolsOverlay } from './editorScene';
import { MaskOverlays, PredictionOverlay } from './overlayCanvas';
import type { MaskOverlay, MaskStyle } from './overlayCanvas';
import type { OverlayProbe } from './testHook';
import { parseHexColor } from './overlayPixels';
import type { Point, Rect } from './rect';
import { actualSize, centreOn, clampZoom, constrainViewport, fitViewport, screenToImage, zoomAround } from '../lib/viewport';
import type { Viewport } from '../lib/viewport';

/** What the frame asks of the editor around the canvas. */
export interface FrameWork {
  /** Applies the tools' queued work (stroke samples, a threshold); true when the tools layer changed. */
  beforePaint(): boolean;
  /** What the tools layer shows now. */
  toolsOverlay(): ToolsOverlay;
}

/** Where frame time goes, for the test hook: mask edits, overlay repaint, Konva draws. */
export interface FrameTimings {
  frames: number;
  editMs: number;
  overlayMs: number;
  drawMs: number;
  maxFrameMs: number;
}

type Layers = { photo?: boolean; mask?: boolean; tools?: boolean };

function outlineThickness(zoom: number): number {
  return Math.min(16, Math.max(1, Math.round(1.5 / zoom)));
}

export class EditorCanvas {
  /** The photo once decoded (the minimap shows it too). */
  photo = $state.raw<HTMLImageElement | null>(null);
  /** The overlay canvas on screen: the full one, or the reduced one when zoomed out. */
  shownOverlay = $state.raw<MaskOverlay | null>(null);
  /** The size of the pane the view applies to (half the stage side by side). */
  paneSize = $state.raw({ width: 1, height: 1 });
  readonly timings: FrameTimings = { frames: 0, editMs: 0, overlayMs: 0, drawMs: 0, maxFrameMs: 0 };

  readonly #state: EditorState;
  readonly #work: FrameWork;
  #scene = $state.raw<EditorScene | null>(null);
  #host: HTMLDivElement | null = null;
  #overlay = $state.raw<MaskOverlays | null>(null);
  #prediction: PredictionOverlay | null = null;
  /** The view follows the window size until the user zooms or pans. */
  #viewIsFitted = true;
  #framePending = 0;
  #hiddenFlushPending = 0;
  readonly #draw = { photo: false, mask: false, tools: false };

  constructor(state: EditorState, work: FrameWork) {
    this.#state = state;
    this.#work = work;

    // Mask color and outline mode (the outline's thickness follows the zoom).
    $effect(() => {
      const color = parseHexColor(state.overlayColor);
      const style = { outline: state.outlineOnly, outlineThickness: outlineThickness(state.view.zoom) };
      const target = this.#overlay;
      if (!target || !color) return;
      untrack(() => {
        if (target.setStyle({ color, ...style })) this.requestDraw({ mask: true });
      });
    });

    // Overlay visibility and opacity, compare layout.
    $effect(() => {
      const style = {
        maskVisible: state.overlayVisible,
        // A one-pixel outline at half opacity would vanish: outlines are drawn opaque.
        maskOpacity: state.outlineOnly ? 1 : state.overlayOpacity,
        predictionVisible: state.predictionVisible,
        predictionOpacity: state.predictionOpacity,
      };
      const compare = state.compare;
      const swipe = state.swipe;
      const scene = this.#scene;
      untrack(() => {
        if (!scene) return;
        scene.setOverlayStyle(style);
        const paneWidth = scene.paneSize.width;
        scene.setLayout(compare, swipe);
        // Side by side halves the pane: keep the photo fitted, or the same view.
        if (scene.paneSize.width !== paneWidth) this.#followPane();
        this.requestDraw({ photo: true, mask: true, tools: true });
      });
    });

    // The brush cursor follows size and tool changes.
    $effect(() => {
      void state.brushSize;
      void state.tool;
      untrack(() => this.requestDraw({ tools: true }));
    });
  }

  /** Builds the scene in `host`, sized to `area`, and keeps it sized; returns its removal. */
  mount(host: HTMLDivElement, area: HTMLDivElement): () => void {
    const box = area.getBoundingClientRect();
    this.#host = host;
    this.#scene = new EditorScene(host, box.width, box.height);
    this.#attach();
    const observer = new ResizeObserver(() => {
      const scene = this.#scene;
      if (!scene) return;
      const size = area.getBoundingClientRect();
      scene.resize(size.width, size.height);
      this.#followPane();
    });
    observer.observe(area);
    return () => {
      observer.disconnect();
      cancelAnimationFrame(this.#framePending);
      cancelIdleCallback(this.#hiddenFlushPending);
      this.#scene?.destroy();
      this.#scene = null;
      this.#host = null;
      this.#overlay?.dispose();
      this.#prediction?.dispose();
    };
  }

  /** A new document: fresh overlay canvases for its raster, the photo to come, the view fitted. */
  open(): void {
    const document = this.#state.document;
    if (!document) return;
    this.photo = null;
    // The previous photo's canvases go now, not at some later GC: two 24 MP overlays are 192 MB.
    const previous = [this.#overlay, this.#prediction];
    this.#prediction = null;
    this.#overlay = new MaskOverlays(document.raster, this.#maskStyle());
    this.shownOverlay = null;
    this.#viewIsFitted = true;
    this.#attach();
    for (const old of previous) old?.dispose();
  }

  /** The decoded photo, drawn over the document's size. */
  setPhoto(image: HTMLImageElement): void {
    const document = this.#state.document;
    this.photo = image;
    if (document) this.#scene?.setPhoto(image, document.width, document.height);
    this.requestDraw({ photo: true });
  }

  /** The probability map as the prediction layer (null: none). */
  setPrediction(probability: Uint8Array | null): void {
    const document = this.#state.document;
    const color = parseHexColor(this.#state.predictionColor) ?? { r: 47, g: 140, b: 255 };
    const previous = this.#prediction;
    this.#prediction = probability && document ? new PredictionOverlay(probability, document.width, document.height, color) : null;
    this.#scene?.setPredictionCanvas(this.#prediction?.canvas ?? null);
    previous?.dispose();
  }

  // ------------------------------------------------------------------ frame loop

  requestDraw(what: Layers): void {
    if (what.photo) this.#draw.photo = true;
    if (what.mask) this.#draw.mask = true;
    if (what.tools) this.#draw.tools = true;
    if (!this.#framePending) this.#framePending = requestAnimationFrame(() => this.#frame());
  }

  /** Schedules the repaint of changed pixels (one rectangle, or the areas an undo returns). */
  markChanged(change: Rect | readonly Rect[] | null): void {
    const overlay = this.#overlay;
    if (!change || !overlay) return;
    const rects = 'x' in change ? [change] : change;
    if (rects.length === 0) return;
    for (const rect of rects) overlay.invalidate(rect);
    this.requestDraw({ mask: true });
  }

  #frame(): void {
    this.#framePending = 0;
    const scene = this.#scene;
    if (!scene || !this.#state.document) return;
    const draw = this.#draw;
    const started = performance.now();
    if (this.#work.beforePaint()) draw.tools = true;
    const painted = performance.now();
    this.#overlay?.flushShown(this.#state.view.zoom);
    const flushed = performance.now();
    if (draw.tools) scene.setTools(this.#work.toolsOverlay());
    scene.render(draw);
    draw.photo = draw.mask = draw.tools = false;
    const done = performance.now();
    if (this.#overlay?.hiddenPending(this.#state.view.zoom)) this.#flushHiddenWhenIdle();
    const timings = this.timings;
    timings.frames++;
    timings.editMs += painted - started;
    timings.overlayMs += flushed - painted;
    timings.drawMs += done - flushed;
    timings.maxFrameMs = Math.max(timings.maxFrameMs, done - started);
  }

  /**
   * Puts the overlay canvas that suits `zoom` on screen. One that was hidden may still
   * owe pixels the idle catch-up has not painted yet: those are painted first.
   */
  #showOverlayFor(zoom: number, attach = false): void {
    const document = this.#state.document;
    const scene = this.#scene;
    if (!scene || !document) return;
    const next = this.#overlay?.shownAt(zoom) ?? null;
    if (next === this.shownOverlay && !attach) return;
    next?.flush();
    this.shownOverlay = next;
    scene.setMaskCanvas(next?.canvas ?? null, document.width, document.height);
  }

  /** The overlay canvas not on screen catches up in idle time, a few milliseconds at a time. */
  #flushHiddenWhenIdle(): void {
    if (this.#hiddenFlushPending) return;
    this.#hiddenFlushPending = requestIdleCallback(
      (deadline) => {
        this.#hiddenFlushPending = 0;
        const target = this.#overlay;
        if (!target) return;
        const zoom = this.#state.view.zoom;
        target.flushHidden(zoom, performance.now() + Math.min(8, Math.max(1, deadline.timeRemaining() - 1)));
        if (target.hiddenPending(zoom)) this.#flushHiddenWhenIdle();
      },
      { timeout: 1000 },
    );
  }

  #attach(): void {
    const scene = this.#scene;
    const document = this.#state.document;
    if (!scene || !document) return;
    this.#showOverlayFor(this.#state.view.zoom, true);
    scene.setPredictionCanvas(this.#prediction?.canvas ?? null);
    scene.setPhoto(this.photo, document.width, document.height);
    this.fit();
  }

  #maskStyle(): MaskStyle {
    return {
      color: parseHexColor(this.#state.overlayColor) ?? { r: 255, g: 59, b: 48 },
      outline: this.#state.outlineOnly,
      outlineThickness: outlineThickness(this.#state.view.zoom),
    };
  }

  // ------------------------------------------------------------------ view

  /** True once the scene is built (and until the editor goes). */
  get mounted(): boolean {
    return this.#scene !== null;
  }

  /** The stage's width (the swipe divider is a fraction of it). */
  get stageWidth(): number {
    return this.#scene?.stage.width() ?? 1;
  }

  /** A point on the stage element (CSS pixels from its corner) of a pointer event. */
  stagePoint(event: { clientX: number; clientY: number }): Point {
    const box = this.#host!.getBoundingClientRect();
    return { x: event.clientX - box.left, y: event.clientY - box.top };
  }

  /** The point of a stage point within its pane (side by side has two). */
  toPane(point: Point): Point {
    return this.#scene ? this.#scene.toPane(point) : point;
  }

  toImage(point: Point): Point {
    return screenToImage(this.#state.view, this.toPane(point));
  }

  toStage(image: Point): Point {
    return this.#scene ? this.#scene.imageToStage(image) : image;
  }

  /** Where image point (x, y) is on the page (client pixels). */
  imageToClient(x: number, y: number): Point | null {
    const scene = this.#scene;
    const host = this.#host;
    if (!scene || !host) return null;
    const point = scene.imageToStage({ x, y });
    const box = host.getBoundingClientRect();
    return { x: point.x + box.left, y: point.y + box.top };
  }

  setView(view: Viewport, fitted = false): void {
    const document = this.#state.document;
    const pane = this.#scene?.paneSize ?? this.paneSize;
    const next = document ? constrainViewport(view, document.width, document.height, pane.width, pane.height) : view;
    this.#viewIsFitted = fitted;
    this.#state.view = next;
    this.#showOverlayFor(next.zoom);
    this.#scene?.setView(next);
    this.requestDraw({ photo: true, mask: true, tools: true });
  }

  fit(): void {
    const document = this.#state.document;
    const scene = this.#scene;
    if (!document || !scene) return;
    const pane = scene.paneSize;
    this.paneSize = pane;
    const view = fitViewport(document.width, document.height, pane.width, pane.height);
    this.#state.fitZoom = view.zoom;
    this.setView(view, true);
  }

  /** The point zooms keep still: the pointer's, else the pane's centre. */
  anchor(cursor: Point | null): Point {
    if (cursor && this.#scene) return this.#scene.toPane(cursor);
    return { x: this.paneSize.width / 2, y: this.paneSize.height / 2 };
  }

  zoomBy(factor: number, anchor: Point): void {
    const view = this.#state.view;
    this.setView(zoomAround(view, clampZoom(view.zoom * factor), anchor));
  }

  actualSize(anchor: Point): void {
    this.setView(actualSize(this.#state.view, anchor));
  }

  /** Centres an image point in the pane (minimap clicks). */
  centreOn(image: Point): void {
    this.setView(centreOn(this.#state.view, image, this.paneSize.width, this.paneSize.height));
  }

  /** The pane changed size: the photo stays fitted, or the view stays where it was. */
  #followPane(): void {
    if (!this.#scene) return;
    this.paneSize = this.#scene.paneSize;
    if (this.#viewIsFitted) this.fit();
    else this.setView(this.#state.view);
  }

  // ------------------------------------------------------------------ test hook

  get renders(): { photo: number; mask: number; tools: number } {
    return this.#scene ? { ...this.#scene.renders } : { photo: 0, mask: 0, tools: 0 };
  }

  get paintedPixels(): number {
    return this.#overlay?.paintedPixels ?? 0;
  }

  /** The overlay canvases' alpha at photo points, the level on screen and what the hidden one owes. */
  probeOverlay(points: readonly Point[]): OverlayProbe | null {
    const overlay = this.#overlay;
    if (!overlay) return null;
    const { full, reduced } = overlay;
    const zoom = this.#state.view.zoom;
    return {
      shownLevel: overlay.shownAt(zoom).level,
      hiddenPending: overlay.hiddenPending(zoom),
      full: points.map((p) => full.alphaAt(p.x, p.y)),
      reduced: reduced ? points.map((p) => reduced.alphaAt(p.x, p.y)) : null,
    };
  }
}
