/** The lasso: a free-hand outline dragged around an area, filled (or cut, with Alt) when let go. */
import { MASK_OFF, MASK_ON } from '../maskRaster';
import type { Point } from '../rect';
import type { Cursor, PointerDown, PointerMove, Tool, ToolContext, ToolPreview } from './tool';

export class LassoTool implements Tool {
  readonly showsBrush = false;
  readonly cursor = 'crosshair';
  #points: Point[] = [];
  #cut = false;

  pointerDown(context: ToolContext, down: PointerDown): boolean {
    this.#points = [down.image];
    this.#cut = down.erase;
    context.redrawTools();
    return true;
  }

  pointerMove(context: ToolContext, move: PointerMove): void {
    const last = this.#points[this.#points.length - 1]!;
    // Keep the lasso light: a point every 2 screen pixels is plenty.
    if (Math.hypot(move.image.x - last.x, move.image.y - last.y) * context.state.view.zoom >= 2) this.#points.push(move.image);
  }

  pointerUp(context: ToolContext): void {
    if (this.#points.length >= 3) context.markChanged(context.document.fillPolygon(this.#points, this.#cut ? MASK_OFF : MASK_ON));
    this.#points = [];
  }

  cancel(): void {
    this.#points = [];
  }

  preview(_context: ToolContext, _cursor: Cursor | null): ToolPreview | null {
    return this.#points.length > 0 ? { path: { points: this.#points, kind: 'lasso' }, closeHint: false } : null;
  }
}
