/**
 * The three curves of an evaluation drawn as standalone SVG (written by hand: no chart
 * library in the core) and as PNG (the SVG rendered by sharp's librsvg): the
 * precision-recall curve, the F-measure over thresholds, and the ROC curve.
 */
import sharp from 'sharp';
import type { MetricCurves, MetricSummary } from './metrics';

export type PlotName = 'pr' | 'f-measure' | 'roc';

export interface Plot {
  name: PlotName;
  svg: string;
  png: Uint8Array;
}

interface Series {
  label: string;
  points: [number, number][];
  dashed?: boolean;
}

interface Chart {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  /** Lines of text in the legend box (the summary numbers). */
  notes: string[];
  marker?: [number, number];
}

const WIDTH = 640;
const HEIGHT = 520;
const MARGIN = { left: 72, right: 24, top: 48, bottom: 64 };
const PLOT_W = WIDTH - MARGIN.left - MARGIN.right;
const PLOT_H = HEIGHT - MARGIN.top - MARGIN.bottom;
const COLORS = ['#1f6feb', '#8b949e'];
const FONT = "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\"";

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

const px = (x: number): number => MARGIN.left + Math.min(1, Math.max(0, x)) * PLOT_W;
const py = (y: number): number => MARGIN.top + (1 - Math.min(1, Math.max(0, y))) * PLOT_H;
const fixed = (value: number): string => value.toFixed(2);

