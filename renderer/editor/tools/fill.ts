/** Flood fill: a click fills (or, erasing, empties) the connected area of the mask under it. */
import { MASK_OFF, MASK_ON } from '../maskRaster';
import type { PointerDown, Tool, ToolContext } from './tool';

export class FloodFillTool implements Tool {
  readonly showsBrush = false;
  readonly cursor = 'crosshair';

  pointerDown(context: ToolContext, down: PointerDown): boolean {
    context.markChanged(context.document.floodFill(down.image, down.erase ? MASK_OFF : MASK_ON));
    return false;
  }

  pointerMove(): void {}

  pointerUp(): void {}

  cancel(): void {}
}
