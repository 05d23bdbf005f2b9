/**
 * The library as the renderer sees it: the open roots, the current query (filters and
 * sort), a sparse window of result pages around what is on screen, the selection, the
 * facets for the sidebar and the per-file errors.
 *
 * Photos are fetched in pages of 200 as the grid scrolls; pages live in a plain Map (not
 * deep-proxied state) and a revision counter tells the grid when one arrives.
 */
/* eslint-disable svelte/prefer-svelte-reactivity --
   The selection is an immutable Set replaced in $state.raw, and result pages sit in a plain
   Map on purpose: a deep-proxied Map of 10,000 photos would cost more than the revision
   counter that signals a new page. */
import type { StudioClient } from '../../electron/api/client';
import type { PhotoQuery } from '../../electron/api/methods';
import type { Facets, LibraryRoot, Photo, PhotoError, PhotoStatus } from '../../electron/api/types';

export const PAGE_SIZE = 200;
/** Coalesces the bursts of change events a scan produces into one refresh. */
const REFRESH_INTERVAL_MS = 700;

export type SortField = NonNullable<PhotoQuery['sort']>;

export interface LibraryFilters {
  rootId: number | null;
  folder: string | null;
  statuses: readonly PhotoStatus[];
  camera: string | null;
  lens: string | null;
  fNumberMin: number | null;
  fNumberMax: number | null;
  search: string;
  sort: SortField;
  order: 'asc' | 'desc';
}

export const DEFAULT_FILTERS: LibraryFilters = {
  rootId: null,
  folder: null,
  statuses: [],
  camera: null,
  lens: null,
  fNumberMin: null,
  fNumberMax: null,
  search: '',
  sort: 'path',
  order: 'asc',
};

/** How a click changes the selection. */
export type SelectMode = 'replace' | 'toggle' | 'range' | 'add-range';

function toQuery(filters: LibraryFilters): PhotoQuery {
  const query: PhotoQuery = { sort: filters.sort, order: filters.order };
  if (filters.rootId !== null) query.rootId = filters.rootId;
  if (filters.folder !== null) query.folder = filters.folder;
  if (filters.statuses.length > 0) query.status = [...filters.statuses];
  if (filters.camera !== null) query.camera = filters.camera;
  if (filters.lens !== null) query.lens = filters.lens;
  if (filters.fNumberMin !== null) query.fNumberMin = filters.fNumberMin;
  if (filters.fNumberMax !== null) query.fNumberMax = filters.fNumberMax;
  if (filters.search.trim() !== '') query.search = filters.search.trim();
  return query;
}

/** True when any filter narrows the library (sort and order do not). */
export function isFiltered(filters: LibraryFilters): boolean {
  return (
    filters.rootId !== null ||
    filters.folder !== null ||
    filters.statuses.length > 0 ||
    filters.camera !== null ||
    filters.lens !== null ||
    filters.fNumberMin !== null ||
    filters.fNumberMax !== null ||
    filters.search.trim() !== ''
  );
}

export class LibraryState {
  readonly #client: StudioClient;

  /** Every open library root. */
  roots = $state.raw<LibraryRoot[]>([]);
  /** Facets of the selected root (or of all roots). */
  facets = $state.raw<Facets | null>(null);
  /** Files that could not be read as photos. */
  errors = $state.raw<PhotoError[]>([]);
  filters = $state.raw<LibraryFilters>(DEFAULT_FILTERS);
  /** Photos matching the filters. */
  total = $state(0);
  /** True until the first page of the current query has arrived. */
  loading = $state(true);
  /** Why the last query failed, if it did. */
  queryError = $state<string | null>(null);
  /** Bumped when the query changes, so the grid scrolls back to the top. */
  queryVersion = $state(0);
  /** Selected photo ids. */
  selection = $state.raw<ReadonlySet<number>>(new Set());
  /** Index the keyboard cursor is on (the grid's active item). */
  focusIndex = $state(0);
  /** Where a Shift-click range starts. */
  anchorIndex = $state<number | null>(null);

  #revision = $state(0);
  #pages = new Map<number, Photo[]>();
  #pending = new Map<number, Promise<void>>();
  #generation = 0;
  #visible = { start: 0, end: 0 };
  #refreshTimer: ReturnType<typeof setTimeout> | null = null;
  #lastRefresh = 0;

  constructor(client: StudioClient) {
    this.#client = client;
  }

  get isFiltered(): boolean {
    return isFiltered(this.filters);
  }

