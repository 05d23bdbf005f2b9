/**
 * Refine: snaps the mask onto the photo's edges with a guided filter. The brush refines
 * what it sweeps, when it is lifted; "refine all" does the whole photo a slice of tiles
 * per animation frame, with its progress in the status line, so the page never freezes.
 */
import type { StrokeKind, RefineRun } from '../maskDocument';
import type { Rect } from '../rect';
import { StrokeTool } from './strokeTool';
import type { Cursor, ToolContext, ToolPreview } from './tool';

/** Refine work per animation frame: the page keeps drawing and taking keys while it runs. */
const REFINE_SLICE_MS = 12;

export class RefineTool extends StrokeTool {
  protected kind(context: ToolContext): StrokeKind | null {
    if (context.document.hasGuide) return 'refine';
    context.say('The photo is still loading.');
    return null;
  }

  /** The path swept so far: nothing is written until the stroke ends. */
  preview(context: ToolContext, _cursor: Cursor | null): ToolPreview | null {
    if (!context.document.strokeActive || context.state.tool !== 'refine' || this.points.length === 0) return null;
    return { path: { points: this.points, kind: 'sweep', radius: context.state.brushRadius }, closeHint: false };
  }
}

/**
 * The whole-photo refine in progress. Escape cancels it (every byte back); any other
 * action first finishes it, so a half-refined mask is never recorded or saved.
 */
export class WholePhotoRefine {
  #run: RefineRun | null = null;

  get running(): boolean {
    return this.#run !== null;
  }

  start(context: ToolContext): void {
    const run = context.document.startRefineAll();
    if (!run) return;
    this.#run = run;
    context.state.refineProgress = 0;
    const slice = () => {
      if (this.#run !== run) return;
      const step = run.step(performance.now() + REFINE_SLICE_MS);
      if (step.finished) return this.#end(context, step.changed, 'Refined.');
      context.markChanged(step.changed);
      context.state.refineProgress = step.done / step.total;
      requestAnimationFrame(slice);
    };
    requestAnimationFrame(slice);
  }

  /** Runs what is left at once (before a save, a stroke, another photo). */
  finish(context: ToolContext): void {
    if (this.#run) this.#end(context, this.#run.step(Infinity).changed, 'Refined.');
  }

  /** Escape: every pixel goes back, nothing is recorded. */
  cancel(context: ToolContext): void {
    if (this.#run) this.#end(context, this.#run.cancel(), 'Refine cancelled.');
  }

  /** Forgets the run with its document (another photo was opened). */
  drop(state: ToolContext['state']): void {
    this.#run = null;
    state.refineProgress = null;
  }

  /** The refine is over (done, or cancelled): its last changes are shown and its progress goes. */
  #end(context: ToolContext, changed: Rect | null, message: string): void {
    this.#run = null;
    context.state.refineProgress = null;
    context.markChanged(changed);
    context.say(message);
  }
}
