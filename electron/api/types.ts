/**
 * Result types of the studio API. Plain data only (JSON-safe, plus Uint8Array where
 * bytes travel), shared by the core, both transports and the renderer.
 */

/** Status badge of a photo in the grid, derived from its masks and predictions. */
export type PhotoStatus = 'none' | 'predicted' | 'corrected' | 'reviewed';
export const PHOTO_STATUSES: readonly PhotoStatus[] = ['none', 'predicted', 'corrected', 'reviewed'];

/** Status of a (photo, mask) pair inside a dataset. */
export type ItemStatus = 'unlabelled' | 'predicted' | 'corrected' | 'reviewed' | 'rejected';
export const ITEM_STATUSES: readonly ItemStatus[] = ['unlabelled', 'predicted', 'corrected', 'reviewed', 'rejected'];

export type Split = 'train' | 'test';

export interface LibraryRoot {
  id: number;
  /** Absolute folder path. */
  path: string;
  addedAt: string;
  lastScanAt: string | null;
  photoCount: number;
  errorCount: number;
}

export interface Photo {
  id: number;
  rootId: number;
  /** Path relative to its root, '/'-separated. */
  relPath: string;
  /** Folder part of relPath ('' at the root). */
  folder: string;
  name: string;
  /** SHA-256 of the file's bytes (hex); a moved file keeps its masks through it. */
  hash: string;
  byteSize: number;
  /** Pixel size after EXIF orientation. */
  width: number;
  height: number;
  format: string;
  capturedAt: string | null;
  camera: string | null;
  lens: string | null;
  fNumber: number | null;
  focalLength: number | null;
  status: PhotoStatus;
  missing: boolean;
  addedAt: string;
  updatedAt: string;
}

/** A file under a library root that could not be read as a photo. */
export interface PhotoError {
  rootId: number;
  relPath: string;
  reason: string;
  at: string;
}

export interface PhotoPage {
  total: number;
  offset: number;
  photos: Photo[];
}

export interface Facets {
  folders: { folder: string; count: number }[];
  cameras: { value: string; count: number }[];
  lenses: { value: string; count: number }[];
  fNumbers: { value: number; count: number }[];
  statuses: Record<PhotoStatus, number>;
  total: number;
}

export type JobState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

export interface Job {
  id: string;
  kind: string;
  title: string;
  state: JobState;
  done: number;
  total: number;
  /** Items per second over the recent window. */
  rate: number | null;
  etaSeconds: number | null;
  message: string | null;
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
  /** Kind-specific summary once done (JSON-safe). */
  result: unknown;
}

export interface StudioInfo {
  version: string;
  dbPath: string;
  schemaVersion: number;
  sampleLibrary: string;
  roots: LibraryRoot[];
  counts: StoreCounts;
}

export interface StoreCounts {
  photos: number;
  photoErrors: number;
  masksByStatus: Record<ItemStatus, number>;
  datasets: number;
  models: number;
  predictions: number;
}

export interface Dataset {
  id: number;
  name: string;
  description: string;
  createdAt: string;
  itemCount: number;
  counts: Record<ItemStatus, number>;
  splits: Record<Split, number>;
}

export type MaskAuthor = 'human' | 'model';

export interface MaskVersion {
  id: number;
  photoId: number;
  datasetId: number;
  author: MaskAuthor;
  authorName: string | null;
  modelId: number | null;
  status: ItemStatus;
  blurFraction: number;
  byteSize: number;
  createdAt: string;
}

export interface ModelRecord {
  id: number;
  name: string;
  version: string;
  file: string;
  hash: string;
  metadata: Record<string, string>;
  metrics: Record<string, number> | null;
  parentId: number | null;
  /** The dataset a fine-tuned model learned from (null for models made elsewhere). */
  datasetId: number | null;
  active: boolean;
  createdAt: string;
}

/** `masks.current`: a photo's current mask in a dataset, with its PNG bytes. */
export interface PhotoMask {
  version: MaskVersion;
  /** 8-bit grayscale PNG at the photo's size, 255 = blurred. */
  png: Uint8Array;
}

