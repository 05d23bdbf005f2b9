/**
 * The mask of one photo and everything that edits it, without the DOM: the raster, the
 * undo history, the model's probability map and the photo's grayscale (for refine). The
 * component turns pointer and key events into these calls and repaints the rectangles
 * they return; the tests drive the same calls under Node.
 *
 * Capture rules (as excalidraw's store: immediately / eventually / never):
 * - a stroke is one entry from beginStroke to endStroke, whatever its length (recorded
 *   at the next commitPending, see endStroke);
 * - fills, invert, clear and refine are one entry each;
 * - threshold changes coalesce into one entry until any other action (a slider drag,
 *   or a burst of `,`/`.` presses, is one undo step);
 * - loading a mask is never recorded: it resets the history.
 *
 * Every change of what the document says about itself (its pixels, its history, whether
 * it is saved) fires `onDidChange`, so what shows the document follows it on its own.
 */
import { Emitter } from '../../electron/api/event';
import { capsuleBounds, capsuleSpans, paintSegment } from './brush';
import { applyThreshold, clearMask, fillPolygon, floodFill, invertMask, paintWithPrediction } from './fill';
import { MaskEdit } from './maskEdit';
import { MaskHistory } from './history';
import { MASK_OFF, MASK_ON, MaskRaster } from './maskRaster';
import { clipRect, unionRect } from './rect';
import type { Point, Rect } from './rect';
import { DEFAULT_REFINE_OPTIONS, refineAllSteps, refineRegion } from './refine';
import type { GuideSource, RefineOptions } from './refine';

/** What a drag does: paint 255, erase to 0, add from the prediction, or refine. */
export type StrokeKind = 'paint' | 'erase' | 'prediction' | 'refine';

export interface StrokeOptions {
  /** Brush radius in image pixels. */
  radius: number;
  /** Probability cut (0..255) for the prediction brush. */
  threshold?: number;
  /** 0..1, prediction brush only (see paintWithPrediction). */
  hardness?: number;
  /** Guided-filter settings for the refine brush. */
  refine?: Omit<RefineOptions, 'footprint'>;
}

/** A whole-photo refine running in slices (see startRefineAll). */
export interface RefineRun {
  /**
   * Refines until `deadline` (performance.now() milliseconds; at least one tile). Returns
   * what changed since the last call (also what an action that finished the refine early
   * wrote) and how far it is.
   */
  step(deadline: number): { changed: Rect | null; done: number; total: number; finished: boolean };
  /** Stops and puts every byte back; records nothing. Returns what changed. */
  cancel(): Rect | null;
}

interface ActiveStroke {
  kind: StrokeKind;
  options: StrokeOptions;
  last: Point;
  /** Every sample, kept for the refine brush, which works on the whole swept area at the end. */
  points: Point[];
  swept: Rect | null;
}

export class MaskDocument {
  readonly width: number;
  readonly height: number;
  readonly raster: MaskRaster;
  readonly history: MaskHistory;
  #prediction: Uint8Array | null = null;
  #guide: GuideSource | null = null;
  #edit: MaskEdit | null = null;
  #editLabel: string | null = null;
  #stroke: ActiveStroke | null = null;
  /** The refine in progress: any other action finishes it first (commitPending), a load drops it. */
  #refine: { finish(): void; drop(): void } | null = null;
  #savedHead = 0;
  #revision = 0;
  readonly #didChange = new Emitter<void>();
  /** Fired after every change of the pixels, the history or the saved state. */
  readonly onDidChange = this.#didChange.event;

  constructor(width: number, height: number, options: { historyByteCap?: number } = {}) {
    this.width = width;
    this.height = height;
    this.raster = new MaskRaster(width, height);
    this.history = new MaskHistory(options.historyByteCap === undefined ? {} : { byteCap: options.historyByteCap });
  }

  /** Bumped by every change of the pixels (edits, undo, redo, load). */
  get revision(): number {
    return this.#revision;
  }

