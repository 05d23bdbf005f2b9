/**
 * Folder evaluation on real PNG files: stems are matched, a prediction of another size is
 * resized to its ground truth, the `_mask` files of `defusion detect` are not counted as
 * unmatched, an unreadable pair is listed, and the plots come out as SVG and PNG.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateFolders } from '../../../electron/core/evaluate/evaluateFolders';
import { plotSvgs, renderPlots } from '../../../electron/core/evaluate/plots';

let dir: string;
let pred: string;
let gt: string;

async function grey(file: string, width: number, height: number, value: (x: number, y: number) => number): Promise<void> {
  const pixels = Buffer.alloc(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) pixels[y * width + x] = value(x, y);
  await sharp(pixels, { raw: { width, height, channels: 1 } }).toColorspace('b-w').png().toFile(file);
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'defusion-eval-'));
  pred = path.join(dir, 'pred');
  gt = path.join(dir, 'gt');
  await mkdir(pred);
  await mkdir(gt);
  // Left half blurred in every ground truth.
  for (const name of ['a', 'b', 'c', 'only-gt']) await grey(path.join(gt, `${name}.png`), 40, 20, (x) => (x < 20 ? 255 : 0));
  await grey(path.join(pred, 'a.png'), 40, 20, (x) => (x < 20 ? 255 : 0));
  await grey(path.join(pred, 'a_mask.png'), 40, 20, (x) => (x < 20 ? 255 : 0));
  // Half the size: must be resized to 40 x 20 before scoring.
  await grey(path.join(pred, 'b.png'), 20, 10, (x) => (x < 10 ? 230 : 20));
  await writeFile(path.join(pred, 'c.png'), 'not a png at all');
  await grey(path.join(pred, 'only-pred.png'), 40, 20, () => 0);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('evaluateFolders', () => {
  it('matches by stem, resizes, and lists what did not pair up', async () => {
    const evaluation = await evaluateFolders(pred, gt);
    expect(evaluation.images.map((image) => image.name)).toEqual(['a', 'b']);
    const [a, b] = evaluation.images;
    expect(a).toMatchObject({ mae: 0, meanF: 1, iou: 1, auc: 1, resized: false, width: 40, height: 20 });
    expect(b!.resized).toBe(true);
    expect(b!.mae).toBeGreaterThan(0);
    expect(b!.mae).toBeLessThan(0.2);
    expect(evaluation.missingPredictions).toEqual(['only-gt']);
    expect(evaluation.unmatchedPredictions).toEqual(['only-pred']);
    expect(evaluation.failed.map((failure) => failure.name)).toEqual(['c']);
    expect(evaluation.summary.images).toBe(2);
  });

  it('says so when nothing matches, or a folder is missing', async () => {
    await expect(evaluateFolders(gt, path.join(dir, 'nowhere'))).rejects.toThrow(`The ground-truth folder ${path.join(dir, 'nowhere')} does not exist`);
    const other = path.join(dir, 'other');
    await mkdir(other);
    await grey(path.join(other, 'zzz.png'), 4, 4, () => 0);
    await expect(evaluateFolders(other, gt)).rejects.toThrow('No prediction in');
  });
});

describe('plots', () => {
  it('draws PR, F-measure and ROC as SVG and PNG', async () => {
    const evaluation = await evaluateFolders(pred, gt);
    const svgs = plotSvgs(evaluation.curves, evaluation.summary);
    for (const svg of Object.values(svgs)) {
      expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
      expect(svg.trim().endsWith('</svg>')).toBe(true);
      expect(svg).toContain('<polyline');
    }
    expect(svgs.roc).toContain('AUC: 1.0000');
    expect(svgs.pr).toContain('Precision');
    const plots = await renderPlots(evaluation.curves, evaluation.summary);
    expect(plots.map((plot) => plot.name)).toEqual(['pr', 'f-measure', 'roc']);
    for (const plot of plots) {
      const metadata = await sharp(plot.png).metadata();
      expect(metadata.format).toBe('png');
      expect(metadata.width).toBeGreaterThanOrEqual(640);
      // Not blank: the curve and text are drawn in colors other than the white page.
      const stats = await sharp(plot.png).stats();
      expect(stats.channels[0]!.min).toBeLessThan(100);
    }
  });
});
