/**
 * The studio's database behind one synchronous, typed API. This is the only module that
 * writes SQL; everything else (library scans, the API handlers, the CLI) calls these
 * methods. Each method that changes several rows does so in one transaction, so a crash
 * leaves either the whole save or none of it.
 */
import { StudioError } from '../../api/errors';
import type {
  Dataset,
  Facets,
  ItemStatus,
  Job,
  LibraryRoot,
  MaskAuthor,
  MaskVersion,
  ModelRecord,
  Photo,
  PhotoError,
  PhotoPage,
  PhotoStatus,
  Split,
  StoreCounts,
} from '../../api/types';
import { PHOTO_STATUSES } from '../../api/types';
import { DatasetTables } from './datasetTables';
import { openDatabase } from './database';
import type { SqliteDatabase } from './database';
import { getSchemaVersion, migrate } from './migrate';
import { ModelTables } from './modelTables';
import { buildPhotoQuery, OPEN_ROOT_CONDITION } from './photoQuery';
import type { OpenRoots, ParsedPhotoQuery } from './photoQuery';
import {
  emptyItemCounts,
  MASK_VERSION_COLUMNS,
  PHOTO_COLUMNS,
  toDataset,
  toJob,
  toLibraryRoot,
  toMaskVersion,
  toModelRecord,
  toPhoto,
  toPhotoError,
} from './rows';
import type {
  DatasetRow,
  JobRow,
  MaskVersionRow,
  ModelRow,
  PhotoErrorRow,
  PhotoRow,
  RootRow,
} from './rows';
import { Statements } from './statements';
import type { SlowQueryLogger } from './statements';

export interface StoreOptions {
  /** Where slow queries are reported; defaults to console.warn. */
  log?: SlowQueryLogger;
  /** Clock for timestamps (tests pin it). */
  now?: () => Date;
}

/** What a probe learned about a photo file; what the store keeps of it. */
export type PhotoFacts = Pick<Photo, 'hash' | 'byteSize' | 'width' | 'height' | 'format' | 'capturedAt' | 'camera' | 'lens' | 'fNumber' | 'focalLength'>;

/** The part of a photo row a scan compares with the file on disk. */
export interface PhotoFileState {
  id: number;
  rootId: number;
  relPath: string;
  hash: string;
  byteSize: number;
  mtimeMs: number;
  missing: boolean;
}

const FILE_STATE_COLUMNS = 'id, root_id, rel_path, hash, byte_size, mtime_ms, missing';
type PhotoFileStateRow = Pick<PhotoRow, 'id' | 'root_id' | 'rel_path' | 'hash' | 'byte_size' | 'mtime_ms' | 'missing'>;

function toPhotoFileState(row: PhotoFileStateRow): PhotoFileState {
  return {
    id: row.id,
    rootId: row.root_id,
    relPath: row.rel_path,
    hash: row.hash,
    byteSize: row.byte_size,
    mtimeMs: row.mtime_ms,
    missing: row.missing !== 0,
  };
}

/** Where a photo lives on disk, and whether its root is open (resources check it). */
export interface PhotoLocation {
  photo: Photo;
  rootPath: string;
  rootOpen: boolean;
}

export interface Thumbnail {
  width: number;
  height: number;
  mimeType: string;
  bytes: Uint8Array;
}

export interface DatasetItem {
  datasetId: number;
  photoId: number;
  split: Split | null;
  status: ItemStatus;
  comment: string | null;
  updatedAt: string;
}

export interface NewMaskVersion {
  photoId: number;
  datasetId: number;
  /** 8-bit grayscale PNG at the photo's size, 255 = blurred. */
  png: Uint8Array;
  author: MaskAuthor;
  authorName?: string | null;
  modelId?: number | null;
  /** Status the dataset item takes with this version. */
  status: ItemStatus;
  /** Fraction of the mask's pixels that are blurred (0..1). */
  blurFraction: number;
}

export interface StoredMask {
  version: MaskVersion;
  png: Uint8Array;
}

export interface NewPrediction {
  photoId: number;
  modelId: number;
  /** 8-bit probability map (PNG), 255 = certainly blurred. */
  png: Uint8Array;
  width: number;
  height: number;
  meanProbability: number;
  uncertainty: number;
  device: string;
  durationMs: number;
}

export interface Prediction extends NewPrediction {
  id: number;
  createdAt: string;
}

