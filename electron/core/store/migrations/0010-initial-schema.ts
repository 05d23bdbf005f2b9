/**
 * The whole studio in one schema: library roots and photos, datasets and their items,
 * masks with every version kept, predictions per model, the model registry and jobs.
 *
 * Masks and probability maps are PNG blobs inside the database, so that one SQLite
 * transaction saves an annotation completely or not at all (WAL makes a crash safe).
 */
import type { Migration } from './types';

export const migration0010: Migration = {
  version: 10,
  name: 'initial-schema',
  up(db) {
    db.exec(`
      CREATE TABLE library_roots (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL UNIQUE,
        added_at TEXT NOT NULL,
        last_scan_at TEXT,
        -- NULL while open. Closing keeps the root's photos and their masks, so that
        -- opening the folder again brings every annotation back.
        closed_at TEXT
      );

      CREATE TABLE photos (
        id INTEGER PRIMARY KEY,
        root_id INTEGER NOT NULL REFERENCES library_roots(id) ON DELETE CASCADE,
        rel_path TEXT NOT NULL,
        folder TEXT NOT NULL,
        name TEXT NOT NULL,
        hash TEXT NOT NULL,
        byte_size INTEGER NOT NULL,
        mtime_ms INTEGER NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        format TEXT NOT NULL,
        captured_at TEXT,
        camera TEXT,
        lens TEXT,
        f_number REAL,
        focal_length REAL,
        status TEXT NOT NULL DEFAULT 'none'
          CHECK (status IN ('none', 'predicted', 'corrected', 'reviewed')),
        missing INTEGER NOT NULL DEFAULT 0,
        added_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (root_id, rel_path)
      );
      CREATE INDEX photos_hash ON photos(hash);
      -- The grid pages through present photos (missing = 0) in one of these orders. With
      -- missing first, the rows an OFFSET skips are walked in the index, never read.
      CREATE INDEX photos_grid_path ON photos(missing, root_id, rel_path);
      CREATE INDEX photos_grid_name ON photos(missing, name);
      CREATE INDEX photos_grid_captured ON photos(missing, captured_at);
      CREATE INDEX photos_grid_size ON photos(missing, byte_size);
      -- Aperture and focal length decide how much of a photo is defocused: sorted and
      -- filtered by range often.
      CREATE INDEX photos_grid_f_number ON photos(missing, f_number);
      CREATE INDEX photos_grid_focal_length ON photos(missing, focal_length);
      CREATE INDEX photos_grid_status ON photos(missing, status, root_id, rel_path);
      CREATE INDEX photos_root_folder ON photos(root_id, folder, rel_path);
      CREATE INDEX photos_camera ON photos(camera);

      CREATE TABLE photo_errors (
        root_id INTEGER NOT NULL REFERENCES library_roots(id) ON DELETE CASCADE,
        rel_path TEXT NOT NULL,
        reason TEXT NOT NULL,
        at TEXT NOT NULL,
        PRIMARY KEY (root_id, rel_path)
      );

      -- Keyed by content hash: a moved or duplicated photo shares its thumbnail.
      CREATE TABLE thumbnails (
        hash TEXT PRIMARY KEY,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        mime_type TEXT NOT NULL,
        bytes BLOB NOT NULL
      );

      CREATE TABLE models (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        version TEXT NOT NULL,
        file TEXT NOT NULL,
        hash TEXT NOT NULL,
        metadata TEXT NOT NULL DEFAULT '{}',
        metrics TEXT,
        parent_id INTEGER REFERENCES models(id) ON DELETE SET NULL,
        dataset_id INTEGER REFERENCES datasets(id) ON DELETE SET NULL,
        active INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        UNIQUE (hash)
      );

      CREATE TABLE datasets (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        description TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL
      );

      CREATE TABLE dataset_items (
        dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
        photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
        split TEXT CHECK (split IN ('train', 'test')),
        status TEXT NOT NULL DEFAULT 'unlabelled'
          CHECK (status IN ('unlabelled', 'predicted', 'corrected', 'reviewed', 'rejected')),
        comment TEXT,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (dataset_id, photo_id)
      );
      CREATE INDEX dataset_items_photo ON dataset_items(photo_id);
      CREATE INDEX dataset_items_status ON dataset_items(dataset_id, status);

      CREATE TABLE masks (
        id INTEGER PRIMARY KEY,
        dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
        photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
        current_version_id INTEGER REFERENCES mask_versions(id),
        UNIQUE (dataset_id, photo_id)
      );
      CREATE INDEX masks_photo ON masks(photo_id);

      CREATE TABLE mask_versions (
        id INTEGER PRIMARY KEY,
        mask_id INTEGER NOT NULL REFERENCES masks(id) ON DELETE CASCADE,
        png BLOB NOT NULL,
        author TEXT NOT NULL CHECK (author IN ('human', 'model')),
        author_name TEXT,
        model_id INTEGER REFERENCES models(id) ON DELETE SET NULL,
        status TEXT NOT NULL
          CHECK (status IN ('unlabelled', 'predicted', 'corrected', 'reviewed', 'rejected')),
        blur_fraction REAL NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX mask_versions_mask ON mask_versions(mask_id, id);

      CREATE TABLE predictions (
        id INTEGER PRIMARY KEY,
        photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
        model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
        png BLOB NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        mean_probability REAL NOT NULL,
        uncertainty REAL NOT NULL,
        device TEXT NOT NULL,
        duration_ms REAL NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (photo_id, model_id)
      );
      CREATE INDEX predictions_model ON predictions(model_id);

      CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        title TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
        params TEXT NOT NULL DEFAULT '{}',
        done INTEGER NOT NULL DEFAULT 0,
        total INTEGER NOT NULL DEFAULT 0,
        message TEXT,
        error TEXT,
        result TEXT,
        created_at TEXT NOT NULL,
        finished_at TEXT
      );
      CREATE INDEX jobs_created ON jobs(created_at);
    `);
  },
};
