/**
 * The studio's database behind one synchronous, typed API. The SQL lives with its
 * domain, one module each (photos, library roots, thumbnails, masks, predictions,
 * datasets, models, jobs), every module holding its queries and row mappers; nothing
 * outside this folder writes SQL. The Store owns the connection, opens transactions,
 * and wires the domains to each other and to its callers: the methods below are that
 * wiring, grouped by the module that answers them. Each method that changes several
 * rows does so in one transaction, so a crash leaves either the whole save or none of it.
 */
import type { Facets, Job, LibraryRoot, MaskVersion, ModelRecord, Photo, PhotoError, PhotoPage, Split, StoreCounts } from '../../api/types';
import type { Dataset, ItemStatus } from '../../api/types';
import { openDatabase } from './database';
import type { SqliteDatabase } from './database';
import { DatasetTables } from './datasetTables';
import type { DatasetItem } from './datasetTables';
import { JobTables } from './jobTables';
import { ProcessTables } from './processTables';
import { LibraryRootTables } from './libraryRootTables';
import { MaskTables } from './maskTables';
import type { NewMaskVersion, StoredMask } from './maskTables';
import { getSchemaVersion, migrate } from './migrate';
import { ModelTables } from './modelTables';
import type { NewModel } from './modelTables';
import { PhotoTables } from './photoTables';
import type { PhotoFacts, PhotoFileState, PhotoLocation } from './photoTables';
import type { ParsedPhotoQuery } from './photoQuery';
import { PredictionTables } from './predictionTables';
import type { NewPrediction, Prediction } from './predictionTables';
import { Statements } from './statements';
import type { SlowQueryLogger } from './statements';
import type { StoreContext } from './storeTables';
import { ThumbnailTables } from './thumbnailTables';
import type { Thumbnail } from './thumbnailTables';

export type { DatasetItem } from './datasetTables';
export type { NewMaskVersion, StoredMask } from './maskTables';
export type { NewModel } from './modelTables';
export type { PhotoFacts, PhotoFileState, PhotoLocation } from './photoTables';
export { splitRelPath } from './photoTables';
export type { NewPrediction, Prediction } from './predictionTables';
export type { Thumbnail } from './thumbnailTables';

export interface StoreOptions {
  /** Where slow queries are reported; defaults to console.warn. */
  log?: SlowQueryLogger;
  /** Queries slower than this (ms) are reported; defaults to SLOW_QUERY_MS. */
  slowQueryMs?: number;
  /** Clock for timestamps (tests pin it). */
  now?: () => Date;
}

export class Store {
  readonly #db: SqliteDatabase;
  #closed = false;
  readonly #roots: LibraryRootTables;
  readonly #photos: PhotoTables;
  readonly #thumbnails: ThumbnailTables;
  readonly #masks: MaskTables;
  readonly #predictions: PredictionTables;
  readonly #jobs: JobTables;
  /** The processes that have this database open, for job ownership (processTables.ts). */
  readonly processes: ProcessTables;
  /** The clock of every timestamp the store writes (tests pin it); times compared with those use it too. */
  readonly now: () => Date;
  /** Datasets: their items, splits, statuses, reviews, pages and aggregates (datasetTables.ts). */
  readonly datasets: DatasetTables;
  /** The model registry and stored evaluations (modelTables.ts). */
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
    const now = options.now ?? (() => new Date());
    this.now = now;
    const context: StoreContext = {
      sql: new Statements(db, options.log ?? ((message) => console.warn(`[store] ${message}`)), options.slowQueryMs),
      transaction: (work) => this.transaction(work),
      timestamp: () => now().toISOString(),
    };
    this.#roots = new LibraryRootTables(context);
    this.#photos = new PhotoTables(context);
    this.#thumbnails = new ThumbnailTables(context);
    this.#masks = new MaskTables(context);
    this.#predictions = new PredictionTables(context);
    this.#jobs = new JobTables(context);
    this.processes = new ProcessTables(context);
    this.datasets = new DatasetTables(context);
    this.models = new ModelTables(context);
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
    // IMMEDIATE takes the write lock at BEGIN, waiting (busy_timeout) while another process
    // writes. A deferred transaction that read first would instead fail at its first write
    // with 'database is locked', without waiting, when another process (the CLI beside the
    // app) wrote in between.
    return this.#db.transaction(work).immediate();
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

