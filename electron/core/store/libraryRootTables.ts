/**
 * Library roots (the folders a library is made of) and the per-file errors their scans
 * found. A closed root keeps its rows, so its photos come back with their masks when it
 * is opened again.
 */
import type { LibraryRoot, PhotoError } from '../../api/types';
import { camelCaseRow } from './camelCaseRow';
import { StoreTables } from './storeTables';

interface RootRow {
  id: number;
  path: string;
  added_at: string;
  last_scan_at: string | null;
  photo_count: number;
  error_count: number;
}

const ROOT_FIELDS = ['id', 'path', 'added_at', 'last_scan_at', 'photo_count', 'error_count'] as const;

function toLibraryRoot(row: RootRow): LibraryRoot {
  return camelCaseRow(row, ROOT_FIELDS);
}

interface PhotoErrorRow {
  root_id: number;
  rel_path: string;
  reason: string;
  at: string;
}

const PHOTO_ERROR_FIELDS = ['root_id', 'rel_path', 'reason', 'at'] as const;

function toPhotoError(row: PhotoErrorRow): PhotoError {
  return camelCaseRow(row, PHOTO_ERROR_FIELDS);
}

const ROOT_SELECT = `
  SELECT r.id, r.path, r.added_at, r.last_scan_at, r.closed_at,
    (SELECT COUNT(*) FROM photos p WHERE p.root_id = r.id AND p.missing = 0) AS photo_count,
    (SELECT COUNT(*) FROM photo_errors e WHERE e.root_id = r.id) AS error_count
  FROM library_roots r`;

export class LibraryRootTables extends StoreTables {
  /** Adds a root, or reopens it if it was closed. `path` must already be absolute. */
  add(path: string): LibraryRoot {
    const now = this.timestamp();
    this.sql.run(
      `INSERT INTO library_roots (path, added_at) VALUES (?, ?)
       ON CONFLICT (path) DO UPDATE SET closed_at = NULL`,
      path,
      now,
    );
    const row = this.sql.get<RootRow>(`${ROOT_SELECT} WHERE r.path = ?`, path)!;
    return toLibraryRoot(row);
  }

  /** Open roots, in the order they were added. */
  list(): LibraryRoot[] {
    return this.sql.all<RootRow>(`${ROOT_SELECT} WHERE r.closed_at IS NULL ORDER BY r.id`).map(toLibraryRoot);
  }

  /** An open root. */
  get(id: number): LibraryRoot | undefined {
    const row = this.sql.get<RootRow>(`${ROOT_SELECT} WHERE r.id = ? AND r.closed_at IS NULL`, id);
    return row ? toLibraryRoot(row) : undefined;
  }

  /** Closes a root: its photos leave the grid but keep their rows, masks and history. */
  close(id: number): boolean {
    return this.sql.run('UPDATE library_roots SET closed_at = ? WHERE id = ? AND closed_at IS NULL', this.timestamp(), id).changes > 0;
  }

  /** Deletes a root with its photos and everything attached to them (masks included). */
  remove(id: number): boolean {
    return this.sql.run('DELETE FROM library_roots WHERE id = ?', id).changes > 0;
  }

  markScanned(id: number): void {
    this.sql.run('UPDATE library_roots SET last_scan_at = ? WHERE id = ?', this.timestamp(), id);
  }

  // ---------------------------------------------------------------- per-file errors

  /** Replaces a root's per-file errors with those of the latest scan. */
  replaceErrors(rootId: number, errors: readonly { relPath: string; reason: string }[]): void {
    const now = this.timestamp();
    this.transaction(() => {
      this.sql.run('DELETE FROM photo_errors WHERE root_id = ?', rootId);
      for (const { relPath, reason } of errors) {
        this.sql.run(
          'INSERT OR REPLACE INTO photo_errors (root_id, rel_path, reason, at) VALUES (?, ?, ?, ?)',
          rootId,
          relPath,
          reason,
          now,
        );
      }
    });
  }

  setError(rootId: number, relPath: string, reason: string): void {
    this.sql.run(
      'INSERT OR REPLACE INTO photo_errors (root_id, rel_path, reason, at) VALUES (?, ?, ?, ?)',
      rootId,
      relPath,
      reason,
      this.timestamp(),
    );
  }

  clearError(rootId: number, relPath: string): void {
    this.sql.run('DELETE FROM photo_errors WHERE root_id = ? AND rel_path = ?', rootId, relPath);
  }

  /** Errors of open roots (or of one root), by path. */
  listErrors(rootId?: number, limit = 1000): PhotoError[] {
    const rows =
      rootId === undefined
        ? this.sql.all<PhotoErrorRow>(
            `SELECT e.root_id, e.rel_path, e.reason, e.at FROM photo_errors e
             JOIN library_roots r ON r.id = e.root_id WHERE r.closed_at IS NULL
             ORDER BY e.root_id, e.rel_path LIMIT ?`,
            limit,
          )
        : this.sql.all<PhotoErrorRow>(
            'SELECT root_id, rel_path, reason, at FROM photo_errors WHERE root_id = ? ORDER BY rel_path LIMIT ?',
            rootId,
            limit,
          );
    return rows.map(toPhotoError);
  }

  /** Errors of open roots, for the store's counts. */
  countErrors(): number {
    return this.sql.value<number>('SELECT COUNT(*) FROM photo_errors e JOIN library_roots r ON r.id = e.root_id WHERE r.closed_at IS NULL') ?? 0;
  }
}
