/**
 * Defocus-blur-detection metrics as the literature reports them, computed exactly as the
 * training package does (models/training/defusionnet/metrics.py), so that a number in
 * the studio and a number from the trainer mean the same thing:
 *
 * - MAE between the probability map (0..1) and the binary ground truth;
 * - F-measure with beta^2 = 0.3, blur as the positive class: `meanF` at threshold 0.5,
 *   `maxF` the maximum over 256 thresholds of the F curve averaged over images,
 *   `adaptiveF` at the adaptive threshold (`isAdaptivePositive`);
 * - IoU of the mask at 0.5;
 * - AUC of the ROC curve (per image, then averaged; images whose ground truth is all
 *   blurred or all sharp have no ROC and are left out of the AUC only).
 *
 * Every per-image value is computed at the ground truth's own resolution, then averaged
 * over images. Curves (PR, F, ROC) are averaged over images threshold by threshold.
 */
import type { EvaluationMetrics } from '../../api/types';

export const BETA2 = 0.3;
/** Thresholds t/255 for t = 0..255, as the 8-bit levels of a probability map. */
export const LEVELS = 256;

/** One image's numbers. */
export interface ImageMetrics {
  mae: number;
  /** F at threshold 0.5. */
  meanF: number;
  /** F at the adaptive threshold: twice the mean, applied to the map's minority class. */
  adaptiveF: number;
  /** This image's own best F over the 256 thresholds (informative; `maxF` overall is not their mean). */
  maxF: number;
  iou: number;
  /** null when the ground truth has no blurred or no sharp pixel. */
  auc: number | null;
}

/** Curves at the 256 thresholds t/255 (index t), averaged over images. */
export interface MetricCurves {
  thresholds: number[];
  precision: number[];
  recall: number[];
  fMeasure: number[];
  /** ROC: true and false positive rates, over images that have both classes. */
  tpr: number[];
  fpr: number[];
}

/** What an evaluation reports: the contract's EvaluationMetrics, computed here. */
export type MetricSummary = EvaluationMetrics;

/** (1 + beta^2) P R / (beta^2 P + R), 0 where the denominator is 0 (as metrics.py). */
export function fMeasure(precision: number, recall: number): number {
  const denominator = BETA2 * precision + recall;
  return denominator > 0 ? ((1 + BETA2) * precision * recall) / Math.max(denominator, 1e-12) : 0;
}

