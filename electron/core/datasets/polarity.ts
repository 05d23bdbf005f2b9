/**
 * Which value marks blur in a dataset's masks. Public datasets disagree (CUHK: white =
 * blurred; DUT-DBD: white = in focus in most copies), so the importer measures it: a
 * defocused region has little fine detail, so the mean absolute Laplacian of the photo
 * is lower inside the blurred region than outside it. Over the first pairs of the
 * dataset, each pair votes by the ratio (white region / black region): well below 1,
 * white is blurred; well above 1, black is. Pixels at the region boundary (any
 * 4-neighbour in the other region) are left out: the edge between sharp and blurred
 * belongs to neither.
 */
import sharp from 'sharp';
import type { ImportLayout, MaskPolarity, PolarityDecision, PolarityRequest } from '../../api/types';
import { openOriented } from '../library/decode';
import { layoutPolarity } from './datasetLayout';
import { readGroundTruth } from './groundTruth';

/** Pairs measured: enough to outvote a few odd photos, few enough to stay quick. */
export const POLARITY_SAMPLE_PAIRS = 20;
/** Photos are measured with their long side scaled to at most this (keeps it cheap). */
const MEASURE_SIDE = 512;
/** A ratio beyond 1.3 (or below 1 / 1.3) is a vote; in between, the pair abstains. */
const VOTE_RATIO = 1.3;
/** A region smaller than this share of the counted pixels says too little to vote. */
const MIN_REGION_SHARE = 0.01;

export interface PolarityPair {
  stem: string;
  photoPath: string;
  gtPath: string;
  /** The photo's oriented size. */
  width: number;
  height: number;
}

/** Mean |Laplacian| inside white (>= 128) and black regions, boundary pixels left out. */
export function regionSharpness(gray: Uint8Array, mask: Uint8Array, width: number, height: number): { white: number | null; black: number | null } {
  let whiteSum = 0;
  let whiteCount = 0;
  let blackSum = 0;
  let blackCount = 0;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const i = y * width + x;
      const white = mask[i]! >= 128;
      if ((mask[i - 1]! >= 128) !== white || (mask[i + 1]! >= 128) !== white || (mask[i - width]! >= 128) !== white || (mask[i + width]! >= 128) !== white) continue;
      const laplacian = Math.abs(4 * gray[i]! - gray[i - 1]! - gray[i + 1]! - gray[i - width]! - gray[i + width]!);
      if (white) {
        whiteSum += laplacian;
        whiteCount++;
      } else {
        blackSum += laplacian;
        blackCount++;
      }
    }
  }
  const counted = whiteCount + blackCount;
  const enough = (count: number): boolean => counted > 0 && count >= Math.max(64, counted * MIN_REGION_SHARE);
  return { white: enough(whiteCount) ? whiteSum / whiteCount : null, black: enough(blackCount) ? blackSum / blackCount : null };
}

