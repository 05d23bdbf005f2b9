/**
 * The editor view: which photo is open for annotation, its saved mask (in the current
 * dataset) and its prediction, saving and statuses, and walking the grid's order
 * (next / previous, next unreviewed) through `library.walk`.
 *
 * A photo is handed to the editor only together with its mask and prediction bytes, so
 * the user never paints on an empty mask that a late answer would then have to replace.
 */
import type { StudioClient } from '../../electron/api/client';
import type { Photo, PhotoPrediction } from '../../electron/api/types';
import type { DatasetsState } from '../datasets/datasets.svelte';
import type { DetectionState } from '../detect/detection.svelte';
import type { LibraryState } from '../library/library.svelte';
import type { NoticesState } from '../app/notices.svelte';

/** Where the editor was opened from, and where Escape goes back to. */
export type EditorOrigin = 'grid' | 'viewer';
export type EditorStep = 'next' | 'previous' | 'nextUnreviewed' | 'previousUnreviewed';

/** What the shell can ask of the mounted mask editor (MaskEditor's exports). */
export interface EditorHandle {
  runCommand(command: string): void;
  /** Saves unsaved changes and waits for every save; false when one failed. */
  flush(): Promise<boolean>;
  /** True while the mask has unsaved changes. */
  isDirty(): boolean;
  /** Saves and leaves the editor, back to the grid or the viewer. */
  back(): Promise<void>;
}

export class AnnotationState {
  readonly #client: StudioClient;
  readonly #library: LibraryState;
  readonly #datasets: DatasetsState;
  readonly #detection: DetectionState;
  readonly #notices: NoticesState;
  #request = 0;

  /** The photo in the editor; null when the editor is closed. */
  photo = $state.raw<Photo | null>(null);
  /** Its index in the grid's result. */
  index = $state(0);
  /** The saved mask PNG in the current dataset, or null. */
  mask = $state.raw<Uint8Array | null>(null);
  prediction = $state.raw<PhotoPrediction | null>(null);
  origin = $state<EditorOrigin>('grid');
  /** True while a photo (or the next one) is being fetched. */
  loading = $state(false);
  /** Said in the editor's bar (end of the grid, a failed load). */
  message = $state<string | null>(null);
  /** Show the probability layer (set after a detection the user asked for here). */
  showPrediction = $state(false);
  /** Bumped when the mask was read from another dataset: the editor starts afresh. */
  datasetEpoch = $state(0);

  /** The mounted editor, for menu commands and flushes. */
  handle: EditorHandle | null = null;

  constructor(client: StudioClient, library: LibraryState, datasets: DatasetsState, detection: DetectionState, notices: NoticesState) {
    this.#client = client;
    this.#library = library;
    this.#datasets = datasets;
    this.#detection = detection;
    this.#notices = notices;
  }

  get isOpen(): boolean {
    return this.photo !== null;
  }

  /** Opens the photo at `index` of the grid's result. */
  async open(index: number, origin: EditorOrigin): Promise<void> {
    const request = ++this.#request;
    this.loading = true;
    try {
      const photo = await this.#library.loadPhotoAt(index);
      if (request !== this.#request) return;
      if (!photo) {
        this.loading = false;
        return;
      }
      this.origin = origin;
      await this.#show(photo, index, request);
    } catch (error) {
      if (request === this.#request) {
        this.loading = false;
        this.#notices.show(`The photo could not be opened: ${(error as Error).message}`);
      }
    }
  }

  /** Moves through the grid's order; says so when there is nowhere to go. */
  async step(direction: EditorStep): Promise<void> {
    const photo = this.photo;
    if (!photo) return;
    const request = ++this.#request;
    this.loading = true;
    try {
      const step = await this.#client.call('library.walk', {
        ...this.#library.query,
        photoId: photo.id,
        direction: direction === 'next' || direction === 'nextUnreviewed' ? 'next' : 'previous',
        unreviewed: direction === 'nextUnreviewed' || direction === 'previousUnreviewed',
      });
      if (request !== this.#request) return;
      if (!step) {
        this.loading = false;
        this.message =
          direction === 'nextUnreviewed' || direction === 'previousUnreviewed'
            ? `No unreviewed photo ${direction === 'nextUnreviewed' ? 'after' : 'before'} this one.`
            : `This is the ${direction === 'next' ? 'last' : 'first'} photo.`;
        return;
      }
      await this.#show(step.photo, step.index, request);
    } catch (error) {
      if (request === this.#request) {
        this.loading = false;
        this.message = `Could not move on: ${(error as Error).message}`;
      }
    }
  }

