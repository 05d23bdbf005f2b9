/**
 * Opens the studio's SQLite database with the settings every connection must have.
 */
import Database from 'better-sqlite3';
import { sqliteBindingOptions } from './sqliteBinding';
import { explainSqliteLoadError } from './sqliteBindingGuard';

export type SqliteDatabase = Database.Database;

export interface OpenDatabaseOptions {
  /** Open without write access (inspection tools). */
  readonly?: boolean;
  /** How long a statement waits for another connection's lock before failing (ms). */
  busyTimeoutMs?: number;
}

/**
 * Opens `filename` (a path, or ':memory:') and applies the connection pragmas.
 *
 * - `journal_mode = WAL`: readers never block the writer, and a commit is one append to
 *   the WAL file, so a process that dies mid-transaction leaves the last commit intact.
 * - `synchronous = FULL`: with WAL, NORMAL would already keep every committed save
 *   through a process crash (SIGKILL, a segfault in native inference code): the frames
 *   are in the operating system's cache before COMMIT returns. NORMAL can only lose the
 *   most recent commits on an OS crash or a power cut. FULL also fsyncs the WAL on each
 *   commit, which closes that gap too; saves are user-paced and scans write in batches,
 *   so one fsync per commit costs little, and "a saved mask is never lost" holds even
 *   when the laptop's battery dies.
 * - `foreign_keys = ON`: SQLite leaves them off per connection by default.
 * - `busy_timeout`: the PyTorch trainer and inspection tools may hold a read lock.
 */
export function openDatabase(filename: string, options: OpenDatabaseOptions = {}): SqliteDatabase {
  let db: SqliteDatabase;
  try {
    // Inside Electron, the addon built for Electron's ABI (sqliteBinding.ts); under Node, npm's.
    db = new Database(filename, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false, ...sqliteBindingOptions() });
  } catch (error) {
    throw explainSqliteLoadError(error);
  }
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5000))}`);
    if (!options.readonly && filename !== ':memory:') {
      db.pragma('journal_mode = WAL');
    }
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    // Masks and thumbnails are blobs; a larger page cache keeps the grid queries in memory.
    db.pragma('cache_size = -16000');
    db.pragma('temp_store = MEMORY');
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}
