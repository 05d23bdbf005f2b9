/**
 * What an export will write: the dataset's items of the chosen statuses that have a
 * mask, each with its unique file stem, in stem order (the order of train.txt, test.txt,
 * the manifest and the COCO ids). Items of those statuses without a mask are listed as
 * skipped.
 */
import { StudioError } from '../../api/errors';
import type { Dataset, ItemFailure, ItemStatus, ModelRecord } from '../../api/types';
import type { ExportCandidate, VersionInfo } from '../store/datasetTables';
import type { Store } from '../store/store';
import { assignStems } from './exportStems';

export interface PlannedItem extends ExportCandidate {
  stem: string;
  maskVersionId: number;
  /** People who saved a version of this mask (sorted), and models that did. */
  annotators: string[];
  modelIds: number[];
}

export interface ExportPlan {
  dataset: Dataset;
  statuses: ItemStatus[];
  items: PlannedItem[];
  skipped: ItemFailure[];
  /** Every model that authored a version of an exported mask, by id. */
  models: ModelRecord[];
}

export function planExport(store: Store, datasetId: number, statuses: readonly ItemStatus[]): ExportPlan {
  const dataset = store.getDataset(datasetId);
  if (!dataset) throw new StudioError('not-found', `Dataset ${datasetId} does not exist.`);
  const candidates = store.datasets.exportCandidates(datasetId, statuses);
  const withMask = candidates.filter((item): item is ExportCandidate & { maskVersionId: number } => item.maskVersionId !== null);
  const skipped: ItemFailure[] = candidates
    .filter((item) => item.maskVersionId === null)
    .map((item) => ({ photoId: item.photo.id, relPath: item.photo.relPath, reason: `status ${item.status} but no mask` }));

  const history = new Map<number, VersionInfo[]>();
  for (const version of store.datasets.versions(datasetId)) {
    let list = history.get(version.photoId);
    if (!list) history.set(version.photoId, (list = []));
    list.push(version);
  }
  const stems = assignStems(withMask.map((item) => ({ photoId: item.photo.id, name: item.photo.name, hash: item.photo.hash })));
  const modelIds = new Set<number>();
  const items = withMask
    .map((item): PlannedItem => {
      const versions = history.get(item.photo.id) ?? [];
      const annotators = [...new Set(versions.filter((v) => v.author === 'human' && v.authorName !== null).map((v) => v.authorName!))].sort();
      const models = [...new Set(versions.map((v) => v.modelId).filter((id): id is number => id !== null))].sort((a, b) => a - b);
      models.forEach((id) => modelIds.add(id));
      return { ...item, stem: stems.get(item.photo.id)!, annotators, modelIds: models };
    })
    .sort((a, b) => (a.stem < b.stem ? -1 : a.stem > b.stem ? 1 : 0));
  const models = [...modelIds]
    .sort((a, b) => a - b)
    .map((id) => store.getModel(id))
    .filter((model): model is ModelRecord => model !== undefined);
  return { dataset, statuses: [...statuses], items, skipped, models };
}
