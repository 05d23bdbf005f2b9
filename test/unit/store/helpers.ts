/**
 * Helpers for store tests: in-memory databases at any schema version, table dumps, and
 * small valid values (PNG bytes, photo facts) to fill rows with.
 */
import { createHash } from 'node:crypto';
import { openDatabase } from '../../../electron/core/store/database';
import type { SqliteDatabase } from '../../../electron/core/store/database';
import { migrate } from '../../../electron/core/store/migrate';
import type { PhotoFacts } from '../../../electron/core/store/store';
import { Store } from '../../../electron/core/store/store';
import { photoQuerySchema } from '../../../electron/api/methods';
import type { PhotoQuery } from '../../../electron/api/methods';
import type { ParsedPhotoQuery } from '../../../electron/core/store/photoQuery';

/** A fresh in-memory database with no schema (user_version 0). */
export function createDb(): SqliteDatabase {
  return openDatabase(':memory:');
}

/** A fresh in-memory database migrated exactly to `version`. */
export function createDbAtVersion(version: number): SqliteDatabase {
  const db = createDb();
  migrate(db, { toVersion: version });
  return db;
}

/** A fresh in-memory store at the latest schema, with a fixed clock that ticks 1 s per call. */
export function createStore(): Store {
  let tick = Date.parse('2025-01-01T00:00:00Z');
  return new Store(createDb(), {
    now: () => new Date((tick += 1000)),
    log: () => {},
  });
}

/** The schema as SQLite records it: every table, index and trigger with its SQL. */
export function schemaDump(db: SqliteDatabase): { type: string; name: string; tbl_name: string; sql: string | null }[] {
  return db
    .prepare("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name")
    .all() as { type: string; name: string; tbl_name: string; sql: string | null }[];
}

export function tableNames(db: SqliteDatabase): string[] {
  return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[]);
}

export function columnNames(db: SqliteDatabase, table: string): string[] {
  return (db.prepare(`SELECT name FROM pragma_table_info(?) ORDER BY cid`).pluck().all(table) as string[]);
}

/** Every row of a table, ordered by rowid, restricted to `columns`. */
export function tableRows(db: SqliteDatabase, table: string, columns: string[]): Record<string, unknown>[] {
  const list = columns.map((column) => `"${column}"`).join(', ');
  return db.prepare(`SELECT ${list} FROM "${table}" ORDER BY rowid`).all() as Record<string, unknown>[];
}

/** A tiny valid PNG header followed by `seed`-dependent bytes: enough for the store. */
export function fakePng(seed: number | string, length = 64): Uint8Array {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  const body = createHash('sha256').update(String(seed)).digest();
  const bytes = new Uint8Array(length);
  bytes.set(signature);
  for (let i = signature.length; i < length; i++) {
    bytes[i] = body[i % body.length]!;
  }
  return bytes;
}

export function facts(hash: string, overrides: Partial<PhotoFacts> = {}): PhotoFacts {
  return {
    hash,
    byteSize: 1000,
    width: 640,
    height: 480,
    format: 'jpeg',
    capturedAt: null,
    camera: null,
    lens: null,
    fNumber: null,
    focalLength: null,
    ...overrides,
  };
}

export function parseQuery(query: PhotoQuery = {}): ParsedPhotoQuery {
  return photoQuerySchema.parse(query);
}
