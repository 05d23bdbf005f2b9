/**
 * The photo library: the folders (roots) the user opened, kept in step with the disk.
 * Opening a root starts a background scan job; while a root is open a watcher feeds
 * each change through the same scan logic (libraryScan.ts). Scans and updates of one
 * root never overlap. Thumbnails are made during the scan (the probe's decode renders
 * them) and, for photos that have none, on first request.
 */
import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { StudioError } from '../../api/errors';
import { Emitter } from '../../api/event';
import type { Event } from '../../api/event';
import type { LibraryChange, LibraryRoot } from '../../api/types';
import type { JobContext, JobQueue } from '../jobs/jobQueue';
import type { Store, Thumbnail } from '../store/store';
import { detectDatasetLayout } from '../datasets/datasetLayout';
import { ctcugLayoutOf, importCtcugMasks } from './ctcugImport';
import type { MaskImportResult } from './ctcugImport';
import { readDisplayImage } from './decode';
import type { DisplayImage } from './decode';
import { LibraryScan } from './libraryScan';
import type { ProbeFunction, RootScanSummary } from './libraryScan';
import { probePhoto } from './probe';
import { DEFAULT_THUMBNAIL_SIDE, makeThumbnail } from './thumbnail';
import { watchLibrary } from './watcher';
import type { LibraryWatcher, WatchOptions } from './watcher';

/** Job kind of scans and imports; one at a time, so two never race on the same rows. */
export const SCAN_JOB_KIND = 'library.scan';

/** Files probed at once: sharp already decodes with several threads per image. */
export const DEFAULT_PROBE_CONCURRENCY = 2;

export interface LibraryServiceOptions {
  store: Store;
  jobs: JobQueue;
  /** Pixel cap against decompression bombs (default: the probe's). */
  maxPixels?: number;
  thumbnailSide?: number;
  probeConcurrency?: number;
  /** Watch open roots for changes (default true; the CLI turns it off). */
  watch?: boolean;
  watchOptions?: WatchOptions;
  /** Where watcher and update errors go; defaults to console.warn. */
  onError?: (error: unknown) => void;
}

/** What a scan job returns (the job's `result`). */
export interface ScanResult {
  roots: RootScanSummary[];
}

export interface FolderImportResult {
  root: LibraryRoot;
  layout: 'ctcug' | 'plain';
  scan: RootScanSummary;
  masks: MaskImportResult | null;
}

export interface FolderImportOptions {
  /** Dataset for the folder's masks (CTCUG layout) or photos; default: the folder's name. */
  datasetName?: string;
  /** Add the photos of a plain folder to the dataset too (only when a name was given). */
  addPlainPhotosToDataset?: boolean;
}

export class LibraryService {
  readonly #store: Store;
  readonly #jobs: JobQueue;
  readonly #probe: ProbeFunction;
  readonly #concurrency: number;
  readonly #thumbnailSide: number;
  readonly #maxPixels: number | undefined;
  readonly #watch: boolean;
  readonly #watchOptions: WatchOptions;
  readonly #onError: (error: unknown) => void;
  readonly #didChange: Emitter<LibraryChange>;
  /** Fires on library changes (scans and watcher). */
  readonly onDidChange: Event<LibraryChange>;
  readonly #watchers = new Map<number, LibraryWatcher>();
  /** Per root: the tail of its chain of scans and updates. */
  readonly #rootLocks = new Map<number, Promise<unknown>>();
  /** Per root: paths the watcher reported, waiting for the next update. */
  readonly #pendingChanges = new Map<number, { paths: Set<string>; timer: ReturnType<typeof setTimeout> | null }>();
  readonly #updates = new Set<Promise<unknown>>();
  #disposed = false;

