/**
 * THE contract: every method of the studio API, its input schema and its result type.
 *
 * Both transports (Electron IPC, HTTP on loopback) validate inputs with these schemas
 * before the core sees them: the renderer is untrusted. Add a method here first; the
 * core's handler table, the client proxy and the preload are all typed from this file.
 */
import { z } from 'zod';
import type {
  AddPhotosResult,
  Dataset,
  DatasetItemPage,
  DatasetItemView,
  DatasetReview,
  DatasetStats,
  DetectStatus,
  DiscardResult,
  Facets,
  FinetuneComparison,
  FinetuneStatus,
  Job,
  LibraryRoot,
  MaskVersion,
  ModelRecord,
  Photo,
  PhotoError,
  PhotoMask,
  PhotoPage,
  PhotoPrediction,
  PhotoStep,
  PythonCheck,
  RemovePhotosResult,
  SetStatusResult,
  SplitResult,
  StoreCounts,
  StudioInfo,
  UncertainItem,
  UncertainPage,
} from './types';

const id = z.number().int().positive();
const photoStatus = z.enum(['none', 'predicted', 'corrected', 'reviewed']);
const itemStatus = z.enum(['unlabelled', 'predicted', 'corrected', 'reviewed', 'rejected']);
/** Absolute or relative filesystem path; never empty, no NUL bytes. */
const fsPath = z.string().min(1).max(4096).refine((value) => !value.includes('\0'), 'path contains a NUL byte');

export const photoQuerySchema = z.object({
  rootId: id.optional(),
  folder: z.string().max(4096).optional(),
  /** Include photos in sub-folders of `folder`. */
  recursive: z.boolean().default(true),
  status: z.array(photoStatus).max(4).optional(),
  camera: z.string().max(256).optional(),
  lens: z.string().max(256).optional(),
  fNumberMin: z.number().nonnegative().optional(),
  fNumberMax: z.number().nonnegative().optional(),
  focalLengthMin: z.number().nonnegative().optional(),
  focalLengthMax: z.number().nonnegative().optional(),
  search: z.string().max(256).optional(),
  includeMissing: z.boolean().default(false),
  sort: z.enum(['name', 'path', 'capturedAt', 'addedAt', 'fNumber', 'focalLength', 'byteSize']).default('path'),
  order: z.enum(['asc', 'desc']).default('asc'),
  offset: z.number().int().nonnegative().default(0),
  limit: z.number().int().positive().max(1000).default(200),
});
export type PhotoQuery = z.input<typeof photoQuerySchema>;

/** The grid's filters without paging and order: which photos a dataset takes in. */
export const photoFilterSchema = photoQuerySchema.omit({ sort: true, order: true, offset: true, limit: true });

const split = z.enum(['train', 'test']);
const photoIds = z.array(id).min(1).max(100_000);
/** 0 < fraction < 1 of the items that go to the test split. */
const testFraction = z.number().gt(0).lt(1).default(0.2);
/** Seed of the split's shuffle: the same seed over the same items gives the same split. */
const seed = z.number().int().min(0).max(2 ** 32 - 1).default(0);
const comment = z.string().max(4096).nullable();
const personName = z.string().trim().min(1).max(128);

/** Ways to split a dataset into train and test. */
export const datasetSplitSchema = z.discriminatedUnion('method', [
  /** Shuffle with `seed`, the first round(n * testFraction) go to test. */
  z.object({ datasetId: id, method: z.literal('random'), testFraction, seed }),
  /**
   * Whole folders go to one split (photos of one scene never straddle the line): the
   * folders in `testFolders` (and their sub-folders) to test, the others to train; without
   * `testFolders`, folders are drawn with `seed` until the test share is reached.
   */
  z.object({ datasetId: id, method: z.literal('folder'), testFolders: z.array(z.string().max(4096)).max(10_000).optional(), testFraction, seed }),
  /** Exactly these photos to `split` (null: no split). */
  z.object({ datasetId: id, method: z.literal('manual'), photoIds, split: split.nullable() }),
  /**
   * Random within bins of the current mask's blur fraction (`bins` equal bins over 0..1,
   * items without a mask in a bin of their own), so that train and test see the same
   * spread of mostly-sharp and mostly-blurred photos.
   */
  z.object({ datasetId: id, method: z.literal('stratified'), testFraction, seed, bins: z.number().int().min(1).max(100).default(10) }),
]);

/** Options of a detection run: model input size (multiple of 32) and tiled mode for big photos. */
const detectRunOptions = {
  size: z.number().int().min(32).max(4096).multipleOf(32).optional(),
  tiled: z.boolean().default(false),
};

