/**
 * What the dataset dashboard, the reviewer mode and exports read: a dataset's items
 * joined with their photo, current mask, prediction and last review, in pages; the
 * active-learning order; the dashboard's aggregates; review history. Reads only; the
 * writes are DatasetTables, which extends this so that `store.datasets` answers both.
 */
import type {
  DatasetItemView,
  DatasetReview,
  ItemStatus,
  MaskAuthor,
  Photo,
  ReviewDecision,
  Split,
  SplitFilter,
  UncertainItem,
} from '../../api/types';
import { camelCaseRow } from './camelCaseRow';
import { PHOTO_COLUMNS, toPhoto } from './photoTables';
import type { PhotoRow } from './photoTables';
import { OPEN_ROOT_CONDITION } from './photoQuery';
import { requireDataset } from './rowChecks';
import { StoreTables } from './storeTables';

/** The dataset-item page query after schema parsing. */
export interface ItemPageQuery {
  datasetId: number;
  status?: readonly ItemStatus[] | undefined;
  split?: readonly SplitFilter[] | undefined;
  sort: 'path' | 'name' | 'updatedAt' | 'uncertainty' | 'blurFraction';
  order: 'asc' | 'desc';
  offset: number;
  limit: number;
}

/** An item to export: the photo, where its file is, and its current mask version. */
export interface ExportCandidate {
  photo: Photo;
  rootPath: string;
  rootOpen: boolean;
  split: Split | null;
  status: ItemStatus;
  comment: string | null;
  /** Null when the item has no mask. */
  maskVersionId: number | null;
  maskAuthor: MaskAuthor | null;
  maskAuthorName: string | null;
  maskCreatedAt: string | null;
}

/** A mask version of a dataset without its pixels (history analyses). */
export interface VersionInfo {
  id: number;
  photoId: number;
  author: MaskAuthor;
  authorName: string | null;
  modelId: number | null;
  status: ItemStatus;
  createdAt: string;
}

interface ItemRow extends PhotoRow {
  item_split: Split | null;
  item_status: ItemStatus;
  item_comment: string | null;
  item_updated_at: string;
  mask_version_id: number | null;
  mask_author: MaskAuthor | null;
  mask_author_name: string | null;
  mask_model_id: number | null;
  mask_blur_fraction: number | null;
  mask_created_at: string | null;
  uncertainty: number | null;
  last_review_id: number | null;
}

export interface ReviewRow {
  id: number;
  dataset_id: number;
  photo_id: number;
  mask_version_id: number | null;
  decision: ReviewDecision;
  reviewer: string | null;
  comment: string | null;
  created_at: string;
}

const REVIEW_FIELDS = ['id', 'dataset_id', 'photo_id', 'mask_version_id', 'decision', 'reviewer', 'comment', 'created_at'] as const;

export function toReview(row: ReviewRow): DatasetReview {
  return camelCaseRow(row, REVIEW_FIELDS);
}

type VersionRow = { id: number; photo_id: number; author: MaskAuthor; author_name: string | null; model_id: number | null; status: ItemStatus; created_at: string };

const VERSION_FIELDS = ['id', 'photo_id', 'author', 'author_name', 'model_id', 'status', 'created_at'] as const;

type ExportRow = PhotoRow & {
  root_path: string;
  root_closed: string | null;
  item_split: Split | null;
  item_status: ItemStatus;
  item_comment: string | null;
  mask_version_id: number | null;
  mask_author: MaskAuthor | null;
  mask_author_name: string | null;
  mask_created_at: string | null;
};

/**
 * The prediction a photo is judged by when no model is named: the active model's, else
 * the most recent (the same choice as PredictionTables.get and the prediction resource).
 * `:modelId` narrows it to one model.
 */
const PREDICTION_FOR_PHOTO = (photoColumn: string): string => `(
  SELECT r.id FROM predictions r LEFT JOIN models md ON md.id = r.model_id
  WHERE r.photo_id = ${photoColumn} AND (:modelId IS NULL OR r.model_id = :modelId)
  ORDER BY COALESCE(md.active, 0) DESC, r.created_at DESC, r.id DESC LIMIT 1)`;

