/**
 * How good a dataset's masks are, measured from their history:
 *
 * - corrections: per photo with a human mask, the IoU between the model's first guess
 *   and the latest human mask. The guess is the stored probability map (thresholded at
 *   0.5) of the model that authored a version of this mask (else the photo's active or
 *   latest prediction); without any map, a model-authored mask version. IoU 1: the
 *   person accepted the model's mask as it was; low: it was redrawn.
 * - agreement: where two or more people (different human author names) saved a
 *   version, the IoU of each pair of their latest versions.
 */
import { StudioError } from '../../api/errors';
import type { AgreementItem, CorrectionItem, DatasetQuality } from '../../api/types';
import type { JobContext } from '../jobs/jobQueue';
import type { VersionInfo } from '../store/datasetTables';
import type { Store } from '../store/store';
import { decodeMaskPng, maskIou } from './maskPixels';
import type { MaskPixels } from './maskPixels';

function mean(values: readonly number[]): number | null {
  return values.length === 0 ? null : values.reduce((sum, value) => sum + value, 0) / values.length;
}

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

async function versionPixels(store: Store, versionId: number): Promise<MaskPixels> {
  const stored = store.getMaskVersion(versionId);
  if (!stored) throw new Error(`mask version ${versionId} is gone`);
  return decodeMaskPng(stored.png);
}

/** The model's guess for a photo: its probability map at 0.5, or a model-authored mask. */
async function modelGuess(
  store: Store,
  photoId: number,
  versions: readonly VersionInfo[],
): Promise<{ mask: MaskPixels; modelId: number | null; source: CorrectionItem['source'] } | null> {
  const modelVersions = versions.filter((version) => version.author === 'model');
  const hinted = modelVersions.find((version) => version.modelId !== null)?.modelId ?? undefined;
  const prediction = store.getPrediction(photoId, hinted);
  if (prediction) {
    // decodeMaskPng keeps the gray values; maskIou counts >= 128, i.e. p > 0.5.
    return { mask: await decodeMaskPng(prediction.png), modelId: prediction.modelId, source: 'prediction' };
  }
  const first = modelVersions[0];
  if (first) return { mask: await versionPixels(store, first.id), modelId: first.modelId, source: 'model-mask' };
  return null;
}

export async function datasetQuality(store: Store, datasetId: number, context: Pick<JobContext, 'signal' | 'progress'>): Promise<DatasetQuality> {
  if (!store.getDataset(datasetId)) throw new StudioError('not-found', `Dataset ${datasetId} does not exist.`);
  const byPhoto = new Map<number, VersionInfo[]>();
  for (const version of store.datasets.versions(datasetId)) {
    let list = byPhoto.get(version.photoId);
    if (!list) byPhoto.set(version.photoId, (list = []));
    list.push(version);
  }
  const photos = [...byPhoto.entries()].filter(([, versions]) => versions.some((version) => version.author === 'human')).sort(([a], [b]) => a - b);

  const corrections: CorrectionItem[] = [];
  const agreement: AgreementItem[] = [];
  const failures: DatasetQuality['failures'] = [];
  let agreementPhotos = 0;
  for (const [index, [photoId, versions]] of photos.entries()) {
    context.signal.throwIfAborted();
    context.progress(index, photos.length);
    const human = versions.filter((version) => version.author === 'human').sort((a, b) => a.id - b.id);
    const latestHuman = human[human.length - 1]!;
    try {
      const humanMask = await versionPixels(store, latestHuman.id);
      const guess = await modelGuess(store, photoId, versions);
      if (guess) {
        corrections.push({
          photoId,
          modelId: guess.modelId,
          source: guess.source,
          humanVersionId: latestHuman.id,
          authorName: latestHuman.authorName,
          iou: maskIou(guess.mask, humanMask),
        });
      }
      const latestByAuthor = new Map<string, VersionInfo>();
      for (const version of human) if (version.authorName !== null) latestByAuthor.set(version.authorName, version);
      const authors = [...latestByAuthor.keys()].sort();
      if (authors.length >= 2) {
        agreementPhotos++;
        const masks = new Map<string, MaskPixels>();
        for (const author of authors) masks.set(author, await versionPixels(store, latestByAuthor.get(author)!.id));
        for (let a = 0; a < authors.length; a++) {
          for (let b = a + 1; b < authors.length; b++) {
            agreement.push({
              photoId,
              authors: [authors[a]!, authors[b]!],
              versionIds: [latestByAuthor.get(authors[a]!)!.id, latestByAuthor.get(authors[b]!)!.id],
              iou: maskIou(masks.get(authors[a]!)!, masks.get(authors[b]!)!),
            });
          }
        }
      }
    } catch (error) {
      failures.push({ photoId, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  context.progress(photos.length, photos.length);

  const byModelId = new Map<number | null, number[]>();
  for (const item of corrections) {
    let list = byModelId.get(item.modelId);
    if (!list) byModelId.set(item.modelId, (list = []));
    list.push(item.iou);
  }
  const byModel = [...byModelId.entries()]
    .sort(([a], [b]) => (a ?? 0) - (b ?? 0))
    .map(([modelId, ious]) => {
      const model = modelId === null ? undefined : store.getModel(modelId);
      return { modelId, name: model?.name ?? null, version: model?.version ?? null, count: ious.length, meanIou: mean(ious)! };
    });
  const ious = corrections.map((item) => item.iou);
  return {
    datasetId,
    corrections: { items: corrections, meanIou: mean(ious), medianIou: median(ious), byModel },
    agreement: { items: agreement, photos: agreementPhotos, meanIou: mean(agreement.map((item) => item.iou)) },
    failures,
  };
}
