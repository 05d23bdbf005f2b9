/**
 * The SQL of the model registry beyond register/activate: stored evaluations of a model
 * on a dataset split, and removing a model. Part of the store (the only code that writes
 * SQL); the Store exposes one instance as `store.models`, sharing its connection and clock.
 */
import { StudioError } from '../../api/errors';
import type { EvaluationCurves, EvaluationMetrics, ModelEvaluation, ModelRecord, Split } from '../../api/types';
import { toModelRecord } from './rows';
import type { ModelRow } from './rows';
import type { Statements } from './statements';

/** What ModelTables borrows from the Store that owns it. */
export interface ModelTablesDeps {
  sql: Statements;
  transaction: <T>(work: () => T) => T;
  timestamp: () => string;
}

export interface NewModelEvaluation {
  modelId: number;
  datasetId: number;
  split: Split;
  metrics: EvaluationMetrics;
  curves: EvaluationCurves;
  jobId?: string | null;
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

function toModelEvaluation(row: ModelEvaluationRow): ModelEvaluation {
  return {
    id: row.id,
    modelId: row.model_id,
    datasetId: row.dataset_id,
    split: row.split,
    metrics: JSON.parse(row.metrics) as EvaluationMetrics,
    curves: JSON.parse(row.curves) as EvaluationCurves,
    jobId: row.job_id,
    createdAt: row.created_at,
  };
}

export class ModelTables {
  readonly #deps: ModelTablesDeps;

  constructor(deps: ModelTablesDeps) {
    this.#deps = deps;
  }

  /** The model registered for a file with this SHA-256, if any. */
  getByHash(hash: string): ModelRecord | undefined {
    const row = this.#deps.sql.get<ModelRow>('SELECT * FROM models WHERE hash = ?', hash);
    return row ? toModelRecord(row) : undefined;
  }

  /**
   * Removes a model from the registry with its predictions and evaluations; masks it
   * made keep their pixels but no longer name it, and models fine-tuned from it keep
   * theirs without a parent. The active model is refused: detection would lose its model.
   */
  deleteModel(id: number): ModelRecord {
    return this.#deps.transaction(() => {
      const row = this.#deps.sql.get<ModelRow>('SELECT * FROM models WHERE id = ?', id);
      if (!row) throw new StudioError('not-found', `Model ${id} does not exist.`);
      if (row.active !== 0) {
        throw new StudioError('conflict', `Model ${id} (${row.name} ${row.version}) is the active model; activate another one first.`);
      }
      this.#deps.sql.run('DELETE FROM models WHERE id = ?', id);
      return toModelRecord(row);
    });
  }

  saveEvaluation(input: NewModelEvaluation): ModelEvaluation {
    const result = this.#deps.sql.run(
      `INSERT INTO model_evaluations (model_id, dataset_id, split, images, metrics, curves, job_id, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      input.modelId,
      input.datasetId,
      input.split,
      input.metrics.images,
      JSON.stringify(input.metrics),
      JSON.stringify(input.curves),
      input.jobId ?? null,
      this.#deps.timestamp(),
    );
    return this.getEvaluation(Number(result.lastInsertRowid))!;
  }

  getEvaluation(id: number): ModelEvaluation | undefined {
    const row = this.#deps.sql.get<ModelEvaluationRow>('SELECT * FROM model_evaluations WHERE id = ?', id);
    return row ? toModelEvaluation(row) : undefined;
  }

  /** The most recent evaluation of a model on a dataset split. */
  latestEvaluation(modelId: number, datasetId: number, split: Split): ModelEvaluation | undefined {
    const row = this.#deps.sql.get<ModelEvaluationRow>(
      `SELECT * FROM model_evaluations WHERE model_id = ? AND dataset_id = ? AND split = ? ORDER BY id DESC LIMIT 1`,
      modelId,
      datasetId,
      split,
    );
    return row ? toModelEvaluation(row) : undefined;
  }

  /** The evaluation of a model made by one job (a fine-tune measures two models). */
  evaluationOfJob(modelId: number, jobId: string): ModelEvaluation | undefined {
    const row = this.#deps.sql.get<ModelEvaluationRow>(
      'SELECT * FROM model_evaluations WHERE model_id = ? AND job_id = ? ORDER BY id DESC LIMIT 1',
      modelId,
      jobId,
    );
    return row ? toModelEvaluation(row) : undefined;
  }

  /** Every evaluation of a model, newest first. */
  listEvaluations(modelId: number): ModelEvaluation[] {
    return this.#deps.sql
      .all<ModelEvaluationRow>('SELECT * FROM model_evaluations WHERE model_id = ? ORDER BY id DESC', modelId)
      .map(toModelEvaluation);
  }
}
