/**
 * Datasets inside the studio: the `datasets.*` API methods. Membership, splits,
 * statuses, reviews and the active-learning order are direct store calls; export,
 * import and the quality check read or write many files and run as jobs on the queue
 * (progress, cancel, a result the renderer reads from the finished job).
 */
import { isAbsolute } from 'node:path';
import { StudioError } from '../../api/errors';
import type { MethodName, MethodParsedInput } from '../../api/methods';
import type {
  AddPhotosResult,
  Dataset,
  DatasetItemPage,
  DatasetItemView,
  DatasetReview,
  DatasetStats,
  RemovePhotosResult,
  SetStatusResult,
  Split,
  SplitResult,
  UncertainItem,
  UncertainPage,
} from '../../api/types';
import type { JobQueue } from '../jobs/jobQueue';
import type { LibraryService } from '../library/libraryService';
import type { Store } from '../store/store';
import { checkDestination } from './atomicFolder';
import { detectDatasetLayout } from './datasetLayout';
import { datasetQuality } from './datasetQuality';
import { datasetStats } from './datasetStats';
import { exportDataset } from './exportDataset';
import { isReplaceableExport } from './exportManifest';
import { importDataset } from './importDataset';
import { folderSplit, randomSplit, stratifiedSplit } from './splitPlan';

export const EXPORT_JOB_KIND = 'datasets.export';
export const IMPORT_JOB_KIND = 'datasets.import';
export const QUALITY_JOB_KIND = 'datasets.quality';

export interface DatasetServiceOptions {
  store: Store;
  jobs: JobQueue;
  library: LibraryService;
  /** Written into export manifests. */
  studioVersion: string;
}

/** What a method's handler receives (defaults filled in). */
type Input<M extends MethodName> = MethodParsedInput<M>;

export class DatasetService {
  readonly #store: Store;
  readonly #jobs: JobQueue;
  readonly #library: LibraryService;
  readonly #studioVersion: string;

  constructor(options: DatasetServiceOptions) {
    this.#store = options.store;
    this.#jobs = options.jobs;
    this.#library = options.library;
    this.#studioVersion = options.studioVersion;
  }

