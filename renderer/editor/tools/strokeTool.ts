/**
 * What the brush tools share: a drag is one stroke of the document, from pointerdown to
 * pointerup. Samples are queued as the pointer moves and applied, all of them, in the next
 * animation frame, so the stroke is exact however fast the pointer goes and the screen is
 * drawn at most once a frame.
 */
import type { StrokeKind } from '../maskDocument';
import type { Point } from '../rect';
import type { PointerDown, PointerMove, Tool, ToolContext } from './tool';

export abstract class StrokeTool implements Tool {
  readonly showsBrush = true;
  readonly cursor = 'none';
  /** Samples not yet applied (the next frame applies them). */
  #pending: Point[] = [];
  /** Every sample of the stroke in progress, for its preview. */
  protected points: Point[] = [];

  /** What a drag paints; null when it cannot start (the tool says why). */
  protected abstract kind(context: ToolContext, erase: boolean): StrokeKind | null;

  pointerDown(context: ToolContext, down: PointerDown): boolean {
    const kind = this.kind(context, down.erase);
    if (!kind) return false;
    const { state, document } = context;
    this.points = [down.image];
    const options = {
      radius: state.brushRadius,
      threshold: state.threshold,
      hardness: state.hardness,
      // The refine window follows the brush: an edge within the brush is what it should find.
      refine: { radius: Math.min(64, Math.max(4, Math.round(state.brushRadius))), epsilon: 1e-3, iterations: 3 },
    };
    context.markChanged(document.beginStroke(kind, down.image, options));
    context.redrawTools();
    return true;
  }

  pointerMove(_context: ToolContext, move: PointerMove): void {
    for (const image of move.samples()) {
      this.#pending.push(image);
      this.points.push(image);
    }
  }

  frame(context: ToolContext): boolean {
    let applied = false;
    if (this.#pending.length > 0 && context.document.strokeActive) {
      for (const point of this.#pending) context.markChanged(context.document.extendStroke(point));
      applied = true;
    }
    this.#pending = [];
    return applied;
  }

  pointerUp(context: ToolContext): void {
    const { document } = context;
    for (const point of this.#pending) context.markChanged(document.extendStroke(point));
    this.#pending = [];
    context.markChanged(document.endStroke());
    this.points = [];
    context.commitWhenIdle();
  }

  cancel(context: ToolContext): void {
    this.#pending = [];
    context.markChanged(context.document.cancelStroke());
    this.points = [];
  }
}