  counts(): StoreCounts {
    return {
      photos: this.#photos.countPresent(),
      photoErrors: this.#roots.countErrors(),
      masksByStatus: this.datasets.countItemsByStatus(),
      datasets: this.datasets.count(),
      models: this.models.count(),
      predictions: this.#predictions.count(),
    };
  }

  // ---------------------------------------------------------------- library roots and their errors (libraryRootTables.ts)

  addRoot(path: string): LibraryRoot {
    return this.#roots.add(path);
  }

  listRoots(): LibraryRoot[] {
    return this.#roots.list();
  }

  getRoot(id: number): LibraryRoot | undefined {
    return this.#roots.get(id);
  }

  closeRoot(id: number): boolean {
    return this.#roots.close(id);
  }

  /** Deletes a root with its photos, everything attached to them, and thumbnails no photo uses any more. */
  removeRoot(id: number): boolean {
    return this.transaction(() => {
      const removed = this.#roots.remove(id);
      if (removed) this.#thumbnails.prune();
      return removed;
    });
  }

  markRootScanned(id: number): void {
    this.#roots.markScanned(id);
  }

  replacePhotoErrors(rootId: number, errors: readonly { relPath: string; reason: string }[]): void {
    this.#roots.replaceErrors(rootId, errors);
  }

  setPhotoError(rootId: number, relPath: string, reason: string): void {
    this.#roots.setError(rootId, relPath, reason);
  }

  clearPhotoError(rootId: number, relPath: string): void {
    this.#roots.clearError(rootId, relPath);
  }

  listPhotoErrors(rootId?: number, limit?: number): PhotoError[] {
    return this.#roots.listErrors(rootId, limit);
  }

  // ---------------------------------------------------------------- photos and the grid (photoTables.ts)

  getPhoto(id: number): Photo | undefined {
    return this.#photos.get(id);
  }

  getPhotoByPath(rootId: number, relPath: string): Photo | undefined {
    return this.#photos.getByPath(rootId, relPath);
  }

  getPhotoLocation(id: number): PhotoLocation | undefined {
    return this.#photos.location(id);
  }

  listPresentPhotos(rootId: number): Photo[] {
    return this.#photos.listPresent(rootId);
  }

  listPhotoFileStates(rootId: number): PhotoFileState[] {
    return this.#photos.listFileStates(rootId);
  }

  findPhotosByHash(hash: string): PhotoFileState[] {
    return this.#photos.findByHash(hash);
  }

  upsertPhoto(rootId: number, relPath: string, mtimeMs: number, facts: PhotoFacts): Photo {
    return this.#photos.upsert(rootId, relPath, mtimeMs, facts);
  }

  movePhoto(id: number, rootId: number, relPath: string, mtimeMs: number): Photo {
    return this.#photos.move(id, rootId, relPath, mtimeMs);
  }

  touchPhoto(id: number, mtimeMs: number): void {
    this.#photos.touch(id, mtimeMs);
  }

  markPhotosMissing(ids: readonly number[]): number {
    return this.#photos.markMissing(ids);
  }

  queryPhotos(query: ParsedPhotoQuery): PhotoPage {
    return this.#photos.query(query);
  }

  listPhotoIds(query: ParsedPhotoQuery): number[] {
    return this.#photos.listIds(query);
  }

  /** SQL of the grid query, for EXPLAIN QUERY PLAN in tests and benchmarks. */
  _testOnlyPhotoQuerySql(query: ParsedPhotoQuery): { count: string; sql: string; params: Record<string, unknown> } {
    return this.#photos.querySqlForTests(query);
  }

  facets(rootId?: number): Facets {
    return this.#photos.facets(rootId);
  }

