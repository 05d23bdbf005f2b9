/** The editor's tools by name, and what the toolbar and status line call them. */

export type ToolId = 'brush' | 'lasso' | 'polygon' | 'flood' | 'threshold' | 'predictionBrush' | 'refine';

export const TOOL_LABELS: Record<ToolId, string> = {
  brush: 'Brush',
  lasso: 'Lasso',
  polygon: 'Polygon',
  flood: 'Flood fill',
  threshold: 'Threshold',
  predictionBrush: 'Paint with prediction',
  refine: 'Refine',
};
