/**
 * One pass of bringing the store in line with the files of library roots: the full scan
 * (walk every root) and the watcher's update (a few changed paths) share this logic.
 *
 * - A file whose size and modification time match its row is not read at all.
 * - New and changed files are probed (hash, pixel size, EXIF) a few at a time; the probe
 *   renders the grid thumbnail in the same decode, so thumbnails are made during the
 *   scan (the grid never waits for them) and stored once per content hash.
 * - A new file whose content (hash) matches a photo that is gone (missing, not found by
 *   this walk, or no longer on disk) is that photo moved: the row moves and keeps its
 *   id, and with it every mask and prediction.
 * - Rows of files that are gone are marked missing, never deleted: their masks stay.
 * - Writes are batched into one transaction per few dozen files: one commit (and fsync)
 *   per batch instead of per photo.
 */
import { access, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { LibraryRoot } from '../../api/types';
import type { LibraryChange as LibraryChangeCounts } from '../../api/types';
import type { PhotoFacts, PhotoFileState, Store } from '../store/store';
import { PhotoReadError } from './photoReadError';
import type { ProbedPhoto } from './probe';
import type { WalkEntry } from './walk';
import { LibraryRootError, walkLibrary } from './walk';

export type WalkFile = Extract<WalkEntry, { kind: 'file' }>;

/** Reads one photo file; PhotoReadError for files that are not usable photos. */
export type ProbeFunction = (absPath: string) => Promise<ProbedPhoto>;

export interface ScanDependencies {
  store: Store;
  probe: ProbeFunction;
  /** Files probed at once. */
  concurrency: number;
  /** Files per write transaction. */
  batchSize?: number;
}

export interface ScanProgress {
  (done: number, total: number, message?: string): void;
}

/** What one root's scan did; kept as the job's result. */
export interface RootScanSummary {
  rootId: number;
  path: string;
  files: number;
  added: number;
  changed: number;
  unchanged: number;
  moved: number;
  removed: number;
  errors: number;
  /** Set when the root itself could not be read (gone, not a folder, no permission). */
  rootError: string | null;
}

type Outcome =
  | { kind: 'unchanged'; rootId: number; file: WalkFile; existing: PhotoFileState }
  | { kind: 'probed'; rootId: number; file: WalkFile; facts: PhotoFacts; thumbnail: ProbedPhoto['thumbnail']; existing: PhotoFileState | undefined; moveFrom: PhotoFileState | undefined }
  | { kind: 'failed'; rootId: number; relPath: string; reason: string; existing: PhotoFileState | undefined };

interface RootState {
  root: LibraryRoot;
  existing: Map<string, PhotoFileState>;
  errors: Map<string, string>;
  summary: RootScanSummary;
  /** A full walk replaces the root's error list; a watcher update edits it per path. */
  complete: boolean;
}

/** Turns a probe result into the fields the store keeps. */
export function photoFacts(probed: ProbedPhoto): PhotoFacts {
  return {
    hash: probed.hash,
    byteSize: probed.byteSize,
    width: probed.width,
    height: probed.height,
    format: probed.format,
    capturedAt: probed.capturedAt,
    camera: probed.camera,
    lens: probed.lens,
    fNumber: probed.fNumber,
    focalLength: probed.focalLength,
  };
}

function isUnchanged(existing: PhotoFileState, file: WalkFile): boolean {
  return existing.byteSize === file.byteSize && existing.mtimeMs === Math.trunc(file.mtimeMs);
}

function reasonOf(error: unknown): string {
  if (error instanceof PhotoReadError) return error.reason;
  return error instanceof Error ? error.message : String(error);
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

function emptySummary(root: LibraryRoot): RootScanSummary {
  return { rootId: root.id, path: root.path, files: 0, added: 0, changed: 0, unchanged: 0, moved: 0, removed: 0, errors: 0, rootError: null };
}

/** Runs `work` over `items` with at most `limit` in flight; stops taking new ones on abort. */
async function forEachConcurrent<T>(items: readonly T[], limit: number, signal: AbortSignal, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length && !signal.aborted) {
      const item = items[next++]!;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

export class LibraryScan {
  readonly #deps: ScanDependencies;
  readonly #signal: AbortSignal;
  readonly #progress: ScanProgress;
  readonly #onBatch: (changes: LibraryChangeCounts[]) => void;
  readonly #roots = new Map<number, RootState>();
  /** Rows whose file this walk did not find: move candidates until the end. */
  readonly #vanished = new Map<number, PhotoFileState>();
  /** Rows already taken by a move in this pass. */
  readonly #claimed = new Set<number>();
  #pending: Outcome[] = [];
  #done = 0;
  #total = 0;

  /**
   * @param onBatch called after each write batch with what it changed per root, so the
   *   grid can fill while a long scan runs.
   */
  constructor(deps: ScanDependencies, signal: AbortSignal, progress: ScanProgress, onBatch: (changes: LibraryChangeCounts[]) => void) {
    this.#deps = deps;
    this.#signal = signal;
    this.#progress = progress;
    this.#onBatch = onBatch;
  }

  /** Full scan of whole roots: walk all of them first (for the total), then read files. */
  async scanRoots(roots: readonly LibraryRoot[]): Promise<RootScanSummary[]> {
    const work: { state: RootState; files: WalkFile[] }[] = [];
    for (const root of roots) {
      const state = this.#rootState(root, true);
      const files: WalkFile[] = [];
      try {
        for await (const entry of walkLibrary(root.path, { signal: this.#signal })) {
          if (entry.kind === 'file') {
            files.push(entry);
          } else {
            state.errors.set(entry.relPath, entry.reason);
          }
          if ((files.length & 255) === 0) {
            this.#progress(0, this.#total + files.length, `Listing ${root.path}`);
          }
        }
      } catch (error) {
        if (!(error instanceof LibraryRootError)) throw error;
        // An unplugged drive is no reason to mark its photos missing: leave them as they are.
        state.summary.rootError = error.reason;
        state.complete = false;
        continue;
      }
      const seen = new Set(files.map((file) => file.relPath));
      for (const existing of state.existing.values()) {
        if (!existing.missing && !seen.has(existing.relPath)) this.#vanished.set(existing.id, existing);
      }
      state.summary.files = files.length;
      this.#total += files.length;
      work.push({ state, files });
    }
    this.#progress(0, this.#total);

    try {
      for (const { state, files } of work) {
        await this.#processFiles(state, files);
      }
    } catch (error) {
      // Cancelled: what was read is written; keep the errors found so far, but do not
      // mark anything missing (a photo not yet reached may be a move of a vanished one).
      this.#deps.store.transaction(() => {
        for (const { state } of work) {
          for (const [relPath, reason] of state.errors) this.#deps.store.setPhotoError(state.root.id, relPath, reason);
        }
      });
      throw error;
    }
    return this.#finish();
  }

  /**
   * Update for paths reported by the watcher: each is read again if it exists, or its
   * row is marked missing if it does not.
   */
  async updatePaths(root: LibraryRoot, relPaths: readonly string[]): Promise<RootScanSummary> {
    const state = this.#rootState(root, false);
    const files: WalkFile[] = [];
    for (const relPath of relPaths) {
      const absPath = join(root.path, ...relPath.split('/'));
      try {
        const stats = await stat(absPath);
        if (stats.isFile()) {
          files.push({ kind: 'file', relPath, absPath, byteSize: stats.size, mtimeMs: stats.mtimeMs });
          continue;
        }
      } catch {
        // Gone: handled below.
      }
      const existing = state.existing.get(relPath);
      if (existing && !existing.missing) this.#vanished.set(existing.id, existing);
      state.errors.delete(relPath);
      this.#deps.store.clearPhotoError(root.id, relPath);
    }
    state.summary.files = files.length;
    this.#total = files.length;
    await this.#processFiles(state, files);
    const [summary] = this.#finish();
    return summary!;
  }

  #rootState(root: LibraryRoot, complete: boolean): RootState {
    const existing = new Map(this.#deps.store.listPhotoFileStates(root.id).map((row) => [row.relPath, row]));
    const state: RootState = { root, existing, errors: new Map(), summary: emptySummary(root), complete };
    this.#roots.set(root.id, state);
    return state;
  }

  async #processFiles(state: RootState, files: readonly WalkFile[]): Promise<void> {
    const toProbe: WalkFile[] = [];
    for (const file of files) {
      const existing = state.existing.get(file.relPath);
      if (existing && isUnchanged(existing, file)) {
        this.#pending.push({ kind: 'unchanged', rootId: state.root.id, file, existing });
        this.#itemDone();
      } else {
        toProbe.push(file);
      }
    }
    this.#flushIfFull();

    await forEachConcurrent(toProbe, this.#deps.concurrency, this.#signal, async (file) => {
      const existing = state.existing.get(file.relPath);
      try {
        const probed = await this.#deps.probe(file.absPath);
        const moveFrom = existing ? undefined : await this.#moveCandidate(state.root, file, probed.hash);
        this.#pending.push({
          kind: 'probed', rootId: state.root.id, file, facts: photoFacts(probed), thumbnail: probed.thumbnail, existing, moveFrom,
        });
      } catch (error) {
        this.#pending.push({ kind: 'failed', rootId: state.root.id, relPath: file.relPath, reason: reasonOf(error), existing });
      }
      this.#itemDone(file.relPath);
      this.#flushIfFull();
    });
    this.#flush();
    this.#signal.throwIfAborted();
  }

  /** A gone photo with this content, if there is one: then the new file is that photo, moved. */
  async #moveCandidate(root: LibraryRoot, file: WalkFile, hash: string): Promise<PhotoFileState | undefined> {
    const candidates = this.#deps.store
      .findPhotosByHash(hash)
      .filter((row) => !this.#claimed.has(row.id) && !(row.rootId === root.id && row.relPath === file.relPath));
    for (const candidate of candidates) {
      let gone = candidate.missing || this.#vanished.has(candidate.id);
      if (!gone) {
        // Present by the database's account: a copy, unless its file went away unnoticed
        // (the watcher may report the new name before the old one's removal).
        const candidateRoot = candidate.rootId === root.id ? root : this.#deps.store.getRoot(candidate.rootId);
        gone = candidateRoot !== undefined && !(await exists(join(candidateRoot.path, ...candidate.relPath.split('/'))));
      }
      if (gone && !this.#claimed.has(candidate.id)) {
        this.#claimed.add(candidate.id);
        return candidate;
      }
    }
    return undefined;
  }

  #itemDone(message?: string): void {
    this.#done++;
    this.#progress(this.#done, this.#total, message);
  }

  #flushIfFull(): void {
    if (this.#pending.length >= (this.#deps.batchSize ?? 64)) this.#flush();
  }

  /** Writes the pending outcomes in one transaction and reports what changed. */
  #flush(): void {
    if (this.#pending.length === 0) return;
    const batch = this.#pending;
    this.#pending = [];
    const { store } = this.#deps;
    const changes = new Map<number, LibraryChangeCounts>();
    const countFor = (rootId: number): LibraryChangeCounts => {
      let change = changes.get(rootId);
      if (!change) {
        change = { rootId, added: 0, removed: 0, changed: 0, moved: 0, errors: 0 };
        changes.set(rootId, change);
      }
      return change;
    };

    store.transaction(() => {
      for (const outcome of batch) {
        const state = this.#roots.get(outcome.rootId)!;
        const summary = state.summary;
        const change = countFor(outcome.rootId);
        switch (outcome.kind) {
          case 'unchanged':
            if (outcome.existing.missing) {
              store.touchPhoto(outcome.existing.id, outcome.file.mtimeMs);
              summary.added++;
              change.added++;
            } else {
              summary.unchanged++;
            }
            break;
          case 'probed': {
            const { file, facts, existing, moveFrom, thumbnail } = outcome;
            if (moveFrom) {
              store.movePhoto(moveFrom.id, outcome.rootId, file.relPath, file.mtimeMs);
              store.upsertPhoto(outcome.rootId, file.relPath, file.mtimeMs, facts);
              this.#vanished.delete(moveFrom.id);
              summary.moved++;
              change.moved++;
            } else {
              store.upsertPhoto(outcome.rootId, file.relPath, file.mtimeMs, facts);
              if (existing && !existing.missing) {
                summary.changed++;
                change.changed++;
              } else {
                summary.added++;
                change.added++;
              }
            }
            if (thumbnail && !store.hasThumbnail(facts.hash)) store.putThumbnail(facts.hash, thumbnail);
            if (!state.complete) store.clearPhotoError(outcome.rootId, file.relPath);
            break;
          }
          case 'failed':
            state.errors.set(outcome.relPath, outcome.reason);
            // A file that became unreadable is no longer a usable photo; its row and masks stay.
            if (outcome.existing && !outcome.existing.missing) {
              store.markPhotosMissing([outcome.existing.id]);
              change.removed++;
            }
            if (!state.complete) store.setPhotoError(outcome.rootId, outcome.relPath, outcome.reason);
            summary.errors++;
            change.errors++;
            break;
        }
      }
    });
    const reported = [...changes.values()].filter((c) => c.added + c.removed + c.changed + c.moved + c.errors > 0);
    if (reported.length > 0) this.#onBatch(reported);
  }

  /** After all files: rows not found are missing, error lists replaced, roots stamped. */
  #finish(): RootScanSummary[] {
    const { store } = this.#deps;
    const removedByRoot = new Map<number, number[]>();
    for (const row of this.#vanished.values()) {
      if (this.#claimed.has(row.id)) continue;
      const list = removedByRoot.get(row.rootId) ?? [];
      list.push(row.id);
      removedByRoot.set(row.rootId, list);
    }
    const changes: LibraryChangeCounts[] = [];
    store.transaction(() => {
      for (const state of this.#roots.values()) {
        const removed = store.markPhotosMissing(removedByRoot.get(state.root.id) ?? []);
        state.summary.removed += removed;
        if (state.complete) {
          const walkErrors = [...state.errors].map(([relPath, reason]) => ({ relPath, reason }));
          store.replacePhotoErrors(state.root.id, walkErrors);
          state.summary.errors = walkErrors.length;
          store.markRootScanned(state.root.id);
        }
        if (removed > 0) changes.push({ rootId: state.root.id, added: 0, removed, changed: 0, moved: 0, errors: 0 });
      }
      // Only an edited file (new content, new hash) can leave a thumbnail behind.
      if ([...this.#roots.values()].some((state) => state.summary.changed > 0)) store.pruneThumbnails();
    });
    if (changes.length > 0) this.#onBatch(changes);
    return [...this.#roots.values()].map((state) => state.summary);
  }
}