export interface NewModel {
  name: string;
  version: string;
  file: string;
  hash: string;
  metadata?: Record<string, string>;
  metrics?: Record<string, number> | null;
  parentId?: number | null;
  datasetId?: number | null;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function isPng(bytes: Uint8Array): boolean {
  return bytes.length > PNG_SIGNATURE.length && PNG_SIGNATURE.every((byte, index) => bytes[index] === byte);
}

/** Splits 'a/b/c.jpg' into folder 'a/b' and name 'c.jpg'. */
export function splitRelPath(relPath: string): { folder: string; name: string } {
  const slash = relPath.lastIndexOf('/');
  return slash < 0
    ? { folder: '', name: relPath }
    : { folder: relPath.slice(0, slash), name: relPath.slice(slash + 1) };
}

// Timestamps of files are compared to the millisecond: stat() gives fractions that
// survive neither every filesystem nor the INTEGER column.
function wholeMs(mtimeMs: number): number {
  return Math.trunc(mtimeMs);
}

const ROOT_SELECT = `
  SELECT r.id, r.path, r.added_at, r.last_scan_at, r.closed_at,
    (SELECT COUNT(*) FROM photos p WHERE p.root_id = r.id AND p.missing = 0) AS photo_count,
    (SELECT COUNT(*) FROM photo_errors e WHERE e.root_id = r.id) AS error_count
  FROM library_roots r`;

export class Store {
  readonly #db: SqliteDatabase;
  readonly #sql: Statements;
  readonly #now: () => Date;
  #closed = false;
  /** Dataset membership, splits, statuses, reviews and aggregates (datasetTables.ts). */
  readonly datasets: DatasetTables;
  /** Model evaluations and removing models (modelTables.ts). */
  readonly models: ModelTables;

  /** Opens (creating if needed) the database file and brings it to the latest schema. */
  static open(filename: string, options: StoreOptions = {}): Store {
    const db = openDatabase(filename);
    try {
      return new Store(db, options);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /** Takes ownership of an open connection and migrates it. */
  constructor(db: SqliteDatabase, options: StoreOptions = {}) {
    this.#db = db;
    migrate(db);
    this.#sql = new Statements(db, options.log ?? ((message) => console.warn(`[store] ${message}`)));
    this.#now = options.now ?? (() => new Date());
    this.datasets = new DatasetTables({
      sql: this.#sql,
      transaction: (work) => this.transaction(work),
      timestamp: () => this.#timestamp(),
      refreshPhotoStatus: (photoId) => this.#refreshPhotoStatus(photoId),
    });
    this.models = new ModelTables({
      sql: this.#sql,
      transaction: (work) => this.transaction(work),
      timestamp: () => this.#timestamp(),
    });
  }

  get filename(): string {
    return this.#db.name;
  }

  /** The raw connection, for tests that inspect query plans or pragmas. */
  get _testOnlyDb(): SqliteDatabase {
    return this.#db;
  }

  schemaVersion(): number {
    return getSchemaVersion(this.#db);
  }

  /** Runs `work` in one transaction (nested calls become savepoints). */
  transaction<T>(work: () => T): T {
    return this.#db.transaction(work)();
  }

  close(): void {
    if (!this.#closed) {
      this.#closed = true;
      // Lets SQLite refresh the statistics its planner uses, cheaply, for the next run.
      if (!this.#db.readonly) {
        this.#db.pragma('optimize');
      }
      this.#db.close();
    }
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  #timestamp(): string {
    return this.#now().toISOString();
  }

  // ---------------------------------------------------------------- library roots

  /** Adds a root, or reopens it if it was closed. `path` must already be absolute. */
  addRoot(path: string): LibraryRoot {
    const now = this.#timestamp();
    this.#sql.run(
      `INSERT INTO library_roots (path, added_at) VALUES (?, ?)
       ON CONFLICT (path) DO UPDATE SET closed_at = NULL`,
      path,
      now,
    );
    const row = this.#sql.get<RootRow>(`${ROOT_SELECT} WHERE r.path = ?`, path)!;
    return toLibraryRoot(row);
  }

  /** Open roots, in the order they were added. */
  listRoots(): LibraryRoot[] {
    return this.#sql.all<RootRow>(`${ROOT_SELECT} WHERE r.closed_at IS NULL ORDER BY r.id`).map(toLibraryRoot);
  }

  /** An open root. */
  getRoot(id: number): LibraryRoot | undefined {
    const row = this.#sql.get<RootRow>(`${ROOT_SELECT} WHERE r.id = ? AND r.closed_at IS NULL`, id);
    return row ? toLibraryRoot(row) : undefined;
  }

  /** Closes a root: its photos leave the grid but keep their rows, masks and history. */
  closeRoot(id: number): boolean {
    return this.#sql.run('UPDATE library_roots SET closed_at = ? WHERE id = ? AND closed_at IS NULL', this.#timestamp(), id).changes > 0;
  }

  /** Deletes a root with its photos and everything attached to them (masks included). */
  removeRoot(id: number): boolean {
    return this.transaction(() => {
      const removed = this.#sql.run('DELETE FROM library_roots WHERE id = ?', id).changes > 0;
      if (removed) this.pruneThumbnails();
      return removed;
    });
  }

  markRootScanned(id: number): void {
    this.#sql.run('UPDATE library_roots SET last_scan_at = ? WHERE id = ?', this.#timestamp(), id);
  }

  // ---------------------------------------------------------------- photos

  getPhoto(id: number): Photo | undefined {
    const row = this.#sql.get<PhotoRow>(`SELECT ${PHOTO_COLUMNS} FROM photos p WHERE p.id = ?`, id);
    return row ? toPhoto(row) : undefined;
  }

  getPhotoByPath(rootId: number, relPath: string): Photo | undefined {
    const row = this.#sql.get<PhotoRow>(`SELECT ${PHOTO_COLUMNS} FROM photos p WHERE p.root_id = ? AND p.rel_path = ?`, rootId, relPath);
    return row ? toPhoto(row) : undefined;
  }

  getPhotoLocation(id: number): PhotoLocation | undefined {
    const row = this.#sql.get<PhotoRow & { root_path: string; root_closed: string | null }>(
      `SELECT ${PHOTO_COLUMNS}, r.path AS root_path, r.closed_at AS root_closed
       FROM photos p JOIN library_roots r ON r.id = p.root_id WHERE p.id = ?`,
      id,
    );
    return row ? { photo: toPhoto(row), rootPath: row.root_path, rootOpen: row.root_closed === null } : undefined;
  }

  /** Present (not missing) photos of a root, by path: for imports that pair files with photos. */
  listPresentPhotos(rootId: number): Photo[] {
    return this.#sql
      .all<PhotoRow>(`SELECT ${PHOTO_COLUMNS} FROM photos p WHERE p.root_id = ? AND p.missing = 0 ORDER BY p.rel_path`, rootId)
      .map(toPhoto);
  }

  /** Every photo row of a root, for comparing with a walk of its folder. */
  listPhotoFileStates(rootId: number): PhotoFileState[] {
    return this.#sql.all<PhotoFileStateRow>(`SELECT ${FILE_STATE_COLUMNS} FROM photos WHERE root_id = ?`, rootId).map(toPhotoFileState);
  }

  /** Photos with this content, present or missing, in any root (move detection). */
  findPhotosByHash(hash: string): PhotoFileState[] {
    return this.#sql.all<PhotoFileStateRow>(`SELECT ${FILE_STATE_COLUMNS} FROM photos WHERE hash = ? ORDER BY id`, hash).map(toPhotoFileState);
  }

  /**
   * Records a probed file at (root, relPath): a new row, or the existing row updated in
   * place (an edited file keeps its id, so its masks stay attached).
   */
  upsertPhoto(rootId: number, relPath: string, mtimeMs: number, facts: PhotoFacts): Photo {
    const now = this.#timestamp();
    const { folder, name } = splitRelPath(relPath);
    this.#sql.run(
      `INSERT INTO photos (root_id, rel_path, folder, name, hash, byte_size, mtime_ms, width, height, format,
         captured_at, camera, lens, f_number, focal_length, missing, added_at, updated_at)
       VALUES (:rootId, :relPath, :folder, :name, :hash, :byteSize, :mtimeMs, :width, :height, :format,
         :capturedAt, :camera, :lens, :fNumber, :focalLength, 0, :now, :now)
       ON CONFLICT (root_id, rel_path) DO UPDATE SET
         hash = excluded.hash, byte_size = excluded.byte_size, mtime_ms = excluded.mtime_ms,
         width = excluded.width, height = excluded.height, format = excluded.format,
         captured_at = excluded.captured_at, camera = excluded.camera, lens = excluded.lens,
         f_number = excluded.f_number, focal_length = excluded.focal_length,
         missing = 0, updated_at = excluded.updated_at`,
      {
        rootId,
        relPath,
        folder,
        name,
        hash: facts.hash,
        byteSize: facts.byteSize,
        mtimeMs: wholeMs(mtimeMs),
        width: facts.width,
        height: facts.height,
        format: facts.format,
        capturedAt: facts.capturedAt,
        camera: facts.camera,
        lens: facts.lens,
        fNumber: facts.fNumber,
        focalLength: facts.focalLength,
        now,
      },
    );
    return this.getPhotoByPath(rootId, relPath)!;
  }

