/**
 * The datasets view: which dataset is open, its dashboard numbers (`datasets.stats`), a
 * page of its items with a selection for statuses and manual splits, the quality check
 * (model-vs-human IoU, agreement between people) and the "next most uncertain" photo of
 * active learning.
 *
 * The dataset open here is independent of the editor's current dataset; opening a photo
 * in the editor from here makes it current.
 */
/* eslint-disable svelte/prefer-svelte-reactivity --
   The selection is an immutable Set replaced as a whole in $state.raw, as the library's. */
import type { StudioClient } from '../../electron/api/client';
import type { MethodInput } from '../../electron/api/methods';
import type { DatasetItemView, DatasetQuality, DatasetStats, ItemStatus, Job, SplitFilter, SplitResult, UncertainItem } from '../../electron/api/types';
import type { DatasetsState } from './datasets.svelte';
import type { JobsState } from '../app/jobs.svelte';
import type { NoticesState } from '../app/notices.svelte';
import { trackJob } from '../app/trackJob';

export type DatasetTab = 'overview' | 'items' | 'review';
/** The dialog open over the view (the menu's Import / Export Dataset open them too). */
export type DatasetDialog = 'split' | 'export' | 'import' | 'delete';
export type ItemSort = NonNullable<MethodInput<'datasets.items'>['sort']>;

/** Items shown per page of the table. */
export const ITEMS_PAGE = 200;

export class DatasetDashboardState {
  readonly #client: StudioClient;
  readonly #datasets: DatasetsState;
  readonly #jobs: JobsState;
  readonly #notices: NoticesState;
  #statsRequest = 0;
  #itemsRequest = 0;
  #stopQuality: (() => void) | null = null;

  /** The dataset open in the view (null: none yet). */
  selectedId = $state<number | null>(null);
  tab = $state<DatasetTab>('overview');
  dialog = $state<DatasetDialog | null>(null);

  stats = $state.raw<DatasetStats | null>(null);
  statsError = $state<string | null>(null);

  items = $state.raw<DatasetItemView[]>([]);
  itemsTotal = $state(0);
  itemsLoading = $state(false);
  itemsError = $state<string | null>(null);
  statusFilter = $state.raw<readonly ItemStatus[]>([]);
  splitFilter = $state.raw<readonly SplitFilter[]>([]);
  sort = $state<ItemSort>('path');
  order = $state<'asc' | 'desc'>('asc');
  /** Selected items (photo ids) of the table. */
  selection = $state.raw<ReadonlySet<number>>(new Set());
  /** Row the keyboard is on. */
  cursor = $state(0);

  quality = $state.raw<DatasetQuality | null>(null);
  qualityJob = $state.raw<Job | null>(null);

  /** Active learning: the most uncertain item not yet skipped. */
  uncertain = $state.raw<UncertainItem | null>(null);
  uncertainChecked = $state(false);
  uncertainSkipped = $state.raw<readonly number[]>([]);

  constructor(client: StudioClient, datasets: DatasetsState, jobs: JobsState, notices: NoticesState) {
    this.#client = client;
    this.#datasets = datasets;
    this.#jobs = jobs;
    this.#notices = notices;
  }

  /** Follows the list: keeps the open dataset while it exists, else opens the current (editor's) one. */
  ensureSelection(): void {
    const { datasets } = this.#datasets;
    if (this.selectedId !== null && datasets.some((dataset) => dataset.id === this.selectedId)) return;
    const next = this.#datasets.current ?? datasets[0] ?? null;
    if (next) void this.open(next.id);
    else this.#clear(null);
  }

  get dataset() {
    return this.#datasets.datasets.find((dataset) => dataset.id === this.selectedId) ?? null;
  }

  /** Opens a dataset in the view and loads its numbers and first items. */
  async open(id: number): Promise<void> {
    if (id !== this.selectedId) this.#clear(id);
    await this.reload();
  }

  /** Reads the open dataset's numbers and items again. */
  async reload(): Promise<void> {
    await Promise.all([this.loadStats(), this.loadItems()]);
  }

