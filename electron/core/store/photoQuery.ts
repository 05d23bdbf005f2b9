/**
 * Turns the grid's filter/sort/page request (`photoQuerySchema`) into SQL. Every value
 * travels as a bound parameter; only whitelisted column names reach the SQL text.
 */
import type { z } from 'zod';
import type { photoQuerySchema } from '../../api/methods';

/** The grid query after schema parsing (defaults filled in). */
export type ParsedPhotoQuery = z.output<typeof photoQuerySchema>;

export interface PhotoQuerySql {
  /** Conditions on `photos p`, joined with AND ('1' when there are none). */
  where: string;
  orderBy: string;
  params: Record<string, unknown>;
}

/** Photos of closed roots stay in the database (with their masks) but leave the grid. */
export const OPEN_ROOT_CONDITION = 'p.root_id IN (SELECT id FROM library_roots WHERE closed_at IS NULL)';

/** Which roots the grid may show: all of them (the usual case), or only some. */
export type OpenRoots = { all: true } | { all: false; ids: readonly number[] };

/** Escapes LIKE wildcards so that a search for `50%` means the literal text. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}

function orderByFor(query: ParsedPhotoQuery): string {
  const dir = query.order === 'desc' ? 'DESC' : 'ASC';
  // Each order ends on a unique key so that pages never overlap or skip a photo.
  switch (query.sort) {
    case 'path':
      return `p.root_id ${dir}, p.rel_path ${dir}`;
    case 'name':
      return `p.name ${dir}, p.id ${dir}`;
    case 'capturedAt':
      return `p.captured_at ${dir} NULLS LAST, p.id ${dir}`;
    case 'addedAt':
      return `p.added_at ${dir}, p.id ${dir}`;
    case 'fNumber':
      return `p.f_number ${dir} NULLS LAST, p.id ${dir}`;
    case 'focalLength':
      return `p.focal_length ${dir} NULLS LAST, p.id ${dir}`;
    case 'byteSize':
      return `p.byte_size ${dir}, p.id ${dir}`;
  }
}

/**
 * @param openRoots when every root is open (nothing was closed) the root condition is
 *   left out entirely: then the grid indexes answer the query without reading the rows
 *   an OFFSET skips.
 */
export function buildPhotoQuery(query: ParsedPhotoQuery, openRoots: OpenRoots): PhotoQuerySql {
  const conditions: string[] = [];
  const params: Record<string, unknown> = {};

  if (!query.includeMissing) {
    conditions.push('p.missing = 0');
  }
  if (query.rootId !== undefined) {
    conditions.push('p.root_id = :rootId');
    params.rootId = query.rootId;
    if (!openRoots.all && !openRoots.ids.includes(query.rootId)) {
      conditions.push('0');
    }
  } else if (!openRoots.all) {
    const names = openRoots.ids.map((id, index) => {
      params[`root${index}`] = id;
      return `:root${index}`;
    });
    conditions.push(names.length === 0 ? '0' : `p.root_id IN (${names.join(', ')})`);
  }
  if (query.folder !== undefined) {
    const folder = query.folder.replace(/^\/+|\/+$/g, '');
    if (!query.recursive) {
      conditions.push('p.folder = :folder');
      params.folder = folder;
    } else if (folder !== '') {
      // A range instead of LIKE keeps the comparison binary (case-sensitive, like paths)
      // and lets SQLite use the folder index: '0' is the character after '/'.
      conditions.push('(p.folder = :folder OR (p.folder >= :folderFrom AND p.folder < :folderTo))');
      params.folder = folder;
      params.folderFrom = `${folder}/`;
      params.folderTo = `${folder}0`;
    }
  }
  if (query.status !== undefined && query.status.length > 0) {
    const names = query.status.map((status, index) => {
      params[`status${index}`] = status;
      return `:status${index}`;
    });
    conditions.push(`p.status IN (${names.join(', ')})`);
  }
  if (query.camera !== undefined) {
    conditions.push('p.camera = :camera');
    params.camera = query.camera;
  }
  if (query.lens !== undefined) {
    conditions.push('p.lens = :lens');
    params.lens = query.lens;
  }
  const ranges = [
    ['f_number', '>=', 'fNumberMin', query.fNumberMin],
    ['f_number', '<=', 'fNumberMax', query.fNumberMax],
    ['focal_length', '>=', 'focalLengthMin', query.focalLengthMin],
    ['focal_length', '<=', 'focalLengthMax', query.focalLengthMax],
  ] as const;
  for (const [column, operator, name, value] of ranges) {
    if (value !== undefined) {
      conditions.push(`p.${column} ${operator} :${name}`);
      params[name] = value;
    }
  }
  const search = query.search?.trim();
  if (search) {
    conditions.push("p.rel_path LIKE :search ESCAPE '\\'");
    params.search = `%${escapeLike(search)}%`;
  }

  return { where: conditions.length === 0 ? '1' : conditions.join(' AND '), orderBy: orderByFor(query), params };
}
