/**
 * Measures models on a dataset split the way the studio uses them: each photo is
 * detected with each model by the detection engine (decode, resize to the model's input
 * size, infer, resize back to the photo), and the probability map is scored against the
 * item's current human-approved mask with the DBD metrics (evaluate/metrics.ts).
 *
 * Every model sees exactly the same photos: a photo that cannot be read, or whose mask
 * cannot, is left out for all of them and reported, so the numbers stay comparable.
 */
import path from 'node:path';
import type { EvaluationCurves, EvaluationMetrics, ItemStatus, Split } from '../../api/types';
import { StudioError } from '../../api/errors';
import { predictDecoded } from '../detect/detectPhoto';
import { loadModel } from '../detect/engine';
import type { LoadedModel } from '../detect/engine';
import { decodePhoto } from '../detect/preprocess';
import type { DeviceRequest } from '../../api/types';
import { readGray, resizeGray } from '../evaluate/evaluateFolders';
import { MetricAccumulator } from '../evaluate/metrics';
import type { MetricCurves, MetricSummary } from '../evaluate/metrics';
import type { Store } from '../store/store';

/**
 * Items whose masks are ground truth: a person drew or corrected them, or reviewed and
 * accepted them. The trainer learns from the same statuses on the train split.
 */
export const GROUND_TRUTH_STATUSES: readonly ItemStatus[] = ['corrected', 'reviewed'];

export interface GroundTruthItem {
  photoId: number;
  relPath: string;
  absPath: string;
  /** The item's current mask (8-bit PNG, 255 = blurred). */
  maskPng: Uint8Array;
}

export interface EvaluationFailure {
  photoId: number;
  relPath: string;
  reason: string;
}

/** The ground-truth items of a dataset split, and the items of it that cannot be used. */
export function groundTruthItems(store: Store, datasetId: number, split: Split): { items: GroundTruthItem[]; failures: EvaluationFailure[] } {
  const items: GroundTruthItem[] = [];
  const failures: EvaluationFailure[] = [];
  for (const item of store.listDatasetItems(datasetId)) {
    if (item.split !== split || !GROUND_TRUTH_STATUSES.includes(item.status)) continue;
    const location = store.getPhotoLocation(item.photoId);
    if (!location) continue;
    const relPath = location.photo.relPath;
    if (location.photo.missing) {
      failures.push({ photoId: item.photoId, relPath, reason: 'the photo file is missing' });
      continue;
    }
    const mask = store.getCurrentMask(item.photoId, datasetId);
    if (!mask) {
      failures.push({ photoId: item.photoId, relPath, reason: 'the item has no mask' });
      continue;
    }
    items.push({ photoId: item.photoId, relPath, absPath: path.join(location.rootPath, ...relPath.split('/')), maskPng: mask.png });
  }
  return { items, failures };
}

/** One model's numbers on the items. */
export interface SplitScore {
  metrics: EvaluationMetrics;
  curves: EvaluationCurves;
}

export interface EvaluateOptions {
  /** Model input side for every model (a multiple of 32); default each model's own. */
  size?: number;
  device?: DeviceRequest;
  intraOpThreads?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

/** Six decimals: more than any metric needs, and stable text in the database. */
function round6(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

function toMetrics(summary: MetricSummary): EvaluationMetrics {
  return {
    images: summary.images,
    mae: summary.mae,
    meanF: summary.meanF,
    maxF: summary.maxF,
    maxFThreshold: summary.maxFThreshold,
    adaptiveF: summary.adaptiveF,
    iou: summary.iou,
    auc: summary.auc,
    aucImages: summary.aucImages,
  };
}

function toCurves(curves: MetricCurves): EvaluationCurves {
  return {
    thresholds: curves.thresholds.map(round6),
    precision: curves.precision.map(round6),
    recall: curves.recall.map(round6),
    fMeasure: curves.fMeasure.map(round6),
    tpr: curves.tpr.map(round6),
    fpr: curves.fpr.map(round6),
  };
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new StudioError('cancelled', 'cancelled');
}

/**
 * Scores each model file on the items; the result's scores are in the order of
 * `modelFiles`, null when no item could be scored.
 */
export async function evaluateModels(
  modelFiles: readonly string[],
  items: readonly GroundTruthItem[],
  options: EvaluateOptions = {},
): Promise<{ scores: SplitScore[] | null; failures: EvaluationFailure[] }> {
  const failures: EvaluationFailure[] = [];
  if (items.length === 0) return { scores: null, failures };
  const models: LoadedModel[] = [];
  try {
    for (const file of modelFiles) {
      throwIfAborted(options.signal);
      models.push(await loadModel(file, { device: options.device ?? 'auto', ...(options.intraOpThreads ? { intraOpThreads: options.intraOpThreads } : {}) }));
    }
    const accumulators = models.map(() => new MetricAccumulator());
    let done = 0;
    for (const item of items) {
      throwIfAborted(options.signal);
      try {
        const gt = await readGray(item.maskPng);
        // Decoded once, detected by every model: the models see the very same pixels.
        const photo = await decodePhoto(item.absPath);
        const maps = [];
        for (const model of models) {
          const prediction = await predictDecoded(model, photo, options.size === undefined ? {} : { size: options.size });
          let map = await readGray(prediction.probabilityPng);
          if (map.width !== gt.width || map.height !== gt.height) map = await resizeGray(map, gt.width, gt.height);
          maps.push(map);
        }
        // Added only once every model has a map, so that all accumulators hold the same photos.
        maps.forEach((map, index) => accumulators[index]!.add({ levels: map.pixels }, gt.pixels));
      } catch (error) {
        if (options.signal?.aborted) throw error;
        failures.push({ photoId: item.photoId, relPath: item.relPath, reason: error instanceof Error ? error.message : String(error) });
      }
      options.onProgress?.(++done, items.length);
    }
    if (accumulators[0]!.images.length === 0) return { scores: null, failures };
    return { scores: accumulators.map((accumulator) => ({ metrics: toMetrics(accumulator.summary()), curves: toCurves(accumulator.curves()) })), failures };
  } finally {
    for (const model of models) await model.session.release();
  }
}