/** `predictions.current`: a model's probability map of a photo. */
export interface PhotoPrediction {
  photoId: number;
  modelId: number;
  /** Name and version of the model (null when it is no longer registered). */
  modelName: string | null;
  /** Size of the stored map (the photo's, for maps made by the studio). */
  width: number;
  height: number;
  meanProbability: number;
  /** Device the map was computed on. */
  device: string;
  createdAt: string;
  /** 8-bit grayscale PNG, 255 = surely blurred. */
  png: Uint8Array;
}

/** `library.walk`: the photo an editor step lands on, and where it is in the grid. */
export interface PhotoStep {
  photo: Photo;
  /** Index in the grid's current result. */
  index: number;
  /** Photos in the grid's current result. */
  total: number;
}

/** Library change notice, pushed while a root is open (watcher) and after scans. */
export interface LibraryChange {
  rootId: number;
  added: number;
  removed: number;
  changed: number;
  moved: number;
  errors: number;
}

/** Execution provider a detection session runs on. */
export type DetectDevice = 'cpu' | 'cuda' | 'dml' | 'coreml' | 'webgpu';
/** What the user asks for: a device, or `auto` (the best one this machine can start). */
export type DeviceRequest = 'auto' | DetectDevice;

/** A device that was skipped or failed to start, and why. */
export interface DeviceFallback {
  device: DetectDevice;
  reason: string;
}

/** The model detection uses, as the status bar shows it. */
export interface DetectModel {
  /** Registry id once the model has been used (predictions refer to it); null before. */
  id: number | null;
  name: string;
  version: string;
  file: string;
  hash: string;
  /** Square size the photo is resized to before inference. */
  inputSize: number;
  metadata: Record<string, string>;
}

export interface DetectStatus {
  /** null when no usable model was found (see `error`). */
  model: DetectModel | null;
  requestedDevice: DeviceRequest;
  /** The device in use; null until a session has started (or when none could). */
  device: DetectDevice | null;
  /** Devices tried before `device`, each with its reason. */
  fallbacks: DeviceFallback[];
  /** One sentence on why `device` is not the first choice; null when it is. */
  fallbackReason: string | null;
  /** Why detection cannot run (missing bundled model, bad model file); null when it can. */
  error: string | null;
  /** Worker threads running inference. */
  workers: number;
}

/** A photo that a detection job could not process. */
export interface DetectFailure {
  photoId: number;
  relPath: string;
  reason: string;
}

/** `Job.result` of a finished (or cancelled) detection job. */
export interface DetectJobResult {
  modelId: number;
  device: DetectDevice;
  fallbackReason: string | null;
  detected: number;
  failed: DetectFailure[];
  skipped: number;
  imagesPerSecond: number | null;
}

// ---------------------------------------------------------------- datasets

/** Split filter value: a split, or items without one. */
export type SplitFilter = Split | 'none';

/** The current mask of a dataset item, without its pixels (the `mask` resource has them). */
export interface ItemMask {
  versionId: number;
  author: MaskAuthor;
  authorName: string | null;
  modelId: number | null;
  blurFraction: number;
  createdAt: string;
}

export type ReviewDecision = 'accepted' | 'rejected';

/** One accept / reject of a mask version by a reviewer. */
export interface DatasetReview {
  id: number;
  datasetId: number;
  photoId: number;
  /** The mask version that was judged (null once that version no longer exists). */
  maskVersionId: number | null;
  decision: ReviewDecision;
  reviewer: string | null;
  comment: string | null;
  createdAt: string;
}

/** A photo in a dataset, as the dashboard table and the reviewer mode show it. */
export interface DatasetItemView {
  datasetId: number;
  photo: Photo;
  split: Split | null;
  status: ItemStatus;
  comment: string | null;
  updatedAt: string;
  /** Null when the item has no mask yet. */
  mask: ItemMask | null;
  /** Mean binary entropy of the photo's prediction (active model, else latest); null without one. */
  uncertainty: number | null;
  /** The latest review decision on this item, if any. */
  lastReview: DatasetReview | null;
}

export interface DatasetItemPage {
  total: number;
  offset: number;
  items: DatasetItemView[];
}

export interface AddPhotosResult {
  /** Photos that joined the dataset. */
  added: number;
  /** Photos that were already in it (left as they were). */
  alreadyIn: number;
  dataset: Dataset;
}

