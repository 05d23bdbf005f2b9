/**
 * The Konva scene of the mask editor, laid out as konvajs.org's performance tips advise:
 *
 * - photo layer (`listening(false)`): the photo drawn as one image, redrawn only when the
 *   view moves;
 * - mask layer (`listening(false)`): the prediction and mask overlays, two full-size
 *   offscreen canvases whose changed rectangles are repainted by putImageData
 *   (overlayCanvas.ts); the layer itself is redrawn once per frame at most;
 * - tools layer (`listening(false)`): the brush footprint under the pointer, the polygon /
 *   lasso / refine previews and the swipe divider, in screen coordinates.
 *
 * No layer listens: pointer input is read from the container element by the component,
 * which knows the tools. Compare modes are panes: side by side shows the prediction in
 * the left half and the mask in the right, both at the same view; swipe shows the
 * prediction left of the divider and the mask right of it.
 */
import Konva from 'konva';
import { footprintOutline } from './brush';
import type { Point } from './rect';
import type { Viewport } from '../lib/viewport';
import { imageToScreen } from '../lib/viewport';

export type CompareMode = 'off' | 'side-by-side' | 'swipe';

/** What the tools layer shows. */
export interface ToolsOverlay {
  /** The brush footprint at `image` (image coordinates). */
  cursor: { image: Point; radius: number } | null;
  /** A polygon or lasso in progress, or the path a refine stroke swept. */
  path: { points: readonly Point[]; kind: 'polygon' | 'lasso' | 'sweep'; radius?: number } | null;
  /** Highlights the first polygon vertex: a click now closes the polygon. */
  closeHint: boolean;
}

interface PaneSpec {
  x: number;
  width: number;
  height: number;
  /** Screen x-range (within the stage) where each overlay shows, or null when hidden. */
  prediction: [number, number] | null;
  mask: [number, number] | null;
}

interface PaneNodes {
  spec: PaneSpec;
  photo: Konva.Group;
  prediction: Konva.Group;
  predictionImage: Konva.Image;
  mask: Konva.Group;
  maskImage: Konva.Image;
}

/** Counters the tests read through window.__studio.editor. */
export interface RenderCounts {
  photo: number;
  mask: number;
  tools: number;
}

export class EditorScene {
  readonly stage: Konva.Stage;
  readonly renders: RenderCounts = { photo: 0, mask: 0, tools: 0 };
  readonly #photoLayer: Konva.Layer;
  readonly #maskLayer: Konva.Layer;
  readonly #toolsLayer: Konva.Layer;
  readonly #cursor: Konva.Shape;
  readonly #path: Konva.Line;
  readonly #closeHint: Konva.Circle;
  readonly #divider: Konva.Line;
  #panes: PaneNodes[] = [];
  #photo: CanvasImageSource | null = null;
  #photoSize = { width: 0, height: 0 };
  #maskCanvas: HTMLCanvasElement | null = null;
  #maskSize = { width: 0, height: 0 };
  #predictionCanvas: HTMLCanvasElement | null = null;
  #view: Viewport = { zoom: 1, x: 0, y: 0 };
  #compare: CompareMode = 'off';
  #swipe = 0.5;
  #maskVisible = true;
  #maskOpacity = 0.5;
  #predictionVisible = false;
  #predictionOpacity = 0.6;
  #tools: ToolsOverlay = { cursor: null, path: null, closeHint: false };