  /**
   * Moves a photo row to a new place (same content found elsewhere). The id stays, and
   * with it every mask, prediction and dataset membership.
   */
  movePhoto(id: number, rootId: number, relPath: string, mtimeMs: number): Photo {
    const occupant = this.#sql.value<number>('SELECT id FROM photos WHERE root_id = ? AND rel_path = ?', rootId, relPath);
    if (occupant !== undefined && occupant !== id) {
      throw new StudioError('conflict', `Another photo is already recorded at ${relPath}.`);
    }
    const { folder, name } = splitRelPath(relPath);
    const changes = this.#sql.run(
      `UPDATE photos SET root_id = ?, rel_path = ?, folder = ?, name = ?, mtime_ms = ?, missing = 0, updated_at = ?
       WHERE id = ?`,
      rootId,
      relPath,
      folder,
      name,
      wholeMs(mtimeMs),
      this.#timestamp(),
      id,
    ).changes;
    if (changes === 0) {
      throw new StudioError('not-found', `Photo ${id} does not exist.`);
    }
    return this.getPhoto(id)!;
  }

  /** The file was touched but its content (hash) is the same: only remember the new mtime. */
  touchPhoto(id: number, mtimeMs: number): void {
    this.#sql.run('UPDATE photos SET mtime_ms = ?, missing = 0 WHERE id = ?', wholeMs(mtimeMs), id);
  }

  /** Marks photos whose files are gone; their rows (and masks) stay until the file returns. */
  markPhotosMissing(ids: readonly number[]): number {
    const now = this.#timestamp();
    return this.transaction(() => {
      let changed = 0;
      for (const id of ids) {
        changed += this.#sql.run('UPDATE photos SET missing = 1, updated_at = ? WHERE id = ? AND missing = 0', now, id).changes;
      }
      return changed;
    });
  }