const ITEM_SELECT = `
  SELECT ${PHOTO_COLUMNS},
    i.split AS item_split, i.status AS item_status, i.comment AS item_comment, i.updated_at AS item_updated_at,
    v.id AS mask_version_id, v.author AS mask_author, v.author_name AS mask_author_name, v.model_id AS mask_model_id,
    v.blur_fraction AS mask_blur_fraction, v.created_at AS mask_created_at,
    (SELECT r.uncertainty FROM predictions r WHERE r.id = ${PREDICTION_FOR_PHOTO('i.photo_id')}) AS uncertainty,
    (SELECT MAX(w.id) FROM dataset_reviews w WHERE w.dataset_id = i.dataset_id AND w.photo_id = i.photo_id) AS last_review_id
  FROM dataset_items i
  JOIN photos p ON p.id = i.photo_id
  LEFT JOIN masks m ON m.dataset_id = i.dataset_id AND m.photo_id = i.photo_id
  LEFT JOIN mask_versions v ON v.id = m.current_version_id`;

function itemOrder(sort: ItemPageQuery['sort'], order: ItemPageQuery['order']): string {
  const dir = order === 'desc' ? 'DESC' : 'ASC';
  // Each order ends on a unique key, so pages never overlap.
  switch (sort) {
    case 'path':
      return `p.root_id ${dir}, p.rel_path ${dir}`;
    case 'name':
      return `p.name ${dir}, p.id ${dir}`;
    case 'updatedAt':
      return `i.updated_at ${dir}, p.id ${dir}`;
    case 'uncertainty':
      return `uncertainty ${dir} NULLS LAST, p.id ${dir}`;
    case 'blurFraction':
      return `mask_blur_fraction ${dir} NULLS LAST, p.id ${dir}`;
  }
}

export class DatasetViews extends StoreTables {
  // ---------------------------------------------------------------- item pages