  #dataset(datasetId: number): Dataset {
    const dataset = this.#store.getDataset(datasetId);
    if (!dataset) throw new StudioError('not-found', `Dataset ${datasetId} does not exist.`);
    return dataset;
  }

  get(datasetId: number): Dataset {
    return this.#dataset(datasetId);
  }

  update(input: Input<'datasets.update'>): Dataset {
    this.#store.datasets.update(input.datasetId, { name: input.name, description: input.description });
    return this.#dataset(input.datasetId);
  }

  delete(datasetId: number): { deleted: boolean } {
    return { deleted: this.#store.datasets.delete(datasetId) };
  }

  /** Adds photos by id, by the grid's filter, or all present photos (of one root). */
  addPhotos(input: Input<'datasets.addPhotos'>): AddPhotosResult {
    this.#dataset(input.datasetId);
    let photoIds: number[];
    if ('photoIds' in input) {
      photoIds = input.photoIds;
    } else if ('filter' in input) {
      photoIds = this.#store.listPhotoIds({ ...input.filter, sort: 'path', order: 'asc', offset: 0, limit: 1 });
    } else {
      photoIds = this.#store.listPhotoIds({
        rootId: input.rootId,
        recursive: true,
        includeMissing: false,
        sort: 'path',
        order: 'asc',
        offset: 0,
        limit: 1,
      });
    }
    const { added, alreadyIn } = this.#store.datasets.addPhotos(input.datasetId, photoIds);
    return { added, alreadyIn, dataset: this.#dataset(input.datasetId) };
  }

  removePhotos(input: Input<'datasets.removePhotos'>): RemovePhotosResult {
    const removed = this.#store.datasets.removePhotos(input.datasetId, input.photoIds);
    return { removed, dataset: this.#dataset(input.datasetId) };
  }

  items(input: Input<'datasets.items'>): DatasetItemPage {
    const page = this.#store.datasets.items(input);
    return { total: page.total, offset: input.offset, items: page.items };
  }

  split(input: Input<'datasets.split'>): SplitResult {
    let plan: Map<number, Split | null>;
    if (input.method === 'manual') {
      const members = new Set(this.#store.datasets.photoIds(input.datasetId));
      const outside = input.photoIds.find((photoId) => !members.has(photoId));
      if (outside !== undefined) throw new StudioError('not-found', `Photo ${outside} is not in dataset ${input.datasetId}.`);
      plan = new Map(input.photoIds.map((photoId) => [photoId, input.split]));
    } else {
      const candidates = this.#store.datasets.splitCandidates(input.datasetId);
      plan =
        input.method === 'random'
          ? randomSplit(candidates, input.testFraction, input.seed)
          : input.method === 'folder'
            ? folderSplit(candidates, { testFolders: input.testFolders, testFraction: input.testFraction, seed: input.seed })
            : stratifiedSplit(candidates, { testFraction: input.testFraction, seed: input.seed, bins: input.bins });
    }
    const changed = this.#store.datasets.setSplits(input.datasetId, plan);
    const dataset = this.#dataset(input.datasetId);
    return {
      method: input.method,
      changed,
      train: dataset.splits.train,
      test: dataset.splits.test,
      unsplit: dataset.itemCount - dataset.splits.train - dataset.splits.test,
      dataset,
    };
  }

  setStatus(input: Input<'datasets.setStatus'>): SetStatusResult {
    const updated = this.#store.datasets.setStatuses(input.datasetId, input.photoIds, input.status, input.comment);
    return { updated, dataset: this.#dataset(input.datasetId) };
  }

  stats(input: Input<'datasets.stats'>): DatasetStats {
    return datasetStats(this.#store, input.datasetId, input.bins);
  }

  review(input: Input<'datasets.review'>): DatasetItemView {
    this.#store.datasets.review({
      datasetId: input.datasetId,
      photoId: input.photoId,
      decision: input.decision === 'accept' ? 'accepted' : 'rejected',
      reviewer: input.reviewer ?? null,
      comment: input.comment ?? null,
    });
    return this.#store.datasets.item(input.datasetId, input.photoId)!;
  }

  reviews(input: Input<'datasets.reviews'>): DatasetReview[] {
    return this.#store.datasets.reviews(input.datasetId, input.photoId, input.limit);
  }

  nextToReview(input: Input<'datasets.nextToReview'>): DatasetItemView | null {
    return this.#store.datasets.nextItem(input.datasetId, input.status, input.afterPhotoId);
  }

  uncertain(input: Input<'datasets.uncertain'>): UncertainPage {
    const page = this.#store.datasets.uncertain({
      datasetId: input.datasetId,
      statuses: input.status,
      modelId: input.modelId,
      offset: input.offset,
      limit: input.limit,
    });
    return { ...page, offset: input.offset };
  }

  nextUncertain(input: Input<'datasets.nextUncertain'>): UncertainItem | null {
    const page = this.#store.datasets.uncertain({
      datasetId: input.datasetId,
      statuses: input.status,
      modelId: input.modelId,
      exclude: input.exclude,
      offset: 0,
      limit: 1,
    });
    return page.items[0] ?? null;
  }

  /** Starts the quality check of a dataset as a job. */
  quality(input: Input<'datasets.quality'>): { jobId: string } {
    const dataset = this.#dataset(input.datasetId);
    const job = this.#jobs.enqueue(
      { kind: QUALITY_JOB_KIND, title: `Checking the masks of ${dataset.name}`, params: { datasetId: dataset.id } },
      (context) => datasetQuality(this.#store, dataset.id, context),
    );
    return { jobId: job.id };
  }

  /**
   * Starts an export job. The dataset and the destination are checked first, so that
   * a wrong name or an existing folder is refused at once rather than by a failed job.
   */
  async export(input: Input<'datasets.export'>): Promise<{ jobId: string }> {
    const dataset = this.#dataset(input.datasetId);
    if (!isAbsolute(input.out)) throw new StudioError('invalid-input', `The export folder must be an absolute path, got "${input.out}".`);
    await checkDestination(input.out, { force: input.force, replaceable: isReplaceableExport });
    const job = this.#jobs.enqueue(
      { kind: EXPORT_JOB_KIND, title: `Exporting ${dataset.name} (${input.format.toUpperCase()})`, params: { ...input } },
      (context) =>
        exportDataset(
          this.#store,
          {
            datasetId: dataset.id,
            out: input.out,
            format: input.format,
            statuses: input.status,
            force: input.force,
            cocoRle: input.cocoRle,
            studioVersion: this.#studioVersion,
          },
          context,
        ),
    );
    return { jobId: job.id };
  }

  /** Starts an import job; a folder in none of the known layouts is refused at once. */
  async import(input: Input<'datasets.import'>): Promise<{ jobId: string }> {
    if (!isAbsolute(input.path)) throw new StudioError('invalid-input', `The folder must be an absolute path, got "${input.path}".`);
    const layout = await detectDatasetLayout(input.path);
    if (!layout) {
      throw new StudioError(
        'invalid-input',
        `${input.path} is not a dataset folder: expected images/ + gt/ (CTCUG, CUHK: image/ + gt/), ` +
          'train_image/ + train_gt/ style pairs (DUT-DBD), or annotations.json + images/ (COCO).',
      );
    }
    const job = this.#jobs.enqueue(
      { kind: IMPORT_JOB_KIND, title: `Importing ${input.path} (${layout.kind})`, params: { ...input } },
      (context) =>
        importDataset(
          { store: this.#store, library: this.#library, jobs: this.#jobs },
          { layout, datasetName: input.datasetName, polarity: input.polarity, status: input.status },
          context,
        ),
    );
    return { jobId: job.id };
  }
}