export interface RemovePhotosResult {
  removed: number;
  dataset: Dataset;
}

export type SplitMethod = 'random' | 'folder' | 'manual' | 'stratified';

export interface SplitResult {
  method: SplitMethod;
  /** Items whose split changed. */
  changed: number;
  train: number;
  test: number;
  /** Items without a split. */
  unsplit: number;
  dataset: Dataset;
}

export interface SetStatusResult {
  updated: number;
  dataset: Dataset;
}

/** Counts per value of a photo field (camera model, f-number); null = unknown. */
export interface ValueCount<T> {
  value: T | null;
  count: number;
}

/** One day of annotation work on a dataset (UTC dates). */
export interface ProgressDay {
  /** 'YYYY-MM-DD'. */
  date: string;
  /** Mask versions saved by people that day. */
  humanVersions: number;
  /** Mask versions saved by a model that day. */
  modelVersions: number;
  /** Photos whose first human mask was saved that day. */
  newlyAnnotated: number;
  /** Photos with a human mask by the end of that day (cumulative). */
  annotated: number;
  /** Review decisions (accept or reject) that day. */
  reviews: number;
}

/** Everything the dataset dashboard plots. */
export interface DatasetStats {
  dataset: Dataset;
  byStatus: Record<ItemStatus, number>;
  bySplit: Record<SplitFilter, number>;
  statusBySplit: Record<SplitFilter, Record<ItemStatus, number>>;
  /**
   * Histogram of the current masks' blur fraction: `counts[i]` items with a fraction in
   * [binEdges[i], binEdges[i + 1]) (the last bin includes 1).
   */
  blurHistogram: { binEdges: number[]; counts: number[]; withoutMask: number };
  cameras: ValueCount<string>[];
  /** By f-number. */
  apertures: ValueCount<number>[];
  progress: ProgressDay[];
}

/** How much a person changed the model's first guess on one photo. */
export interface CorrectionItem {
  photoId: number;
  /** The model whose prediction was compared (null when it is no longer registered). */
  modelId: number | null;
  /** Where the model's mask came from: its stored probability map (at 0.5), or a model-authored mask version. */
  source: 'prediction' | 'model-mask';
  humanVersionId: number;
  authorName: string | null;
  /** Intersection over union of the blurred pixels; 1 when both are empty. */
  iou: number;
}

/** Agreement of two people who both annotated one photo. */
export interface AgreementItem {
  photoId: number;
  authors: [string, string];
  versionIds: [number, number];
  iou: number;
}

/** `Job.result` of a `datasets.quality` job. */
export interface DatasetQuality {
  datasetId: number;
  corrections: {
    items: CorrectionItem[];
    meanIou: number | null;
    medianIou: number | null;
    byModel: { modelId: number | null; name: string | null; version: string | null; count: number; meanIou: number }[];
  };
  agreement: {
    items: AgreementItem[];
    /** Photos with masks by at least two different people. */
    photos: number;
    meanIou: number | null;
  };
  /** Items that could not be compared (unreadable PNG, sizes that differ). */
  failures: { photoId: number; reason: string }[];
}

/** An item to annotate next, with what the model said about it. */
export interface UncertainItem {
  photo: Photo;
  status: ItemStatus;
  /** Mean binary entropy of the probability map in bits (0..1). */
  uncertainty: number;
  meanProbability: number;
  modelId: number;
}

export interface UncertainPage {
  /** Items of the asked statuses that have a prediction. */
  total: number;
  /** Items of the asked statuses without any prediction (not ordered; run detection first). */
  withoutPrediction: number;
  offset: number;
  items: UncertainItem[];
}

export type ExportFormat = 'ctcug' | 'coco';

/** An item an export or a quality check left out, and why. */
export interface ItemFailure {
  photoId: number;
  relPath: string;
  reason: string;
}

