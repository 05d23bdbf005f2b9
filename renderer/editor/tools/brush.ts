/**
 * The brush: a round footprint dragged across the mask, painting blur (255) or erasing it
 * (0); and the brush that paints with the model's prediction, adding only what the model
 * calls blurred under it.
 */
import type { StrokeKind } from '../maskDocument';
import { StrokeTool } from './strokeTool';
import type { ToolContext } from './tool';

export class BrushTool extends StrokeTool {
  protected kind(_context: ToolContext, erase: boolean): StrokeKind {
    return erase ? 'erase' : 'paint';
  }
}

export class PredictionBrushTool extends StrokeTool {
  protected kind(context: ToolContext): StrokeKind | null {
    if (context.document.prediction) return 'prediction';
    context.say('This photo has no prediction to paint with.');
    return null;
  }
}
