/**
 * The photo viewer: which result index is open. Previous/next walk the current query's
 * result, fetching pages as needed, so the viewer follows the grid's filters and sort.
 */
import type { Photo } from '../../electron/api/types';
import type { LibraryState } from './library.svelte';

export class ViewerState {
  readonly #library: LibraryState;
  #request = 0;

  /** Index in the current result of the open photo; null when the grid is shown. */
  index = $state<number | null>(null);
  photo = $state.raw<Photo | null>(null);

  constructor(library: LibraryState) {
    this.#library = library;
  }

  get isOpen(): boolean {
    return this.index !== null;
  }

  get hasPrevious(): boolean {
    return this.index !== null && this.index > 0;
  }

  get hasNext(): boolean {
    return this.index !== null && this.index < this.#library.total - 1;
  }

  async open(index: number): Promise<void> {
    const request = ++this.#request;
    const photo = await this.#library.loadPhotoAt(index);
    if (request !== this.#request || !photo) {
      return;
    }
    this.index = index;
    this.photo = photo;
    // The grid's cursor follows, so closing the viewer lands on the photo last seen.
    this.#library.focusIndex = index;
  }

  async next(): Promise<void> {
    if (this.hasNext && this.index !== null) {
      await this.open(this.index + 1);
    }
  }

  async previous(): Promise<void> {
    if (this.hasPrevious && this.index !== null) {
      await this.open(this.index - 1);
    }
  }

  close(): void {
    this.#request++;
    this.index = null;
    this.photo = null;
  }
}
