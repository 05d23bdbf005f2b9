/**
 * The model registry: model files by content hash, the one active model, and stored
 * evaluations of a model on a dataset split. The Store exposes one instance as
 * `store.models`.
 */
import { StudioError } from '../../api/errors';
import type { EvaluationCurves, EvaluationMetrics, ModelEvaluation, ModelRecord, Split } from '../../api/types';
import { camelCaseRow } from './camelCaseRow';
import { StoreTables } from './storeTables';

export interface NewModel {
  name: string;
  version: string;
  file: string;
  hash: string;
  metadata?: Record<string, string>;
  metrics?: Record<string, number> | null;
  parentId?: number | null;
  datasetId?: number | null;
}

export interface NewModelEvaluation {
  modelId: number;
  datasetId: number;
  split: Split;
  metrics: EvaluationMetrics;
  curves: EvaluationCurves;
  jobId?: string | null;
}

interface ModelRow {
  id: number;
  name: string;
  version: string;
  file: string;
  hash: string;
  metadata: string;
  metrics: string | null;
  parent_id: number | null;
  dataset_id: number | null;
  active: number;
  created_at: string;
}

const MODEL_FIELDS = ['id', 'name', 'version', 'file', 'hash', 'metadata', 'metrics', 'parent_id', 'dataset_id', 'active', 'created_at'] as const;

function toModelRecord(row: ModelRow): ModelRecord {
  return {
    ...camelCaseRow(row, MODEL_FIELDS),
    metadata: JSON.parse(row.metadata) as Record<string, string>,
    metrics: row.metrics === null ? null : (JSON.parse(row.metrics) as Record<string, number>),
    active: row.active !== 0,
  };
}

interface ModelEvaluationRow {
  id: number;
  model_id: number;
  dataset_id: number;
  split: Split;
  images: number;
  metrics: string;
  curves: string;
  job_id: string | null;
  created_at: string;
}

const EVALUATION_FIELDS = ['id', 'model_id', 'dataset_id', 'split', 'metrics', 'curves', 'job_id', 'created_at'] as const;

function toModelEvaluation(row: ModelEvaluationRow): ModelEvaluation {
  return {
    ...camelCaseRow(row, EVALUATION_FIELDS),
    metrics: JSON.parse(row.metrics) as EvaluationMetrics,
    curves: JSON.parse(row.curves) as EvaluationCurves,
  };
}

export class ModelTables extends StoreTables {
  /** Registers a model file; a file with the same hash is the same model (returned as is). */
  register(input: NewModel): ModelRecord {
    this.sql.run(
      `INSERT INTO models (name, version, file, hash, metadata, metrics, parent_id, dataset_id, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING`,
      input.name,
      input.version,
      input.file,
      input.hash,
      JSON.stringify(input.metadata ?? {}),
      input.metrics == null ? null : JSON.stringify(input.metrics),
      input.parentId ?? null,
      input.datasetId ?? null,
      this.timestamp(),
    );
    return this.getByHash(input.hash)!;
  }

  get(id: number): ModelRecord | undefined {
    const row = this.sql.get<ModelRow>('SELECT * FROM models WHERE id = ?', id);
    return row ? toModelRecord(row) : undefined;
  }

  /** The model registered for a file with this SHA-256, if any. */
  getByHash(hash: string): ModelRecord | undefined {
    const row = this.sql.get<ModelRow>('SELECT * FROM models WHERE hash = ?', hash);
    return row ? toModelRecord(row) : undefined;
  }

  list(): ModelRecord[] {
    return this.sql.all<ModelRow>('SELECT * FROM models ORDER BY id').map(toModelRecord);
  }

  count(): number {
    return this.sql.value<number>('SELECT COUNT(*) FROM models') ?? 0;
  }

  getActive(): ModelRecord | undefined {
    const row = this.sql.get<ModelRow>('SELECT * FROM models WHERE active = 1 LIMIT 1');
    return row ? toModelRecord(row) : undefined;
  }

  /** Makes `id` the one active model. */
  activate(id: number): ModelRecord {
    return this.transaction(() => {
      if (!this.get(id)) {
        throw new StudioError('not-found', `Model ${id} does not exist.`);
      }
      this.sql.run('UPDATE models SET active = 0 WHERE active = 1 AND id <> ?', id);
      this.sql.run('UPDATE models SET active = 1 WHERE id = ?', id);
      return this.get(id)!;
    });
  }

  /**
   * Removes a model from the registry with its predictions and evaluations; masks it
   * made keep their pixels but no longer name it, and models fine-tuned from it keep
   * theirs without a parent. The active model is refused: detection would lose its model.
   */
  deleteModel(id: number): ModelRecord {
    return this.transaction(() => {
      const row = this.sql.get<ModelRow>('SELECT * FROM models WHERE id = ?', id);
      if (!row) throw new StudioError('not-found', `Model ${id} does not exist.`);
      if (row.active !== 0) {
        throw new StudioError('conflict', `Model ${id} (${row.name} ${row.version}) is the active model; activate another one first.`);
      }
      this.sql.run('DELETE FROM models WHERE id = ?', id);
      return toModelRecord(row);
    });
  }

  // ---------------------------------------------------------------- evaluations

  saveEvaluation(input: NewModelEvaluation): ModelEvaluation {
    const result = this.sql.run(
      `INSERT INTO model_evaluations (model_id, dataset_id, split, images, metrics, curves, job_id, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      input.modelId,
      input.datasetId,
      input.split,
      input.metrics.images,
      JSON.stringify(input.metrics),
      JSON.stringify(input.curves),
      input.jobId ?? null,
      this.timestamp(),
    );
    return this.getEvaluation(Number(result.lastInsertRowid))!;
  }

  getEvaluation(id: number): ModelEvaluation | undefined {
    const row = this.sql.get<ModelEvaluationRow>('SELECT * FROM model_evaluations WHERE id = ?', id);
    return row ? toModelEvaluation(row) : undefined;
  }

  /** The most recent evaluation of a model on a dataset split. */
  latestEvaluation(modelId: number, datasetId: number, split: Split): ModelEvaluation | undefined {
    const row = this.sql.get<ModelEvaluationRow>(
      `SELECT * FROM model_evaluations WHERE model_id = ? AND dataset_id = ? AND split = ? ORDER BY id DESC LIMIT 1`,
      modelId,
      datasetId,
      split,
    );
    return row ? toModelEvaluation(row) : undefined;
  }

  /** The evaluation of a model made by one job (a fine-tune measures two models). */
  evaluationOfJob(modelId: number, jobId: string): ModelEvaluation | undefined {
    const row = this.sql.get<ModelEvaluationRow>(
      'SELECT * FROM model_evaluations WHERE model_id = ? AND job_id = ? ORDER BY id DESC LIMIT 1',
      modelId,
      jobId,
    );
    return row ? toModelEvaluation(row) : undefined;
  }

  /** Every evaluation of a model, newest first. */
  listEvaluations(modelId: number): ModelEvaluation[] {
    return this.sql
      .all<ModelEvaluationRow>('SELECT * FROM model_evaluations WHERE model_id = ? ORDER BY id DESC', modelId)
      .map(toModelEvaluation);
  }
}