  async loadStats(): Promise<void> {
    const id = this.selectedId;
    if (id === null) return;
    const request = ++this.#statsRequest;
    try {
      const stats = await this.#client.call('datasets.stats', { datasetId: id, bins: 10 });
      if (request !== this.#statsRequest) return;
      this.stats = stats;
      this.statsError = null;
      this.#datasets.replace(stats.dataset);
    } catch (error) {
      if (request === this.#statsRequest) this.statsError = (error as Error).message;
    }
  }

  /** Loads the first page (or, with `more`, the next page) of items for the filters and order. */
  async loadItems(more = false): Promise<void> {
    const id = this.selectedId;
    if (id === null) return;
    const request = ++this.#itemsRequest;
    this.itemsLoading = true;
    const input: MethodInput<'datasets.items'> = {
      datasetId: id,
      sort: this.sort,
      order: this.order,
      offset: more ? this.items.length : 0,
      limit: ITEMS_PAGE,
    };
    if (this.statusFilter.length > 0) input.status = [...this.statusFilter];
    if (this.splitFilter.length > 0) input.split = [...this.splitFilter];
    try {
      const page = await this.#client.call('datasets.items', input);
      if (request !== this.#itemsRequest) return;
      this.items = more ? [...this.items, ...page.items] : page.items;
      this.itemsTotal = page.total;
      this.itemsError = null;
      if (!more) this.#pruneSelection();
    } catch (error) {
      if (request === this.#itemsRequest) this.itemsError = (error as Error).message;
    } finally {
      if (request === this.#itemsRequest) this.itemsLoading = false;
    }
  }

  setStatusFilter(statuses: readonly ItemStatus[]): void {
    this.statusFilter = statuses;
    void this.loadItems();
  }

  setSplitFilter(splits: readonly SplitFilter[]): void {
    this.splitFilter = splits;
    void this.loadItems();
  }

  setSort(sort: ItemSort, order: 'asc' | 'desc'): void {
    this.sort = sort;
    this.order = order;
    void this.loadItems();
  }

  // ------------------------------------------------------------ selection

  /** Click / Space on a row: replace, toggle (Ctrl) or extend (Shift) the selection. */
  select(index: number, mode: 'replace' | 'toggle' | 'range'): void {
    const item = this.items[index];
    if (!item) return;
    const id = item.photo.id;
    if (mode === 'toggle') {
      const next = new Set(this.selection);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      this.selection = next;
    } else if (mode === 'range') {
      const [from, to] = this.cursor <= index ? [this.cursor, index] : [index, this.cursor];
      this.selection = new Set([...this.selection, ...this.items.slice(from, to + 1).map((entry) => entry.photo.id)]);
    } else {
      this.selection = new Set([id]);
    }
    this.cursor = index;
  }

  selectAll(): void {
    this.selection = new Set(this.items.map((item) => item.photo.id));
  }

  clearSelection(): void {
    this.selection = new Set();
  }

  /** The selected items, or the one under the cursor when nothing is selected. */
  get targetIds(): number[] {
    if (this.selection.size > 0) return [...this.selection];
    const item = this.items[this.cursor];
    return item ? [item.photo.id] : [];
  }

  // ------------------------------------------------------------ changes

  /** Sets the status of items by hand. */
  async setStatus(photoIds: readonly number[], status: ItemStatus): Promise<void> {
    const id = this.selectedId;
    if (id === null || photoIds.length === 0) return;
    try {
      const result = await this.#client.call('datasets.setStatus', { datasetId: id, photoIds: [...photoIds], status });
      this.#datasets.replace(result.dataset);
      await this.reload();
    } catch (error) {
      this.#notices.show(`Could not set the status: ${(error as Error).message}`);
    }
  }

  /** Splits the open dataset; throws with the core's message. */
  async split(input: MethodInput<'datasets.split'>): Promise<SplitResult> {
    const result = await this.#client.call('datasets.split', input);
    this.#datasets.replace(result.dataset);
    await this.reload();
    return result;
  }

  /** Takes the items out of the dataset (their masks are kept if they come back). */
  async removeItems(photoIds: readonly number[]): Promise<void> {
    const id = this.selectedId;
    if (id === null || photoIds.length === 0) return;
    try {
      const result = await this.#client.call('datasets.removePhotos', { datasetId: id, photoIds: [...photoIds] });
      this.#datasets.replace(result.dataset);
      this.selection = new Set();
      await this.reload();
    } catch (error) {
      this.#notices.show(`Could not remove the photos: ${(error as Error).message}`);
    }
  }

  // ------------------------------------------------------------ quality and active learning

  /** Starts the quality check; its numbers arrive with the job's end. */
  async measureQuality(): Promise<void> {
    const id = this.selectedId;
    if (id === null) return;
    this.#stopQuality?.();
    try {
      const { jobId } = await this.#client.call('datasets.quality', { datasetId: id });
      this.#stopQuality = trackJob(this.#client, this.#jobs, jobId, (job) => {
        if (this.selectedId !== id) return;
        this.qualityJob = job;
        if (job.state === 'done') this.quality = job.result as DatasetQuality;
      });
    } catch (error) {
      this.#notices.show(`Could not check the masks: ${(error as Error).message}`);
    }
  }

  /** Finds the most uncertain item that was not skipped. */
  async nextUncertain(skipCurrent = false): Promise<void> {
    const id = this.selectedId;
    if (id === null) return;
    if (skipCurrent && this.uncertain) this.uncertainSkipped = [...this.uncertainSkipped, this.uncertain.photo.id];
    try {
      const item = await this.#client.call('datasets.nextUncertain', { datasetId: id, exclude: [...this.uncertainSkipped] });
      if (this.selectedId !== id) return;
      this.uncertain = item;
      this.uncertainChecked = true;
    } catch (error) {
      this.#notices.show(`Could not rank the photos by uncertainty: ${(error as Error).message}`);
    }
  }

  resetUncertain(): void {
    this.uncertain = null;
    this.uncertainChecked = false;
    this.uncertainSkipped = [];
  }

  #clear(id: number | null): void {
    this.#stopQuality?.();
    this.#stopQuality = null;
    this.selectedId = id;
    this.stats = null;
    this.statsError = null;
    this.items = [];
    this.itemsTotal = 0;
    this.itemsError = null;
    this.selection = new Set();
    this.cursor = 0;
    this.quality = null;
    this.qualityJob = null;
    this.resetUncertain();
  }

  #pruneSelection(): void {
    const shown = new Set(this.items.map((item) => item.photo.id));
    const kept = [...this.selection].filter((id) => shown.has(id));
    if (kept.length !== this.selection.size) this.selection = new Set(kept);
    this.cursor = Math.min(this.cursor, Math.max(0, this.items.length - 1));
  }
}
