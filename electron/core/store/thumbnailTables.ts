/**
 * Grid thumbnails, keyed by the photo's content hash: a moved or copied file reuses its
 * thumbnail, and an edited one gets a new one.
 */
import { blob } from './blobs';
import { StoreTables } from './storeTables';

export interface Thumbnail {
  width: number;
  height: number;
  mimeType: string;
  bytes: Uint8Array;
}

export class ThumbnailTables extends StoreTables {
  get(hash: string): Thumbnail | undefined {
    const row = this.sql.get<{ width: number; height: number; mime_type: string; bytes: Buffer }>(
      'SELECT width, height, mime_type, bytes FROM thumbnails WHERE hash = ?',
      hash,
    );
    return row ? { width: row.width, height: row.height, mimeType: row.mime_type, bytes: new Uint8Array(row.bytes) } : undefined;
  }

  has(hash: string): boolean {
    return this.sql.value<number>('SELECT 1 FROM thumbnails WHERE hash = ?', hash) !== undefined;
  }

  put(hash: string, thumbnail: Thumbnail): void {
    this.sql.run(
      'INSERT OR REPLACE INTO thumbnails (hash, width, height, mime_type, bytes) VALUES (?, ?, ?, ?, ?)',
      hash,
      thumbnail.width,
      thumbnail.height,
      thumbnail.mimeType,
      blob(thumbnail.bytes),
    );
  }

  /** Drops thumbnails no photo row refers to any more; returns how many. */
  prune(): number {
    return this.sql.run('DELETE FROM thumbnails WHERE hash NOT IN (SELECT hash FROM photos)').changes;
  }
}