  #openRoots(): OpenRoots {
    const roots = this.#sql.all<{ id: number; closed: number }>('SELECT id, closed_at IS NOT NULL AS closed FROM library_roots');
    return roots.every((root) => root.closed === 0) ? { all: true } : { all: false, ids: roots.filter((root) => root.closed === 0).map((root) => root.id) };
  }

  /**
   * The grid query: the page's ids first (a sort or an index walk over narrow rows),
   * then those rows only, so that paging deep into a sorted library stays cheap.
   */
  #photoQuerySql(query: ParsedPhotoQuery): { count: string; page: string; params: Record<string, unknown> } {
    const { where, orderBy, params } = buildPhotoQuery(query, this.#openRoots());
    return {
      count: `SELECT COUNT(*) FROM photos p WHERE ${where}`,
      page:
        `SELECT ${PHOTO_COLUMNS} FROM (SELECT p.id AS id FROM photos p WHERE ${where} ORDER BY ${orderBy} LIMIT :limit OFFSET :offset) AS page ` +
        // CROSS JOIN keeps SQLite from reordering: the page drives, photos is probed by id.
        `CROSS JOIN photos p ON p.id = page.id ORDER BY ${orderBy}`,
      params,
    };
  }

  /** One page of the grid. */
  queryPhotos(query: ParsedPhotoQuery): PhotoPage {
    const { count, page, params } = this.#photoQuerySql(query);
    const total = this.#sql.value<number>(count, params) ?? 0;
    const rows = this.#sql.all<PhotoRow>(page, { ...params, limit: query.limit, offset: query.offset });
    return { total, offset: query.offset, photos: rows.map(toPhoto) };
  }

  /** Ids of every photo the grid query matches (its paging ignored), in its order. */
  listPhotoIds(query: ParsedPhotoQuery): number[] {
    const { where, orderBy, params } = buildPhotoQuery(query, this.#openRoots());
    return this.#sql.all<{ id: number }>(`SELECT p.id FROM photos p WHERE ${where} ORDER BY ${orderBy}`, params).map((row) => row.id);
  }

  /** SQL of the grid query, for EXPLAIN QUERY PLAN in tests and benchmarks. */
  _testOnlyPhotoQuerySql(query: ParsedPhotoQuery): { count: string; sql: string; params: Record<string, unknown> } {
    const { count, page, params } = this.#photoQuerySql(query);
    return { count, sql: page, params: { ...params, limit: query.limit, offset: query.offset } };
  }

  /** Values to filter on, with counts, over present photos of open roots. */
  facets(rootId?: number): Facets {
    const scope = rootId === undefined ? `${OPEN_ROOT_CONDITION} AND p.missing = 0` : `${OPEN_ROOT_CONDITION} AND p.missing = 0 AND p.root_id = :rootId`;
    const params = rootId === undefined ? {} : { rootId };
    const folders = this.#sql.all<{ folder: string; count: number }>(
      `SELECT p.folder AS folder, COUNT(*) AS count FROM photos p WHERE ${scope} GROUP BY p.folder ORDER BY p.folder`,
      params,
    );
    const valueCounts = <T>(column: string): { value: T; count: number }[] =>
      this.#sql.all<{ value: T; count: number }>(
        `SELECT p.${column} AS value, COUNT(*) AS count FROM photos p
         WHERE ${scope} AND p.${column} IS NOT NULL GROUP BY p.${column} ORDER BY count DESC, value`,
        params,
      );
    const statuses = Object.fromEntries(PHOTO_STATUSES.map((status) => [status, 0])) as Record<PhotoStatus, number>;
    let total = 0;
    for (const { status, count } of this.#sql.all<{ status: PhotoStatus; count: number }>(
      `SELECT p.status AS status, COUNT(*) AS count FROM photos p WHERE ${scope} GROUP BY p.status`,
      params,
    )) {
      statuses[status] = count;
      total += count;
    }
    return {
      folders,
      cameras: valueCounts<string>('camera'),
      lenses: valueCounts<string>('lens'),
      fNumbers: valueCounts<number>('f_number'),
      statuses,
      total,
    };
  }

  counts(): StoreCounts {
    const masksByStatus = emptyItemCounts();
    for (const { status, n } of this.#sql.all<{ status: ItemStatus; n: number }>(
      'SELECT status, COUNT(*) AS n FROM dataset_items GROUP BY status',
    )) {
      masksByStatus[status] = n;
    }
    return {
      photos: this.#sql.value<number>(`SELECT COUNT(*) FROM photos p WHERE ${OPEN_ROOT_CONDITION} AND p.missing = 0`) ?? 0,
      photoErrors:
        this.#sql.value<number>(
          'SELECT COUNT(*) FROM photo_errors e JOIN library_roots r ON r.id = e.root_id WHERE r.closed_at IS NULL',
        ) ?? 0,
      masksByStatus,
      datasets: this.#sql.value<number>('SELECT COUNT(*) FROM datasets') ?? 0,
      models: this.#sql.value<number>('SELECT COUNT(*) FROM models') ?? 0,
      predictions: this.#sql.value<number>('SELECT COUNT(*) FROM predictions') ?? 0,
    };
  }

  /** Re-derives a photo's grid badge from its dataset items and predictions. */
  #refreshPhotoStatus(photoId: number): void {
    this.#sql.run(
      `UPDATE photos SET status = CASE
         WHEN EXISTS (SELECT 1 FROM dataset_items i WHERE i.photo_id = :id AND i.status = 'reviewed') THEN 'reviewed'
         WHEN EXISTS (SELECT 1 FROM dataset_items i WHERE i.photo_id = :id AND i.status = 'corrected') THEN 'corrected'
         WHEN EXISTS (SELECT 1 FROM dataset_items i WHERE i.photo_id = :id AND i.status = 'predicted')
           OR EXISTS (SELECT 1 FROM predictions r WHERE r.photo_id = :id) THEN 'predicted'
         ELSE 'none' END
       WHERE id = :id`,
      { id: photoId },
    );
  }

  // ---------------------------------------------------------------- photo errors

  /** Replaces a root's per-file errors with those of the latest scan. */
  replacePhotoErrors(rootId: number, errors: readonly { relPath: string; reason: string }[]): void {
    const now = this.#timestamp();
    this.transaction(() => {
      this.#sql.run('DELETE FROM photo_errors WHERE root_id = ?', rootId);
      for (const { relPath, reason } of errors) {
        this.#sql.run(
          'INSERT OR REPLACE INTO photo_errors (root_id, rel_path, reason, at) VALUES (?, ?, ?, ?)',
          rootId,
          relPath,
          reason,
          now,
        );
      }
    });
  }

  setPhotoError(rootId: number, relPath: string, reason: string): void {
    this.#sql.run(
      'INSERT OR REPLACE INTO photo_errors (root_id, rel_path, reason, at) VALUES (?, ?, ?, ?)',
      rootId,
      relPath,
      reason,
      this.#timestamp(),
    );
  }

  clearPhotoError(rootId: number, relPath: string): void {
    this.#sql.run('DELETE FROM photo_errors WHERE root_id = ? AND rel_path = ?', rootId, relPath);
  }

  /** Errors of open roots (or of one root), by path. */
  listPhotoErrors(rootId?: number, limit = 1000): PhotoError[] {
    const rows =
      rootId === undefined
        ? this.#sql.all<PhotoErrorRow>(
            `SELECT e.root_id, e.rel_path, e.reason, e.at FROM photo_errors e
             JOIN library_roots r ON r.id = e.root_id WHERE r.closed_at IS NULL
             ORDER BY e.root_id, e.rel_path LIMIT ?`,
            limit,
          )
        : this.#sql.all<PhotoErrorRow>(
            'SELECT root_id, rel_path, reason, at FROM photo_errors WHERE root_id = ? ORDER BY rel_path LIMIT ?',
            rootId,
            limit,
          );
    return rows.map(toPhotoError);
  }

  // ---------------------------------------------------------------- thumbnails

  getThumbnail(hash: string): Thumbnail | undefined {
    const row = this.#sql.get<{ width: number; height: number; mime_type: string; bytes: Buffer }>(
      'SELECT width, height, mime_type, bytes FROM thumbnails WHERE hash = ?',
      hash,
    );
    return row ? { width: row.width, height: row.height, mimeType: row.mime_type, bytes: new Uint8Array(row.bytes) } : undefined;
  }

  hasThumbnail(hash: string): boolean {
    return this.#sql.value<number>('SELECT 1 FROM thumbnails WHERE hash = ?', hash) !== undefined;
  }

  putThumbnail(hash: string, thumbnail: Thumbnail): void {
    this.#sql.run(
      'INSERT OR REPLACE INTO thumbnails (hash, width, height, mime_type, bytes) VALUES (?, ?, ?, ?, ?)',
      hash,
      thumbnail.width,
      thumbnail.height,
      thumbnail.mimeType,
      Buffer.from(thumbnail.bytes.buffer, thumbnail.bytes.byteOffset, thumbnail.bytes.byteLength),
    );
  }

  /** Drops thumbnails no photo row refers to any more; returns how many. */
  pruneThumbnails(): number {
    return this.#sql.run('DELETE FROM thumbnails WHERE hash NOT IN (SELECT hash FROM photos)').changes;
  }

  // ---------------------------------------------------------------- datasets

  #datasetFromRow(row: DatasetRow): Dataset {
    const statusCounts = this.#sql.all<{ status: ItemStatus; n: number }>(
      'SELECT status, COUNT(*) AS n FROM dataset_items WHERE dataset_id = ? GROUP BY status',
      row.id,
    );
    const splitCounts = this.#sql.all<{ split: Split; n: number }>(
      'SELECT split, COUNT(*) AS n FROM dataset_items WHERE dataset_id = ? AND split IS NOT NULL GROUP BY split',
      row.id,
    );
    return toDataset(row, statusCounts, splitCounts);
  }

  createDataset(name: string, description = ''): Dataset {
    const trimmed = name.trim();
    if (this.findDatasetByName(trimmed)) {
      throw new StudioError('conflict', `A dataset named "${trimmed}" already exists.`);
    }
    const id = Number(
      this.#sql.run('INSERT INTO datasets (name, description, created_at) VALUES (?, ?, ?)', trimmed, description, this.#timestamp())
        .lastInsertRowid,
    );
    return this.getDataset(id)!;
  }

  /** The dataset with this name, created if there is none. */
  ensureDataset(name: string, description = ''): Dataset {
    return this.findDatasetByName(name.trim()) ?? this.createDataset(name, description);
  }

  getDataset(id: number): Dataset | undefined {
    const row = this.#sql.get<DatasetRow>('SELECT id, name, description, created_at FROM datasets WHERE id = ?', id);
    return row ? this.#datasetFromRow(row) : undefined;
  }

  findDatasetByName(name: string): Dataset | undefined {
    const row = this.#sql.get<DatasetRow>('SELECT id, name, description, created_at FROM datasets WHERE name = ?', name);
    return row ? this.#datasetFromRow(row) : undefined;
  }

  listDatasets(): Dataset[] {
    return this.#sql
      .all<DatasetRow>('SELECT id, name, description, created_at FROM datasets ORDER BY name')
      .map((row) => this.#datasetFromRow(row));
  }

  // ---------------------------------------------------------------- dataset items

  /** Adds a photo to a dataset (no-op if present); `split` is set when given. */
  addDatasetItem(datasetId: number, photoId: number, options: { split?: Split | null } = {}): DatasetItem {
    this.transaction(() => {
      this.#sql.run(
        `INSERT INTO dataset_items (dataset_id, photo_id, split, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (dataset_id, photo_id) DO NOTHING`,
        datasetId,
        photoId,
        options.split ?? null,
        this.#timestamp(),
      );
      if (options.split !== undefined) {
        this.setItemSplit(datasetId, photoId, options.split);
      }
    });
    return this.getDatasetItem(datasetId, photoId)!;
  }

  getDatasetItem(datasetId: number, photoId: number): DatasetItem | undefined {
    const row = this.#sql.get<{ split: Split | null; status: ItemStatus; comment: string | null; updated_at: string }>(
      'SELECT split, status, comment, updated_at FROM dataset_items WHERE dataset_id = ? AND photo_id = ?',
      datasetId,
      photoId,
    );
    return row
      ? { datasetId, photoId, split: row.split, status: row.status, comment: row.comment, updatedAt: row.updated_at }
      : undefined;
  }

  listDatasetItems(datasetId: number): DatasetItem[] {
    return this.#sql
      .all<{ photo_id: number; split: Split | null; status: ItemStatus; comment: string | null; updated_at: string }>(
        'SELECT photo_id, split, status, comment, updated_at FROM dataset_items WHERE dataset_id = ? ORDER BY photo_id',
        datasetId,
      )
      .map((row) => ({
        datasetId,
        photoId: row.photo_id,
        split: row.split,
        status: row.status,
        comment: row.comment,
        updatedAt: row.updated_at,
      }));
  }

  setItemSplit(datasetId: number, photoId: number, split: Split | null): void {
    this.#sql.run(
      'UPDATE dataset_items SET split = ?, updated_at = ? WHERE dataset_id = ? AND photo_id = ?',
      split,
      this.#timestamp(),
      datasetId,
      photoId,
    );
  }

  /** Changes an item's status without a new mask (review accepted, item rejected). */
  setItemStatus(datasetId: number, photoId: number, status: ItemStatus): void {
    this.transaction(() => {
      const changes = this.#sql.run(
        'UPDATE dataset_items SET status = ?, updated_at = ? WHERE dataset_id = ? AND photo_id = ?',
        status,
        this.#timestamp(),
        datasetId,
        photoId,
      ).changes;
      if (changes === 0) {
        throw new StudioError('not-found', `Photo ${photoId} is not in dataset ${datasetId}.`);
      }
      this.#refreshPhotoStatus(photoId);
    });
  }

  // ---------------------------------------------------------------- masks

  /**
   * Saves a new version of the (photo, dataset) mask: one transaction inserts the version,
   * makes it current, and updates the dataset item's and the photo's status. When this
   * returns, the save is on disk.
   */
  saveMaskVersion(input: NewMaskVersion): MaskVersion {
    if (!isPng(input.png)) {
      throw new StudioError('bad-image', 'A mask must be a PNG image.');
    }
    if (!(input.blurFraction >= 0 && input.blurFraction <= 1)) {
      throw new StudioError('invalid-input', `blurFraction must be within 0..1, got ${input.blurFraction}.`);
    }
    return this.transaction(() => {
      if (this.#sql.value<number>('SELECT 1 FROM photos WHERE id = ?', input.photoId) === undefined) {
        throw new StudioError('not-found', `Photo ${input.photoId} does not exist.`);
      }
      if (this.#sql.value<number>('SELECT 1 FROM datasets WHERE id = ?', input.datasetId) === undefined) {
        throw new StudioError('not-found', `Dataset ${input.datasetId} does not exist.`);
      }
      const now = this.#timestamp();
      this.#sql.run(
        `INSERT INTO dataset_items (dataset_id, photo_id, status, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (dataset_id, photo_id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at`,
        input.datasetId,
        input.photoId,
        input.status,
        now,
      );
      this.#sql.run(
        'INSERT INTO masks (dataset_id, photo_id) VALUES (?, ?) ON CONFLICT (dataset_id, photo_id) DO NOTHING',
        input.datasetId,
        input.photoId,
      );
      const maskId = this.#sql.value<number>('SELECT id FROM masks WHERE dataset_id = ? AND photo_id = ?', input.datasetId, input.photoId)!;
      const versionId = Number(
        this.#sql.run(
          `INSERT INTO mask_versions (mask_id, png, author, author_name, model_id, status, blur_fraction, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
          maskId,
          Buffer.from(input.png.buffer, input.png.byteOffset, input.png.byteLength),
          input.author,
          input.authorName ?? null,
          input.modelId ?? null,
          input.status,
          input.blurFraction,
          now,
        ).lastInsertRowid,
      );
      this.#sql.run('UPDATE masks SET current_version_id = ? WHERE id = ?', versionId, maskId);
      this.#refreshPhotoStatus(input.photoId);
      return this.#maskVersion(versionId)!;
    });
  }

  #maskVersion(versionId: number): MaskVersion | undefined {
    const row = this.#sql.get<MaskVersionRow>(
      `SELECT ${MASK_VERSION_COLUMNS} FROM mask_versions v JOIN masks m ON m.id = v.mask_id WHERE v.id = ?`,
      versionId,
    );
    return row ? toMaskVersion(row) : undefined;
  }

  getMaskVersion(versionId: number): StoredMask | undefined {
    const row = this.#sql.get<MaskVersionRow & { png: Buffer }>(
      `SELECT ${MASK_VERSION_COLUMNS}, v.png FROM mask_versions v JOIN masks m ON m.id = v.mask_id WHERE v.id = ?`,
      versionId,
    );
    return row ? { version: toMaskVersion(row), png: new Uint8Array(row.png) } : undefined;
  }

  /** The current mask of a photo in a dataset. */
  getCurrentMask(photoId: number, datasetId: number): StoredMask | undefined {
    const versionId = this.#sql.value<number | null>(
      'SELECT current_version_id FROM masks WHERE photo_id = ? AND dataset_id = ?',
      photoId,
      datasetId,
    );
    return versionId == null ? undefined : this.getMaskVersion(versionId);
  }

  /** The most recently saved current mask of a photo, whatever the dataset. */
  getLatestMask(photoId: number): StoredMask | undefined {
    const versionId = this.#sql.value<number>(
      'SELECT MAX(current_version_id) FROM masks WHERE photo_id = ? AND current_version_id IS NOT NULL',
      photoId,
    );
    return versionId == null ? undefined : this.getMaskVersion(versionId);
  }

  /** Every version of a mask, newest first. */
  listMaskHistory(photoId: number, datasetId: number): MaskVersion[] {
    return this.#sql
      .all<MaskVersionRow>(
        `SELECT ${MASK_VERSION_COLUMNS} FROM mask_versions v JOIN masks m ON m.id = v.mask_id
         WHERE m.photo_id = ? AND m.dataset_id = ? ORDER BY v.id DESC`,
        photoId,
        datasetId,
      )
      .map(toMaskVersion);
  }

  /**
   * Brings an old version back as a new version (history is never rewritten, so the
   * restore itself can be undone by restoring the version it replaced).
   */
  restoreMaskVersion(versionId: number, options: { authorName?: string | null } = {}): MaskVersion {
    return this.transaction(() => {
      const old = this.getMaskVersion(versionId);
      if (!old) {
        throw new StudioError('not-found', `Mask version ${versionId} does not exist.`);
      }
      return this.saveMaskVersion({
        photoId: old.version.photoId,
        datasetId: old.version.datasetId,
        png: old.png,
        author: old.version.author,
        authorName: options.authorName === undefined ? old.version.authorName : options.authorName,
        modelId: old.version.modelId,
        status: old.version.status,
        blurFraction: old.version.blurFraction,
      });
    });
  }

  // ---------------------------------------------------------------- predictions

  /** Saves (or replaces) a model's probability map for a photo. */
  savePrediction(input: NewPrediction): Prediction {
    if (!isPng(input.png)) {
      throw new StudioError('bad-image', 'A probability map must be a PNG image.');
    }
    return this.transaction(() => {
      this.#sql.run(
        `INSERT INTO predictions (photo_id, model_id, png, width, height, mean_probability, uncertainty, device, duration_ms, created_at)
         VALUES (:photoId, :modelId, :png, :width, :height, :meanProbability, :uncertainty, :device, :durationMs, :now)
         ON CONFLICT (photo_id, model_id) DO UPDATE SET
           png = excluded.png, width = excluded.width, height = excluded.height,
           mean_probability = excluded.mean_probability, uncertainty = excluded.uncertainty,
           device = excluded.device, duration_ms = excluded.duration_ms, created_at = excluded.created_at`,
        {
          photoId: input.photoId,
          modelId: input.modelId,
          png: Buffer.from(input.png.buffer, input.png.byteOffset, input.png.byteLength),
          width: input.width,
          height: input.height,
          meanProbability: input.meanProbability,
          uncertainty: input.uncertainty,
          device: input.device,
          durationMs: input.durationMs,
          now: this.#timestamp(),
        },
      );
      this.#refreshPhotoStatus(input.photoId);
      return this.getPrediction(input.photoId, input.modelId)!;
    });
  }

  /** A photo's prediction by `modelId`, or by the active model, or the most recent one. */
  getPrediction(photoId: number, modelId?: number): Prediction | undefined {
    const row = this.#sql.get<{
      id: number;
      photo_id: number;
      model_id: number;
      png: Buffer;
      width: number;
      height: number;
      mean_probability: number;
      uncertainty: number;
      device: string;
      duration_ms: number;
      created_at: string;
    }>(
      `SELECT r.* FROM predictions r LEFT JOIN models m ON m.id = r.model_id
       WHERE r.photo_id = :photoId AND (:modelId IS NULL OR r.model_id = :modelId)
       ORDER BY COALESCE(m.active, 0) DESC, r.created_at DESC, r.id DESC LIMIT 1`,
      { photoId, modelId: modelId ?? null },
    );
    return row
      ? {
          id: row.id,
          photoId: row.photo_id,
          modelId: row.model_id,
          png: new Uint8Array(row.png),
          width: row.width,
          height: row.height,
          meanProbability: row.mean_probability,
          uncertainty: row.uncertainty,
          device: row.device,
          durationMs: row.duration_ms,
          createdAt: row.created_at,
        }
      : undefined;
  }

  // ---------------------------------------------------------------- models

  /** Registers a model file; a file with the same hash is the same model (returned as is). */
  registerModel(input: NewModel): ModelRecord {
    this.#sql.run(
      `INSERT INTO models (name, version, file, hash, metadata, metrics, parent_id, dataset_id, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING`,
      input.name,
      input.version,
      input.file,
      input.hash,
      JSON.stringify(input.metadata ?? {}),
      input.metrics == null ? null : JSON.stringify(input.metrics),
      input.parentId ?? null,
      input.datasetId ?? null,
      this.#timestamp(),
    );
    const row = this.#sql.get<ModelRow>('SELECT * FROM models WHERE hash = ?', input.hash)!;
    return toModelRecord(row);
  }

  getModel(id: number): ModelRecord | undefined {
    const row = this.#sql.get<ModelRow>('SELECT * FROM models WHERE id = ?', id);
    return row ? toModelRecord(row) : undefined;
  }

  listModels(): ModelRecord[] {
    return this.#sql.all<ModelRow>('SELECT * FROM models ORDER BY id').map(toModelRecord);
  }

  getActiveModel(): ModelRecord | undefined {
    const row = this.#sql.get<ModelRow>('SELECT * FROM models WHERE active = 1 LIMIT 1');
    return row ? toModelRecord(row) : undefined;
  }

  /** Makes `id` the one active model. */
  activateModel(id: number): ModelRecord {
    return this.transaction(() => {
      if (!this.getModel(id)) {
        throw new StudioError('not-found', `Model ${id} does not exist.`);
      }
      this.#sql.run('UPDATE models SET active = 0 WHERE active = 1 AND id <> ?', id);
      this.#sql.run('UPDATE models SET active = 1 WHERE id = ?', id);
      return this.getModel(id)!;
    });
  }

  // ---------------------------------------------------------------- jobs

  /** Persists a job's current state (insert or update). */
  saveJob(job: Job, params: unknown = {}): void {
    this.#sql.run(
      `INSERT INTO jobs (id, kind, title, state, params, done, total, message, error, result, created_at, finished_at)
       VALUES (:id, :kind, :title, :state, :params, :done, :total, :message, :error, :result, :createdAt, :finishedAt)
       ON CONFLICT (id) DO UPDATE SET
         state = excluded.state, done = excluded.done, total = excluded.total, message = excluded.message,
         error = excluded.error, result = excluded.result, finished_at = excluded.finished_at`,
      {
        id: job.id,
        kind: job.kind,
        title: job.title,
        state: job.state,
        params: JSON.stringify(params ?? {}),
        done: job.done,
        total: job.total,
        message: job.message,
        error: job.error,
        result: job.result === undefined || job.result === null ? null : JSON.stringify(job.result),
        createdAt: job.createdAt,
        finishedAt: job.finishedAt,
      },
    );
  }

  getJob(id: string): Job | undefined {
    const row = this.#sql.get<JobRow>('SELECT * FROM jobs WHERE id = ?', id);
    return row ? toJob(row) : undefined;
  }

  /** Most recent jobs first. */
  listJobs(limit = 100): Job[] {
    return this.#sql.all<JobRow>('SELECT * FROM jobs ORDER BY created_at DESC, rowid DESC LIMIT ?', limit).map(toJob);
  }

  /** Jobs a previous run left queued or running can never finish: mark them failed. */
  failInterruptedJobs(reason: string): number {
    return this.#sql.run(
      "UPDATE jobs SET state = 'failed', error = ?, finished_at = ? WHERE state IN ('queued', 'running')",
      reason,
      this.#timestamp(),
    ).changes;
  }
}
