/**
 * The editor's side of the core: storing a corrected mask (checked against the mask
 * contract, one transaction through the store), giving a mask a status without new
 * pixels, handing the editor a photo's current mask and prediction, and walking the
 * grid's order.
 *
 * Which dataset a mask goes into is the caller's choice. A studio that has no dataset yet
 * (a library opened without masks) still saves: a save without a dataset goes into the
 * dataset named `default`, created by that first save.
 */
import { StudioError } from '../../api/errors';
import type { MethodParsedInput } from '../../api/methods';
import type { DatasetItemView, LibraryChange, MaskVersion, PhotoMask, PhotoPrediction } from '../../api/types';
import type { Store } from '../store/store';
import { readMaskRows } from './maskPng';
import { writeMaskPng } from './maskPngWriter';
import { walkPhotos } from './photoWalk';
import type { PhotoWalkStep } from './photoWalk';

/** The dataset a save without `datasetId` goes into (created on first use). */
export const DEFAULT_DATASET_NAME = 'default';
const DEFAULT_DATASET_DESCRIPTION = 'Masks saved in the editor while no other dataset was chosen.';

export interface AnnotationServiceOptions {
  store: Store;
  /** A photo's grid badge may have changed (a mask was saved, a status set). */
  onPhotosChanged?: (change: LibraryChange) => void;
}

type Input<M extends 'masks.save' | 'masks.setStatus' | 'masks.current' | 'predictions.current' | 'library.walk'> = MethodParsedInput<M>;

export class AnnotationService {
  readonly #store: Store;
  readonly #onPhotosChanged: ((change: LibraryChange) => void) | undefined;

  constructor(options: AnnotationServiceOptions) {
    this.#store = options.store;
    this.#onPhotosChanged = options.onPhotosChanged;
  }

  /**
   * Stores a new version of a photo's mask, authored by a person. The PNG is checked
   * (8-bit gray, the photo's size, 0/255 only) before anything is written; the blur
   * fraction is measured here, never taken from the client, and what is stored is the
   * core's own PNG of those pixels (maskPngWriter.ts), never the client's bytes.
   */
  async save(input: Input<'masks.save'>): Promise<MaskVersion> {
    const photo = this.#store.getPhoto(input.photoId);
    if (!photo) throw new StudioError('not-found', `Photo ${input.photoId} does not exist.`);
    if (input.datasetId !== undefined && !this.#store.getDataset(input.datasetId)) {
      throw new StudioError('not-found', `Dataset ${input.datasetId} does not exist.`);
    }
    const checked = await readMaskRows(input.png, photo.width, photo.height);
    const png = await writeMaskPng(checked.rows, photo.width, photo.height);
    // Decoding awaited: the dataset is picked (or made) now, in the same synchronous
    // stretch as the transaction, so a dataset deleted meanwhile is not written to.
    const version = this.#store.transaction(() => {
      const datasetId = input.datasetId ?? this.#store.ensureDataset(DEFAULT_DATASET_NAME, DEFAULT_DATASET_DESCRIPTION).id;
      return this.#store.saveMaskVersion({
        photoId: photo.id,
        datasetId,
        png,
        author: 'human',
        authorName: input.authorName ?? null,
        status: input.status,
        blurFraction: checked.blurFraction,
      });
    });
    this.#changed(photo.rootId);
    return version;
  }

  /** Sets the status of a photo's mask in a dataset without storing new pixels. */
  setStatus(input: Input<'masks.setStatus'>): DatasetItemView {
    const photo = this.#store.getPhoto(input.photoId);
    if (!photo) throw new StudioError('not-found', `Photo ${input.photoId} does not exist.`);
    if (!this.#store.getDataset(input.datasetId)) throw new StudioError('not-found', `Dataset ${input.datasetId} does not exist.`);
    if ((input.status === 'corrected' || input.status === 'reviewed') && !this.#store.getCurrentMask(photo.id, input.datasetId)) {
      throw new StudioError('conflict', `Photo ${photo.name} has no mask in this dataset yet: save one to mark it ${input.status}.`);
    }
    this.#store.setItemStatus(input.datasetId, photo.id, input.status);
    this.#changed(photo.rootId);
    return this.#store.datasets.item(input.datasetId, photo.id)!;
  }

  /** A photo's current mask in a dataset, with its bytes; null when it has none. */
  currentMask(input: Input<'masks.current'>): PhotoMask | null {
    this.#requireOpenPhoto(input.photoId);
    const mask = this.#store.getCurrentMask(input.photoId, input.datasetId);
    return mask ? { version: mask.version, png: mask.png } : null;
  }

  /** A photo's probability map (of `modelId`, else the active model's, else the latest); null without one. */
  prediction(input: Input<'predictions.current'>): PhotoPrediction | null {
    this.#requireOpenPhoto(input.photoId);
    const prediction = this.#store.getPrediction(input.photoId, input.modelId);
    if (!prediction) return null;
    const model = this.#store.getModel(prediction.modelId);
    return {
      photoId: prediction.photoId,
      modelId: prediction.modelId,
      modelName: model ? `${model.name} ${model.version}` : null,
      width: prediction.width,
      height: prediction.height,
      meanProbability: prediction.meanProbability,
      device: prediction.device,
      createdAt: prediction.createdAt,
      png: prediction.png,
    };
  }

  /** Next / previous photo in the grid's order (optionally skipping reviewed ones). */
  walk(input: Input<'library.walk'>): PhotoWalkStep | null {
    const { photoId, direction, unreviewed, ...filters } = input;
    return walkPhotos(this.#store, { query: { ...filters, offset: 0, limit: 1 }, photoId, direction, unreviewed });
  }

  /** Masks and predictions are served only for photos under an open library folder. */
  #requireOpenPhoto(photoId: number): void {
    const location = this.#store.getPhotoLocation(photoId);
    if (!location) throw new StudioError('not-found', `Photo ${photoId} does not exist.`);
    if (!location.rootOpen) throw new StudioError('forbidden', `Photo ${photoId} is not in an open library folder.`);
  }

  #changed(rootId: number): void {
    this.#onPhotosChanged?.({ rootId, added: 0, removed: 0, changed: 1, moved: 0, errors: 0 });
  }
}