  constructor(options: LibraryServiceOptions) {
    this.#store = options.store;
    this.#jobs = options.jobs;
    this.#concurrency = options.probeConcurrency ?? DEFAULT_PROBE_CONCURRENCY;
    this.#thumbnailSide = options.thumbnailSide ?? DEFAULT_THUMBNAIL_SIDE;
    this.#maxPixels = options.maxPixels;
    this.#watch = options.watch ?? true;
    this.#watchOptions = options.watchOptions ?? {};
    this.#onError = options.onError ?? ((error) => console.warn('[library]', error));
    this.#didChange = new Emitter<LibraryChange>({ onListenerError: this.#onError });
    this.onDidChange = this.#didChange.event;
    const probeOptions = {
      thumbnailMaxSide: this.#thumbnailSide,
      ...(this.#maxPixels === undefined ? {} : { maxPixels: this.#maxPixels }),
    };
    this.#probe = (absPath) => probePhoto(absPath, probeOptions);
  }

  /**
   * Adds folders as library roots (reopening closed ones, with their photos and masks)
   * and starts one scan job over them. Every path must be an existing folder.
   */
  async open(paths: readonly string[]): Promise<{ roots: LibraryRoot[]; jobId: string }> {
    const folders: string[] = [];
    for (const path of paths) {
      folders.push(await canonicalFolder(path));
    }
    const roots = [...new Set(folders)].map((folder) => this.#store.addRoot(folder));
    for (const root of roots) this.#startWatching(root);
    return { roots, jobId: this.#enqueueScan(roots) };
  }

  /** Rescans one root, or every open root. */
  rescan(rootId?: number): { jobId: string } {
    const roots = rootId === undefined ? this.#store.listRoots() : [this.#requireRoot(rootId)];
    return { jobId: this.#enqueueScan(roots) };
  }

  /** Closes a root: stops watching it and takes its photos out of the grid (rows, masks kept). */
  async close(rootId: number): Promise<boolean> {
    const closed = this.#store.closeRoot(rootId);
    await this.#stopWatching(rootId);
    return closed;
  }

  /** Starts the watchers of every open root (after a restart). */
  watchOpenRoots(): void {
    for (const root of this.#store.listRoots()) this.#startWatching(root);
  }

  /**
   * Imports a folder as a job: a CTCUG/CUHK folder (images/ + gt/) opens images/ as a
   * root and brings gt/ in as masks of dataset `datasetName`; any other folder is
   * opened as it is.
   */
  async importFolder(folder: string, options: FolderImportOptions = {}): Promise<{ jobId: string }> {
    const canonical = await canonicalFolder(folder);
    const layout = ctcugLayoutOf(await detectDatasetLayout(canonical));
    const root = this.#store.addRoot(layout ? layout.imagesDir : canonical);
    this.#startWatching(root);
    const datasetName = options.datasetName ?? lastSegment(canonical);
    const job = this.#jobs.enqueue(
      { kind: SCAN_JOB_KIND, title: `Importing ${canonical}`, params: { folder: canonical, rootId: root.id, datasetName } },
      async (context): Promise<FolderImportResult> => {
        const [scan] = await this.#withRootLock([root.id], () => this.#scan([root], context));
        let masks: MaskImportResult | null = null;
        if (layout) {
          masks = await this.#withRootLock([root.id], () =>
            importCtcugMasks(this.#store, layout, root.id, { datasetName, signal: context.signal, progress: context.progress }),
          );
        } else if (options.datasetName !== undefined && options.addPlainPhotosToDataset) {
          const dataset = this.#store.ensureDataset(options.datasetName);
          const photos = this.#store.listPresentPhotos(root.id);
          this.#store.transaction(() => photos.forEach((photo) => this.#store.addDatasetItem(dataset.id, photo.id)));
        }
        return { root: this.#store.getRoot(root.id) ?? root, layout: layout ? 'ctcug' : 'plain', scan: scan!, masks };
      },
    );
    return { jobId: job.id };
  }

  /** The grid thumbnail of a photo: cached by content hash, made now if missing. */
  async thumbnail(photoId: number): Promise<Thumbnail> {
    const { photo, absPath } = this.#locate(photoId);
    const cached = this.#store.getThumbnail(photo.hash);
    if (cached) return cached;
    const made = await makeThumbnail(absPath, this.#thumbnailSide, this.#maxPixels === undefined ? {} : { maxPixels: this.#maxPixels });
    if (!this.#store.isClosed) this.#store.putThumbnail(photo.hash, made);
    return made;
  }

  /** The photo as the viewer shows it (upright, browser-ready). */
  async displayImage(photoId: number, maxSide?: number): Promise<DisplayImage> {
    const { absPath } = this.#locate(photoId);
    return readDisplayImage(absPath, {
      ...(maxSide === undefined ? {} : { maxSide }),
      ...(this.#maxPixels === undefined ? {} : { maxPixels: this.#maxPixels }),
    });
  }

  /**
   * Where a photo's file is. Refuses photos whose root is not open ('forbidden') and
   * any path that would leave its root.
   */
  #locate(photoId: number): { photo: NonNullable<ReturnType<Store['getPhoto']>>; absPath: string } {
    const location = this.#store.getPhotoLocation(photoId);
    if (!location) throw new StudioError('not-found', `Photo ${photoId} does not exist.`);
    if (!location.rootOpen) throw new StudioError('forbidden', `Photo ${photoId} is not in an open library folder.`);
    const absPath = resolve(location.rootPath, ...location.photo.relPath.split('/'));
    const inside = relative(location.rootPath, absPath);
    if (inside === '' || inside.startsWith(`..${sep}`) || inside === '..' || isAbsolute(inside)) {
      throw new StudioError('forbidden', `Photo ${photoId} lies outside its library folder.`);
    }
    if (location.photo.missing) throw new StudioError('not-found', `The file of photo ${photoId} is missing: ${location.photo.relPath}`);
    return { photo: location.photo, absPath };
  }

  /** Stops the watchers and waits for running updates (jobs are the queue's to stop). */
  async dispose(): Promise<void> {
    this.#disposed = true;
    for (const pending of this.#pendingChanges.values()) {
      if (pending.timer) clearTimeout(pending.timer);
    }
    this.#pendingChanges.clear();
    await Promise.all([...this.#watchers.keys()].map((rootId) => this.#stopWatching(rootId)));
    await Promise.allSettled([...this.#updates]);
  }

  #requireRoot(rootId: number): LibraryRoot {
    const root = this.#store.getRoot(rootId);
    if (!root) throw new StudioError('not-found', `No open library folder with id ${rootId}.`);
    return root;
  }

  #enqueueScan(roots: readonly LibraryRoot[]): string {
    const title = roots.length === 1 ? `Scanning ${roots[0]!.path}` : `Scanning ${roots.length} folders`;
    const job = this.#jobs.enqueue(
      { kind: SCAN_JOB_KIND, title, params: { rootIds: roots.map((root) => root.id) } },
      async (context): Promise<ScanResult> => {
        // A root closed while the job waited is skipped.
        const open = roots.map((root) => this.#store.getRoot(root.id)).filter((root): root is LibraryRoot => root !== undefined);
        return { roots: await this.#withRootLock(open.map((root) => root.id), () => this.#scan(open, context)) };
      },
    );
    return job.id;
  }

  async #scan(roots: readonly LibraryRoot[], context: JobContext): Promise<RootScanSummary[]> {
    const scan = new LibraryScan(
      { store: this.#store, probe: this.#probe, concurrency: this.#concurrency },
      context.signal,
      context.progress,
      (changes) => changes.forEach((change) => this.#didChange.fire(change)),
    );
    return scan.scanRoots(roots);
  }

  /** Runs `work` once every earlier scan/update of these roots has finished. */
  async #withRootLock<T>(rootIds: readonly number[], work: () => Promise<T>): Promise<T> {
    const before = rootIds.map((id) => this.#rootLocks.get(id) ?? Promise.resolve());
    const run = Promise.allSettled(before).then(work);
    const tail = run.catch(() => undefined);
    for (const id of rootIds) this.#rootLocks.set(id, tail);
    try {
      return await run;
    } finally {
      for (const id of rootIds) {
        if (this.#rootLocks.get(id) === tail) this.#rootLocks.delete(id);
      }
    }
  }

  #startWatching(root: LibraryRoot): void {
    if (!this.#watch || this.#disposed || this.#watchers.has(root.id)) return;
    const watcher = watchLibrary(root.path, (change) => this.#queueChange(root.id, change.relPath), {
      ...this.#watchOptions,
      onError: (error) => this.#onError(error),
    });
    this.#watchers.set(root.id, watcher);
  }

  /** Resolves once the root's watcher sees the tree (tests wait for it before changing files). */
  async _testOnlyWatcherReady(rootId: number): Promise<void> {
    await this.#watchers.get(rootId)?.ready;
  }

  async #stopWatching(rootId: number): Promise<void> {
    const watcher = this.#watchers.get(rootId);
    this.#watchers.delete(rootId);
    const pending = this.#pendingChanges.get(rootId);
    if (pending?.timer) clearTimeout(pending.timer);
    this.#pendingChanges.delete(rootId);
    await watcher?.close();
  }

  /** Collects watcher changes for a moment, so a folder copied in becomes one update. */
  #queueChange(rootId: number, relPath: string): void {
    if (this.#disposed) return;
    let pending = this.#pendingChanges.get(rootId);
    if (!pending) {
      pending = { paths: new Set(), timer: null };
      this.#pendingChanges.set(rootId, pending);
    }
    pending.paths.add(relPath);
    if (pending.timer) return;
    pending.timer = setTimeout(() => {
      const paths = [...pending.paths];
      this.#pendingChanges.delete(rootId);
      const update = this.#withRootLock([rootId], () => this.#applyChanges(rootId, paths)).catch((error: unknown) => this.#onError(error));
      this.#updates.add(update);
      void update.finally(() => this.#updates.delete(update));
    }, 200);
  }

  async #applyChanges(rootId: number, relPaths: string[]): Promise<void> {
    const root = this.#store.getRoot(rootId);
    if (!root || this.#disposed || this.#store.isClosed) return;
    const scan = new LibraryScan(
      { store: this.#store, probe: this.#probe, concurrency: this.#concurrency },
      new AbortController().signal,
      () => {},
      (changes) => changes.forEach((change) => this.#didChange.fire(change)),
    );
    await scan.updatePaths(root, relPaths);
  }
}

/** Absolute, symlink-free path of an existing folder; 'not-found'/'invalid-input' otherwise. */
async function canonicalFolder(path: string): Promise<string> {
  let canonical: string;
  try {
    canonical = await realpath(resolve(path));
  } catch {
    throw new StudioError('not-found', `The folder ${path} does not exist.`);
  }
  if (!(await stat(canonical)).isDirectory()) {
    throw new StudioError('invalid-input', `${path} is not a folder.`);
  }
  return canonical;
}

function lastSegment(folder: string): string {
  const parts = folder.split(/[\\/]+/).filter((part) => part !== '');
  return parts[parts.length - 1] ?? folder;
}
