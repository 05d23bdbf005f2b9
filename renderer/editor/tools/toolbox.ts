/** One instance of every tool, for one editor. */
import { BrushTool, PredictionBrushTool } from './brush';
import { FloodFillTool } from './fill';
import { LassoTool } from './lasso';
import { PolygonTool } from './polygon.svelte';
import { RefineTool } from './refine';
import { ThresholdTool } from './threshold';
import type { Tool } from './tool';
import type { ToolId } from './toolId';

export class Toolbox {
  /** Named: the status line counts its vertices, undo drops them. */
  readonly polygon = new PolygonTool();
  /** Named: the threshold slider asks it for a new cut. */
  readonly threshold = new ThresholdTool();
  readonly #byId: Readonly<Record<ToolId, Tool>>;
  /** Every tool, strokes first: a frame applies stroke samples before a threshold. */
  readonly all: readonly Tool[];

  constructor() {
    this.#byId = {
      brush: new BrushTool(),
      predictionBrush: new PredictionBrushTool(),
      refine: new RefineTool(),
      lasso: new LassoTool(),
      polygon: this.polygon,
      flood: new FloodFillTool(),
      threshold: this.threshold,
    };
    this.all = Object.values(this.#byId);
  }

  get(id: ToolId): Tool {
    return this.#byId[id];
  }
}