  constructor(container: HTMLDivElement, width: number, height: number) {
    this.stage = new Konva.Stage({ container, width: Math.max(1, width), height: Math.max(1, height), listening: false });
    this.#photoLayer = new Konva.Layer({ listening: false });
    this.#maskLayer = new Konva.Layer({ listening: false });
    this.#toolsLayer = new Konva.Layer({ listening: false });
    this.stage.add(this.#photoLayer, this.#maskLayer, this.#toolsLayer);

    this.#path = new Konva.Line({ points: [], stroke: '#ffffff', strokeWidth: 1.5, dash: [6, 4], listening: false, visible: false });
    this.#closeHint = new Konva.Circle({ radius: 7, stroke: '#ffffff', strokeWidth: 2, listening: false, visible: false });
    this.#divider = new Konva.Line({ points: [], stroke: '#ffffff', strokeWidth: 2, shadowColor: '#000', shadowBlur: 3, listening: false, visible: false });
    this.#cursor = new Konva.Shape({
      listening: false,
      visible: false,
      sceneFunc: (context) => this.#drawCursor(context),
    });
    this.#toolsLayer.add(this.#path, this.#closeHint, this.#divider, this.#cursor);
    this.#rebuildPanes();
  }

  get view(): Viewport {
    return this.#view;
  }

  /** Size of the pane the view applies to (half the stage side by side). */
  get paneSize(): { width: number; height: number } {
    const width = this.stage.width();
    return { width: this.#compare === 'side-by-side' ? Math.floor(width / 2) : width, height: this.stage.height() };
  }

  /** Which pane a stage point is in, and the point relative to that pane. */
  toPane(point: Point): Point {
    const pane = this.#panes.find((p) => point.x >= p.spec.x && point.x < p.spec.x + p.spec.width) ?? this.#panes[0]!;
    return { x: point.x - pane.spec.x, y: point.y };
  }

  /** Stage point of an image point in the pane that shows the mask (for tests and tools). */
  imageToStage(point: Point): Point {
    const pane = this.#panes.find((p) => p.spec.mask) ?? this.#panes[0]!;
    const screen = imageToScreen(this.#view, point);
    return { x: screen.x + pane.spec.x, y: screen.y };
  }

  resize(width: number, height: number): void {
    this.stage.size({ width: Math.max(1, width), height: Math.max(1, height) });
    this.#rebuildPanes();
  }

  /**
   * The photo, drawn over the mask's width x height whatever its own resolution: a
   * preview-sized image (a RAW file's embedded JPEG, a scaled-down display copy) still
   * lines up with the mask pixel for pixel.
   */
  setPhoto(photo: CanvasImageSource | null, width: number, height: number): void {
    this.#photo = photo;
    this.#photoSize = { width, height };
    for (const pane of this.#panes) (pane.photo.findOne('Image') as Konva.Image | undefined)?.setAttrs({ image: photo ?? undefined, width, height });
  }

  /**
   * The mask overlay, drawn over the photo's `width` x `height` whatever the canvas's own
   * size: a reduced canvas (one pixel per 2^L photo pixels) is scaled up to cover it.
   */
  setMaskCanvas(canvas: HTMLCanvasElement | null, width: number, height: number): void {
    this.#maskCanvas = canvas;
    this.#maskSize = { width, height };
    for (const pane of this.#panes) pane.maskImage.setAttrs({ image: canvas ?? undefined, width, height });
    this.#applyVisibility();
  }

  setPredictionCanvas(canvas: HTMLCanvasElement | null): void {
    this.#predictionCanvas = canvas;
    for (const pane of this.#panes) pane.predictionImage.image(canvas ?? undefined);
    this.#applyVisibility();
  }

  setLayout(compare: CompareMode, swipe: number): void {
    if (compare === this.#compare && swipe === this.#swipe) return;
    const rebuild = compare !== this.#compare;
    this.#compare = compare;
    this.#swipe = Math.min(1, Math.max(0, swipe));
    if (rebuild) this.#rebuildPanes();
    else this.#applyClips();
  }

  setOverlayStyle(style: { maskVisible: boolean; maskOpacity: number; predictionVisible: boolean; predictionOpacity: number }): void {
    this.#maskVisible = style.maskVisible;
    this.#maskOpacity = style.maskOpacity;
    this.#predictionVisible = style.predictionVisible;
    this.#predictionOpacity = style.predictionOpacity;
    this.#applyVisibility();
  }

  setView(view: Viewport): void {
    this.#view = view;
    this.#applyView();
  }

  setTools(tools: ToolsOverlay): void {
    this.#tools = tools;
    this.#applyTools();
  }

  /** Draws the layers asked for, now (the caller is already inside an animation frame). */
  render(what: { photo?: boolean; mask?: boolean; tools?: boolean }): void {
    if (what.photo) {
      this.#photoLayer.draw();
      this.renders.photo++;
    }
    if (what.mask) {
      this.#maskLayer.draw();
      this.renders.mask++;
    }
    if (what.tools) {
      this.#toolsLayer.draw();
      this.renders.tools++;
    }
  }

  destroy(): void {
    this.stage.destroy();
  }

  #paneSpecs(): PaneSpec[] {
    const width = this.stage.width();
    const height = this.stage.height();
    switch (this.#compare) {
      case 'side-by-side': {
        const half = Math.floor(width / 2);
        return [
          { x: 0, width: half, height, prediction: [0, half], mask: null },
          { x: half, width: width - half, height, prediction: null, mask: [half, width] },
        ];
      }
      case 'swipe': {
        const at = Math.round(width * this.#swipe);
        return [{ x: 0, width, height, prediction: [0, at], mask: [at, width] }];
      }
      default:
        return [{ x: 0, width, height, prediction: [0, width], mask: [0, width] }];
    }
  }

  #rebuildPanes(): void {
    this.#photoLayer.destroyChildren();
    this.#maskLayer.destroyChildren();
    this.#panes = this.#paneSpecs().map((spec) => {
      const clip = { clipX: spec.x, clipY: 0, clipWidth: spec.width, clipHeight: spec.height };
      const photo = new Konva.Group(clip);
      photo.add(new Konva.Group().add(new Konva.Image({ image: this.#photo ?? undefined, ...this.#photoSize, listening: false })));
      const prediction = new Konva.Group(clip);
      const predictionImage = new Konva.Image({ image: this.#predictionCanvas ?? undefined, listening: false });
      prediction.add(new Konva.Group().add(predictionImage));
      const mask = new Konva.Group(clip);
      const maskImage = new Konva.Image({ image: this.#maskCanvas ?? undefined, ...this.#maskSize, listening: false });
      mask.add(new Konva.Group().add(maskImage));
      this.#photoLayer.add(photo);
      this.#maskLayer.add(prediction, mask);
      return { spec, photo, prediction, predictionImage, mask, maskImage };
    });
    this.#applyClips();
    this.#applyView();
    this.#applyVisibility();
    this.#applyTools();
  }

  #applyClips(): void {
    const specs = this.#paneSpecs();
    this.#panes.forEach((pane, i) => {
      const spec = specs[i] ?? pane.spec;
      pane.spec = spec;
      const range = (r: [number, number] | null) => (r ? { x: r[0], y: 0, width: Math.max(0, r[1] - r[0]), height: spec.height } : { x: 0, y: 0, width: 0, height: 0 });
      pane.prediction.clip(range(spec.prediction));
      pane.mask.clip(range(spec.mask));
    });
    this.#applyVisibility();
    this.#applyTools();
  }

  #applyView(): void {
    const { zoom, x, y } = this.#view;
    // Pixels stay crisp when magnified, so individual mask pixels can be judged.
    const smooth = zoom < 2;
    this.#photoLayer.imageSmoothingEnabled(smooth);
    this.#maskLayer.imageSmoothingEnabled(smooth);
    for (const pane of this.#panes) {
      for (const group of [pane.photo, pane.prediction, pane.mask]) {
        const content = group.getChildren()[0] as Konva.Group;
        content.setAttrs({ x: pane.spec.x + x, y, scaleX: zoom, scaleY: zoom });
      }
    }
    this.#applyTools();
  }

  #applyVisibility(): void {
    for (const pane of this.#panes) {
      const swipeOrSide = this.#compare !== 'off';
      const showPrediction = pane.spec.prediction !== null && this.#predictionCanvas !== null && (swipeOrSide || this.#predictionVisible);
      pane.prediction.visible(showPrediction);
      pane.predictionImage.opacity(this.#predictionOpacity);
      pane.mask.visible(pane.spec.mask !== null && this.#maskCanvas !== null && this.#maskVisible);
      pane.maskImage.opacity(this.#maskOpacity);
    }
  }

  #applyTools(): void {
    const tools = this.#tools;
    this.#cursor.visible(tools.cursor !== null);
    const path = tools.path;
    if (path && path.points.length > 0) {
      const flat: number[] = [];
      for (const point of path.points) {
        const screen = this.imageToStage(point);
        flat.push(screen.x, screen.y);
      }
      if (path.kind === 'sweep') {
        this.#path.setAttrs({
          points: flat,
          stroke: 'rgba(255, 255, 255, 0.35)',
          strokeWidth: Math.max(1, 2 * (path.radius ?? 1) * this.#view.zoom),
          dash: [],
          lineCap: 'round',
          lineJoin: 'round',
          closed: false,
        });
      } else {
        this.#path.setAttrs({ points: flat, stroke: '#ffffff', strokeWidth: 1.5, dash: [6, 4], lineCap: 'butt', lineJoin: 'miter', closed: path.kind === 'lasso' });
      }
      this.#path.visible(true);
      const first = this.imageToStage(path.points[0]!);
      this.#closeHint.setAttrs({ x: first.x, y: first.y, visible: tools.closeHint });
    } else {
      this.#path.visible(false);
      this.#closeHint.visible(false);
    }
    if (this.#compare === 'swipe') {
      const at = Math.round(this.stage.width() * this.#swipe);
      this.#divider.setAttrs({ points: [at, 0, at, this.stage.height()], visible: true });
    } else {
      this.#divider.visible(false);
    }
  }

  /**
   * The brush footprint, drawn along pixel edges: at 800 % one sees the staircase of real
   * pixels a click would paint, at 10 % it is a circle. Black under white, visible on any photo.
   */
  #drawCursor(context: Konva.Context): void {
    const cursor = this.#tools.cursor;
    if (!cursor) return;
    const outline = footprintOutline(cursor.image, cursor.radius);
    if (outline.length === 0) return;
    // Side by side, the footprint shows in both halves, at the same image point.
    context.beginPath();
    for (const pane of this.#panes) {
      for (let i = 0; i < outline.length; i += 2) {
        const screen = imageToScreen(this.#view, { x: outline[i]!, y: outline[i + 1]! });
        if (i === 0) context.moveTo(screen.x + pane.spec.x, screen.y);
        else context.lineTo(screen.x + pane.spec.x, screen.y);
      }
      context.closePath();
    }
    context.setAttr('lineWidth', 3);
    context.setAttr('strokeStyle', 'rgba(0, 0, 0, 0.6)');
    context.stroke();
    context.setAttr('lineWidth', 1);
    context.setAttr('strokeStyle', '#ffffff');
    context.stroke();
  }
}
