/**
 * Every database a released studio may have written must upgrade to exactly the schema
 * of a fresh install, keeping its rows: for each version v, build at v, fill with
 * fixture rows, migrate to the latest, compare sqlite_master and the rows.
 */
import { describe, expect, it } from 'vitest';
import type { SqliteDatabase } from '../../../electron/core/store/database';
import { openDatabase } from '../../../electron/core/store/database';
import { assertMigrationOrder, DatabaseFromFutureError, getSchemaVersion, migrate } from '../../../electron/core/store/migrate';
import { LATEST_VERSION, MIGRATIONS } from '../../../electron/core/store/migrations';
import { Store } from '../../../electron/core/store/store';
import { columnNames, createDb, createDbAtVersion, fakePng, schemaDump, tableNames, tableRows } from './helpers';

/**
 * Rows written at each version, touching every table that exists then. A new migration
 * needs its entry here (the test below fails without one), so that upgrading from it is
 * tested with data, not just an empty schema.
 */
const FIXTURES: Record<number, (db: SqliteDatabase) => void> = {
  10(db) {
    const at = '2025-01-01T00:00:00.000Z';
    db.prepare('INSERT INTO library_roots (id, path, added_at, last_scan_at) VALUES (1, ?, ?, ?)').run('/photos', at, at);
    const photo = db.prepare(
      `INSERT INTO photos (id, root_id, rel_path, folder, name, hash, byte_size, mtime_ms, width, height, format,
         captured_at, camera, lens, f_number, focal_length, status, missing, added_at, updated_at)
       VALUES (?, 1, ?, ?, ?, ?, 1000, 1700000000000, 640, 480, 'jpeg', ?, 'Canon EOS R5', 'RF 50mm', 1.8, 50, ?, 0, ?, ?)`,
    );
    photo.run(1, 'a/one.jpg', 'a', 'one.jpg', 'h1', at, 'corrected', at, at);
    photo.run(2, 'two.jpg', '', 'two.jpg', 'h2', null, 'predicted', at, at);
    db.prepare('INSERT INTO photo_errors (root_id, rel_path, reason, at) VALUES (1, ?, ?, ?)').run('bad.jpg', 'corrupt', at);
    db.prepare("INSERT INTO thumbnails (hash, width, height, mime_type, bytes) VALUES ('h1', 64, 48, 'image/jpeg', ?)").run(
      Buffer.from([1, 2, 3]),
    );
    db.prepare('INSERT INTO datasets (id, name, description, created_at) VALUES (1, ?, ?, ?)').run('cuhk', 'imported', at);
    db.prepare(
      `INSERT INTO models (id, name, version, file, hash, metadata, metrics, parent_id, dataset_id, active, created_at)
       VALUES (1, 'defusionnet', '1.0.0', 'models/defusionnet.onnx', 'mh1', '{"trainSize":"320"}', '{"mae":0.1}', NULL, 1, 1, ?)`,
    ).run(at);
    db.prepare("INSERT INTO dataset_items (dataset_id, photo_id, split, status, updated_at) VALUES (1, 1, 'train', 'corrected', ?)").run(at);
    db.prepare('INSERT INTO masks (id, dataset_id, photo_id) VALUES (1, 1, 1)').run();
    db.prepare(
      `INSERT INTO mask_versions (id, mask_id, png, author, author_name, model_id, status, blur_fraction, created_at)
       VALUES (1, 1, ?, 'model', NULL, 1, 'predicted', 0.25, ?), (2, 1, ?, 'human', 'ann', NULL, 'corrected', 0.3, ?)`,
    ).run(Buffer.from(fakePng(1)), at, Buffer.from(fakePng(2)), at);
    db.prepare('UPDATE masks SET current_version_id = 2 WHERE id = 1').run();
    db.prepare(
      `INSERT INTO predictions (photo_id, model_id, png, width, height, mean_probability, uncertainty, device, duration_ms, created_at)
       VALUES (2, 1, ?, 640, 480, 0.4, 0.1, 'cpu', 120, ?)`,
    ).run(Buffer.from(fakePng(3)), at);
    db.prepare(
      "INSERT INTO jobs (id, kind, title, state, params, done, total, created_at, finished_at) VALUES ('j1', 'library.scan', 'Scan', 'done', '{}', 2, 2, ?, ?)",
    ).run(at, at);
  },
  20(db) {
    // The rows of version 10, plus a review of the corrected mask.
    FIXTURES[10]!(db);
    db.prepare(
      `INSERT INTO dataset_reviews (id, dataset_id, photo_id, mask_version_id, decision, reviewer, comment, created_at)
       VALUES (1, 1, 1, 2, 'accepted', 'rev', 'fine edges', '2025-01-02T00:00:00.000Z')`,
    ).run();
  },
  30(db) {
    // The rows of version 20, plus a fine-tuned model and both models' evaluations.
    FIXTURES[20]!(db);
    const at = '2025-02-01T00:00:00.000Z';
    db.prepare(
      `INSERT INTO models (id, name, version, file, hash, metadata, metrics, parent_id, dataset_id, active, created_at)
       VALUES (2, 'defusionnet', '1.0.0-ft.cuhk.1', '/data/finetune/run/model.onnx', 'mh2', '{"finetune_steps":"500"}', '{"mae":0.08}', 1, 1, 0, ?)`,
    ).run(at);
    const evaluation = db.prepare(
      `INSERT INTO model_evaluations (model_id, dataset_id, split, images, metrics, curves, job_id, created_at)
       VALUES (?, 1, 'test', 1, ?, ?, 'j2', ?)`,
    );
    evaluation.run(1, '{"images":1,"mae":0.1}', '{"thresholds":[0,1]}', at);
    evaluation.run(2, '{"images":1,"mae":0.08}', '{"thresholds":[0,1]}', at);
  },
  40(db) {
    // The rows of version 30, plus a process with the database open and a job it runs.
    FIXTURES[30]!(db);
    const at = '2025-03-01T00:00:00.000Z';
    db.prepare("INSERT INTO studio_processes (id, pid, host, role, started_at, heartbeat_at) VALUES ('p1', 4242, 'box', 'studio', ?, ?)").run(at, at);
    db.prepare(
      "INSERT INTO jobs (id, kind, title, state, params, done, total, created_at, owner) VALUES ('j3', 'detect.run', 'Detect', 'running', '{}', 1, 9, ?, 'p1')",
    ).run(at);
  },
};