  get prediction(): Uint8Array | null {
    return this.#prediction;
  }

  /** True when the pixels differ from what was last loaded or saved. */
  get dirty(): boolean {
    return this.history.headId !== this.#savedHead || this.hasOpenEdit;
  }

  get strokeActive(): boolean {
    return this.#stroke !== null;
  }

  /** An edit has changed pixels that are not in the history yet (in progress or pending). */
  get hasOpenEdit(): boolean {
    return this.#edit?.touched != null;
  }

  /** An edit is finished but not yet in the history (see endStroke). */
  get hasPendingEdit(): boolean {
    return this.#stroke === null && this.#edit !== null;
  }

  /** Replaces the mask with saved bytes (binary-cut at 128), or an empty mask. Not recorded. */
  load(mask: Uint8Array | null): void {
    this.#abandonEdit();
    if (mask) this.raster.assignBinary(mask);
    else this.raster.data.fill(MASK_OFF);
    this.history.reset();
    this.#savedHead = this.history.headId;
    this.#pixelsChanged();
  }

  /**
   * Starts from the model's guess (the prediction cut at `threshold`) when no saved mask
   * exists. Not recorded and not dirty: the guess is only stored once someone reviews it.
   */
  loadFromPrediction(threshold: number): void {
    if (!this.#prediction) {
      this.load(null);
      return;
    }
    const bytes = new Uint8Array(this.raster.data.length);
    const prediction = this.#prediction;
    for (let i = 0; i < bytes.length; i++) bytes[i] = prediction[i]! >= threshold ? MASK_ON : MASK_OFF;
    this.load(bytes);
  }

  /** The model's probability map (0..255) at the photo's size, or null. */
  setPrediction(probability: Uint8Array | null): void {
    if (probability && probability.length !== this.width * this.height) {
      throw new RangeError(`The probability map has ${probability.length} pixels, the photo ${this.width * this.height}.`);
    }
    this.#prediction = probability;
  }

  /** The photo's grayscale, needed by refine. */
  setGuide(guide: GuideSource | null): void {
    this.#guide = guide;
  }

  get hasGuide(): boolean {
    return this.#guide !== null;
  }

  /**
   * Where the history stands now, for a save that runs asynchronously: take it when the
   * bytes are copied, hand it to `markSaved` when the save returns, so strokes made while
   * the PNG was encoding still count as unsaved. Commits a coalescing edit first.
   */
  savePoint(): number {
    this.commitPending();
    return this.history.headId;
  }

  /** Marks the pixels as saved at `savePoint` (default: now). */
  markSaved(point: number = this.savePoint()): void {
    this.#savedHead = point;
    this.#didChange.fire();
  }

  // ------------------------------------------------------------------ strokes

  /** pointerdown: starts one undoable stroke and paints its first dab. */
  beginStroke(kind: StrokeKind, at: Point, options: StrokeOptions): Rect | null {
    this.commitPending();
    this.#edit = new MaskEdit(this.raster);
    this.#editLabel = kind;
    this.#stroke = { kind, options, last: at, points: [at], swept: null };
    return this.#dab(at, at);
  }

  /** pointermove: extends the stroke with one more sample. */
  extendStroke(to: Point): Rect | null {
    const stroke = this.#stroke;
    if (!stroke) return null;
    const from = stroke.last;
    stroke.last = to;
    stroke.points.push(to);
    return this.#dab(from, to);
  }

  /**
   * pointerup: ends the stroke. Returns what changed now (only a refine stroke writes at
   * the end; a brush stroke is already on screen). The stroke becomes one history entry
   * on the next `commitPending`, which any other action calls first: compressing a
   * stroke across a 24 MP photo takes a moment, and the pointerup frame should not wait
   * for it (the component commits when the browser is idle).
   */
  endStroke(): Rect | null {
    const stroke = this.#stroke;
    if (!stroke) return null;
    let changed: Rect | null = null;
    if (stroke.kind === 'refine') changed = this.#refineStroke(stroke);
    this.#stroke = null;
    return changed;
  }