/** numpy's round: halves go to the even neighbour. */
function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const fraction = value - floor;
  if (fraction > 0.5) return floor + 1;
  if (fraction < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * Whether a pixel is blurred at the adaptive threshold of a map with this mean.
 *
 * "Above twice the mean" picks out a class that covers little of the image, as salient
 * objects do. Blur usually covers most of a DBD photo; there 2 x mean exceeds 1, and a
 * clamp to 1 would select (almost) nothing. So when the mean is above 0.5 the rule is
 * applied to the sharp class instead: sharp where 1 - p >= 2 (1 - mean), that is,
 * blurred where p > 2 mean - 1 (metrics.py's `adaptive_mask`).
 */
export function isAdaptivePositive(p: number, mean: number): boolean {
  return mean <= 0.5 ? p >= 2 * mean : p > 2 * mean - 1;
}

/** Probability values accepted by the accumulator: floats in 0..1 or 8-bit levels. */
export type ProbabilityInput = Float32Array | Float64Array | { levels: Uint8Array };

function probabilityAt(input: ProbabilityInput, i: number): number {
  if ('levels' in input) return input.levels[i]! / 255;
  const value = input[i]!;
  return value < 0 ? 0 : value > 1 ? 1 : value;
}

function lengthOf(input: ProbabilityInput): number {
  return 'levels' in input ? input.levels.length : input.length;
}

interface ImageCurves {
  precision: Float64Array;
  recall: Float64Array;
  f: Float64Array;
  tpr: Float64Array | null;
  fpr: Float64Array | null;
}

/** Adds images one at a time; `summary()` and `curves()` give the dataset-level numbers. */
export class MetricAccumulator {
  readonly images: ImageMetrics[] = [];
  readonly #curves: ImageCurves[] = [];

  /**
   * `probability`: the map (floats 0..1, or `{levels}` 8-bit); `gt`: 8-bit ground truth
   * (> 127 = blurred), same number of pixels, row by row.
   */
  add(probability: ProbabilityInput, gt: Uint8Array): ImageMetrics {
    const n = lengthOf(probability);
    if (n !== gt.length) {
      throw new Error(`prediction (${n} pixels) and ground truth (${gt.length} pixels) differ in size`);
    }
    if (n === 0) throw new Error('empty image');

    // Histograms of every pixel and of blurred pixels per 8-bit level: precision and
    // recall at all 256 thresholds in one pass (metrics.py does the same with bincount).
    const all = new Float64Array(LEVELS);
    const hits = new Float64Array(LEVELS);
    let absError = 0;
    let sum = 0;
    let positives = 0;
    let tpHalf = 0;
    let predictedHalf = 0;
    for (let i = 0; i < n; i++) {
      const p = probabilityAt(probability, i);
      const truth = gt[i]! > 127;
      absError += Math.abs(p - (truth ? 1 : 0));
      sum += p;
      const level = Math.min(255, Math.max(0, roundHalfEven(p * 255)));
      all[level]!++;
      if (truth) {
        positives++;
        hits[level]!++;
      }
      if (p >= 0.5) {
        predictedHalf++;
        if (truth) tpHalf++;
      }
    }
    const mean = sum / n;

    // The adaptive threshold depends on the mean, so it needs a second pass.
    let tpAdaptive = 0;
    let predictedAdaptive = 0;
    for (let i = 0; i < n; i++) {
      if (isAdaptivePositive(probabilityAt(probability, i), mean)) {
        predictedAdaptive++;
        if (gt[i]! > 127) tpAdaptive++;
      }
    }

    const negatives = n - positives;
    const precision = new Float64Array(LEVELS);
    const recall = new Float64Array(LEVELS);
    const f = new Float64Array(LEVELS);
    const hasRoc = positives > 0 && negatives > 0;
    const tpr = hasRoc ? new Float64Array(LEVELS) : null;
    const fpr = hasRoc ? new Float64Array(LEVELS) : null;
    let hitAbove = 0;
    let predictedAbove = 0;
    for (let t = LEVELS - 1; t >= 0; t--) {
      hitAbove += hits[t]!;
      predictedAbove += all[t]!;
      precision[t] = predictedAbove > 0 ? hitAbove / predictedAbove : 0;
      recall[t] = positives > 0 ? hitAbove / positives : 0;
      f[t] = fMeasure(precision[t]!, recall[t]!);
      if (tpr && fpr) {
        tpr[t] = hitAbove / positives;
        fpr[t] = (predictedAbove - hitAbove) / negatives;
      }
    }

    const binaryF = (tp: number, predicted: number): number =>
      fMeasure(predicted > 0 ? tp / predicted : 0, positives > 0 ? tp / positives : 0);
    const union = predictedHalf + positives - tpHalf;
    const metrics: ImageMetrics = {
      mae: absError / n,
      meanF: binaryF(tpHalf, predictedHalf),
      adaptiveF: binaryF(tpAdaptive, predictedAdaptive),
      maxF: Math.max(...f),
      iou: union > 0 ? tpHalf / union : 1,
      auc: tpr && fpr ? rocArea(tpr, fpr) : null,
    };
    this.images.push(metrics);
    this.#curves.push({ precision, recall, f, tpr, fpr });
    return metrics;
  }

  summary(): MetricSummary {
    if (this.images.length === 0) throw new Error('no images were evaluated');
    const curves = this.curves();
    let best = 0;
    for (let t = 1; t < LEVELS; t++) if (curves.fMeasure[t]! > curves.fMeasure[best]!) best = t;
    const aucs = this.images.map((image) => image.auc).filter((auc): auc is number => auc !== null);
    const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
    return {
      images: this.images.length,
      mae: mean(this.images.map((image) => image.mae)),
      meanF: mean(this.images.map((image) => image.meanF)),
      maxF: curves.fMeasure[best]!,
      maxFThreshold: best / 255,
      adaptiveF: mean(this.images.map((image) => image.adaptiveF)),
      iou: mean(this.images.map((image) => image.iou)),
      auc: aucs.length > 0 ? mean(aucs) : null,
      aucImages: aucs.length,
    };
  }

  curves(): MetricCurves {
    const average = (pick: (curves: ImageCurves) => Float64Array | null): number[] => {
      const out = new Array<number>(LEVELS).fill(0);
      let count = 0;
      for (const image of this.#curves) {
        const curve = pick(image);
        if (!curve) continue;
        count++;
        for (let t = 0; t < LEVELS; t++) out[t]! += curve[t]!;
      }
      return count > 0 ? out.map((value) => value / count) : out;
    };
    return {
      thresholds: Array.from({ length: LEVELS }, (_, t) => t / 255),
      precision: average((c) => c.precision),
      recall: average((c) => c.recall),
      fMeasure: average((c) => c.f),
      tpr: average((c) => c.tpr),
      fpr: average((c) => c.fpr),
    };
  }
}

/**
 * Area under a ROC curve given at descending thresholds (index t = threshold t/255):
 * trapezoids from (0,0) (nothing above the top threshold) to (1,1) at threshold 0.
 * With 8-bit levels this equals the Mann-Whitney statistic with ties counted half.
 */
export function rocArea(tpr: ArrayLike<number>, fpr: ArrayLike<number>): number {
  let area = 0;
  let previousTpr = 0;
  let previousFpr = 0;
  for (let t = tpr.length - 1; t >= 0; t--) {
    area += ((fpr[t]! - previousFpr) * (tpr[t]! + previousTpr)) / 2;
    previousTpr = tpr[t]!;
    previousFpr = fpr[t]!;
  }
  return area;
}
