/**
 * The polygon: a click per vertex; a click on the first vertex, Enter or a double click
 * fills it (or cuts it, when the first click had Alt). Backspace takes back the last
 * vertex, Escape drops them all. The vertices are state: the status line counts them.
 */
import { MASK_OFF, MASK_ON } from '../maskRaster';
import type { Point } from '../rect';
import type { Cursor, PointerDown, Tool, ToolContext, ToolPreview } from './tool';

/** How near (screen pixels) a click must be to the first vertex to close the polygon. */
const CLOSE_DISTANCE = 8;

export class PolygonTool implements Tool {
  readonly showsBrush = false;
  readonly cursor = 'crosshair';
  points = $state.raw<Point[]>([]);
  #cut = false;

  get holdsInput(): boolean {
    return this.points.length > 0;
  }

  pointerDown(context: ToolContext, down: PointerDown): boolean {
    if (this.points.length >= 3 && this.#nearFirstVertex(context, down.stage)) {
      this.#close(context);
    } else {
      if (this.points.length === 0) this.#cut = down.erase;
      this.points = [...this.points, down.image];
      context.redrawTools();
    }
    // Each click is complete in itself: no drag follows.
    return false;
  }

  pointerMove(): void {}

  pointerUp(): void {}

  cancel(context: ToolContext): void {
    if (this.points.length > 0) {
      this.points = [];
      context.redrawTools();
    }
  }

  deselect(context: ToolContext): void {
    this.cancel(context);
  }

  key(context: ToolContext, key: string): boolean {
    if (this.points.length === 0) return false;
    if (key === 'Enter') {
      this.#close(context);
      return true;
    }
    if (key === 'Backspace') {
      this.points = this.points.slice(0, -1);
      context.redrawTools();
      return true;
    }
    return false;
  }

  doubleClick(context: ToolContext): void {
    if (this.points.length < 3) return;
    // The two clicks of a double click each added the same vertex: drop the duplicate.
    this.points = this.points.slice(0, -1);
    this.#close(context);
  }

  preview(context: ToolContext, cursor: Cursor | null): ToolPreview | null {
    if (this.points.length === 0) return null;
    return {
      path: { points: cursor ? [...this.points, cursor.image] : this.points, kind: 'polygon' },
      closeHint: cursor !== null && this.points.length >= 3 && this.#nearFirstVertex(context, cursor.stage),
    };
  }

  #close(context: ToolContext): void {
    const points = this.points;
    this.points = [];
    if (points.length >= 3) context.markChanged(context.document.fillPolygon(points, this.#cut ? MASK_OFF : MASK_ON));
    context.redrawTools();
  }

  #nearFirstVertex(context: ToolContext, stage: Point): boolean {
    const first = this.points[0];
    if (!first) return false;
    const screen = context.toStage(first);
    return Math.hypot(screen.x - stage.x, screen.y - stage.y) <= CLOSE_DISTANCE;
  }
}