const inputSide = z.number().int().min(32).max(4096).multipleOf(32);

/**
 * The largest mask PNG a client may send. A mask is one bit of information per pixel: even
 * pure noise on a 200 MP photo compresses to about 25 MB.
 */
export const MAX_MASK_PNG_BYTES = 64 * 1024 * 1024;

/** Mask PNG bytes from a client; the core checks the pixels (8-bit gray, photo size, 0/255). */
const maskPng = z
  .custom<Uint8Array>((value) => value instanceof Uint8Array, 'the mask PNG must be bytes (Uint8Array)')
  .refine((bytes) => bytes.byteLength > 0, 'the mask PNG is empty')
  .refine((bytes) => bytes.byteLength <= MAX_MASK_PNG_BYTES, 'the mask PNG is larger than 64 MB');

/** Method name → input schema. */
export const methodSchemas = {
  'app.info': z.object({}),
  'store.counts': z.object({}),

  'library.open': z.object({ paths: z.array(fsPath).min(1).max(64) }),
  'library.roots': z.object({}),
  'library.close': z.object({ rootId: id }),
  'library.rescan': z.object({ rootId: id.optional() }),
  'library.query': photoQuerySchema,
  'library.photo': z.object({ id }),
  'library.facets': z.object({ rootId: id.optional() }),
  'library.errors': z.object({ rootId: id.optional(), limit: z.number().int().positive().max(10000).default(1000) }),

  'jobs.list': z.object({}),
  'jobs.get': z.object({ id: z.string().min(1).max(64) }),
  'jobs.cancel': z.object({ id: z.string().min(1).max(64) }),

  'datasets.list': z.object({}),
  'datasets.create': z.object({ name: z.string().trim().min(1).max(128), description: z.string().max(4096).default('') }),
  'datasets.get': z.object({ datasetId: id }),
  'datasets.update': z.object({ datasetId: id, name: z.string().trim().min(1).max(128).optional(), description: z.string().max(4096).optional() }),
  /** Deletes the dataset with its items, masks and reviews (photos stay in the library). */
  'datasets.delete': z.object({ datasetId: id }),
  'datasets.addPhotos': z.union([
    z.object({ datasetId: id, photoIds }),
    /** Every photo the grid would show for this filter. */
    z.object({ datasetId: id, filter: photoFilterSchema }),
    /** Every present photo of the open library folders (or of one). */
    z.object({ datasetId: id, all: z.literal(true), rootId: id.optional() }),
  ]),
  /** Takes photos out of the dataset; their masks are kept and come back if they are added again. */
  'datasets.removePhotos': z.object({ datasetId: id, photoIds }),
  'datasets.items': z.object({
    datasetId: id,
    status: z.array(itemStatus).max(5).optional(),
    split: z.array(z.enum(['train', 'test', 'none'])).max(3).optional(),
    sort: z.enum(['path', 'name', 'updatedAt', 'uncertainty', 'blurFraction']).default('path'),
    order: z.enum(['asc', 'desc']).default('asc'),
    offset: z.number().int().nonnegative().default(0),
    limit: z.number().int().positive().max(1000).default(200),
  }),
  'datasets.split': datasetSplitSchema,
  /** Sets the status of items by hand; `comment` replaces the items' comment when given. */
  'datasets.setStatus': z.object({ datasetId: id, photoIds, status: itemStatus, comment: comment.optional() }),
  'datasets.stats': z.object({ datasetId: id, bins: z.number().int().min(1).max(100).default(10) }),
  /** Accepts (status reviewed) or rejects (status rejected) the item's current mask. */
  'datasets.review': z.object({
    datasetId: id,
    photoId: id,
    decision: z.enum(['accept', 'reject']),
    comment: comment.optional(),
    reviewer: personName.optional(),
  }),
  /** Review decisions, newest first: of one item, or of the whole dataset. */
  'datasets.reviews': z.object({ datasetId: id, photoId: id.optional(), limit: z.number().int().positive().max(10_000).default(1000) }),
  /** The reviewer mode's next item: the first (by path) of these statuses after `afterPhotoId`'s path. */
  'datasets.nextToReview': z.object({
    datasetId: id,
    afterPhotoId: id.optional(),
    status: z.array(itemStatus).min(1).max(5).default(['corrected']),
  }),
  /** Model-vs-human IoU and human agreement, computed as a job (`Job.result`: DatasetQuality). */
  'datasets.quality': z.object({ datasetId: id }),
  /** Items ordered by the model's uncertainty, most uncertain first. */
  'datasets.uncertain': z.object({
    datasetId: id,
    status: z.array(itemStatus).min(1).max(5).default(['unlabelled', 'predicted']),
    /** Whose predictions; default: per photo, the active model's, else the latest. */
    modelId: id.optional(),
    offset: z.number().int().nonnegative().default(0),
    limit: z.number().int().positive().max(1000).default(50),
  }),
  /** The editor's "next most uncertain": the top of datasets.uncertain, skipping `exclude`. */
  'datasets.nextUncertain': z.object({
    datasetId: id,
    exclude: z.array(id).max(10_000).default([]),
    status: z.array(itemStatus).min(1).max(5).default(['unlabelled', 'predicted']),
    modelId: id.optional(),
  }),
  /** Writes the dataset to `out` as a job (`Job.result`: DatasetExportResult). */
  'datasets.export': z.object({
    datasetId: id,
    out: fsPath,
    format: z.enum(['ctcug', 'coco']).default('ctcug'),
    status: z.array(itemStatus).min(1).max(5).default(['reviewed', 'corrected']),
    /** Replace an existing output folder (atomically); without it an existing folder is refused. */
    force: z.boolean().default(false),
    /** COCO segmentations as compressed string RLE (pycocotools) or uncompressed counts. */
    cocoRle: z.enum(['compressed', 'uncompressed']).default('compressed'),
  }),
  /** Reads a CTCUG / CUHK / DUT-DBD / COCO folder into a dataset, as a job (`Job.result`: DatasetImportResult). */
  'datasets.import': z.object({
    path: fsPath,
    /** Default: the folder's name. */
    datasetName: z.string().trim().min(1).max(128).optional(),
    polarity: z.enum(['auto', 'blur-white', 'blur-black']).default('auto'),
    /** Status of imported masks; default: the manifest's per item, else 'corrected'. */
    status: itemStatus.optional(),
  }),

  'masks.history': z.object({ photoId: id, datasetId: id }),
  /**
   * Stores a person's mask as a new version (the earlier ones stay in the history) and
   * gives the item `status`. Without `datasetId` it goes into the dataset 'default',
   * created by the first such save.
   */
  'masks.save': z.object({
    photoId: id,
    datasetId: id.optional(),
    png: maskPng,
    status: z.enum(['corrected', 'reviewed']).default('corrected'),
    authorName: personName.optional(),
  }),
  /** Sets the status of a photo's mask in a dataset, without new pixels. */
  'masks.setStatus': z.object({ photoId: id, datasetId: id, status: itemStatus }),
  /** The current mask of a photo in a dataset, with its PNG; null when it has none. */
  'masks.current': z.object({ photoId: id, datasetId: id }),
  /** A photo's probability map (of `modelId`, else the active model's, else the latest); null without one. */
  'predictions.current': z.object({ photoId: id, modelId: id.optional() }),
  /**
   * The photo after (or before) `photoId` in the grid's order for these filters; with
   * `unreviewed`, the nearest whose badge is not reviewed. Null at the end of the grid.
   */
  'library.walk': photoQuerySchema.omit({ offset: true, limit: true }).extend({
    photoId: id,
    direction: z.enum(['next', 'previous']).default('next'),
    unreviewed: z.boolean().default(false),
  }),

  'models.list': z.object({}),
  /** Makes a registered model the one detection uses. */
  'models.activate': z.object({ id }),
  /** Removes a model that is not active from the registry, with the files the studio made for it. */
  'models.discard': z.object({ id }),

  /**
   * The Python fine-tuning would run. Which one is never an input: the page is untrusted
   * and what is named is executed. It is set when the server or the CLI starts
   * (`--python`, DEFUSION_PYTHON) or through the desktop app's file dialog.
   */
  'finetune.python': z.strictObject({}),
  /**
   * Fine-tunes the active model on a dataset's train split (items whose mask is corrected
   * or reviewed) as a job; the new model is registered, not active, with its measurements
   * and the parent's on the test split. Progress: `finetune.onDidProgress`.
   */
  'finetune.start': z.strictObject({
    datasetId: id,
    /**
     * The SHA-256 of the parent's checkpoint, when the user confirmed one the studio
     * neither ships nor made (the refusal of a start without it names the file and hash).
     */
    trustCheckpoint: z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 in hex').optional(),
    steps: z.number().int().min(1).max(1_000_000).default(500),
    device: z.enum(['auto', 'cpu', 'cuda']).default('auto'),
    batchSize: z.number().int().min(1).max(256).default(8),
    /** Training input side: each photo (or a window of it) is squeezed to crop x crop. */
    crop: inputSide.default(224),
    lr: z.number().positive().max(1).default(5e-4),
    /** Default: a tenth of the steps, at most 100. */
    warmup: z.number().int().min(0).max(1_000_000).optional(),
    /** Share of the training photos held out for validation during training. */
    valFraction: z.number().min(0).lt(1).default(0.1),
    /** Default: four validations per run, at most 250 steps apart. */
    valEvery: z.number().int().min(1).max(1_000_000).optional(),
    /** Validation input side; default the model's input size. */
    valSize: inputSide.optional(),
    /** Photos are held in memory at most this large. */
    maxSide: z.number().int().min(64).max(8192).default(640),
    /** CPU threads of the trainer (0: all cores). */
    threads: z.number().int().min(0).max(1024).default(0),
    seed,
    /** Input side when the test split is evaluated; default the model's input size. */
    evalSize: inputSide.optional(),
  }),
  /** A fine-tune job: its state, live progress (loss curve, validation, ETA) and result. */
  'finetune.status': z.object({ jobId: z.string().min(1).max(64) }),
  /** A fine-tuned model next to its parent on the test split: metrics table and curves. */
  'finetune.results': z.object({ modelId: id }),

  'detect.status': z.object({}),
  'detect.run': z.union([
    z.object({ photoIds: z.array(id).min(1).max(100_000), ...detectRunOptions }),
    /** `unmasked`: photos with neither a mask nor a prediction yet; `all`: every photo. */
    z.object({ all: z.enum(['unmasked', 'all']), rootId: id.optional(), ...detectRunOptions }),
  ]),
} as const;

