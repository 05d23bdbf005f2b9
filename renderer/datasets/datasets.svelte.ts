/**
 * The datasets of the studio and the one the editor works in: masks are read from and
 * saved into the current dataset.
 *
 * The choice is remembered in localStorage. Without a remembered choice the dataset with
 * the most photos is taken (the sample library's masks arrive as dataset 'sample'); with
 * no dataset at all the current one is null, and the first save goes into the dataset
 * 'default', which the core creates for it and which then becomes current.
 */
import type { StudioClient } from '../../electron/api/client';
import type { Dataset } from '../../electron/api/types';

const STORAGE_KEY = 'defusion.currentDataset';

function readStoredId(): number | null {
  try {
    const value = Number(localStorage.getItem(STORAGE_KEY));
    return Number.isSafeInteger(value) && value > 0 ? value : null;
  } catch {
    return null;
  }
}

function storeId(id: number | null): void {
  try {
    if (id === null) localStorage.removeItem(STORAGE_KEY);
    else localStorage.setItem(STORAGE_KEY, String(id));
  } catch {
    // Storage may be off (private mode); the choice then lasts for this page only.
  }
}

/** The dataset to work in when the user has not chosen one. */
export function defaultDataset(datasets: readonly Dataset[]): Dataset | null {
  let best: Dataset | null = null;
  for (const dataset of datasets) {
    if (!best || dataset.itemCount > best.itemCount || (dataset.itemCount === best.itemCount && dataset.id < best.id)) best = dataset;
  }
  return best;
}

export class DatasetsState {
  readonly #client: StudioClient;

  datasets = $state.raw<Dataset[]>([]);
  /** The dataset masks are read from and saved into; null until one exists. */
  currentId = $state<number | null>(null);

  constructor(client: StudioClient) {
    this.#client = client;
  }

  get current(): Dataset | null {
    return this.datasets.find((dataset) => dataset.id === this.currentId) ?? null;
  }

  /** Reloads the list; keeps the current dataset while it exists, else picks one. */
  async refresh(): Promise<void> {
    const datasets = await this.#client.call('datasets.list', {});
    this.datasets = datasets;
    const wanted = this.currentId ?? readStoredId();
    const kept = datasets.find((dataset) => dataset.id === wanted);
    this.currentId = kept ? kept.id : (defaultDataset(datasets)?.id ?? null);
  }

  /** The user picked a dataset. */
  choose(id: number): void {
    this.currentId = id;
    storeId(id);
  }

  /** Creates a dataset and makes it current. */
  async create(name: string): Promise<Dataset> {
    const dataset = await this.#client.call('datasets.create', { name });
    this.datasets = [...this.datasets, dataset].sort((a, b) => a.name.localeCompare(b.name));
    this.choose(dataset.id);
    return dataset;
  }

  /** Renames a dataset (its id, masks and exports' history stay). */
  async rename(id: number, name: string): Promise<Dataset> {
    const dataset = await this.#client.call('datasets.update', { datasetId: id, name });
    this.replace(dataset);
    return dataset;
  }

  /** Deletes a dataset with its masks and reviews; another one becomes current if it was. */
  async remove(id: number): Promise<void> {
    await this.#client.call('datasets.delete', { datasetId: id });
    this.datasets = this.datasets.filter((dataset) => dataset.id !== id);
    if (this.currentId === id) {
      const next = defaultDataset(this.datasets);
      this.currentId = next?.id ?? null;
      storeId(this.currentId);
    }
  }

  /** Takes a fresher copy of one dataset (counts after adding photos, a new status…). */
  replace(dataset: Dataset): void {
    const known = this.datasets.some((entry) => entry.id === dataset.id);
    const datasets = known ? this.datasets.map((entry) => (entry.id === dataset.id ? dataset : entry)) : [...this.datasets, dataset];
    this.datasets = datasets.sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * A save (or a status) went into `datasetId` (the core's default dataset when none was
   * current): it becomes current if none was, and the list and its counts are read
   * again. Nobody waits for that read: the save is done when the core answered, and a
   * dataset the first save created shows up in the list a moment later.
   */
  noteSaved(datasetId: number): void {
    if (this.currentId === null) this.choose(datasetId);
    this.refresh().catch(() => {});
  }
}
