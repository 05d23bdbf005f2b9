/**
 * Measured quality of a model on a dataset split: the DBD metrics and the curves behind
 * them (PR, F-measure, ROC), one row per evaluation. A fine-tune evaluates the model it
 * started from and the model it made on the same test photos, so that both stay
 * comparable side by side after the studio restarts, and a later evaluation never
 * overwrites an earlier one (the ground truth may have been corrected in between).
 */
import type { Migration } from './types';

export const migration0030: Migration = {
  version: 30,
  name: 'model-evaluations',
  up(db) {
    db.exec(`
      CREATE TABLE model_evaluations (
        id INTEGER PRIMARY KEY,
        model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
        dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
        split TEXT NOT NULL CHECK (split IN ('train', 'test')),
        images INTEGER NOT NULL,
        -- JSON: the metric summary (MAE, mean/max/adaptive F with beta^2 = 0.3, IoU, AUC).
        metrics TEXT NOT NULL,
        -- JSON: the curves at the 256 thresholds.
        curves TEXT NOT NULL,
        -- The job that measured it (a fine-tune), when there was one.
        job_id TEXT,
        created_at TEXT NOT NULL
      );
      CREATE INDEX model_evaluations_model ON model_evaluations(model_id, dataset_id, split, id);
      CREATE INDEX model_evaluations_dataset ON model_evaluations(dataset_id);
    `);
  },
};