export type MethodName = keyof typeof methodSchemas;

/** Method name → result type. */
export interface MethodResults {
  'app.info': StudioInfo;
  'store.counts': StoreCounts;
  'library.open': { roots: LibraryRoot[]; jobId: string };
  'library.roots': LibraryRoot[];
  'library.close': { closed: boolean };
  'library.rescan': { jobId: string };
  'library.query': PhotoPage;
  'library.photo': Photo;
  'library.facets': Facets;
  'library.errors': PhotoError[];
  'jobs.list': Job[];
  'jobs.get': Job;
  'jobs.cancel': { cancelled: boolean };
  'datasets.list': Dataset[];
  'datasets.create': Dataset;
  'datasets.get': Dataset;
  'datasets.update': Dataset;
  'datasets.delete': { deleted: boolean };
  'datasets.addPhotos': AddPhotosResult;
  'datasets.removePhotos': RemovePhotosResult;
  'datasets.items': DatasetItemPage;
  'datasets.split': SplitResult;
  'datasets.setStatus': SetStatusResult;
  'datasets.stats': DatasetStats;
  'datasets.review': DatasetItemView;
  'datasets.reviews': DatasetReview[];
  'datasets.nextToReview': DatasetItemView | null;
  'datasets.quality': { jobId: string };
  'datasets.uncertain': UncertainPage;
  'datasets.nextUncertain': UncertainItem | null;
  'datasets.export': { jobId: string };
  'datasets.import': { jobId: string };
  'masks.history': MaskVersion[];
  'masks.save': MaskVersion;
  'masks.setStatus': DatasetItemView;
  'masks.current': PhotoMask | null;
  'predictions.current': PhotoPrediction | null;
  'library.walk': PhotoStep | null;
  'models.list': ModelRecord[];
  'models.activate': ModelRecord;
  'models.discard': DiscardResult;
  'finetune.python': PythonCheck;
  'finetune.start': { jobId: string };
  'finetune.status': FinetuneStatus;
  'finetune.results': FinetuneComparison;
  'detect.status': DetectStatus;
  'detect.run': { jobId: string };
}

// Every method has a result type and vice versa (compile-time check).
type Exact<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const _methodsMatch: Exact<MethodName, keyof MethodResults> = true;
void _methodsMatch;

/** What callers pass: the schema's input type (defaults may be omitted). */
export type MethodInput<M extends MethodName> = z.input<(typeof methodSchemas)[M]>;
/** What handlers receive: the parsed input, defaults filled in. */
export type MethodParsedInput<M extends MethodName> = z.output<(typeof methodSchemas)[M]>;
export type MethodResult<M extends MethodName> = MethodResults[M];

export function isMethodName(value: string): value is MethodName {
  return Object.prototype.hasOwnProperty.call(methodSchemas, value);
}