  /** The grid's query (filters and order, no paging), for walks through the same result. */
  get query(): PhotoQuery {
    return toQuery(this.filters);
  }

  get selectedCount(): number {
    return this.selection.size;
  }

  /** Total photos over every root (not just the filtered ones). */
  get libraryPhotoCount(): number {
    return this.roots.reduce((sum, root) => sum + root.photoCount, 0);
  }

  /** The photo at `index` of the current result, if its page has arrived. */
  photoAt(index: number): Photo | undefined {
    void this.#revision;
    return this.#pages.get(Math.floor(index / PAGE_SIZE))?.[index % PAGE_SIZE];
  }

  /** The photo at `index`, fetching its page when needed. */
  async loadPhotoAt(index: number): Promise<Photo | undefined> {
    if (index < 0 || index >= this.total) {
      return undefined;
    }
    await this.#ensurePage(Math.floor(index / PAGE_SIZE), this.#generation);
    return this.photoAt(index);
  }

  isSelected(photoId: number): boolean {
    return this.selection.has(photoId);
  }

  /** First load: roots, facets, errors and the first page. */
  async start(): Promise<void> {
    await Promise.all([this.#loadRoots(), this.#loadSidebar(), this.#reload(false)]);
  }

  /** Opens folders as library roots; the scan runs as a job. */
  async open(paths: string[]): Promise<{ roots: LibraryRoot[]; jobId: string }> {
    const result = await this.#client.call('library.open', { paths });
    await this.refresh();
    return result;
  }

  async closeRoot(rootId: number): Promise<void> {
    await this.#client.call('library.close', { rootId });
    if (this.filters.rootId === rootId) {
      this.setFilters({ rootId: null, folder: null });
    }
    await this.refresh();
  }

  async rescan(rootId?: number): Promise<string> {
    const { jobId } = await this.#client.call('library.rescan', rootId === undefined ? {} : { rootId });
    return jobId;
  }

  /** Changes the query: selection and scroll position start over. */
  setFilters(patch: Partial<LibraryFilters>): void {
    const next = { ...this.filters, ...patch };
    const rootChanged = next.rootId !== this.filters.rootId;
    if (rootChanged && !('folder' in patch)) {
      next.folder = null;
    }
    this.filters = next;
    this.selection = new Set();
    this.anchorIndex = null;
    this.focusIndex = 0;
    this.queryVersion++;
    void this.#reload(false);
    if (rootChanged) {
      void this.#loadSidebar();
    }
  }

  resetFilters(): void {
    this.setFilters({ ...DEFAULT_FILTERS, sort: this.filters.sort, order: this.filters.order });
  }

  /** The grid reports what it shows; missing pages are fetched. */
  setVisibleRange(start: number, end: number): void {
    this.#visible = { start, end };
    const generation = this.#generation;
    for (const page of this.#pagesOf(start, end)) {
      void this.#ensurePage(page, generation);
    }
  }

  /** Re-reads everything now (roots, sidebar, the pages in view), keeping what is shown until it arrives. */
  async refresh(): Promise<void> {
    if (this.#refreshTimer !== null) {
      clearTimeout(this.#refreshTimer);
      this.#refreshTimer = null;
    }
    this.#lastRefresh = Date.now();
    await Promise.all([this.#loadRoots(), this.#loadSidebar(), this.#reload(true)]);
  }

  /** Refreshes soon; calls in quick succession (scan progress) share one refresh. */
  scheduleRefresh(): void {
    if (this.#refreshTimer !== null) {
      return;
    }
    const wait = Math.max(0, this.#lastRefresh + REFRESH_INTERVAL_MS - Date.now());
    this.#refreshTimer = setTimeout(() => {
      this.#refreshTimer = null;
      void this.refresh();
    }, wait);
  }

  /** Click / Ctrl-click / Shift-click on the photo at `index`. */
  async select(index: number, mode: SelectMode): Promise<void> {
    const photo = await this.loadPhotoAt(index);
    if (!photo) {
      return;
    }
    this.focusIndex = index;
    if (mode === 'replace') {
      this.selection = new Set([photo.id]);
      this.anchorIndex = index;
      return;
    }
    if (mode === 'toggle') {
      const next = new Set(this.selection);
      if (next.has(photo.id)) {
        next.delete(photo.id);
      } else {
        next.add(photo.id);
      }
      this.selection = next;
      this.anchorIndex = index;
      return;
    }
    const anchor = this.anchorIndex ?? index;
    const ids = await this.#idsBetween(Math.min(anchor, index), Math.max(anchor, index) + 1);
    const next = mode === 'add-range' ? new Set(this.selection) : new Set<number>();
    for (const id of ids) {
      next.add(id);
    }
    this.selection = next;
  }

  /** Ctrl+A: every photo of the current result, fetched page by page if needed. */
  async selectAll(): Promise<void> {
    this.selection = new Set(await this.#idsBetween(0, this.total));
  }

  clearSelection(): void {
    this.selection = new Set();
    this.anchorIndex = null;
  }

  async #idsBetween(start: number, end: number): Promise<number[]> {
    const generation = this.#generation;
    const pages = [...this.#pagesOf(start, end)];
    // A few pages at a time: Ctrl+A over 10,000 photos stays a handful of quick requests.
    for (let i = 0; i < pages.length; i += 4) {
      await Promise.all(pages.slice(i, i + 4).map((page) => this.#ensurePage(page, generation)));
    }
    const ids: number[] = [];
    for (let index = start; index < end; index++) {
      const photo = this.#pages.get(Math.floor(index / PAGE_SIZE))?.[index % PAGE_SIZE];
      if (photo) {
        ids.push(photo.id);
      }
    }
    return ids;
  }

  *#pagesOf(start: number, end: number): Iterable<number> {
    if (end <= start) {
      return;
    }
    for (let page = Math.floor(start / PAGE_SIZE); page <= Math.floor((end - 1) / PAGE_SIZE); page++) {
      yield page;
    }
  }

  #ensurePage(page: number, generation: number): Promise<void> {
    if (generation !== this.#generation || this.#pages.has(page)) {
      return Promise.resolve();
    }
    const pending = this.#pending.get(page);
    if (pending) {
      return pending;
    }
    const request = this.#fetchPage(page)
      .then((result) => {
        if (generation !== this.#generation) {
          return;
        }
        this.#pages.set(page, result.photos);
        this.total = result.total;
        this.#revision++;
      })
      .catch((error: unknown) => {
        if (generation === this.#generation) {
          this.queryError = (error as Error).message;
        }
      })
      .finally(() => {
        if (this.#pending.get(page) === request) {
          this.#pending.delete(page);
        }
      });
    this.#pending.set(page, request);
    return request;
  }

  #fetchPage(page: number): Promise<{ total: number; photos: Photo[] }> {
    return this.#client.call('library.query', { ...toQuery(this.filters), offset: page * PAGE_SIZE, limit: PAGE_SIZE });
  }

  /**
   * Starts a new generation of pages. With `keepShown`, the old pages stay on screen until
   * the new ones arrive (a refresh during a scan must not flash an empty grid).
   */
  async #reload(keepShown: boolean): Promise<void> {
    const generation = ++this.#generation;
    this.#pending = new Map();
    if (!keepShown) {
      this.#pages = new Map();
      this.loading = true;
      this.#revision++;
    }
    const wanted = [...this.#pagesOf(this.#visible.start, Math.max(this.#visible.end, this.#visible.start + 1))];
    try {
      const results = await Promise.all(wanted.map(async (page) => [page, await this.#fetchPage(page)] as const));
      if (generation !== this.#generation) {
        return;
      }
      this.#pages = new Map(results.map(([page, result]) => [page, result.photos]));
      this.total = results[0]?.[1].total ?? 0;
      this.queryError = null;
      this.#pruneSelection();
    } catch (error) {
      if (generation === this.#generation) {
        this.queryError = (error as Error).message;
      }
    } finally {
      if (generation === this.#generation) {
        this.loading = false;
        this.#revision++;
        // Pages the grid asked for while this reload was in flight belong to the new generation.
        this.setVisibleRange(this.#visible.start, this.#visible.end);
      }
    }
  }

  /** Keeps the focus inside the result after it shrank. */
  #pruneSelection(): void {
    if (this.focusIndex >= this.total) {
      this.focusIndex = Math.max(0, this.total - 1);
    }
  }

  async #loadRoots(): Promise<void> {
    this.roots = await this.#client.call('library.roots', {});
  }

  async #loadSidebar(): Promise<void> {
    const rootFilter = this.filters.rootId === null ? {} : { rootId: this.filters.rootId };
    const [facets, errors] = await Promise.all([
      this.#client.call('library.facets', rootFilter),
      this.#client.call('library.errors', rootFilter),
    ]);
    this.facets = facets;
    this.errors = errors;
  }
}