  #itemViews(rows: ItemRow[], datasetId: number): DatasetItemView[] {
    const reviewIds = rows.map((row) => row.last_review_id).filter((value): value is number => value !== null);
    const reviews = new Map<number, DatasetReview>();
    if (reviewIds.length > 0) {
      for (const row of this.sql.all<ReviewRow>('SELECT * FROM dataset_reviews WHERE id IN (SELECT value FROM json_each(?))', JSON.stringify(reviewIds))) {
        reviews.set(row.id, toReview(row));
      }
    }
    return rows.map((row) => ({
      datasetId,
      photo: toPhoto(row),
      split: row.item_split,
      status: row.item_status,
      comment: row.item_comment,
      updatedAt: row.item_updated_at,
      mask:
        row.mask_version_id === null
          ? null
          : {
              versionId: row.mask_version_id,
              author: row.mask_author!,
              authorName: row.mask_author_name,
              modelId: row.mask_model_id,
              blurFraction: row.mask_blur_fraction!,
              createdAt: row.mask_created_at!,
            },
      uncertainty: row.uncertainty,
      lastReview: row.last_review_id === null ? null : (reviews.get(row.last_review_id) ?? null),
    }));
  }

  /** One page of a dataset's items, filtered by status and split. */
  items(query: ItemPageQuery): { total: number; items: DatasetItemView[] } {
    requireDataset(this.sql, query.datasetId);
    const conditions = ['i.dataset_id = :datasetId'];
    const params: Record<string, unknown> = { datasetId: query.datasetId, modelId: null };
    if (query.status !== undefined && query.status.length > 0) {
      conditions.push('i.status IN (SELECT value FROM json_each(:statuses))');
      params.statuses = JSON.stringify(query.status);
    }
    if (query.split !== undefined && query.split.length > 0) {
      conditions.push("COALESCE(i.split, 'none') IN (SELECT value FROM json_each(:splits))");
      params.splits = JSON.stringify(query.split);
    }
    const where = conditions.join(' AND ');
    const total = this.sql.value<number>(`SELECT COUNT(*) FROM dataset_items i WHERE ${where}`, params) ?? 0;
    const rows = this.sql.all<ItemRow>(`${ITEM_SELECT} WHERE ${where} ORDER BY ${itemOrder(query.sort, query.order)} LIMIT :limit OFFSET :offset`, {
      ...params,
      limit: query.limit,
      offset: query.offset,
    });
    return { total, items: this.#itemViews(rows, query.datasetId) };
  }

  item(datasetId: number, photoId: number): DatasetItemView | undefined {
    const rows = this.sql.all<ItemRow>(`${ITEM_SELECT} WHERE i.dataset_id = :datasetId AND i.photo_id = :photoId`, {
      datasetId,
      photoId,
      modelId: null,
    });
    return this.#itemViews(rows, datasetId)[0];
  }

  /**
   * The first item of these statuses in path order after `afterPhotoId`'s place (or the
   * first of all), wrapping around to the start: the reviewer mode walks the dataset.
   */
  nextItem(datasetId: number, statuses: readonly ItemStatus[], afterPhotoId?: number): DatasetItemView | null {
    requireDataset(this.sql, datasetId);
    const params: Record<string, unknown> = { datasetId, statuses: JSON.stringify(statuses), modelId: null };
    const base = `${ITEM_SELECT} WHERE i.dataset_id = :datasetId AND i.status IN (SELECT value FROM json_each(:statuses)) AND p.missing = 0`;
    if (afterPhotoId !== undefined) {
      const after = this.sql.get<{ root_id: number; rel_path: string }>('SELECT root_id, rel_path FROM photos WHERE id = ?', afterPhotoId);
      if (after) {
        const rows = this.sql.all<ItemRow>(
          `${base} AND (p.root_id > :rootId OR (p.root_id = :rootId AND p.rel_path > :relPath)) ORDER BY p.root_id, p.rel_path LIMIT 1`,
          { ...params, rootId: after.root_id, relPath: after.rel_path },
        );
        if (rows.length > 0) return this.#itemViews(rows, datasetId)[0]!;
      }
    }
    const rows = this.sql.all<ItemRow>(`${base} ORDER BY p.root_id, p.rel_path LIMIT 1`, params);
    return rows.length > 0 ? this.#itemViews(rows, datasetId)[0]! : null;
  }

  // ---------------------------------------------------------------- active learning

  /**
   * Items of these statuses (present photos of open roots) ordered by their prediction's
   * uncertainty, most uncertain first; ties by photo id. Items without a prediction are
   * only counted.
   */
  uncertain(query: {
    datasetId: number;
    statuses: readonly ItemStatus[];
    modelId?: number | undefined;
    exclude?: readonly number[];
    offset: number;
    limit: number;
  }): { total: number; withoutPrediction: number; items: UncertainItem[] } {
    requireDataset(this.sql, query.datasetId);
    const params = {
      datasetId: query.datasetId,
      statuses: JSON.stringify(query.statuses),
      exclude: JSON.stringify(query.exclude ?? []),
      modelId: query.modelId ?? null,
    };
    const candidates = `
      SELECT i.photo_id, i.status, ${PREDICTION_FOR_PHOTO('i.photo_id')} AS prediction_id
      FROM dataset_items i JOIN photos p ON p.id = i.photo_id
      WHERE i.dataset_id = :datasetId AND i.status IN (SELECT value FROM json_each(:statuses))
        AND p.missing = 0 AND ${OPEN_ROOT_CONDITION}
        AND i.photo_id NOT IN (SELECT value FROM json_each(:exclude))`;
    const counts = this.sql.get<{ total: number | null; without: number | null }>(
      `SELECT SUM(prediction_id IS NOT NULL) AS total, SUM(prediction_id IS NULL) AS without FROM (${candidates})`,
      params,
    );
    const rows = this.sql.all<PhotoRow & { item_status: ItemStatus; uncertainty: number; mean_probability: number; model_id: number }>(
      `SELECT ${PHOTO_COLUMNS}, c.status AS item_status, r.uncertainty, r.mean_probability, r.model_id
       FROM (${candidates}) c
       JOIN predictions r ON r.id = c.prediction_id
       JOIN photos p ON p.id = c.photo_id
       ORDER BY r.uncertainty DESC, p.id ASC LIMIT :limit OFFSET :offset`,
      { ...params, limit: query.limit, offset: query.offset },
    );
    return {
      total: counts?.total ?? 0,
      withoutPrediction: counts?.without ?? 0,
      items: rows.map((row) => ({
        photo: toPhoto(row),
        status: row.item_status,
        uncertainty: row.uncertainty,
        meanProbability: row.mean_probability,
        modelId: row.model_id,
      })),
    };
  }

  // ---------------------------------------------------------------- reviews

  /** Review decisions, newest first. */
  reviews(datasetId: number, photoId?: number, limit = 1000): DatasetReview[] {
    requireDataset(this.sql, datasetId);
    return this.sql
      .all<ReviewRow>(
        `SELECT * FROM dataset_reviews WHERE dataset_id = :datasetId AND (:photoId IS NULL OR photo_id = :photoId)
         ORDER BY id DESC LIMIT :limit`,
        { datasetId, photoId: photoId ?? null, limit },
      )
      .map(toReview);
  }

  /** The latest decision per item (for exports' manifests). */
  latestReviews(datasetId: number): Map<number, DatasetReview> {
    const rows = this.sql.all<ReviewRow>(
      `SELECT w.* FROM dataset_reviews w
       WHERE w.dataset_id = ? AND w.id = (SELECT MAX(x.id) FROM dataset_reviews x WHERE x.dataset_id = w.dataset_id AND x.photo_id = w.photo_id)`,
      datasetId,
    );
    return new Map(rows.map((row) => [row.photo_id, toReview(row)]));
  }

  /** Timestamps of the dataset's review decisions, oldest first. */
  reviewTimes(datasetId: number): string[] {
    return this.sql
      .all<{ created_at: string }>('SELECT created_at FROM dataset_reviews WHERE dataset_id = ? ORDER BY created_at, id', datasetId)
      .map((row) => row.created_at);
  }

  // ---------------------------------------------------------------- dashboard aggregates

  /** Item counts per (split, status). */
  statusBySplit(datasetId: number): { split: SplitFilter; status: ItemStatus; n: number }[] {
    requireDataset(this.sql, datasetId);
    return this.sql.all<{ split: SplitFilter; status: ItemStatus; n: number }>(
      "SELECT COALESCE(split, 'none') AS split, status, COUNT(*) AS n FROM dataset_items WHERE dataset_id = ? GROUP BY 1, 2",
      datasetId,
    );
  }

  /** Blur fraction of every item's current mask (null: no mask). */
  blurFractions(datasetId: number): (number | null)[] {
    return this.sql
      .all<{ blur_fraction: number | null }>(
        `SELECT v.blur_fraction FROM dataset_items i
         LEFT JOIN masks m ON m.dataset_id = i.dataset_id AND m.photo_id = i.photo_id
         LEFT JOIN mask_versions v ON v.id = m.current_version_id
         WHERE i.dataset_id = ?`,
        datasetId,
      )
      .map((row) => row.blur_fraction);
  }

  /** Item counts per value of a photo column (camera, f_number), most frequent first. */
  photoValueCounts<T>(datasetId: number, column: 'camera' | 'f_number'): { value: T | null; count: number }[] {
    return this.sql.all<{ value: T | null; count: number }>(
      `SELECT p.${column} AS value, COUNT(*) AS count FROM dataset_items i JOIN photos p ON p.id = i.photo_id
       WHERE i.dataset_id = ? GROUP BY p.${column} ORDER BY count DESC, value IS NULL, value`,
      datasetId,
    );
  }

  /** Every mask version of the dataset's current items, oldest first. */
  versions(datasetId: number): VersionInfo[] {
    return this.sql
      .all<VersionRow>(
        `SELECT v.id, m.photo_id, v.author, v.author_name, v.model_id, v.status, v.created_at
         FROM dataset_items i JOIN masks m ON m.dataset_id = i.dataset_id AND m.photo_id = i.photo_id
         JOIN mask_versions v ON v.mask_id = m.id
         WHERE i.dataset_id = ? ORDER BY v.created_at, v.id`,
        datasetId,
      )
      .map((row) => camelCaseRow(row, VERSION_FIELDS));
  }

  // ---------------------------------------------------------------- export

  /** Items of these statuses with their photo, root and current mask version, by photo id. */
  exportCandidates(datasetId: number, statuses: readonly ItemStatus[]): ExportCandidate[] {
    requireDataset(this.sql, datasetId);
    return this.sql
      .all<ExportRow>(
        `SELECT ${PHOTO_COLUMNS}, r.path AS root_path, r.closed_at AS root_closed,
           i.split AS item_split, i.status AS item_status, i.comment AS item_comment,
           v.id AS mask_version_id, v.author AS mask_author, v.author_name AS mask_author_name, v.created_at AS mask_created_at
         FROM dataset_items i
         JOIN photos p ON p.id = i.photo_id
         JOIN library_roots r ON r.id = p.root_id
         LEFT JOIN masks m ON m.dataset_id = i.dataset_id AND m.photo_id = i.photo_id
         LEFT JOIN mask_versions v ON v.id = m.current_version_id
         WHERE i.dataset_id = ? AND i.status IN (SELECT value FROM json_each(?))
         ORDER BY i.photo_id`,
        datasetId,
        JSON.stringify(statuses),
      )
      .map((row) => ({
        photo: toPhoto(row),
        rootPath: row.root_path,
        rootOpen: row.root_closed === null,
        split: row.item_split,
        status: row.item_status,
        comment: row.item_comment,
        maskVersionId: row.mask_version_id,
        maskAuthor: row.mask_author,
        maskAuthorName: row.mask_author_name,
        maskCreatedAt: row.mask_created_at,
      }));
  }
}
