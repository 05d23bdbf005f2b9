/**
 * Brings a database to the latest schema: `PRAGMA user_version` holds the version, every
 * pending migration runs inside one transaction (all or nothing), and a database written
 * by a newer studio is refused rather than misread.
 */
import type { SqliteDatabase } from './database';
import { MIGRATIONS } from './migrations';
import type { Migration } from './migrations';

/** The database was written by a newer studio whose schema this one does not know. */
export class DatabaseFromFutureError extends Error {
  constructor(
    readonly databaseVersion: number,
    readonly latestKnownVersion: number,
  ) {
    super(
      `The database has schema version ${databaseVersion}, newer than this studio knows ` +
        `(${latestKnownVersion}). It was written by a newer version of DeFusion Studio; ` +
        'update the studio or open another database.',
    );
    this.name = 'DatabaseFromFutureError';
  }
}

export interface MigrateOptions {
  /** Defaults to every known migration. */
  migrations?: readonly Migration[];
  /** Stop at this version (tests build databases at old versions). Defaults to the last. */
  toVersion?: number;
}

export interface MigrateResult {
  from: number;
  to: number;
  applied: string[];
}

export function getSchemaVersion(db: SqliteDatabase): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Throws unless versions are positive integers in strictly increasing order. */
export function assertMigrationOrder(migrations: readonly Migration[]): void {
  let previous = 0;
  for (const migration of migrations) {
    if (!Number.isInteger(migration.version) || migration.version <= previous) {
      throw new Error(
        `Migration ${migration.version}-${migration.name} is out of order: ` +
          `versions must be integers increasing from ${previous}.`,
      );
    }
    previous = migration.version;
  }
}

/** Applies every pending migration up to `toVersion` in a single transaction. */
export function migrate(db: SqliteDatabase, options: MigrateOptions = {}): MigrateResult {
  const migrations = options.migrations ?? MIGRATIONS;
  assertMigrationOrder(migrations);
  const latest = migrations[migrations.length - 1]?.version ?? 0;
  const target = options.toVersion ?? latest;
  if (target !== 0 && !migrations.some((migration) => migration.version === target)) {
    throw new Error(`There is no migration with version ${target}.`);
  }

  const from = getSchemaVersion(db);
  if (from > latest) {
    throw new DatabaseFromFutureError(from, latest);
  }
  const pending = migrations.filter((migration) => migration.version > from && migration.version <= target);
  if (pending.length === 0) {
    return { from, to: from, applied: [] };
  }

  // Foreign keys cannot be toggled inside a transaction; migrations that rebuild a table
  // need them off, and `foreign_key_check` afterwards proves nothing was orphaned.
  const foreignKeys = db.pragma('foreign_keys', { simple: true }) as number;
  db.pragma('foreign_keys = OFF');
  try {
    db.transaction(() => {
      for (const migration of pending) {
        migration.up(db);
      }
      const violations = db.pragma('foreign_key_check') as unknown[];
      if (violations.length > 0) {
        throw new Error(`Migration left ${violations.length} foreign key violation(s).`);
      }
      db.pragma(`user_version = ${pending[pending.length - 1]!.version}`);
    })();
  } finally {
    db.pragma(`foreign_keys = ${foreignKeys ? 'ON' : 'OFF'}`);
  }
  return { from, to: getSchemaVersion(db), applied: pending.map((m) => `${m.version}-${m.name}`) };
}