  /** Escape during a stroke: puts the pixels back, records nothing. */
  cancelStroke(): Rect | null {
    this.#stroke = null;
    return this.#abandonEdit();
  }

  /** The area a refine stroke has swept so far (nothing is written until it ends). */
  get sweptArea(): Rect | null {
    return this.#stroke?.swept ?? null;
  }

  #dab(from: Point, to: Point): Rect | null {
    const stroke = this.#stroke!;
    const edit = this.#edit!;
    const { radius } = stroke.options;
    let rect: Rect | null = null;
    switch (stroke.kind) {
      case 'paint':
        rect = paintSegment(edit, from, to, radius, MASK_ON);
        break;
      case 'erase':
        rect = paintSegment(edit, from, to, radius, MASK_OFF);
        break;
      case 'prediction':
        if (this.#prediction) {
          rect = paintWithPrediction(edit, this.#prediction, from, to, radius, stroke.options.threshold ?? 128, stroke.options.hardness ?? 1);
        }
        break;
      case 'refine':
        stroke.swept = unionRect(stroke.swept, clipRect(capsuleBounds(from, to, radius), this.width, this.height));
        return null;
    }
    if (rect) this.#pixelsChanged();
    return rect;
  }

  #refineStroke(stroke: ActiveStroke): Rect | null {
    const region = stroke.swept;
    if (!region || !this.#guide) return null;
    // The footprint of the whole stroke in region coordinates: only pixels under the
    // brush may change, however far the filter's window reaches.
    const footprint = new Uint8Array(region.width * region.height);
    const shift = (p: Point): Point => ({ x: p.x - region.x, y: p.y - region.y });
    const radius = stroke.options.radius;
    for (let i = 0; i < stroke.points.length; i++) {
      const from = shift(stroke.points[Math.max(0, i - 1)]!);
      const to = shift(stroke.points[i]!);
      capsuleSpans(from, to, radius, region.width, region.height, (y, x0, x1) => {
        footprint.fill(1, y * region.width + x0, y * region.width + x1 + 1);
      });
    }
    const rect = refineRegion(this.#edit!, this.#guide, region, { ...DEFAULT_REFINE_OPTIONS, ...stroke.options.refine, footprint });
    if (rect) this.#pixelsChanged();
    return rect;
  }

  // ------------------------------------------------------------------ one-shot tools

  /** Polygon or lasso: fills (255) or cuts (0) its inside. */
  fillPolygon(points: readonly Point[], value: number): Rect | null {
    return this.#oneShot(value === MASK_OFF ? 'cut' : 'fill', (edit) => fillPolygon(edit, points, value));
  }

  floodFill(at: Point, value: number): Rect | null {
    return this.#oneShot('flood fill', (edit) => floodFill(edit, at.x, at.y, value));
  }

  invert(): Rect | null {
    return this.#oneShot('invert', (edit) => invertMask(edit));
  }

  clear(): Rect | null {
    return this.#oneShot('clear', (edit) => clearMask(edit));
  }

  /**
   * Starts a whole-photo refine that runs in slices (`step`), one undo entry in the end.
   * Until it finishes, any other action (a stroke, undo, a save point) first finishes it
   * at once, so the pixels are never half refined when they are recorded or saved.
   * Null without a guide or during a stroke.
   */
  startRefineAll(options: Omit<RefineOptions, 'footprint'> = DEFAULT_REFINE_OPTIONS): RefineRun | null {
    const guide = this.#guide;
    if (!guide || this.#stroke) return null;
    this.commitPending();
    const edit = new MaskEdit(this.raster);
    this.#edit = edit;
    this.#editLabel = 'refine';
    const steps = refineAllSteps(edit, guide, options);
    let state: 'running' | 'finished' | 'dropped' = 'running';
    let unreported: Rect | null = null;
    let progress = { done: 0, total: 1 };
    const advance = (deadline: number): void => {
      while (state === 'running') {
        const next = steps.next();
        if (next.done) {
          state = 'finished';
          this.#refine = null;
          if (this.#edit === edit) this.#commit();
          progress = { done: progress.total, total: progress.total };
          return;
        }
        progress = { done: next.value.done, total: next.value.total };
        if (next.value.written) {
          unreported = unionRect(unreported, next.value.written);
          this.#pixelsChanged();
        }
        if (performance.now() >= deadline) return;
      }
    };
    this.#refine = {
      finish: () => advance(Infinity),
      drop: () => {
        state = 'dropped';
      },
    };
    return {
      step: (deadline) => {
        advance(deadline);
        const changed = unreported;
        unreported = null;
        return { changed, ...progress, finished: state !== 'running' };
      },
      cancel: () => {
        if (state !== 'running') return null;
        state = 'dropped';
        this.#refine = null;
        unreported = null;
        return this.#edit === edit ? this.#abandonEdit() : null;
      },
    };
  }

  /** True while a whole-photo refine started with startRefineAll is running. */
  get refining(): boolean {
    return this.#refine !== null;
  }

  /**
   * Live threshold: the mask becomes the prediction cut at `threshold`. Successive calls
   * coalesce into one undo entry until another action commits it.
   */
  setThreshold(threshold: number): Rect | null {
    const prediction = this.#prediction;
    if (!prediction) return null;
    if (this.#editLabel !== 'threshold') {
      this.commitPending();
      this.#edit = new MaskEdit(this.raster);
      this.#editLabel = 'threshold';
    }
    const rect = applyThreshold(this.#edit!, prediction, threshold);
    this.#pixelsChanged();
    return rect;
  }

  /** Records an edit left open (a finished stroke, a threshold drag); the next action starts a new entry. */
  commitPending(): Rect | null {
    this.#refine?.finish();
    if (this.#stroke) return null;
    return this.#commit();
  }

  // ------------------------------------------------------------------ history

  /** Reverts the newest entry; returns the areas that changed (empty when there was none). */
  undo(): Rect[] {
    if (this.#stroke) return [];
    this.commitPending();
    const areas = this.history.undo(this.raster);
    if (areas.length > 0) this.#pixelsChanged();
    return areas;
  }

  /** Re-applies the newest undone entry; returns the areas that changed. */
  redo(): Rect[] {
    if (this.#stroke) return [];
    this.commitPending();
    const areas = this.history.redo(this.raster);
    if (areas.length > 0) this.#pixelsChanged();
    return areas;
  }

  #oneShot(label: string, apply: (edit: MaskEdit) => Rect | null): Rect | null {
    if (this.#stroke) return null;
    this.commitPending();
    this.#edit = new MaskEdit(this.raster);
    this.#editLabel = label;
    const rect = apply(this.#edit);
    if (rect) this.#revision++;
    // Recording it fires the change, with the new pixels and the new entry both in place.
    this.#commit();
    return rect;
  }

  /** Records the open edit, if it changed anything; returns the recorded rectangle. */
  #commit(): Rect | null {
    const edit = this.#edit;
    const label = this.#editLabel ?? 'edit';
    this.#edit = null;
    this.#editLabel = null;
    if (!edit) return null;
    const diff = edit.finish();
    if (!diff) return null;
    this.history.record(diff, label);
    this.#didChange.fire();
    return diff.rect;
  }

  #abandonEdit(): Rect | null {
    this.#refine?.drop();
    this.#refine = null;
    const edit = this.#edit;
    this.#edit = null;
    this.#editLabel = null;
    this.#stroke = null;
    const rect = edit?.revert() ?? null;
    if (rect) this.#pixelsChanged();
    return rect;
  }

  #pixelsChanged(): void {
    this.#revision++;
    this.#didChange.fire();
  }
}
