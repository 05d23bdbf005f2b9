/**
 * The dataset dashboard's numbers: counts by status and split, the histogram of the
 * current masks' blur fraction, photos per camera and per aperture, and annotation
 * progress per day from the mask versions' timestamps (UTC days).
 */
import { StudioError } from '../../api/errors';
import type { DatasetStats, ItemStatus, ProgressDay, SplitFilter } from '../../api/types';
import type { Store } from '../store/store';
import { emptyItemCounts } from '../store/datasetTables';
import { blurBin } from './splitPlan';

/** Equal-width bins over 0..1: `counts[i]` holds fractions in [edges[i], edges[i + 1]). */
export function blurHistogram(fractions: readonly (number | null)[], bins: number): DatasetStats['blurHistogram'] {
  const counts = new Array<number>(bins).fill(0);
  let withoutMask = 0;
  for (const fraction of fractions) {
    const bin = blurBin(fraction, bins);
    if (bin < 0) withoutMask++;
    else counts[bin]!++;
  }
  return { binEdges: Array.from({ length: bins + 1 }, (_, index) => index / bins), counts, withoutMask };
}

/** Per-day activity from version and review timestamps (ISO strings, UTC). */
export function progressByDay(
  versions: readonly { photoId: number; author: 'human' | 'model'; createdAt: string }[],
  reviewTimes: readonly string[],
): ProgressDay[] {
  const days = new Map<string, ProgressDay>();
  const day = (timestamp: string): ProgressDay => {
    const date = timestamp.slice(0, 10);
    let entry = days.get(date);
    if (!entry) days.set(date, (entry = { date, humanVersions: 0, modelVersions: 0, newlyAnnotated: 0, annotated: 0, reviews: 0 }));
    return entry;
  };
  const annotated = new Set<number>();
  for (const version of [...versions].sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0))) {
    const entry = day(version.createdAt);
    if (version.author === 'model') {
      entry.modelVersions++;
      continue;
    }
    entry.humanVersions++;
    if (!annotated.has(version.photoId)) {
      annotated.add(version.photoId);
      entry.newlyAnnotated++;
    }
  }
  for (const time of reviewTimes) day(time).reviews++;
  const ordered = [...days.values()].sort((a, b) => (a.date < b.date ? -1 : 1));
  let total = 0;
  for (const entry of ordered) {
    total += entry.newlyAnnotated;
    entry.annotated = total;
  }
  return ordered;
}

export function datasetStats(store: Store, datasetId: number, bins: number): DatasetStats {
  const dataset = store.getDataset(datasetId);
  if (!dataset) throw new StudioError('not-found', `Dataset ${datasetId} does not exist.`);
  const splits: SplitFilter[] = ['train', 'test', 'none'];
  const byStatus = emptyItemCounts();
  const bySplit = { train: 0, test: 0, none: 0 } as Record<SplitFilter, number>;
  const statusBySplit = Object.fromEntries(splits.map((split) => [split, emptyItemCounts()])) as Record<SplitFilter, Record<ItemStatus, number>>;
  for (const { split, status, n } of store.datasets.statusBySplit(datasetId)) {
    byStatus[status] += n;
    bySplit[split] += n;
    statusBySplit[split][status] += n;
  }
  return {
    dataset,
    byStatus,
    bySplit,
    statusBySplit,
    blurHistogram: blurHistogram(store.datasets.blurFractions(datasetId), bins),
    cameras: store.datasets.photoValueCounts<string>(datasetId, 'camera'),
    apertures: store.datasets.photoValueCounts<number>(datasetId, 'f_number'),
    progress: progressByDay(store.datasets.versions(datasetId), store.datasets.reviewTimes(datasetId)),
  };
}