  // ---------------------------------------------------------------- thumbnails (thumbnailTables.ts)

  getThumbnail(hash: string): Thumbnail | undefined {
    return this.#thumbnails.get(hash);
  }

  hasThumbnail(hash: string): boolean {
    return this.#thumbnails.has(hash);
  }

  putThumbnail(hash: string, thumbnail: Thumbnail): void {
    this.#thumbnails.put(hash, thumbnail);
  }

  pruneThumbnails(): number {
    return this.#thumbnails.prune();
  }

  // ---------------------------------------------------------------- datasets (datasetTables.ts; more on `datasets`)

  createDataset(name: string, description?: string): Dataset {
    return this.datasets.create(name, description);
  }

  ensureDataset(name: string, description?: string): Dataset {
    return this.datasets.ensure(name, description);
  }

  getDataset(id: number): Dataset | undefined {
    return this.datasets.get(id);
  }

  findDatasetByName(name: string): Dataset | undefined {
    return this.datasets.findByName(name);
  }

  listDatasets(): Dataset[] {
    return this.datasets.list();
  }

  addDatasetItem(datasetId: number, photoId: number, options?: { split?: Split | null }): DatasetItem {
    return this.datasets.addItem(datasetId, photoId, options);
  }

  getDatasetItem(datasetId: number, photoId: number): DatasetItem | undefined {
    return this.datasets.getItem(datasetId, photoId);
  }

  listDatasetItems(datasetId: number): DatasetItem[] {
    return this.datasets.listItems(datasetId);
  }

  setItemSplit(datasetId: number, photoId: number, split: Split | null): void {
    this.datasets.setItemSplit(datasetId, photoId, split);
  }

  setItemStatus(datasetId: number, photoId: number, status: ItemStatus): void {
    this.datasets.setItemStatus(datasetId, photoId, status);
  }

  // ---------------------------------------------------------------- masks (maskTables.ts)

  saveMaskVersion(input: NewMaskVersion): MaskVersion {
    return this.#masks.save(input);
  }

  getMaskVersion(versionId: number): StoredMask | undefined {
    return this.#masks.getVersion(versionId);
  }

  getCurrentMask(photoId: number, datasetId: number): StoredMask | undefined {
    return this.#masks.current(photoId, datasetId);
  }

  getLatestMask(photoId: number): StoredMask | undefined {
    return this.#masks.latest(photoId);
  }

  listMaskHistory(photoId: number, datasetId: number): MaskVersion[] {
    return this.#masks.history(photoId, datasetId);
  }

  restoreMaskVersion(versionId: number, options?: { authorName?: string | null }): MaskVersion {
    return this.#masks.restore(versionId, options);
  }

  // ---------------------------------------------------------------- predictions (predictionTables.ts)

  savePrediction(input: NewPrediction): Prediction {
    return this.#predictions.save(input);
  }

  getPrediction(photoId: number, modelId?: number): Prediction | undefined {
    return this.#predictions.get(photoId, modelId);
  }

  // ---------------------------------------------------------------- models (modelTables.ts; more on `models`)

  registerModel(input: NewModel): ModelRecord {
    return this.models.register(input);
  }

  getModel(id: number): ModelRecord | undefined {
    return this.models.get(id);
  }

  listModels(): ModelRecord[] {
    return this.models.list();
  }

  getActiveModel(): ModelRecord | undefined {
    return this.models.getActive();
  }

  activateModel(id: number): ModelRecord {
    return this.models.activate(id);
  }

  // ---------------------------------------------------------------- jobs (jobTables.ts)

  saveJob(job: Job, params?: unknown, owner?: string | null): void {
    this.#jobs.save(job, params, owner);
  }

  getJob(id: string): Job | undefined {
    return this.#jobs.get(id);
  }

  listJobs(limit?: number): Job[] {
    return this.#jobs.list(limit);
  }

  /** Marks failed the unfinished jobs of processes no longer in studio_processes. */
  failOrphanedJobs(reason: string): number {
    return this.#jobs.failOrphaned(reason);
  }
}
