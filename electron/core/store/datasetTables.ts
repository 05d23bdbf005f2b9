/**
 * Datasets and their items: a dataset's own row, which photos are in it, each item's
 * split, status and comment, and reviewers' decisions. Every change that moves an
 * item's status re-derives its photo's grid badge in the same transaction. The Store
 * exposes one instance as `store.datasets`; the reads that join items with photos,
 * masks and predictions are in DatasetViews, which this extends.
 */
import { StudioError } from '../../api/errors';
import type { Dataset, DatasetReview, ItemStatus, ReviewDecision, Split } from '../../api/types';
import { ITEM_STATUSES } from '../../api/types';
import { camelCaseRow } from './camelCaseRow';
import { DatasetViews, toReview } from './datasetViews';
import type { ReviewRow } from './datasetViews';
import { refreshPhotoStatus } from './photoTables';
import { requireDataset, requirePhoto } from './rowChecks';

export type { ExportCandidate, ItemPageQuery, VersionInfo } from './datasetViews';

/** A photo's membership of a dataset, as stored. */
export interface DatasetItem {
  datasetId: number;
  photoId: number;
  split: Split | null;
  status: ItemStatus;
  comment: string | null;
  updatedAt: string;
}

/** What a split needs to know about an item. */
export interface SplitCandidate {
  photoId: number;
  rootId: number;
  folder: string;
  relPath: string;
  split: Split | null;
  /** Blur fraction of the current mask, null without one. */
  blurFraction: number | null;
}

interface DatasetRow {
  id: number;
  name: string;
  description: string;
  created_at: string;
}

interface DatasetItemRow {
  dataset_id: number;
  photo_id: number;
  split: Split | null;
  status: ItemStatus;
  comment: string | null;
  updated_at: string;
}

const ITEM_FIELDS = ['dataset_id', 'photo_id', 'split', 'status', 'comment', 'updated_at'] as const;

type SplitCandidateRow = { photo_id: number; root_id: number; folder: string; rel_path: string; split: Split | null; blur_fraction: number | null };

const SPLIT_CANDIDATE_FIELDS = ['photo_id', 'root_id', 'folder', 'rel_path', 'split', 'blur_fraction'] as const;

export function emptyItemCounts(): Record<ItemStatus, number> {
  return Object.fromEntries(ITEM_STATUSES.map((status) => [status, 0])) as Record<ItemStatus, number>;
}

function toDataset(row: DatasetRow, statusCounts: { status: ItemStatus; n: number }[], splitCounts: { split: Split; n: number }[]): Dataset {
  const counts = emptyItemCounts();
  let itemCount = 0;
  for (const { status, n } of statusCounts) {
    counts[status] = n;
    itemCount += n;
  }
  const splits: Record<Split, number> = { train: 0, test: 0 };
  for (const { split, n } of splitCounts) {
    splits[split] = n;
  }
  return { id: row.id, name: row.name, description: row.description, createdAt: row.created_at, itemCount, counts, splits };
}

export class DatasetTables extends DatasetViews {
  // ---------------------------------------------------------------- the dataset itself

