/**
 * Photos: one row per file of a library root, updated in place when the file changes
 * (so its masks stay attached), moved when the same content turns up elsewhere, marked
 * missing when the file is gone. Also the grid's page query and facets, and the badge
 * each photo shows in the grid.
 */
import { StudioError } from '../../api/errors';
import type { Facets, Photo, PhotoPage, PhotoStatus } from '../../api/types';
import { PHOTO_STATUSES } from '../../api/types';
import { camelCaseRow } from './camelCaseRow';
import { buildPhotoQuery, OPEN_ROOT_CONDITION } from './photoQuery';
import type { OpenRoots, ParsedPhotoQuery } from './photoQuery';
import type { Statements } from './statements';
import { StoreTables } from './storeTables';

/** What a probe learned about a photo file; what the store keeps of it. */
export type PhotoFacts = Pick<Photo, 'hash' | 'byteSize' | 'width' | 'height' | 'format' | 'capturedAt' | 'camera' | 'lens' | 'fNumber' | 'focalLength'>;

/** The part of a photo row a scan compares with the file on disk. */
export interface PhotoFileState {
  id: number;
  rootId: number;
  relPath: string;
  hash: string;
  byteSize: number;
  mtimeMs: number;
  missing: boolean;
}

/** Where a photo lives on disk, and whether its root is open (resources check it). */
export interface PhotoLocation {
  photo: Photo;
  rootPath: string;
  rootOpen: boolean;
}

export interface PhotoRow {
  id: number;
  root_id: number;
  rel_path: string;
  folder: string;
  name: string;
  hash: string;
  byte_size: number;
  mtime_ms: number;
  width: number;
  height: number;
  format: string;
  captured_at: string | null;
  camera: string | null;
  lens: string | null;
  f_number: number | null;
  focal_length: number | null;
  status: PhotoStatus;
  missing: number;
  added_at: string;
  updated_at: string;
}

/** Columns of `photos` in PhotoRow order, for SELECTs that alias the table as `p`. */
export const PHOTO_COLUMNS =
  'p.id, p.root_id, p.rel_path, p.folder, p.name, p.hash, p.byte_size, p.mtime_ms, p.width, ' +
  'p.height, p.format, p.captured_at, p.camera, p.lens, p.f_number, p.focal_length, p.status, ' +
  'p.missing, p.added_at, p.updated_at';

const PHOTO_FIELDS = [
  'id', 'root_id', 'rel_path', 'folder', 'name', 'hash', 'byte_size', 'width', 'height', 'format',
  'captured_at', 'camera', 'lens', 'f_number', 'focal_length', 'status', 'missing', 'added_at', 'updated_at',
] as const;

export function toPhoto(row: PhotoRow): Photo {
  return { ...camelCaseRow(row, PHOTO_FIELDS), missing: row.missing !== 0 };
}

const FILE_STATE_COLUMNS = 'id, root_id, rel_path, hash, byte_size, mtime_ms, missing';
const FILE_STATE_FIELDS = ['id', 'root_id', 'rel_path', 'hash', 'byte_size', 'mtime_ms', 'missing'] as const;
type PhotoFileStateRow = Pick<PhotoRow, (typeof FILE_STATE_FIELDS)[number]>;

function toPhotoFileState(row: PhotoFileStateRow): PhotoFileState {
  return { ...camelCaseRow(row, FILE_STATE_FIELDS), missing: row.missing !== 0 };
}

/** Splits 'a/b/c.jpg' into folder 'a/b' and name 'c.jpg'. */
export function splitRelPath(relPath: string): { folder: string; name: string } {
  const slash = relPath.lastIndexOf('/');
  return slash < 0
    ? { folder: '', name: relPath }
    : { folder: relPath.slice(0, slash), name: relPath.slice(slash + 1) };
}

// Timestamps of files are compared to the millisecond: stat() gives fractions that
// survive neither every filesystem nor the INTEGER column.
function wholeMs(mtimeMs: number): number {
  return Math.trunc(mtimeMs);
}

/**
 * Re-derives a photo's grid badge from its dataset items and predictions. Every table
 * whose rows decide the badge (dataset items, masks, predictions) calls it after a change.
 */
export function refreshPhotoStatus(sql: Statements, photoId: number): void {
  sql.run(
    `UPDATE photos SET status = CASE
       WHEN EXISTS (SELECT 1 FROM dataset_items i WHERE i.photo_id = :id AND i.status = 'reviewed') THEN 'reviewed'
       WHEN EXISTS (SELECT 1 FROM dataset_items i WHERE i.photo_id = :id AND i.status = 'corrected') THEN 'corrected'
       WHEN EXISTS (SELECT 1 FROM dataset_items i WHERE i.photo_id = :id AND i.status = 'predicted')
         OR EXISTS (SELECT 1 FROM predictions r WHERE r.photo_id = :id) THEN 'predicted'
       ELSE 'none' END
     WHERE id = :id`,
    { id: photoId },
  );
}