  /** Reads the mask again after the current dataset changed. */
  async reloadInputs(): Promise<void> {
    const photo = this.photo;
    if (!photo) return;
    const request = ++this.#request;
    await this.#show(photo, this.index, request);
    if (request === this.#request) this.datasetEpoch++;
  }

  /** Reads the prediction again (a detection ended). */
  async reloadPrediction(): Promise<void> {
    const photo = this.photo;
    if (!photo) return;
    try {
      const prediction = await this.#client.call('predictions.current', { photoId: photo.id });
      if (this.photo?.id !== photo.id) return;
      // The same map again is not a change (the editor compares by reference).
      if (prediction && this.prediction && prediction.createdAt === this.prediction.createdAt && prediction.modelId === this.prediction.modelId) return;
      this.prediction = prediction;
      // The badge of a photo that had nothing becomes "Predicted", as the grid's does.
      if (prediction) this.#updatePhoto(photo.id, photo.status === 'none' ? 'predicted' : photo.status);
    } catch (error) {
      this.#notices.show(`The prediction could not be read: ${(error as Error).message}`);
    }
  }

  /** The editor's onSave: rejects when the core refused, so the mask stays unsaved. */
  async save(photoId: number, png: Uint8Array, status: 'corrected' | 'reviewed'): Promise<void> {
    const datasetId = this.#datasets.currentId;
    const version = await this.#client.call('masks.save', datasetId === null ? { photoId, png, status } : { photoId, datasetId, png, status });
    this.#datasets.noteSaved(version.datasetId);
    this.#updatePhoto(photoId, status);
    this.#library.scheduleRefresh();
  }

  /** The editor's onStatus: a status without new pixels. */
  async setStatus(photoId: number, status: 'corrected' | 'reviewed' | 'skip'): Promise<void> {
    if (status === 'skip') return;
    const datasetId = this.#datasets.currentId;
    if (datasetId === null) {
      this.#notices.show('Save a mask first: there is no dataset to mark it in yet.');
      return;
    }
    try {
      const item = await this.#client.call('masks.setStatus', { photoId, datasetId, status });
      this.#updatePhoto(photoId, item.photo.status);
      this.#datasets.noteSaved(datasetId);
      this.#library.scheduleRefresh();
    } catch (error) {
      this.#notices.show(`The status could not be set: ${(error as Error).message}`);
    }
  }

  /** Detects blur on the open photo; the probability layer shows when it lands. */
  async detect(): Promise<void> {
    const photo = this.photo;
    if (!photo) return;
    const jobId = await this.#detection.run({ photoIds: [photo.id] });
    if (jobId) this.showPrediction = true;
  }

  /** Forwards a menu command (undo, redo, save, help) to the mounted editor. */
  runCommand(command: string): boolean {
    if (!this.handle) return false;
    this.handle.runCommand(command);
    return true;
  }

  /** Saves what is unsaved; false when a save failed (the editor then stays open). */
  async flush(): Promise<boolean> {
    return this.handle ? this.handle.flush() : true;
  }

  close(): void {
    this.#request++;
    this.photo = null;
    this.mask = null;
    this.prediction = null;
    this.loading = false;
    this.message = null;
    this.showPrediction = false;
  }

  async #show(photo: Photo, index: number, request: number): Promise<void> {
    const datasetId = this.#datasets.currentId;
    const [mask, prediction] = await Promise.all([
      datasetId === null ? Promise.resolve(null) : this.#client.call('masks.current', { photoId: photo.id, datasetId }),
      this.#client.call('predictions.current', { photoId: photo.id }),
    ]);
    if (request !== this.#request) return;
    // One assignment round: the editor sees the photo with its bytes.
    this.photo = photo;
    this.index = index;
    this.mask = mask?.png ?? null;
    this.prediction = prediction;
    this.loading = false;
    this.message = null;
    this.showPrediction = false;
    // The grid's cursor follows, so leaving the editor lands on the photo last edited.
    this.#library.focusIndex = index;
  }

  #updatePhoto(photoId: number, status: Photo['status']): void {
    if (this.photo?.id === photoId && this.photo.status !== status) this.photo = { ...this.photo, status };
  }
}