  #fromRow(row: DatasetRow): Dataset {
    const statusCounts = this.sql.all<{ status: ItemStatus; n: number }>(
      'SELECT status, COUNT(*) AS n FROM dataset_items WHERE dataset_id = ? GROUP BY status',
      row.id,
    );
    const splitCounts = this.sql.all<{ split: Split; n: number }>(
      'SELECT split, COUNT(*) AS n FROM dataset_items WHERE dataset_id = ? AND split IS NOT NULL GROUP BY split',
      row.id,
    );
    return toDataset(row, statusCounts, splitCounts);
  }

  create(name: string, description = ''): Dataset {
    const trimmed = name.trim();
    if (this.findByName(trimmed)) {
      throw new StudioError('conflict', `A dataset named "${trimmed}" already exists.`);
    }
    const id = Number(
      this.sql.run('INSERT INTO datasets (name, description, created_at) VALUES (?, ?, ?)', trimmed, description, this.timestamp()).lastInsertRowid,
    );
    return this.get(id)!;
  }

  /** The dataset with this name, created if there is none. */
  ensure(name: string, description = ''): Dataset {
    return this.findByName(name.trim()) ?? this.create(name, description);
  }

  get(id: number): Dataset | undefined {
    const row = this.sql.get<DatasetRow>('SELECT id, name, description, created_at FROM datasets WHERE id = ?', id);
    return row ? this.#fromRow(row) : undefined;
  }

  findByName(name: string): Dataset | undefined {
    const row = this.sql.get<DatasetRow>('SELECT id, name, description, created_at FROM datasets WHERE name = ?', name);
    return row ? this.#fromRow(row) : undefined;
  }

  list(): Dataset[] {
    return this.sql.all<DatasetRow>('SELECT id, name, description, created_at FROM datasets ORDER BY name').map((row) => this.#fromRow(row));
  }

  count(): number {
    return this.sql.value<number>('SELECT COUNT(*) FROM datasets') ?? 0;
  }

  /** Items of every dataset by status (the store's counts of masks). */
  countItemsByStatus(): Record<ItemStatus, number> {
    const counts = emptyItemCounts();
    for (const { status, n } of this.sql.all<{ status: ItemStatus; n: number }>('SELECT status, COUNT(*) AS n FROM dataset_items GROUP BY status')) {
      counts[status] = n;
    }
    return counts;
  }

  /** Renames a dataset and/or changes its description. */
  update(datasetId: number, changes: { name?: string | undefined; description?: string | undefined }): void {
    this.transaction(() => {
      requireDataset(this.sql, datasetId);
      if (changes.name !== undefined) {
        const name = changes.name.trim();
        const other = this.sql.value<number>('SELECT id FROM datasets WHERE name = ? AND id <> ?', name, datasetId);
        if (other !== undefined) throw new StudioError('conflict', `A dataset named "${name}" already exists.`);
        this.sql.run('UPDATE datasets SET name = ? WHERE id = ?', name, datasetId);
      }
      if (changes.description !== undefined) {
        this.sql.run('UPDATE datasets SET description = ? WHERE id = ?', changes.description, datasetId);
      }
    });
  }

  /** Deletes a dataset with its items, masks and reviews; its photos' badges are re-derived. */
  delete(datasetId: number): boolean {
    return this.transaction(() => {
      const photoIds = this.sql.all<{ photo_id: number }>(
        'SELECT photo_id FROM dataset_items WHERE dataset_id = ? UNION SELECT photo_id FROM masks WHERE dataset_id = ?',
        datasetId,
        datasetId,
      );
      // mask_versions point at masks and masks at their current version: clear the
      // latter first so the cascade meets no reference to a row it already removed.
      this.sql.run('UPDATE masks SET current_version_id = NULL WHERE dataset_id = ?', datasetId);
      const deleted = this.sql.run('DELETE FROM datasets WHERE id = ?', datasetId).changes > 0;
      for (const { photo_id } of photoIds) refreshPhotoStatus(this.sql, photo_id);
      return deleted;
    });
  }

  // ---------------------------------------------------------------- membership

  /** Adds a photo to a dataset (no-op if present); `split` is set when given. */
  addItem(datasetId: number, photoId: number, options: { split?: Split | null } = {}): DatasetItem {
    this.transaction(() => {
      this.sql.run(
        `INSERT INTO dataset_items (dataset_id, photo_id, split, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (dataset_id, photo_id) DO NOTHING`,
        datasetId,
        photoId,
        options.split ?? null,
        this.timestamp(),
      );
      if (options.split !== undefined) {
        this.setItemSplit(datasetId, photoId, options.split);
      }
    });
    return this.getItem(datasetId, photoId)!;
  }

  getItem(datasetId: number, photoId: number): DatasetItem | undefined {
    const row = this.sql.get<DatasetItemRow>(
      'SELECT dataset_id, photo_id, split, status, comment, updated_at FROM dataset_items WHERE dataset_id = ? AND photo_id = ?',
      datasetId,
      photoId,
    );
    return row ? camelCaseRow(row, ITEM_FIELDS) : undefined;
  }

  listItems(datasetId: number): DatasetItem[] {
    return this.sql
      .all<DatasetItemRow>(
        'SELECT dataset_id, photo_id, split, status, comment, updated_at FROM dataset_items WHERE dataset_id = ? ORDER BY photo_id',
        datasetId,
      )
      .map((row) => camelCaseRow(row, ITEM_FIELDS));
  }

  /**
   * Adds photos (ids that exist) to a dataset. A photo that had a mask in this dataset
   * before (it was removed, the mask was kept) comes back with that mask's status.
   */
  addPhotos(datasetId: number, photoIds: readonly number[]): { added: number; alreadyIn: number } {
    return this.transaction(() => {
      requireDataset(this.sql, datasetId);
      const now = this.timestamp();
      let added = 0;
      let alreadyIn = 0;
      for (const photoId of photoIds) {
        requirePhoto(this.sql, photoId);
        const changes = this.sql.run(
          `INSERT INTO dataset_items (dataset_id, photo_id, status, updated_at)
           VALUES (:datasetId, :photoId, COALESCE((
             SELECT v.status FROM masks m JOIN mask_versions v ON v.id = m.current_version_id
             WHERE m.dataset_id = :datasetId AND m.photo_id = :photoId), 'unlabelled'), :now)
           ON CONFLICT (dataset_id, photo_id) DO NOTHING`,
          { datasetId, photoId, now },
        ).changes;
        if (changes > 0) {
          added++;
          refreshPhotoStatus(this.sql, photoId);
        } else {
          alreadyIn++;
        }
      }
      return { added, alreadyIn };
    });
  }

  /** Takes photos out of a dataset. Their masks stay (a saved mask is never lost). */
  removePhotos(datasetId: number, photoIds: readonly number[]): number {
    return this.transaction(() => {
      requireDataset(this.sql, datasetId);
      let removed = 0;
      for (const photoId of photoIds) {
        removed += this.sql.run('DELETE FROM dataset_items WHERE dataset_id = ? AND photo_id = ?', datasetId, photoId).changes;
        refreshPhotoStatus(this.sql, photoId);
      }
      return removed;
    });
  }

  /** Ids of the dataset's items, by photo id. */
  photoIds(datasetId: number): number[] {
    return this.sql
      .all<{ photo_id: number }>('SELECT photo_id FROM dataset_items WHERE dataset_id = ? ORDER BY photo_id', datasetId)
      .map((row) => row.photo_id);
  }

  // ---------------------------------------------------------------- splits and statuses

  /** Every item with what a split method looks at, by photo id. */
  splitCandidates(datasetId: number): SplitCandidate[] {
    requireDataset(this.sql, datasetId);
    return this.sql
      .all<SplitCandidateRow>(
        `SELECT i.photo_id, p.root_id, p.folder, p.rel_path, i.split, v.blur_fraction
         FROM dataset_items i JOIN photos p ON p.id = i.photo_id
         LEFT JOIN masks m ON m.dataset_id = i.dataset_id AND m.photo_id = i.photo_id
         LEFT JOIN mask_versions v ON v.id = m.current_version_id
         WHERE i.dataset_id = ? ORDER BY i.photo_id`,
        datasetId,
      )
      .map((row) => camelCaseRow(row, SPLIT_CANDIDATE_FIELDS));
  }

  setItemSplit(datasetId: number, photoId: number, split: Split | null): void {
    this.sql.run(
      'UPDATE dataset_items SET split = ?, updated_at = ? WHERE dataset_id = ? AND photo_id = ?',
      split,
      this.timestamp(),
      datasetId,
      photoId,
    );
  }

  /** Sets the split of items in one transaction; returns how many changed. */
  setSplits(datasetId: number, splits: ReadonlyMap<number, Split | null>): number {
    return this.transaction(() => {
      requireDataset(this.sql, datasetId);
      const now = this.timestamp();
      let changed = 0;
      for (const [photoId, split] of splits) {
        changed += this.sql.run(
          'UPDATE dataset_items SET split = ?, updated_at = ? WHERE dataset_id = ? AND photo_id = ? AND split IS NOT ?',
          split,
          now,
          datasetId,
          photoId,
          split,
        ).changes;
      }
      return changed;
    });
  }

  /** Changes an item's status without a new mask (review accepted, item rejected). */
  setItemStatus(datasetId: number, photoId: number, status: ItemStatus): void {
    this.transaction(() => {
      const changes = this.sql.run(
        'UPDATE dataset_items SET status = ?, updated_at = ? WHERE dataset_id = ? AND photo_id = ?',
        status,
        this.timestamp(),
        datasetId,
        photoId,
      ).changes;
      if (changes === 0) {
        throw new StudioError('not-found', `Photo ${photoId} is not in dataset ${datasetId}.`);
      }
      refreshPhotoStatus(this.sql, photoId);
    });
  }

  /**
   * Sets the status of items (and their comment when `comment` is given). Every photo
   * must be in the dataset: nothing changes otherwise.
   */
  setStatuses(datasetId: number, photoIds: readonly number[], status: ItemStatus, comment?: string | null): number {
    return this.transaction(() => {
      requireDataset(this.sql, datasetId);
      const now = this.timestamp();
      for (const photoId of photoIds) {
        const changes =
          comment === undefined
            ? this.sql.run('UPDATE dataset_items SET status = ?, updated_at = ? WHERE dataset_id = ? AND photo_id = ?', status, now, datasetId, photoId).changes
            : this.sql.run(
                'UPDATE dataset_items SET status = ?, comment = ?, updated_at = ? WHERE dataset_id = ? AND photo_id = ?',
                status,
                comment,
                now,
                datasetId,
                photoId,
              ).changes;
        if (changes === 0) throw new StudioError('not-found', `Photo ${photoId} is not in dataset ${datasetId}.`);
        refreshPhotoStatus(this.sql, photoId);
      }
      return photoIds.length;
    });
  }

  /** Sets an item's comment (null clears it). */
  setComment(datasetId: number, photoId: number, comment: string | null): void {
    this.sql.run('UPDATE dataset_items SET comment = ? WHERE dataset_id = ? AND photo_id = ?', comment, datasetId, photoId);
  }

  // ---------------------------------------------------------------- reviews

  /**
   * Records a reviewer's decision on the item's current mask: accepted → 'reviewed',
   * rejected → 'rejected'; the item's comment becomes the review's. An item without a
   * mask has nothing to review.
   */
  review(input: { datasetId: number; photoId: number; decision: ReviewDecision; reviewer: string | null; comment: string | null }): DatasetReview {
    return this.transaction(() => {
      requireDataset(this.sql, input.datasetId);
      const item = this.sql.get<{ version_id: number | null }>(
        `SELECT m.current_version_id AS version_id FROM dataset_items i
         LEFT JOIN masks m ON m.dataset_id = i.dataset_id AND m.photo_id = i.photo_id
         WHERE i.dataset_id = ? AND i.photo_id = ?`,
        input.datasetId,
        input.photoId,
      );
      if (!item) throw new StudioError('not-found', `Photo ${input.photoId} is not in dataset ${input.datasetId}.`);
      if (item.version_id === null) {
        throw new StudioError('conflict', `Photo ${input.photoId} has no mask in dataset ${input.datasetId}: there is nothing to review.`);
      }
      const now = this.timestamp();
      const id = Number(
        this.sql.run(
          `INSERT INTO dataset_reviews (dataset_id, photo_id, mask_version_id, decision, reviewer, comment, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
          input.datasetId,
          input.photoId,
          item.version_id,
          input.decision,
          input.reviewer,
          input.comment,
          now,
        ).lastInsertRowid,
      );
      this.sql.run(
        'UPDATE dataset_items SET status = ?, comment = ?, updated_at = ? WHERE dataset_id = ? AND photo_id = ?',
        input.decision === 'accepted' ? 'reviewed' : 'rejected',
        input.comment,
        now,
        input.datasetId,
        input.photoId,
      );
      refreshPhotoStatus(this.sql, input.photoId);
      return toReview(this.sql.get<ReviewRow>('SELECT * FROM dataset_reviews WHERE id = ?', id)!);
    });
  }
}