/** `Job.result` of a `datasets.export` job. */
export interface DatasetExportResult {
  format: ExportFormat;
  /** The output folder (absolute). */
  out: string;
  datasetId: number;
  datasetName: string;
  exported: number;
  train: number;
  test: number;
  unsplit: number;
  /** Photos copied byte for byte (upright sRGB JPEGs) and re-encoded (everything else). */
  copiedImages: number;
  reencodedImages: number;
  /** Items of the selected statuses that have no mask. */
  skipped: ItemFailure[];
  /** Items that could not be written (missing file, size mismatch); the rest was exported. */
  failures: ItemFailure[];
}

/** Dataset folder layouts the importer reads. */
export type ImportLayout = 'ctcug' | 'cuhk' | 'dut-dbd' | 'coco';

/** Which value marks blurred pixels in a dataset's masks. */
export type MaskPolarity = 'blur-white' | 'blur-black';
export type PolarityRequest = 'auto' | MaskPolarity;

/** How an import decided the masks' polarity, and on what evidence. */
export interface PolarityDecision {
  polarity: MaskPolarity;
  /**
   * user: asked for; manifest: the folder's manifest.json says so; coco: COCO annotations
   * mark the blurred regions; measured: sharpness inside vs outside the white region;
   * default: nothing to measure or inconclusive, the layout's usual polarity.
   */
  method: 'user' | 'manifest' | 'coco' | 'measured' | 'default';
  /** One sentence that states the decision and why. */
  reason: string;
  /** Sharpness evidence (auto only): per pair, mean |Laplacian| inside white / outside. */
  evidence: {
    pairs: number;
    blurWhiteVotes: number;
    blurBlackVotes: number;
    abstained: number;
    medianRatio: number | null;
    samples: { stem: string; ratio: number | null }[];
  } | null;
}

/** A file an import could not take as it was. Errors are left out; warnings are imported. */
export interface ImportIssue {
  /** Absolute path of the file (or folder). */
  path: string;
  severity: 'error' | 'warning';
  reason: string;
}

/** `Job.result` of a `datasets.import` job. */
export interface DatasetImportResult {
  folder: string;
  layout: ImportLayout;
  datasetId: number;
  datasetName: string;
  /** Library folders opened for the dataset's photos. */
  roots: { id: number; path: string }[];
  photos: { files: number; added: number; changed: number; unchanged: number; moved: number; removed: number; errors: number };
  masks: { imported: number; unchanged: number; items: number };
  splits: { train: number; test: number; unsplit: number };
  polarity: PolarityDecision;
  issues: ImportIssue[];
}

// ---------------------------------------------------------------- fine-tuning

/** Where fine-tuning trains: PyTorch on the CPU or on a CUDA GPU. */
export type TrainDevice = 'cpu' | 'cuda';
/** What the user asks for: a device, or `auto` (CUDA when this PyTorch has it). */
export type TrainDeviceRequest = 'auto' | TrainDevice;

/**
 * How the Python interpreter was chosen: `setting`, by the user for this studio (`--python`
 * when the server or the CLI starts, or the desktop app's file dialog; never by the page).
 */
export type PythonSource = 'setting' | 'env' | 'path' | 'system';

/** A Python interpreter that imports torch. */
export interface PythonInfo {
  /** Absolute path of the interpreter as found (not resolved through links). */
  path: string;
  source: PythonSource;
  /** torch.__version__. */
  torch: string;
  /** torch.cuda.is_available(). */
  cuda: boolean;
}

/** `finetune.python`: the interpreter fine-tuning would use, or why there is none. */
export interface PythonCheck {
  python: PythonInfo | null;
  /** Why none was found, with install steps; null when one was. */
  error: string | null;
  /** Every interpreter tried, and why it was not taken (empty reason: taken). */
  tried: { path: string; source: PythonSource; reason: string }[];
}

export type FinetunePhase = 'preparing' | 'training' | 'exporting' | 'evaluating' | 'registering' | 'done' | 'failed' | 'cancelled';

/** One point of the training loss curve (the trainer's smoothed loss). */
export interface LossPoint {
  step: number;
  loss: number;
  lr: number;
}

/** The trainer's numbers on its held-out validation photos (a share of the train split). */
export interface ValidationPoint {
  step: number;
  images: number;
  mae: number;
  /** F at 0.5 (beta^2 = 0.3). */
  meanF: number;
  maxF: number;
  adaptiveF: number;
  iou: number;
}

