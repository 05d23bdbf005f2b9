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
  active: boolean;
  createdAt: string;
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
