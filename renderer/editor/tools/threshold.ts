/**
 * Threshold: the mask becomes the model's prediction cut at the slider's value, live, one
 * frame at a time as the slider moves; a drag of the slider (or a burst of `,` / `.`) is
 * one undo step. The canvas takes no clicks with this tool.
 */
import type { Tool, ToolContext } from './tool';

export class ThresholdTool implements Tool {
  readonly showsBrush = false;
  readonly cursor = 'default';
  #pending = false;

  /** Cuts the prediction again at the state's threshold in the next frame. */
  schedule(context: ToolContext): void {
    this.#pending = true;
    context.redrawMask();
  }

  select(context: ToolContext): void {
    this.schedule(context);
  }

  /** The cut so far becomes an undo step of its own. */
  deselect(context: ToolContext): void {
    context.document.commitPending();
  }

  frame(context: ToolContext): boolean {
    if (this.#pending) {
      this.#pending = false;
      context.markChanged(context.document.setThreshold(context.state.threshold));
    }
    return false;
  }

  pointerDown(): boolean {
    return false;
  }

  pointerMove(): void {}

  pointerUp(): void {}

  cancel(): void {}
}
