/**
 * Row shapes as SQLite returns them, and their conversion to the API's types. Kept in
 * one place so that a column rename touches one mapper, not every query.
 */
import type {
  Dataset,
  ItemStatus,
  Job,
  JobState,
  LibraryRoot,
  MaskAuthor,
  MaskVersion,
  ModelRecord,
  Photo,
  PhotoError,
  PhotoStatus,
  Split,
} from '../../api/types';
import { ITEM_STATUSES } from '../../api/types';

export interface RootRow {
  id: number;
  path: string;
  added_at: string;
  last_scan_at: string | null;
  closed_at: string | null;
  photo_count: number;
  error_count: number;
}

export function toLibraryRoot(row: RootRow): LibraryRoot {
  return {
    id: row.id,
    path: row.path,
    addedAt: row.added_at,
    lastScanAt: row.last_scan_at,
    photoCount: row.photo_count,
    errorCount: row.error_count,
  };
}

export interface PhotoRow {
  id: number;
  root_id: number;
  rel_path: string;
  folder: string;
  name: string;
  hash: string;
  byte_size: number;
  mtime_ms: number;
  width: number;
  height: number;
  format: string;
  captured_at: string | null;
  camera: string | null;
  lens: string | null;
  f_number: number | null;
  focal_length: number | null;
  status: PhotoStatus;
  missing: number;
  added_at: string;
  updated_at: string;
}

/** Columns of `photos` in PhotoRow order, for SELECTs that alias the table as `p`. */
export const PHOTO_COLUMNS =
  'p.id, p.root_id, p.rel_path, p.folder, p.name, p.hash, p.byte_size, p.mtime_ms, p.width, ' +
  'p.height, p.format, p.captured_at, p.camera, p.lens, p.f_number, p.focal_length, p.status, ' +
  'p.missing, p.added_at, p.updated_at';

export function toPhoto(row: PhotoRow): Photo {
  return {
    id: row.id,
    rootId: row.root_id,
    relPath: row.rel_path,
    folder: row.folder,
    name: row.name,
    hash: row.hash,
    byteSize: row.byte_size,
    width: row.width,
    height: row.height,
    format: row.format,
    capturedAt: row.captured_at,
    camera: row.camera,
    lens: row.lens,
    fNumber: row.f_number,
    focalLength: row.focal_length,
    status: row.status,
    missing: row.missing !== 0,
    addedAt: row.added_at,
    updatedAt: row.updated_at,
  };
}

export interface PhotoErrorRow {
  root_id: number;
  rel_path: string;
  reason: string;
  at: string;
}

export function toPhotoError(row: PhotoErrorRow): PhotoError {
  return { rootId: row.root_id, relPath: row.rel_path, reason: row.reason, at: row.at };
}

export interface DatasetRow {
  id: number;
  name: string;
  description: string;
  created_at: string;
}

export function emptyItemCounts(): Record<ItemStatus, number> {
  return Object.fromEntries(ITEM_STATUSES.map((status) => [status, 0])) as Record<ItemStatus, number>;
}

export function toDataset(
  row: DatasetRow,
  statusCounts: { status: ItemStatus; n: number }[],
  splitCounts: { split: Split; n: number }[],
): Dataset {
  const counts = emptyItemCounts();
  let itemCount = 0;
  for (const { status, n } of statusCounts) {
    counts[status] = n;
    itemCount += n;
  }
  const splits: Record<Split, number> = { train: 0, test: 0 };
  for (const { split, n } of splitCounts) {
    splits[split] = n;
  }
  return { id: row.id, name: row.name, description: row.description, createdAt: row.created_at, itemCount, counts, splits };
}

export interface MaskVersionRow {
  id: number;
  photo_id: number;
  dataset_id: number;
  author: MaskAuthor;
  author_name: string | null;
  model_id: number | null;
  status: ItemStatus;
  blur_fraction: number;
  byte_size: number;
  created_at: string;
}

/** Columns of MaskVersionRow for a join of `mask_versions v` with `masks m`. */
export const MASK_VERSION_COLUMNS =
  'v.id, m.photo_id, m.dataset_id, v.author, v.author_name, v.model_id, v.status, v.blur_fraction, ' +
  'length(v.png) AS byte_size, v.created_at';

export function toMaskVersion(row: MaskVersionRow): MaskVersion {
  return {
    id: row.id,
    photoId: row.photo_id,
    datasetId: row.dataset_id,
    author: row.author,
    authorName: row.author_name,
    modelId: row.model_id,
    status: row.status,
    blurFraction: row.blur_fraction,
    byteSize: row.byte_size,
    createdAt: row.created_at,
  };
}

export interface ModelRow {
  id: number;
  name: string;
  version: string;
  file: string;
  hash: string;
  metadata: string;
  metrics: string | null;
  parent_id: number | null;
  dataset_id: number | null;
  active: number;
  created_at: string;
}

export function toModelRecord(row: ModelRow): ModelRecord {
  return {
    id: row.id,
    name: row.name,
    version: row.version,
    file: row.file,
    hash: row.hash,
    metadata: JSON.parse(row.metadata) as Record<string, string>,
    metrics: row.metrics === null ? null : (JSON.parse(row.metrics) as Record<string, number>),
    parentId: row.parent_id,
    datasetId: row.dataset_id,
    active: row.active !== 0,
    createdAt: row.created_at,
  };
}

export interface JobRow {
  id: string;
  kind: string;
  title: string;
  state: JobState;
  params: string;
  done: number;
  total: number;
  message: string | null;
  error: string | null;
  result: string | null;
  created_at: string;
  finished_at: string | null;
}

/** A persisted job; rate and ETA only mean something while it runs, so they are null. */
export function toJob(row: JobRow): Job {
  return {
    id: row.id,
    kind: row.kind,
    title: row.title,
    state: row.state,
    done: row.done,
    total: row.total,
    rate: null,
    etaSeconds: null,
    message: row.message,
    error: row.error,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
    result: row.result === null ? null : (JSON.parse(row.result) as unknown),
  };
}