/** Live state of a fine-tune, pushed as `finetune.onDidProgress` and answered by `finetune.status`. */
export interface FinetuneProgress {
  jobId: string;
  datasetId: number;
  datasetName: string;
  parentModelId: number;
  phase: FinetunePhase;
  device: TrainDevice;
  /** Why `device` is not what was asked for (auto without CUDA); null otherwise. */
  deviceReason: string | null;
  python: PythonInfo | null;
  step: number;
  steps: number;
  /** The latest smoothed loss; null before the first logged step. */
  loss: number | null;
  /** Every logged step so far. */
  lossCurve: LossPoint[];
  validations: ValidationPoint[];
  bestValMae: number | null;
  /** Of the training phase (the trainer's estimate); null before it has one. */
  etaSeconds: number | null;
  elapsedSeconds: number;
  trainImages: number | null;
  valImages: number | null;
  /** Process id of the running trainer (null when none runs). */
  trainerPid: number | null;
  message: string | null;
}

/** The DBD metrics of one evaluation (F-measures with beta^2 = 0.3). */
export interface EvaluationMetrics {
  images: number;
  mae: number;
  /** F at threshold 0.5, averaged over images. */
  meanF: number;
  /** Maximum over 256 thresholds of the image-averaged F curve. */
  maxF: number;
  maxFThreshold: number;
  /** F at twice each map's mean, averaged over images. */
  adaptiveF: number;
  /** IoU of the mask at 0.5. */
  iou: number;
  /** Mean per-image AUC; null when no image has both classes. */
  auc: number | null;
  aucImages: number;
}

/** Curves at the thresholds t/255 (index t), averaged over images. */
export interface EvaluationCurves {
  thresholds: number[];
  precision: number[];
  recall: number[];
  fMeasure: number[];
  tpr: number[];
  fpr: number[];
}

/** A stored evaluation of a model on a dataset split. */
export interface ModelEvaluation {
  id: number;
  modelId: number;
  datasetId: number;
  split: Split;
  metrics: EvaluationMetrics;
  curves: EvaluationCurves;
  jobId: string | null;
  createdAt: string;
}

/** Metric names that a comparison shows side by side. */
export type ComparedMetric = 'mae' | 'meanF' | 'maxF' | 'adaptiveF' | 'iou' | 'auc';

/** A fine-tuned model next to the model it started from, on the test split of its dataset. */
export interface FinetuneComparison {
  candidate: ModelRecord;
  /** Null when the parent is no longer registered. */
  parent: ModelRecord | null;
  datasetId: number | null;
  datasetName: string | null;
  split: Split;
  candidateEvaluation: ModelEvaluation | null;
  parentEvaluation: ModelEvaluation | null;
  /** candidate minus parent per metric (lower MAE is better, higher for the rest); null without both. */
  delta: Partial<Record<ComparedMetric, number>> | null;
  /** Lineage recorded with the model: steps, split, device, trainer numbers. */
  lineage: Record<string, string>;
}

/** `Job.result` of a finished fine-tune. */
export interface FinetuneResult {
  comparison: FinetuneComparison;
  steps: number;
  /** Step of the checkpoint that was exported (the best on validation). */
  checkpointStep: number;
  device: TrainDevice;
  python: PythonInfo;
  trainImages: number;
  valImages: number;
  testImages: number;
  lossCurve: LossPoint[];
  validations: ValidationPoint[];
  /** Wall time of the whole job. */
  elapsedSeconds: number;
  /** Folder holding the new model file, its checkpoint and the trainer's log. */
  runDir: string;
  /** Test items left out of the evaluation (no readable photo or mask), with why. */
  evaluationFailures: { photoId: number; relPath: string; reason: string }[];
}

/** `finetune.status`: the job, its live progress while it runs, its result once done. */
export interface FinetuneStatus {
  job: Job;
  progress: FinetuneProgress | null;
  result: FinetuneResult | null;
}

/** `models.discard`. */
export interface DiscardResult {
  discarded: ModelRecord;
  /** Files the studio had made for this model and removed. */
  removedFiles: string[];
  /** Files left in place because the studio did not make them (a model the user brought). */
  keptFiles: string[];
}