export class PhotoTables extends StoreTables {
  get(id: number): Photo | undefined {
    const row = this.sql.get<PhotoRow>(`SELECT ${PHOTO_COLUMNS} FROM photos p WHERE p.id = ?`, id);
    return row ? toPhoto(row) : undefined;
  }

  getByPath(rootId: number, relPath: string): Photo | undefined {
    const row = this.sql.get<PhotoRow>(`SELECT ${PHOTO_COLUMNS} FROM photos p WHERE p.root_id = ? AND p.rel_path = ?`, rootId, relPath);
    return row ? toPhoto(row) : undefined;
  }

  location(id: number): PhotoLocation | undefined {
    const row = this.sql.get<PhotoRow & { root_path: string; root_closed: string | null }>(
      `SELECT ${PHOTO_COLUMNS}, r.path AS root_path, r.closed_at AS root_closed
       FROM photos p JOIN library_roots r ON r.id = p.root_id WHERE p.id = ?`,
      id,
    );
    return row ? { photo: toPhoto(row), rootPath: row.root_path, rootOpen: row.root_closed === null } : undefined;
  }

  /** Present (not missing) photos of a root, by path: for imports that pair files with photos. */
  listPresent(rootId: number): Photo[] {
    return this.sql
      .all<PhotoRow>(`SELECT ${PHOTO_COLUMNS} FROM photos p WHERE p.root_id = ? AND p.missing = 0 ORDER BY p.rel_path`, rootId)
      .map(toPhoto);
  }

  /** Every photo row of a root, for comparing with a walk of its folder. */
  listFileStates(rootId: number): PhotoFileState[] {
    return this.sql.all<PhotoFileStateRow>(`SELECT ${FILE_STATE_COLUMNS} FROM photos WHERE root_id = ?`, rootId).map(toPhotoFileState);
  }

  /** Photos with this content, present or missing, in any root (move detection). */
  findByHash(hash: string): PhotoFileState[] {
    return this.sql.all<PhotoFileStateRow>(`SELECT ${FILE_STATE_COLUMNS} FROM photos WHERE hash = ? ORDER BY id`, hash).map(toPhotoFileState);
  }

  /**
   * Records a probed file at (root, relPath): a new row, or the existing row updated in
   * place (an edited file keeps its id, so its masks stay attached).
   */
  upsert(rootId: number, relPath: string, mtimeMs: number, facts: PhotoFacts): Photo {
    const now = this.timestamp();
    const { folder, name } = splitRelPath(relPath);
    this.sql.run(
      `INSERT INTO photos (root_id, rel_path, folder, name, hash, byte_size, mtime_ms, width, height, format,
         captured_at, camera, lens, f_number, focal_length, missing, added_at, updated_at)
       VALUES (:rootId, :relPath, :folder, :name, :hash, :byteSize, :mtimeMs, :width, :height, :format,
         :capturedAt, :camera, :lens, :fNumber, :focalLength, 0, :now, :now)
       ON CONFLICT (root_id, rel_path) DO UPDATE SET
         hash = excluded.hash, byte_size = excluded.byte_size, mtime_ms = excluded.mtime_ms,
         width = excluded.width, height = excluded.height, format = excluded.format,
         captured_at = excluded.captured_at, camera = excluded.camera, lens = excluded.lens,
         f_number = excluded.f_number, focal_length = excluded.focal_length,
         missing = 0, updated_at = excluded.updated_at`,
      {
        rootId,
        relPath,
        folder,
        name,
        hash: facts.hash,
        byteSize: facts.byteSize,
        mtimeMs: wholeMs(mtimeMs),
        width: facts.width,
        height: facts.height,
        format: facts.format,
        capturedAt: facts.capturedAt,
        camera: facts.camera,
        lens: facts.lens,
        fNumber: facts.fNumber,
        focalLength: facts.focalLength,
        now,
      },
    );
    return this.getByPath(rootId, relPath)!;
  }

  /**
   * Moves a photo row to a new place (same content found elsewhere). The id stays, and
   * with it every mask, prediction and dataset membership.
   */
  move(id: number, rootId: number, relPath: string, mtimeMs: number): Photo {
    const occupant = this.sql.value<number>('SELECT id FROM photos WHERE root_id = ? AND rel_path = ?', rootId, relPath);
    if (occupant !== undefined && occupant !== id) {
      throw new StudioError('conflict', `Another photo is already recorded at ${relPath}.`);
    }
    const { folder, name } = splitRelPath(relPath);
    const changes = this.sql.run(
      `UPDATE photos SET root_id = ?, rel_path = ?, folder = ?, name = ?, mtime_ms = ?, missing = 0, updated_at = ?
       WHERE id = ?`,
      rootId,
      relPath,
      folder,
      name,
      wholeMs(mtimeMs),
      this.timestamp(),
      id,
    ).changes;
    if (changes === 0) {
      throw new StudioError('not-found', `Photo ${id} does not exist.`);
    }
    return this.get(id)!;
  }