/** Both axes run 0..1: the curves of DBD metrics all live in the unit square. */
function renderSvg(chart: Chart): string {
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}">`);
  parts.push(`<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`);
  parts.push(`<text x="${WIDTH / 2}" y="28" text-anchor="middle" font-size="18" ${FONT} fill="#24292f">${escapeXml(chart.title)}</text>`);
  for (let i = 0; i <= 10; i++) {
    const v = i / 10;
    const major = i % 2 === 0;
    parts.push(`<line x1="${fixed(px(v))}" y1="${fixed(py(0))}" x2="${fixed(px(v))}" y2="${fixed(py(1))}" stroke="${major ? '#d0d7de' : '#eaeef2'}" stroke-width="1"/>`);
    parts.push(`<line x1="${fixed(px(0))}" y1="${fixed(py(v))}" x2="${fixed(px(1))}" y2="${fixed(py(v))}" stroke="${major ? '#d0d7de' : '#eaeef2'}" stroke-width="1"/>`);
    if (major) {
      parts.push(`<text x="${fixed(px(v))}" y="${fixed(py(0) + 20)}" text-anchor="middle" font-size="12" ${FONT} fill="#57606a">${v.toFixed(1)}</text>`);
      parts.push(`<text x="${fixed(px(0) - 8)}" y="${fixed(py(v) + 4)}" text-anchor="end" font-size="12" ${FONT} fill="#57606a">${v.toFixed(1)}</text>`);
    }
  }
  parts.push(`<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${PLOT_W}" height="${PLOT_H}" fill="none" stroke="#57606a" stroke-width="1"/>`);
  parts.push(`<text x="${fixed(px(0.5))}" y="${HEIGHT - 18}" text-anchor="middle" font-size="14" ${FONT} fill="#24292f">${escapeXml(chart.xLabel)}</text>`);
  parts.push(`<text transform="translate(20 ${fixed(py(0.5))}) rotate(-90)" text-anchor="middle" font-size="14" ${FONT} fill="#24292f">${escapeXml(chart.yLabel)}</text>`);
  chart.series.forEach((series, index) => {
    const points = series.points.map(([x, y]) => `${fixed(px(x))},${fixed(py(y))}`).join(' ');
    const color = COLORS[index % COLORS.length]!;
    parts.push(`<polyline points="${points}" fill="none" stroke="${color}" stroke-width="${series.dashed ? 1 : 2.5}"${series.dashed ? ' stroke-dasharray="6 4"' : ''} stroke-linejoin="round"/>`);
  });
  if (chart.marker) {
    parts.push(`<circle cx="${fixed(px(chart.marker[0]))}" cy="${fixed(py(chart.marker[1]))}" r="5" fill="#cf222e"/>`);
  }
  const boxWidth = 250;
  const boxHeight = 14 + 18 * chart.notes.length;
  const boxX = MARGIN.left + PLOT_W - boxWidth - 10;
  const boxY = MARGIN.top + PLOT_H - boxHeight - 10;
  parts.push(`<rect x="${boxX}" y="${boxY}" width="${boxWidth}" height="${boxHeight}" rx="4" fill="#ffffff" fill-opacity="0.9" stroke="#d0d7de"/>`);
  chart.notes.forEach((note, index) => {
    parts.push(`<text x="${boxX + 10}" y="${boxY + 22 + index * 18}" font-size="13" ${FONT} fill="#24292f">${escapeXml(note)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

const format = (value: number | null): string => (value === null ? 'n/a' : value.toFixed(4));

/** The chart descriptions of the three plots. */
function charts(curves: MetricCurves, summary: MetricSummary): Record<PlotName, Chart> {
  const thresholds = curves.thresholds;
  const bestIndex = Math.round(summary.maxFThreshold * 255);
  // Recall 0 at the top thresholds leaves precision undefined (0 by convention): those
  // points would draw a spurious drop to the origin, so the PR curve skips them.
  const prPoints = curves.recall
    .map((recall, t): [number, number] => [recall, curves.precision[t]!])
    .filter(([recall]) => recall > 0);
  return {
    pr: {
      title: `Precision-recall (${summary.images} images)`,
      xLabel: 'Recall',
      yLabel: 'Precision',
      series: [{ label: 'PR', points: prPoints }],
      notes: [`max F (β²=0.3): ${format(summary.maxF)}`, `mean F at 0.5: ${format(summary.meanF)}`, `MAE: ${format(summary.mae)}`],
      marker: [curves.recall[bestIndex]!, curves.precision[bestIndex]!],
    },
    'f-measure': {
      title: `F-measure (β²=0.3) over thresholds (${summary.images} images)`,
      xLabel: 'Threshold',
      yLabel: 'F-measure',
      series: [{ label: 'F', points: thresholds.map((t, i): [number, number] => [t, curves.fMeasure[i]!]) }],
      notes: [`max F: ${format(summary.maxF)} at ${summary.maxFThreshold.toFixed(3)}`, `adaptive F: ${format(summary.adaptiveF)}`, `IoU at 0.5: ${format(summary.iou)}`],
      marker: [summary.maxFThreshold, summary.maxF],
    },
    roc: {
      title: `ROC (${summary.aucImages} images with both classes)`,
      xLabel: 'False positive rate',
      yLabel: 'True positive rate',
      series: [
        { label: 'ROC', points: [[0, 0], ...curves.fpr.map((fpr, i): [number, number] => [fpr, curves.tpr[i]!]).reverse(), [1, 1]] },
        { label: 'chance', points: [[0, 0], [1, 1]], dashed: true },
      ],
      notes: [`AUC: ${format(summary.auc)}`],
    },
  };
}

/** The SVG text of each plot. */
export function plotSvgs(curves: MetricCurves, summary: MetricSummary): Record<PlotName, string> {
  const all = charts(curves, summary);
  return { pr: renderSvg(all.pr), 'f-measure': renderSvg(all['f-measure']), roc: renderSvg(all.roc) };
}

/** Every plot as SVG and PNG. */
export async function renderPlots(curves: MetricCurves, summary: MetricSummary): Promise<Plot[]> {
  const svgs = plotSvgs(curves, summary);
  const plots: Plot[] = [];
  for (const name of ['pr', 'f-measure', 'roc'] as const) {
    const png = await sharp(Buffer.from(svgs[name]), { density: 96 }).png().toBuffer();
    plots.push({ name, svg: svgs[name], png: new Uint8Array(png.buffer, png.byteOffset, png.byteLength) });
  }
  return plots;
}