/** The white/black sharpness ratio of one pair, or null when it cannot say. */
export async function pairRatio(pair: PolarityPair): Promise<number | null> {
  const scale = Math.min(1, MEASURE_SIDE / Math.max(pair.width, pair.height));
  const width = Math.max(3, Math.round(pair.width * scale));
  const height = Math.max(3, Math.round(pair.height * scale));
  const photo = await (await openOriented(pair.photoPath))
    .flatten({ background: '#000000' })
    .resize(width, height, { fit: 'fill' })
    .toColorspace('b-w')
    .raw({ depth: 'uchar' })
    .toBuffer();
  const truth = await readGroundTruth(pair.gtPath, pair.width, pair.height);
  const mask = scale === 1 ? truth.gray : await sharp(truth.gray, { raw: { width: pair.width, height: pair.height, channels: 1 } })
    .resize(width, height, { fit: 'fill', kernel: 'nearest' })
    // One raw channel in is three channels out unless it is said to be grey.
    .toColorspace('b-w')
    .raw({ depth: 'uchar' })
    .toBuffer();
  const { white, black } = regionSharpness(new Uint8Array(photo), new Uint8Array(mask), width, height);
  if (white === null || black === null) return null;
  if (black === 0) return white === 0 ? null : Infinity;
  return white / black;
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function describe(polarity: MaskPolarity): string {
  return polarity === 'blur-white' ? 'white (255) marks blur' : 'black (0) marks blur';
}

/**
 * Decides a dataset's polarity. `user` and a manifest's declared polarity are taken as
 * they are; otherwise the pairs are measured: the side with at least two thirds of the
 * votes wins, provided at least a quarter of the measured pairs voted; else the
 * layout's usual polarity, said to be inconclusive.
 */
export async function decidePolarity(options: {
  request: PolarityRequest;
  kind: ImportLayout;
  manifestPolarity: MaskPolarity | null;
  pairs: readonly PolarityPair[];
  signal?: AbortSignal;
}): Promise<PolarityDecision> {
  if (options.request !== 'auto') {
    return { polarity: options.request, method: 'user', reason: `${options.request} as asked: ${describe(options.request)}.`, evidence: null };
  }
  if (options.kind === 'coco') {
    return { polarity: 'blur-white', method: 'coco', reason: 'COCO annotations outline the defocus_blur regions: the annotated pixels are the blurred ones.', evidence: null };
  }
  if (options.manifestPolarity !== null) {
    return {
      polarity: options.manifestPolarity,
      method: 'manifest',
      reason: `${options.manifestPolarity} as the folder's manifest.json declares: ${describe(options.manifestPolarity)}.`,
      evidence: null,
    };
  }
  const fallback = layoutPolarity(options.kind);
  const samples: { stem: string; ratio: number | null }[] = [];
  for (const pair of options.pairs.slice(0, POLARITY_SAMPLE_PAIRS)) {
    options.signal?.throwIfAborted();
    let ratio: number | null;
    try {
      ratio = await pairRatio(pair);
    } catch {
      ratio = null; // An unreadable pair is reported when it is imported.
    }
    // JSON has no Infinity: a black region without any detail reads as a huge ratio.
    samples.push({ stem: pair.stem, ratio: ratio === null ? null : Number.isFinite(ratio) ? Math.round(ratio * 1000) / 1000 : 1e6 });
  }
  const ratios = samples.map((sample) => sample.ratio).filter((ratio): ratio is number => ratio !== null);
  const blurWhiteVotes = ratios.filter((ratio) => ratio < 1 / VOTE_RATIO).length;
  const blurBlackVotes = ratios.filter((ratio) => ratio > VOTE_RATIO).length;
  const decisive = blurWhiteVotes + blurBlackVotes;
  const evidence = {
    pairs: samples.length,
    blurWhiteVotes,
    blurBlackVotes,
    abstained: samples.length - decisive,
    medianRatio: median(ratios),
    samples,
  };
  const ratioText = evidence.medianRatio === null ? 'no measurable pair' : `median sharpness ratio white/black ${evidence.medianRatio.toFixed(2)}`;
  const winner: MaskPolarity | null =
    decisive > 0 && decisive >= Math.ceil(samples.length / 4)
      ? blurWhiteVotes * 3 >= decisive * 2
        ? 'blur-white'
        : blurBlackVotes * 3 >= decisive * 2
          ? 'blur-black'
          : null
      : null;
  if (winner !== null) {
    const votes = winner === 'blur-white' ? blurWhiteVotes : blurBlackVotes;
    const region = winner === 'blur-white' ? 'white region was the less sharp' : 'black region was the less sharp';
    return {
      polarity: winner,
      method: 'measured',
      reason: `${winner} (measured): in ${votes} of ${samples.length} pairs the ${region} (${ratioText}), so ${describe(winner)}${winner === 'blur-black' ? '; the masks were inverted to 255 = blurred' : ''}.`,
      evidence,
    };
  }
  return {
    polarity: fallback,
    method: 'default',
    reason: `${fallback} (the usual polarity of ${options.kind} folders): sharpness did not decide (${blurWhiteVotes} pairs for white, ${blurBlackVotes} for black, ${evidence.abstained} undecided; ${ratioText}), so ${describe(fallback)}.`,
    evidence,
  };
}