  /** The file was touched but its content (hash) is the same: only remember the new mtime. */
  touch(id: number, mtimeMs: number): void {
    this.sql.run('UPDATE photos SET mtime_ms = ?, missing = 0 WHERE id = ?', wholeMs(mtimeMs), id);
  }

  /** Marks photos whose files are gone; their rows (and masks) stay until the file returns. */
  markMissing(ids: readonly number[]): number {
    const now = this.timestamp();
    return this.transaction(() => {
      let changed = 0;
      for (const id of ids) {
        changed += this.sql.run('UPDATE photos SET missing = 1, updated_at = ? WHERE id = ? AND missing = 0', now, id).changes;
      }
      return changed;
    });
  }

  /** Present photos of open roots. */
  countPresent(): number {
    return this.sql.value<number>(`SELECT COUNT(*) FROM photos p WHERE ${OPEN_ROOT_CONDITION} AND p.missing = 0`) ?? 0;
  }

  // ---------------------------------------------------------------- the grid

  #openRoots(): OpenRoots {
    const roots = this.sql.all<{ id: number; closed: number }>('SELECT id, closed_at IS NOT NULL AS closed FROM library_roots');
    return roots.every((root) => root.closed === 0) ? { all: true } : { all: false, ids: roots.filter((root) => root.closed === 0).map((root) => root.id) };
  }

  /**
   * The grid query: the page's ids first (a sort or an index walk over narrow rows),
   * then those rows only, so that paging deep into a sorted library stays cheap.
   */
  #querySql(query: ParsedPhotoQuery): { count: string; page: string; params: Record<string, unknown> } {
    const { where, orderBy, params } = buildPhotoQuery(query, this.#openRoots());
    return {
      count: `SELECT COUNT(*) FROM photos p WHERE ${where}`,
      page:
        `SELECT ${PHOTO_COLUMNS} FROM (SELECT p.id AS id FROM photos p WHERE ${where} ORDER BY ${orderBy} LIMIT :limit OFFSET :offset) AS page ` +
        // CROSS JOIN keeps SQLite from reordering: the page drives, photos is probed by id.
        `CROSS JOIN photos p ON p.id = page.id ORDER BY ${orderBy}`,
      params,
    };
  }

  /** One page of the grid. */
  query(query: ParsedPhotoQuery): PhotoPage {
    const { count, page, params } = this.#querySql(query);
    const total = this.sql.value<number>(count, params) ?? 0;
    const rows = this.sql.all<PhotoRow>(page, { ...params, limit: query.limit, offset: query.offset });
    return { total, offset: query.offset, photos: rows.map(toPhoto) };
  }

  /** Ids of every photo the grid query matches (its paging ignored), in its order. */
  listIds(query: ParsedPhotoQuery): number[] {
    const { where, orderBy, params } = buildPhotoQuery(query, this.#openRoots());
    return this.sql.all<{ id: number }>(`SELECT p.id FROM photos p WHERE ${where} ORDER BY ${orderBy}`, params).map((row) => row.id);
  }

  /** SQL of the grid query, for EXPLAIN QUERY PLAN in tests and benchmarks. */
  querySqlForTests(query: ParsedPhotoQuery): { count: string; sql: string; params: Record<string, unknown> } {
    const { count, page, params } = this.#querySql(query);
    return { count, sql: page, params: { ...params, limit: query.limit, offset: query.offset } };
  }

  /** Values to filter on, with counts, over present photos of open roots. */
  facets(rootId?: number): Facets {
    const scope = rootId === undefined ? `${OPEN_ROOT_CONDITION} AND p.missing = 0` : `${OPEN_ROOT_CONDITION} AND p.missing = 0 AND p.root_id = :rootId`;
    const params = rootId === undefined ? {} : { rootId };
    const folders = this.sql.all<{ folder: string; count: number }>(
      `SELECT p.folder AS folder, COUNT(*) AS count FROM photos p WHERE ${scope} GROUP BY p.folder ORDER BY p.folder`,
      params,
    );
    const valueCounts = <T>(column: string): { value: T; count: number }[] =>
      this.sql.all<{ value: T; count: number }>(
        `SELECT p.${column} AS value, COUNT(*) AS count FROM photos p
         WHERE ${scope} AND p.${column} IS NOT NULL GROUP BY p.${column} ORDER BY count DESC, value`,
        params,
      );
    const statuses = Object.fromEntries(PHOTO_STATUSES.map((status) => [status, 0])) as Record<PhotoStatus, number>;
    let total = 0;
    for (const { status, count } of this.sql.all<{ status: PhotoStatus; count: number }>(
      `SELECT p.status AS status, COUNT(*) AS count FROM photos p WHERE ${scope} GROUP BY p.status`,
      params,
    )) {
      statuses[status] = count;
      total += count;
    }
    return {
      folders,
      cameras: valueCounts<string>('camera'),
      lenses: valueCounts<string>('lens'),
      fNumbers: valueCounts<number>('f_number'),
      statuses,
      total,
    };
  }
}
