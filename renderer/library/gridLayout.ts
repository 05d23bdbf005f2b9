/**
 * Geometry of the virtualised thumbnail grid: how many columns fit, how tall a row is, and
 * which items a scroll position shows. Only those items exist in the DOM, so 10,000
 * photos cost no more than 50.
 */

export interface GridMetrics {
  columns: number;
  /** Width of one tile in CSS pixels (tiles stretch to fill the row). */
  tileWidth: number;
  /** Height of the thumbnail box inside a tile. */
  imageHeight: number;
  /** Height of one row including the gap below it. */
  rowHeight: number;
  rows: number;
  /** Height of the whole scrollable content. */
  contentHeight: number;
  gap: number;
  padding: number;
}

export interface GridSpec {
  viewportWidth: number;
  itemCount: number;
  /** Tiles are never narrower than this. */
  minTileWidth: number;
  gap: number;
  padding: number;
  /** Thumbnail box height / width. */
  imageAspect: number;
  /** Inner padding of a tile around its thumbnail box. */
  tilePadding: number;
  /** Height of the caption under the image. */
  captionHeight: number;
}

export function gridMetrics(spec: GridSpec): GridMetrics {
  const inner = Math.max(0, spec.viewportWidth - spec.padding * 2);
  const columns = Math.max(1, Math.floor((inner + spec.gap) / (spec.minTileWidth + spec.gap)));
  const tileWidth = Math.max(1, Math.floor((inner - spec.gap * (columns - 1)) / columns));
  const imageHeight = Math.round((tileWidth - spec.tilePadding * 2) * spec.imageAspect);
  const rowHeight = imageHeight + spec.tilePadding * 2 + spec.captionHeight + spec.gap;
  const rows = Math.ceil(spec.itemCount / columns);
  return {
    columns,
    tileWidth,
    imageHeight,
    rowHeight,
    rows,
    contentHeight: rows === 0 ? 0 : spec.padding * 2 + rows * rowHeight - spec.gap,
    gap: spec.gap,
    padding: spec.padding,
  };
}

export interface VisibleRange {
  /** First item index rendered (inclusive). */
  start: number;
  /** Last item index rendered (exclusive). */
  end: number;
}

/** Items of the rows in view, plus `overscanRows` above and below so fast scrolls show no gaps. */
export function visibleRange(metrics: GridMetrics, itemCount: number, scrollTop: number, viewportHeight: number, overscanRows = 2): VisibleRange {
  if (itemCount === 0 || metrics.rowHeight <= 0) {
    return { start: 0, end: 0 };
  }
  const top = Math.max(0, scrollTop - metrics.padding);
  const firstRow = Math.max(0, Math.floor(top / metrics.rowHeight) - overscanRows);
  const lastRow = Math.min(metrics.rows - 1, Math.floor((top + viewportHeight) / metrics.rowHeight) + overscanRows);
  return {
    start: firstRow * metrics.columns,
    end: Math.min(itemCount, (lastRow + 1) * metrics.columns),
  };
}

/** Top-left corner of item `index` inside the content. */
export function itemPosition(metrics: GridMetrics, index: number): { x: number; y: number } {
  const row = Math.floor(index / metrics.columns);
  const column = index % metrics.columns;
  return {
    x: metrics.padding + column * (metrics.tileWidth + metrics.gap),
    y: metrics.padding + row * metrics.rowHeight,
  };
}

/** The scrollTop that brings item `index` fully into view, or null when it already is. */
export function scrollToReveal(metrics: GridMetrics, index: number, scrollTop: number, viewportHeight: number): number | null {
  const { y } = itemPosition(metrics, index);
  const bottom = y + metrics.rowHeight - metrics.gap;
  if (y < scrollTop) {
    return Math.max(0, y - metrics.padding);
  }
  if (bottom > scrollTop + viewportHeight) {
    return bottom - viewportHeight + metrics.padding;
  }
  return null;
}
