/**
 * Evaluates a folder of predicted probability maps against a folder of ground-truth
 * masks, matched by file stem (`pred/NAME.png` ↔ `gt/NAME.png`; 255 = blurred in both,
 * as the Mask contract says). A prediction of another size than its ground truth is
 * resized to it bilinearly, as the training package's evaluator does.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { StudioError } from '../../api/errors';
import { MetricAccumulator } from './metrics';
import type { ImageMetrics, MetricCurves, MetricSummary } from './metrics';

/** Extensions read as maps or masks, in order of preference for one stem. */
const MAP_EXTENSIONS = ['.png', '.tif', '.tiff', '.bmp', '.jpg', '.jpeg', '.webp'];

export interface ImageEvaluation extends ImageMetrics {
  name: string;
  width: number;
  height: number;
  /** The prediction had another size and was resized to the ground truth's. */
  resized: boolean;
}

export interface FolderEvaluation {
  summary: MetricSummary;
  images: ImageEvaluation[];
  curves: MetricCurves;
  /** Ground truths without a prediction. */
  missingPredictions: string[];
  /** Predictions without a ground truth (binary `_mask` files of `defusion detect` excluded). */
  unmatchedPredictions: string[];
  /** Pairs that could not be read, with why. */
  failed: { name: string; reason: string }[];
}

/** 8-bit single-channel pixels of an image file. */
export interface GrayImage {
  pixels: Uint8Array;
  width: number;
  height: number;
}

/**
 * Reads a map or mask (a file, or PNG bytes) as one 8-bit channel: color masks become
 * luminance and alpha is dropped.
 */
export async function readGray(input: string | Uint8Array): Promise<GrayImage> {
  const { data, info } = await sharp(input).removeAlpha().toColorspace('b-w').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  if (info.channels !== 1) throw new Error(`decoded to ${info.channels} channels, expected 1`);
  return { pixels: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
}

/**
 * Resizes an 8-bit map to width x height with a linear filter (the training package's
 * evaluator resizes bilinearly too). The result stays 8-bit: the map was 8-bit already.
 */
export async function resizeGray(map: GrayImage, width: number, height: number): Promise<GrayImage> {
  const { data, info } = await sharp(map.pixels, { raw: { width: map.width, height: map.height, channels: 1 } })
    .resize(width, height, { fit: 'fill', kernel: 'linear' })
    // One raw channel would otherwise come out as three sRGB channels.
    .toColorspace('b-w')
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { pixels: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
}

/** stem → file for the image files of a folder (first extension in MAP_EXTENSIONS wins). */
async function filesByStem(dir: string, role: string): Promise<Map<string, string>> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
    throw new StudioError('not-found', code === 'ENOENT' ? `The ${role} folder ${dir} does not exist` : `The ${role} folder ${dir} cannot be read (${code || String(error)})`);
  }
  const byStem = new Map<string, string>();
  const rank = (file: string): number => MAP_EXTENSIONS.indexOf(path.extname(file).toLowerCase());
  for (const name of names.sort()) {
    const ext = path.extname(name).toLowerCase();
    if (!MAP_EXTENSIONS.includes(ext) || name.startsWith('.')) continue;
    const stem = name.slice(0, -ext.length);
    const current = byStem.get(stem);
    if (current === undefined || rank(name) < rank(current)) byStem.set(stem, name);
  }
  return new Map([...byStem].map(([stem, name]) => [stem, path.join(dir, name)]));
}

export interface EvaluateProgress {
  (done: number, total: number, name: string): void;
}

/**
 * Evaluates every stem present in both folders. Throws StudioError when a folder is
 * missing or no stem matches; pairs that cannot be read are listed in `failed`.
 */
export async function evaluateFolders(predDir: string, gtDir: string, onProgress?: EvaluateProgress): Promise<FolderEvaluation> {
  const predictions = await filesByStem(predDir, 'prediction');
  const truths = await filesByStem(gtDir, 'ground-truth');
  const stems = [...truths.keys()].filter((stem) => predictions.has(stem));
  const missingPredictions = [...truths.keys()].filter((stem) => !predictions.has(stem));
  const unmatchedPredictions = [...predictions.keys()].filter((stem) => !truths.has(stem) && !(stem.endsWith('_mask') && truths.has(stem.slice(0, -5))));
  if (stems.length === 0) {
    throw new StudioError(
      'not-found',
      `No prediction in ${predDir} matches a ground truth in ${gtDir} by name ` +
        `(${predictions.size} prediction(s), ${truths.size} ground truth(s); expected pred/NAME.png and gt/NAME.png)`,
    );
  }

  const accumulator = new MetricAccumulator();
  const images: ImageEvaluation[] = [];
  const failed: { name: string; reason: string }[] = [];
  for (const [index, stem] of stems.entries()) {
    try {
      const gt = await readGray(truths.get(stem)!);
      const pred = await readGray(predictions.get(stem)!);
      const resized = pred.width !== gt.width || pred.height !== gt.height;
      const levels = resized ? (await resizeGray(pred, gt.width, gt.height)).pixels : pred.pixels;
      const metrics = accumulator.add({ levels }, gt.pixels);
      images.push({ name: stem, width: gt.width, height: gt.height, resized, ...metrics });
    } catch (error) {
      failed.push({ name: stem, reason: error instanceof Error ? error.message : String(error) });
    }
    onProgress?.(index + 1, stems.length, stem);
  }
  if (images.length === 0) {
    throw new StudioError('bad-image', `None of the ${stems.length} matched pairs could be read (first: ${failed[0]?.name}: ${failed[0]?.reason})`);
  }
  return { summary: accumulator.summary(), images, curves: accumulator.curves(), missingPredictions, unmatchedPredictions, failed };
}
