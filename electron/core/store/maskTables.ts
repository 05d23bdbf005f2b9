/**
 * Masks: per (photo, dataset), a history of versions that is only ever appended to; the
 * mask points at its current version. Saving a version also sets the dataset item's
 * status and the photo's badge, in the same transaction.
 */
import { StudioError } from '../../api/errors';
import type { ItemStatus, MaskAuthor, MaskVersion } from '../../api/types';
import { blob, isPng } from './blobs';
import { camelCaseRow } from './camelCaseRow';
import { refreshPhotoStatus } from './photoTables';
import { requireDataset, requirePhoto } from './rowChecks';
import { StoreTables } from './storeTables';

export interface NewMaskVersion {
  photoId: number;
  datasetId: number;
  /** 8-bit grayscale PNG at the photo's size, 255 = blurred. */
  png: Uint8Array;
  author: MaskAuthor;
  authorName?: string | null;
  modelId?: number | null;
  /** Status the dataset item takes with this version. */
  status: ItemStatus;
  /** Fraction of the mask's pixels that are blurred (0..1). */
  blurFraction: number;
}

export interface StoredMask {
  version: MaskVersion;
  png: Uint8Array;
}

interface MaskVersionRow {
  id: number;
  photo_id: number;
  dataset_id: number;
  author: MaskAuthor;
  author_name: string | null;
  model_id: number | null;
  status: ItemStatus;
  blur_fraction: number;
  byte_size: number;
  created_at: string;
}

/** Columns of MaskVersionRow for a join of `mask_versions v` with `masks m`. */
const MASK_VERSION_COLUMNS =
  'v.id, m.photo_id, m.dataset_id, v.author, v.author_name, v.model_id, v.status, v.blur_fraction, ' +
  'length(v.png) AS byte_size, v.created_at';

const MASK_VERSION_FIELDS = [
  'id', 'photo_id', 'dataset_id', 'author', 'author_name', 'model_id', 'status', 'blur_fraction', 'byte_size', 'created_at',
] as const;

function toMaskVersion(row: MaskVersionRow): MaskVersion {
  return camelCaseRow(row, MASK_VERSION_FIELDS);
}

export class MaskTables extends StoreTables {
  /**
   * Saves a new version of the (photo, dataset) mask: one transaction inserts the version,
   * makes it current, and updates the dataset item's and the photo's status. When this
   * returns, the save is on disk.
   */
  save(input: NewMaskVersion): MaskVersion {
    if (!isPng(input.png)) {
      throw new StudioError('bad-image', 'A mask must be a PNG image.');
    }
    if (!(input.blurFraction >= 0 && input.blurFraction <= 1)) {
      throw new StudioError('invalid-input', `blurFraction must be within 0..1, got ${input.blurFraction}.`);
    }
    return this.transaction(() => {
      requirePhoto(this.sql, input.photoId);
      requireDataset(this.sql, input.datasetId);
      const now = this.timestamp();
      this.sql.run(
        `INSERT INTO dataset_items (dataset_id, photo_id, status, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (dataset_id, photo_id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at`,
        input.datasetId,
        input.photoId,
        input.status,
        now,
      );
      this.sql.run(
        'INSERT INTO masks (dataset_id, photo_id) VALUES (?, ?) ON CONFLICT (dataset_id, photo_id) DO NOTHING',
        input.datasetId,
        input.photoId,
      );
      const maskId = this.sql.value<number>('SELECT id FROM masks WHERE dataset_id = ? AND photo_id = ?', input.datasetId, input.photoId)!;
      const versionId = Number(
        this.sql.run(
          `INSERT INTO mask_versions (mask_id, png, author, author_name, model_id, status, blur_fraction, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
          maskId,
          blob(input.png),
          input.author,
          input.authorName ?? null,
          input.modelId ?? null,
          input.status,
          input.blurFraction,
          now,
        ).lastInsertRowid,
      );
      this.sql.run('UPDATE masks SET current_version_id = ? WHERE id = ?', versionId, maskId);
      refreshPhotoStatus(this.sql, input.photoId);
      return this.#version(versionId)!;
    });
  }

  #version(versionId: number): MaskVersion | undefined {
    const row = this.sql.get<MaskVersionRow>(
      `SELECT ${MASK_VERSION_COLUMNS} FROM mask_versions v JOIN masks m ON m.id = v.mask_id WHERE v.id = ?`,
      versionId,
    );
    return row ? toMaskVersion(row) : undefined;
  }

  getVersion(versionId: number): StoredMask | undefined {
    const row = this.sql.get<MaskVersionRow & { png: Buffer }>(
      `SELECT ${MASK_VERSION_COLUMNS}, v.png FROM mask_versions v JOIN masks m ON m.id = v.mask_id WHERE v.id = ?`,
      versionId,
    );
    return row ? { version: toMaskVersion(row), png: new Uint8Array(row.png) } : undefined;
  }

  /** The current mask of a photo in a dataset. */
  current(photoId: number, datasetId: number): StoredMask | undefined {
    const versionId = this.sql.value<number | null>(
      'SELECT current_version_id FROM masks WHERE photo_id = ? AND dataset_id = ?',
      photoId,
      datasetId,
    );
    return versionId == null ? undefined : this.getVersion(versionId);
  }

  /** The most recently saved current mask of a photo, whatever the dataset. */
  latest(photoId: number): StoredMask | undefined {
    const versionId = this.sql.value<number>(
      'SELECT MAX(current_version_id) FROM masks WHERE photo_id = ? AND current_version_id IS NOT NULL',
      photoId,
    );
    return versionId == null ? undefined : this.getVersion(versionId);
  }

  /** Every version of a mask, newest first. */
  history(photoId: number, datasetId: number): MaskVersion[] {
    return this.sql
      .all<MaskVersionRow>(
        `SELECT ${MASK_VERSION_COLUMNS} FROM mask_versions v JOIN masks m ON m.id = v.mask_id
         WHERE m.photo_id = ? AND m.dataset_id = ? ORDER BY v.id DESC`,
        photoId,
        datasetId,
      )
      .map(toMaskVersion);
  }

  /**
   * Brings an old version back as a new version (history is never rewritten, so the
   * restore itself can be undone by restoring the version it replaced).
   */
  restore(versionId: number, options: { authorName?: string | null } = {}): MaskVersion {
    return this.transaction(() => {
      const old = this.getVersion(versionId);
      if (!old) {
        throw new StudioError('not-found', `Mask version ${versionId} does not exist.`);
      }
      return this.save({
        photoId: old.version.photoId,
        datasetId: old.version.datasetId,
        png: old.png,
        author: old.version.author,
        authorName: options.authorName === undefined ? old.version.authorName : options.authorName,
        modelId: old.version.modelId,
        status: old.version.status,
        blurFraction: old.version.blurFraction,
      });
    });
  }
}
