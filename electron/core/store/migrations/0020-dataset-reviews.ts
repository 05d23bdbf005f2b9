/**
 * Review decisions on dataset items. A reviewer accepts or rejects the mask version they
 * looked at, with a name and a comment; every decision is kept (the item's status and
 * comment only show the latest), so that a dataset's history says who approved which
 * mask and when, and a mask changed after its review can be told from a reviewed one.
 */
import type { Migration } from './types';

export const migration0020: Migration = {
  version: 20,
  name: 'dataset-reviews',
  up(db) {
    db.exec(`
      CREATE TABLE dataset_reviews (
        id INTEGER PRIMARY KEY,
        dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
        photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
        -- The version that was judged; NULL once that version is gone with its mask.
        mask_version_id INTEGER REFERENCES mask_versions(id) ON DELETE SET NULL,
        decision TEXT NOT NULL CHECK (decision IN ('accepted', 'rejected')),
        reviewer TEXT,
        comment TEXT,
        created_at TEXT NOT NULL
      );
      CREATE INDEX dataset_reviews_item ON dataset_reviews(dataset_id, photo_id, id);
    `);
  },
};