function snapshotRows(db: SqliteDatabase): Map<string, { columns: string[]; rows: Record<string, unknown>[] }> {
  const snapshot = new Map<string, { columns: string[]; rows: Record<string, unknown>[] }>();
  for (const table of tableNames(db)) {
    const columns = columnNames(db, table);
    snapshot.set(table, { columns, rows: tableRows(db, table, columns) });
  }
  return snapshot;
}

describe('migrations', () => {
  it('are listed in increasing version order, in steps that leave room for fix-ups', () => {
    expect(() => assertMigrationOrder(MIGRATIONS)).not.toThrow();
    for (const migration of MIGRATIONS) {
      expect(migration.version % 10, `${migration.version}-${migration.name}`).toBe(0);
    }
    expect(LATEST_VERSION).toBe(MIGRATIONS[MIGRATIONS.length - 1]!.version);
  });

  it('refuses an out-of-order list', () => {
    const [first] = MIGRATIONS;
    expect(() => assertMigrationOrder([first!, { ...first!, name: 'again' }])).toThrow(/out of order/);
    expect(() => migrate(createDb(), { migrations: [first!, first!] })).toThrow(/out of order/);
  });

  it('installs the latest schema on an empty database, and a second run changes nothing', () => {
    const db = createDb();
    const result = migrate(db);
    expect(result).toMatchObject({ from: 0, to: LATEST_VERSION });
    expect(result.applied).toHaveLength(MIGRATIONS.length);
    expect(migrate(db)).toEqual({ from: LATEST_VERSION, to: LATEST_VERSION, applied: [] });
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    db.close();
  });

  for (const migration of MIGRATIONS) {
    it(`upgrades a database at version ${migration.version} (${migration.name}) to the fresh-install schema, keeping its rows`, () => {
      const fill = FIXTURES[migration.version];
      expect(fill, `FIXTURES needs rows for version ${migration.version}`).toBeTypeOf('function');

      const old = createDbAtVersion(migration.version);
      expect(getSchemaVersion(old)).toBe(migration.version);
      fill!(old);
      const before = snapshotRows(old);

      migrate(old);
      expect(getSchemaVersion(old)).toBe(LATEST_VERSION);

      const fresh = createDbAtVersion(LATEST_VERSION);
      expect(schemaDump(old)).toEqual(schemaDump(fresh));

      // Rows survive: every column that existed before still holds the same values
      // (a later migration may add columns or tables, never silently drop data).
      for (const [table, { columns, rows }] of before) {
        const now = columnNames(old, table);
        const kept = columns.filter((column) => now.includes(column));
        expect(tableRows(old, table, kept), table).toEqual(rows.map((row) => Object.fromEntries(kept.map((c) => [c, row[c]]))));
      }
      expect(old.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(old.pragma('foreign_key_check')).toEqual([]);

      // And the store reads the upgraded rows.
      const store = new Store(old, { log: () => {} });
      expect(store.counts().photos).toBeGreaterThan(0);
      store.close();
      fresh.close();
    });
  }

  it('refuses a database written by a newer studio, and leaves it untouched', () => {
    const db = createDbAtVersion(LATEST_VERSION);
    db.pragma(`user_version = ${LATEST_VERSION + 10}`);
    const schema = schemaDump(db);
    expect(() => migrate(db)).toThrow(DatabaseFromFutureError);
    expect(() => migrate(db)).toThrow(/newer/);
    expect(getSchemaVersion(db)).toBe(LATEST_VERSION + 10);
    expect(schemaDump(db)).toEqual(schema);
    expect(() => new Store(db, { log: () => {} })).toThrow(DatabaseFromFutureError);
    db.close();
  });

  it('rolls back every pending migration when one fails', () => {
    const failing = [...MIGRATIONS, { version: LATEST_VERSION + 10, name: 'broken', up: (db: SqliteDatabase) => db.exec('CREATE TABLE x (; nonsense') }];
    const db = createDb();
    expect(() => migrate(db, { migrations: failing })).toThrow();
    expect(getSchemaVersion(db)).toBe(0);
    expect(tableNames(db)).toEqual([]);
    db.close();
  });

  it('opens files with WAL, foreign keys and FULL synchronous writes', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = await mkdtemp(join(tmpdir(), 'defusion-db-'));
    try {
      const db = openDatabase(join(dir, 'studio.db'));
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(db.pragma('synchronous', { simple: true })).toBe(2);
      expect(db.pragma('busy_timeout', { simple: true })).toBeGreaterThan(0);
      db.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
